// Object syscalls: zx_object_get_info (topic switch + per-topic functions), and
// zx_object_get_property / zx_object_set_property (ZX_PROP_NAME here, the rest via
// KernelObject.getProperty/setProperty overrides).
//
// Zircon counterpart: zircon/kernel/syscalls/object.cc (sys_object_get_info with
// single_record_result / multi_record_result, sys_object_{get,set}_property).

import ZX

/// The caller's info buffer plus the actual/avail counts, filled by a topic function.
///
/// Zircon's rules: a single-record topic with a buffer smaller than one record writes
/// actual = 0, avail = 1 and fails with BUFFER_TOO_SMALL; a multi-record topic copies as many
/// whole records as fit and reports actual/avail; copying to a nil buffer is INVALID_ARGS. The
/// counts are only reported once a topic function set them (not after lookup errors).
struct InfoOutput {
    let buffer: UnsafeMutableRawPointer?
    /// Buffer size in bytes (the size_t argument read as unsigned).
    let capacity: UInt
    private(set) var actual = 0
    private(set) var avail = 0
    private(set) var countsSet = false

    init(buffer: UnsafeMutableRawPointer?, size: Int) {
        self.buffer = buffer
        self.capacity = UInt(bitPattern: size)
    }

    /// Writes one record (a C-layout info struct).
    /// - Throws: `.bufferTooSmall`, `.invalidArgs` (nil buffer).
    mutating func single<T: BitwiseCopyable>(_ record: T) throws(ZxStatus) {
        if capacity >= UInt(MemoryLayout<T>.size) {
            guard let buffer else { throw .invalidArgs }
            withUnsafeBytes(of: record) {
                UnsafeMutableRawBufferPointer(start: buffer, count: $0.count).copyMemory(from: $0)
            }
            setCounts(actual: 1, avail: 1)
        } else {
            setCounts(actual: 0, avail: 1)
            throw .bufferTooSmall
        }
    }

    /// Writes as many of `records` as fit; avail is `records.count`.
    /// - Throws: `.invalidArgs` (nil buffer with room for a record).
    mutating func multiple<T: BitwiseCopyable>(_ records: [T]) throws(ZxStatus) {
        let stride = MemoryLayout<T>.stride
        let room = stride == 0 ? 0 : Int(min(capacity / UInt(stride), UInt(Int.max)))
        let count = min(records.count, room)
        if count > 0 {
            guard let buffer else { throw .invalidArgs }
            records.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(start: buffer, count: count * stride)
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(count * stride)))
            }
        }
        setCounts(actual: count, avail: records.count)
    }

    /// For topics that stream records themselves.
    mutating func setCounts(actual: Int, avail: Int) {
        self.actual = actual
        self.avail = avail
        countsSet = true
    }
}

extension Sys {
    /// zx_object_get_info: dispatches on `topic`. New topics add a case here and a
    /// `static func info…(_:_:_:)` in their own file.
    /// - Throws: `.notSupported` for unknown topics, and the topic's own errors.
    static func objectGetInfo(_ handle: zx_handle_t, _ topic: zx_object_info_topic_t,
                              _ out: inout InfoOutput) throws(ZxStatus) {
        let context = try context()
        switch topic {
        case ZX_INFO_HANDLE_VALID:
            try infoHandleValid(context, handle)
        case ZX_INFO_HANDLE_BASIC:
            try infoHandleBasic(context, handle, &out)
        case ZX_INFO_HANDLE_COUNT:
            try infoHandleCount(context, handle, &out)
        case ZX_INFO_PROCESS:
            try infoProcess(context, handle, &out)
        case ZX_INFO_KMEM_STATS:
            try infoKmemStats(context, handle, &out)
        case ZX_INFO_RESOURCE:
            try infoResource(context, handle, &out)
        // Task topics (Syscalls+Task.swift).
        case ZX_INFO_THREAD:
            try infoThread(context, handle, &out)
        case ZX_INFO_PROCESS_THREADS:
            try infoProcessThreads(context, handle, &out)
        // VM topics (Syscalls+InfoVM.swift).
        case ZX_INFO_VMO, ZX_INFO_VMO_V1:
            try infoVmo(context, handle, topic, &out)
        case ZX_INFO_VMAR:
            try infoVmar(context, handle, &out)
        case ZX_INFO_PROCESS_MAPS:
            try infoProcessMaps(context, handle, &out)
        case ZX_INFO_TASK_STATS:
            try infoTaskStats(context, handle, &out)
        case ZX_INFO_PROCESS_VMOS, ZX_INFO_PROCESS_VMOS_V1:
            try infoProcessVmos(context, handle, topic, &out)
        default:
            throw .notSupported
        }
    }

    /// ZX_INFO_HANDLE_VALID: succeeds iff `handle` is valid; writes nothing.
    static func infoHandleValid(_ context: ThreadContext, _ handle: zx_handle_t) throws(ZxStatus) {
        _ = try context.handles.lookup(handle)
    }

