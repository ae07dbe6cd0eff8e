// Swift-native option sets and enums agree with the C constants and decode correctly.

import Testing
import ZX

@Suite("Swift-native vocabulary")
struct OptionSetTests {
    @Test func rightsMatchCConstants() {
        let pairs: [(Rights, zx_rights_t)] = [
            (.duplicate, ZX_RIGHT_DUPLICATE), (.transfer, ZX_RIGHT_TRANSFER), (.read, ZX_RIGHT_READ),
            (.write, ZX_RIGHT_WRITE), (.execute, ZX_RIGHT_EXECUTE), (.map, ZX_RIGHT_MAP),
            (.getProperty, ZX_RIGHT_GET_PROPERTY), (.setProperty, ZX_RIGHT_SET_PROPERTY),
            (.enumerate, ZX_RIGHT_ENUMERATE), (.destroy, ZX_RIGHT_DESTROY), (.setPolicy, ZX_RIGHT_SET_POLICY),
            (.getPolicy, ZX_RIGHT_GET_POLICY), (.signal, ZX_RIGHT_SIGNAL), (.signalPeer, ZX_RIGHT_SIGNAL_PEER),
            (.wait, ZX_RIGHT_WAIT), (.inspect, ZX_RIGHT_INSPECT), (.manageJob, ZX_RIGHT_MANAGE_JOB),
            (.manageProcess, ZX_RIGHT_MANAGE_PROCESS), (.manageThread, ZX_RIGHT_MANAGE_THREAD),
            (.applyProfile, ZX_RIGHT_APPLY_PROFILE), (.manageSocket, ZX_RIGHT_MANAGE_SOCKET),
            (.opChildren, ZX_RIGHT_OP_CHILDREN), (.resize, ZX_RIGHT_RESIZE), (.attachVmo, ZX_RIGHT_ATTACH_VMO),
            (.manageVmo, ZX_RIGHT_MANAGE_VMO), (.sameRights, ZX_RIGHT_SAME_RIGHTS),
            (.basic, ZX_RIGHTS_BASIC), (.io, ZX_RIGHTS_IO), (.property, ZX_RIGHTS_PROPERTY),
            (.policy, ZX_RIGHTS_POLICY), (.defaultVmo, ZX_DEFAULT_VMO_RIGHTS),
            (.defaultVmar, ZX_DEFAULT_VMAR_RIGHTS), (.defaultPager, ZX_DEFAULT_PAGER_RIGHTS),
            (.defaultPort, ZX_DEFAULT_PORT_RIGHTS), (.defaultProcess, ZX_DEFAULT_PROCESS_RIGHTS),
            (.defaultThread, ZX_DEFAULT_THREAD_RIGHTS), (.defaultJob, ZX_DEFAULT_JOB_RIGHTS),
            (.defaultChannel, ZX_DEFAULT_CHANNEL_RIGHTS), (.defaultEvent, ZX_DEFAULT_EVENT_RIGHTS),
            (.defaultResource, ZX_DEFAULT_RESOURCE_RIGHTS), (.defaultBti, ZX_DEFAULT_BTI_RIGHTS),
        ]
        for (rights, constant) in pairs {
            #expect(rights.rawValue == constant)
        }
        #expect(Rights.defaultVmo.rawValue == 0xD0EF)
        #expect(Rights.defaultVmar.rawValue == 0x208003)
        #expect(Rights.all.rawValue == 0x1FF_FFFF)
        #expect(!Rights.all.contains(.sameRights))
    }

    @Test func rightsAlgebraAndDescription() {
        // Child-VMO rights rule from the reference §1.2: snapshot children gain WRITE, lose EXECUTE.
        var child = Rights.defaultVmo.union(.execute).subtracting(.resize)
        child.formUnion(.property)
        child.insert(.write)
        child.remove(.execute)
        #expect(child == .defaultVmo)
        #expect(Rights([.read, .write]).description == "[READ, WRITE]")
        #expect(Rights().description == "[]")
        #expect(Rights(rawValue: ZX_RIGHT_MAP | (1 << 28)).description == "[MAP, 0x10000000]")
    }

