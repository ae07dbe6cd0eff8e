// Event syscalls: zx_event_create, zx_eventpair_create.
//
// Zircon counterpart: zircon/kernel/lib/syscalls/object.cc (sys_event_create,
// sys_eventpair_create); docs/reference/syscalls/event{,pair}_create.md.

import ZX

extension Sys {
    /// zx_event_create: an event with ZX_DEFAULT_EVENT_RIGHTS.
    /// - Throws: `.invalidArgs` (options ≠ 0), `.noResources` (table full).
    static func eventCreate(_ options: UInt32) throws(ZxStatus) -> zx_handle_t {
        let context = try context()
        guard options == 0 else { throw .invalidArgs }
        let event = EventDispatcher(koid: context.kernel.allocateKoid())
        return try context.handles.add(event, event.defaultRights)
    }

    /// zx_eventpair_create: two peered events with ZX_DEFAULT_EVENTPAIR_RIGHTS.
    /// - Throws: `.notSupported` (options ≠ 0), `.noResources` (table full).
    static func eventPairCreate(_ options: UInt32) throws(ZxStatus) -> (zx_handle_t, zx_handle_t) {
        let context = try context()
        guard options == 0 else { throw .notSupported }
        let (end0, end1) = EventPairDispatcher.makePair(kernel: context.kernel)
        let handle0 = try context.handles.add(end0, end0.defaultRights)
        do {
            return (handle0, try context.handles.add(end1, end1.defaultRights))
        } catch {
            _ = try? context.handles.remove(handle0)
            throw error
        }
    }
}

// zx_status_t zx_event_create
public func zx_event_create(_ options: UInt32, _ out: inout zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in out = try Sys.eventCreate(options) }
}

// zx_status_t zx_eventpair_create
public func zx_eventpair_create(_ options: UInt32, _ out0: inout zx_handle_t,
                                _ out1: inout zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in (out0, out1) = try Sys.eventPairCreate(options) }
}