    /// ZX_INFO_HANDLE_BASIC: koid, rights, type, related_koid of any handle (no right needed).
    static func infoHandleBasic(_ context: ThreadContext, _ handle: zx_handle_t,
                                _ out: inout InfoOutput) throws(ZxStatus) {
        try out.single(basicInfo(try context.handles.lookup(handle)))
    }

    static func basicInfo(_ entry: HandleEntry) -> zx_info_handle_basic_t {
        var info = zx_info_handle_basic_t()
        info.koid = entry.object.koid
        info.rights = entry.rights
        info.type = entry.object.objectType
        info.related_koid = entry.object.relatedKoid
        return info
    }

    /// ZX_INFO_PROCESS: process handle with ZX_RIGHT_INSPECT.
    static func infoProcess(_ context: ThreadContext, _ handle: zx_handle_t,
                            _ out: inout InfoOutput) throws(ZxStatus) {
        let (process, _) = try context.handles.lookup(handle, as: ProcessDispatcher.self,
                                                      rights: ZX_RIGHT_INSPECT)
        try out.single(process.info())
    }

    /// ZX_INFO_KMEM_STATS: needs a resource handle that grants system info (the root
    /// resource); no handle right is checked, as in Zircon's validate_ranged_resource.
    static func infoKmemStats(_ context: ThreadContext, _ handle: zx_handle_t,
                              _ out: inout InfoOutput) throws(ZxStatus) {
        try validateResourceKindBase(context, handle, kind: ZX_RSRC_KIND_SYSTEM, base: ZX_RSRC_SYSTEM_INFO_BASE)
        try out.single(context.kernel.kmemStats())
    }

    /// zx_object_get_property.
    /// - Throws: `.invalidArgs` (nil value), lookup errors with GET_PROPERTY,
    ///   `.bufferTooSmall` (name buffer < ZX_MAX_NAME_LEN), `.notSupported`, or the object's.
    static func objectGetProperty(_ handle: zx_handle_t, _ property: UInt32,
                                  _ value: UnsafeMutableRawPointer?, _ valueSize: Int) throws(ZxStatus) {
        let context = try context()
        guard let value else { throw .invalidArgs }
        let (object, rights) = try context.handles.lookup(handle, as: KernelObject.self,
                                                          rights: ZX_RIGHT_GET_PROPERTY)
        let size = Int(clamping: UInt(bitPattern: valueSize))
        switch property {
        case ZX_PROP_NAME:
            let length = ZX_MAX_NAME_LEN
            guard size >= length else { throw .bufferTooSmall }
            let name = object.nameBytes
            let out = UnsafeMutableRawBufferPointer(start: value, count: length)
            out.initializeMemory(as: UInt8.self, repeating: 0)
            out.copyBytes(from: name.prefix(length - 1))
        default:
            try object.getProperty(property, into: UnsafeMutableRawBufferPointer(start: value, count: size),
                                   rights: rights)
        }
    }

    /// zx_object_set_property. Names longer than ZX_MAX_NAME_LEN - 1 bytes are truncated.
    /// - Throws: `.invalidArgs` (nil value), lookup errors with SET_PROPERTY, `.notSupported`
    ///   (unknown property or an object without a name), or the object's.
    static func objectSetProperty(_ handle: zx_handle_t, _ property: UInt32,
                                  _ value: UnsafeRawPointer?, _ valueSize: Int) throws(ZxStatus) {
        let context = try context()
        guard let value else { throw .invalidArgs }
        let (object, rights) = try context.handles.lookup(handle, as: KernelObject.self,
                                                          rights: ZX_RIGHT_SET_PROPERTY)
        let size = Int(clamping: UInt(bitPattern: valueSize))
        switch property {
        case ZX_PROP_NAME:
            let length = min(size, ZX_MAX_NAME_LEN - 1)
            try object.setName(UnsafeRawBufferPointer(start: value, count: length))
        default:
            try object.setProperty(property, from: UnsafeRawBufferPointer(start: value, count: size),
                                   rights: rights)
        }
    }
}

// zx_status_t zx_object_get_info
public func zx_object_get_info(_ handle: zx_handle_t, _ topic: zx_object_info_topic_t,
                               _ buffer: UnsafeMutableRawPointer?, _ bufferSize: Int,
                               _ actual: inout Int, _ avail: inout Int) -> zx_status_t {
    var out = InfoOutput(buffer: buffer, size: bufferSize)
    let status = ZxStatus.capture { () throws(ZxStatus) in try Sys.objectGetInfo(handle, topic, &out) }
    if out.countsSet {
        actual = out.actual
        avail = out.avail
    }
    return status
}

// zx_status_t zx_object_get_property
public func zx_object_get_property(_ handle: zx_handle_t, _ property: UInt32,
                                   _ value: UnsafeMutableRawPointer?, _ valueSize: Int) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.objectGetProperty(handle, property, value, valueSize) }
}

// zx_status_t zx_object_set_property
public func zx_object_set_property(_ handle: zx_handle_t, _ property: UInt32,
                                   _ value: UnsafeRawPointer?, _ valueSize: Int) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.objectSetProperty(handle, property, value, valueSize) }
}