    @Test func vmOptionsMatchCConstants() {
        let pairs: [(VmOptions, zx_vm_option_t)] = [
            (.permRead, ZX_VM_PERM_READ), (.permWrite, ZX_VM_PERM_WRITE), (.permExecute, ZX_VM_PERM_EXECUTE),
            (.compact, ZX_VM_COMPACT), (.specific, ZX_VM_SPECIFIC), (.specificOverwrite, ZX_VM_SPECIFIC_OVERWRITE),
            (.canMapSpecific, ZX_VM_CAN_MAP_SPECIFIC), (.canMapRead, ZX_VM_CAN_MAP_READ),
            (.canMapWrite, ZX_VM_CAN_MAP_WRITE), (.canMapExecute, ZX_VM_CAN_MAP_EXECUTE),
            (.mapRange, ZX_VM_MAP_RANGE), (.requireNonResizable, ZX_VM_REQUIRE_NON_RESIZABLE),
            (.allowFaults, ZX_VM_ALLOW_FAULTS), (.offsetIsUpperLimit, ZX_VM_OFFSET_IS_UPPER_LIMIT),
            (.permReadIfXomUnsupported, ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED),
            (.faultBeyondStreamSize, ZX_VM_FAULT_BEYOND_STREAM_SIZE),
        ]
        for (option, constant) in pairs {
            #expect(option.rawValue == constant)
        }
        #expect(VmOptions.knownFlags.rawValue == 0xFFFF)
        #expect(VmOptions.permissions.rawValue == 0x7)
    }

    @Test func vmOptionsAlignmentField() {
        var options = VmOptions(ZX_VM_PERM_READ | ZX_VM_SPECIFIC | ZX_VM_ALIGN_2MB)
        #expect(options.alignmentLog2 == 21)
        #expect(options.alignment == 2 * 1024 * 1024)
        #expect(options.hasValidAlignment)
        #expect(options.flags == [.permRead, .specific])
        options.alignmentLog2 = 32
        #expect(options.rawValue == ZX_VM_PERM_READ | ZX_VM_SPECIFIC | ZX_VM_ALIGN_4GB)
        #expect(options.alignment == 1 << 32)
        options.alignmentLog2 = 0
        #expect(options.alignment == nil)
        #expect(options.hasValidAlignment)
        #expect(options.rawValue == ZX_VM_PERM_READ | ZX_VM_SPECIFIC)
        // 1…9 and 33…255 are rejected by Zircon.
        for bad: UInt8 in [1, 9, 33, 255] {
            let o = VmOptions.aligned(log2: bad)
            #expect(o.alignmentLog2 == bad)
            #expect(o.alignment == nil)
            #expect(!o.hasValidAlignment)
        }
        #expect(VmOptions.aligned(log2: 10).rawValue == ZX_VM_ALIGN_1KB)
        #expect(VmOptions(0xFF00_0000).alignmentLog2 == 255)
    }

    @Test func vmOptionsUnknownFlags() {
        #expect(VmOptions(ZX_VM_PERM_READ | ZX_VM_ALIGN_64KB).unknownFlags.isEmpty)
        #expect(VmOptions(1 << 16 | ZX_VM_PERM_READ).unknownFlags.rawValue == 1 << 16)
        #expect(VmOptions(1 << 23 | ZX_VM_ALIGN_4GB).unknownFlags.rawValue == 1 << 23)
    }

    @Test func vmoOptionSets() {
        #expect(VmoOptions.resizable.rawValue == ZX_VMO_RESIZABLE)
        #expect(VmoOptions.discardable.rawValue == ZX_VMO_DISCARDABLE)
        #expect(VmoOptions.trapDirty.rawValue == ZX_VMO_TRAP_DIRTY)
        #expect(VmoOptions.unbounded.rawValue == ZX_VMO_UNBOUNDED)
        #expect(VmoChildOptions.snapshot.rawValue == ZX_VMO_CHILD_SNAPSHOT)
        #expect(VmoChildOptions.resizable.rawValue == ZX_VMO_CHILD_RESIZABLE)
        #expect(VmoChildOptions.slice.rawValue == ZX_VMO_CHILD_SLICE)
        #expect(VmoChildOptions.snapshotAtLeastOnWrite.rawValue == ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE)
        #expect(VmoChildOptions.noWrite.rawValue == ZX_VMO_CHILD_NO_WRITE)
        #expect(VmoChildOptions.reference.rawValue == ZX_VMO_CHILD_REFERENCE)
        #expect(VmoChildOptions.snapshotModified.rawValue == ZX_VMO_CHILD_SNAPSHOT_MODIFIED)
        #expect(VmoChildOptions.copyOnWrite == .snapshotAtLeastOnWrite)
        #expect(VmoChildOptions.privatePagerCopy == .snapshotAtLeastOnWrite)
        #expect(VmoChildOptions.types.rawValue == 0xD9)
        #expect(VmoChildOptions.snapshotTypes.rawValue == 0x91)
    }

    @Test func cachePolicy() {
        #expect(CachePolicy.cached.rawValue == ZX_CACHE_POLICY_CACHED)
        #expect(CachePolicy.uncached.rawValue == ZX_CACHE_POLICY_UNCACHED)
        #expect(CachePolicy.uncachedDevice.rawValue == ZX_CACHE_POLICY_UNCACHED_DEVICE)
        #expect(CachePolicy.writeCombining.rawValue == ZX_CACHE_POLICY_WRITE_COMBINING)
        #expect(CachePolicy(rawValue: 4) == nil)
        #expect(CachePolicy.mask == ZX_CACHE_POLICY_MASK)
        #expect(CachePolicy.allCases.count == 4)
    }

    @Test func signalsMatchCConstants() {
        #expect(Signals.vmoZeroChildren.rawValue == ZX_VMO_ZERO_CHILDREN)
        #expect(Signals.taskTerminated.rawValue == ZX_TASK_TERMINATED)
        #expect(Signals.threadRunning.rawValue == ZX_THREAD_RUNNING)
        #expect(Signals.threadSuspended.rawValue == ZX_THREAD_SUSPENDED)
        #expect(Signals.eventSignaled.rawValue == ZX_EVENT_SIGNALED)
        #expect(Signals.channelReadable.rawValue == ZX_CHANNEL_READABLE)
        #expect(Signals.channelWritable.rawValue == ZX_CHANNEL_WRITABLE)
        #expect(Signals.channelPeerClosed.rawValue == ZX_CHANNEL_PEER_CLOSED)
        #expect(Signals.handleClosed.rawValue == ZX_SIGNAL_HANDLE_CLOSED)
        #expect(Signals.user0.rawValue == ZX_USER_SIGNAL_0)
        #expect(Signals.user7.rawValue == ZX_USER_SIGNAL_7)
        #expect(Signals.userAll.rawValue == ZX_USER_SIGNAL_ALL)
        #expect(Signals.objectAll.rawValue == __ZX_OBJECT_SIGNAL_ALL)
        let users: [Signals] = [.user0, .user1, .user2, .user3, .user4, .user5, .user6, .user7]
        for (n, s) in users.enumerated() {
            #expect(Signals.user(n) == s)
        }
        #expect(Signals(users) == .userAll)
    }

    @Test func objectTypes() {
        #expect(ObjectType.vmo.rawValue == ZX_OBJ_TYPE_VMO)
        #expect(ObjectType.vmar.rawValue == ZX_OBJ_TYPE_VMAR)
        #expect(ObjectType.pager.rawValue == ZX_OBJ_TYPE_PAGER)
        #expect(ObjectType.debugLog.rawValue == ZX_OBJ_TYPE_LOG)
        #expect(ObjectType.iob.rawValue == ZX_OBJ_TYPE_IOB)
        #expect(ObjectType.allNamed.count == 30)
        #expect(Set(ObjectType.allNamed.map(\.type)).count == 30)
        #expect(ObjectType.bti.description == "ZX_OBJ_TYPE_BTI")
        #expect(ObjectType(rawValue: 7).description == "ZX_OBJ_TYPE(7)")
    }
}
