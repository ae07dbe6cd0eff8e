// Constant spot-checks against the conformance reference §1 and the Zircon headers
// (errors.h, rights.h, types.h, syscalls/object.h, port.h, resource.h, exception.h).

import Testing
import ZX

@Suite("Zircon constants")
struct ConstantsTests {
    @Test func statusValues() {
        #expect(ZX_OK == 0)
        #expect(ZX_ERR_INTERNAL == -1)
        #expect(ZX_ERR_NOT_SUPPORTED == -2)
        #expect(ZX_ERR_NO_RESOURCES == -3)
        #expect(ZX_ERR_NO_MEMORY == -4)
        #expect(ZX_ERR_INTERNAL_INTR_RETRY == -6)
        #expect(ZX_ERR_INVALID_ARGS == -10)
        #expect(ZX_ERR_BAD_HANDLE == -11)
        #expect(ZX_ERR_WRONG_TYPE == -12)
        #expect(ZX_ERR_BAD_SYSCALL == -13)
        #expect(ZX_ERR_OUT_OF_RANGE == -14)
        #expect(ZX_ERR_BUFFER_TOO_SMALL == -15)
        #expect(ZX_ERR_BAD_STATE == -20)
        #expect(ZX_ERR_TIMED_OUT == -21)
        #expect(ZX_ERR_SHOULD_WAIT == -22)
        #expect(ZX_ERR_CANCELED == -23)
        #expect(ZX_ERR_PEER_CLOSED == -24)
        #expect(ZX_ERR_NOT_FOUND == -25)
        #expect(ZX_ERR_ALREADY_EXISTS == -26)
        #expect(ZX_ERR_ALREADY_BOUND == -27)
        #expect(ZX_ERR_UNAVAILABLE == -28)
        #expect(ZX_ERR_ACCESS_DENIED == -30)
        #expect(ZX_ERR_IO == -40)
        #expect(ZX_ERR_IO_REFUSED == -41)
        #expect(ZX_ERR_IO_DATA_INTEGRITY == -42)
        #expect(ZX_ERR_IO_DATA_LOSS == -43)
        #expect(ZX_ERR_IO_NOT_PRESENT == -44)
        #expect(ZX_ERR_IO_OVERRUN == -45)
        #expect(ZX_ERR_IO_MISSED_DEADLINE == -46)
        #expect(ZX_ERR_IO_INVALID == -47)
        #expect(ZX_ERR_BAD_PATH == -50)
        #expect(ZX_ERR_NOT_DIR == -51)
        #expect(ZX_ERR_NOT_FILE == -52)
        #expect(ZX_ERR_FILE_BIG == -53)
        #expect(ZX_ERR_NO_SPACE == -54)
        #expect(ZX_ERR_NOT_EMPTY == -55)
        #expect(ZX_ERR_STOP == -60)
        #expect(ZX_ERR_NEXT == -61)
        #expect(ZX_ERR_ASYNC == -62)
        #expect(ZX_ERR_PROTOCOL_NOT_SUPPORTED == -70)
        #expect(ZX_ERR_ADDRESS_UNREACHABLE == -71)
        #expect(ZX_ERR_ADDRESS_IN_USE == -72)
        #expect(ZX_ERR_NOT_CONNECTED == -73)
        #expect(ZX_ERR_CONNECTION_REFUSED == -74)
        #expect(ZX_ERR_CONNECTION_RESET == -75)
        #expect(ZX_ERR_CONNECTION_ABORTED == -76)
        #expect(ZX_ERR_INTERNAL_INTR_KILLED == -502)
    }

    @Test func everyStatusIsInTheSystemRange() {
        for (status, _) in zxStatusNames {
            #expect(status <= 0 && status >= -(1 << 30))
        }
        #expect(zxStatusNames.count == 47)
        #expect(Set(zxStatusNames.map(\.status)).count == zxStatusNames.count)
    }

    @Test func rightBits() {
        #expect(ZX_RIGHT_NONE == 0)
        #expect(ZX_RIGHT_DUPLICATE == 0x1)
        #expect(ZX_RIGHT_TRANSFER == 0x2)
        #expect(ZX_RIGHT_READ == 0x4)
        #expect(ZX_RIGHT_WRITE == 0x8)
        #expect(ZX_RIGHT_EXECUTE == 0x10)
        #expect(ZX_RIGHT_MAP == 0x20)
        #expect(ZX_RIGHT_GET_PROPERTY == 0x40)
        #expect(ZX_RIGHT_SET_PROPERTY == 0x80)
        #expect(ZX_RIGHT_ENUMERATE == 0x100)
        #expect(ZX_RIGHT_DESTROY == 0x200)
        #expect(ZX_RIGHT_SET_POLICY == 0x400)
        #expect(ZX_RIGHT_GET_POLICY == 0x800)
        #expect(ZX_RIGHT_SIGNAL == 0x1000)
        #expect(ZX_RIGHT_SIGNAL_PEER == 0x2000)
        #expect(ZX_RIGHT_WAIT == 0x4000)
        #expect(ZX_RIGHT_INSPECT == 0x8000)
        #expect(ZX_RIGHT_MANAGE_JOB == 0x10000)
        #expect(ZX_RIGHT_MANAGE_PROCESS == 0x20000)
        #expect(ZX_RIGHT_MANAGE_THREAD == 0x40000)
        #expect(ZX_RIGHT_APPLY_PROFILE == 0x80000)
        #expect(ZX_RIGHT_MANAGE_SOCKET == 0x100000)
        #expect(ZX_RIGHT_OP_CHILDREN == 0x200000)
        #expect(ZX_RIGHT_RESIZE == 0x400000)
        #expect(ZX_RIGHT_ATTACH_VMO == 0x800000)
        #expect(ZX_RIGHT_MANAGE_VMO == 0x1000000)
        #expect(ZX_RIGHT_SAME_RIGHTS == 0x8000_0000)
    }

    @Test func rightGroups() {
        #expect(ZX_RIGHTS_BASIC == 0xC003)
        #expect(ZX_RIGHTS_IO == 0xC)
        #expect(ZX_RIGHTS_PROPERTY == 0xC0)
        #expect(ZX_RIGHTS_POLICY == 0xC00)
        #expect(ZX_DEFAULT_VMO_RIGHTS == 0xD0EF)
        #expect(ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_RESIZE == 0x40D0EF)
        #expect(ZX_DEFAULT_VMAR_RIGHTS == 0x208003)
        #expect(ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE == 0x20801F)
        #expect(ZX_DEFAULT_PAGER_RIGHTS == 0x1808002)
        #expect(ZX_DEFAULT_PORT_RIGHTS == 0x800F)
        #expect(ZX_DEFAULT_EVENT_RIGHTS == 0xD003)
        #expect(ZX_DEFAULT_CHANNEL_RIGHTS == 0xF00E)
        #expect(ZX_DEFAULT_RESOURCE_RIGHTS == 0x800B)
        #expect(ZX_DEFAULT_BTI_RIGHTS == 0x80EF)
        #expect(ZX_DEFAULT_PROCESS_RIGHTS == 0x6D3CF)
        #expect(ZX_DEFAULT_THREAD_RIGHTS == 0x4D2CF)
        #expect(ZX_DEFAULT_JOB_RIGHTS == 0x7DFCF)
        #expect(ZX_DEFAULT_IOMMU_RIGHTS == 0x8003)
        #expect(ZX_DEFAULT_PMT_RIGHTS == 0x8000)
    }

    @Test func vmOptions() {
        #expect(ZX_VM_PERM_READ == 0x1)
        #expect(ZX_VM_PERM_WRITE == 0x2)
        #expect(ZX_VM_PERM_EXECUTE == 0x4)
        #expect(ZX_VM_COMPACT == 0x8)
        #expect(ZX_VM_SPECIFIC == 0x10)
        #expect(ZX_VM_SPECIFIC_OVERWRITE == 0x20)
        #expect(ZX_VM_CAN_MAP_SPECIFIC == 0x40)
        #expect(ZX_VM_CAN_MAP_READ == 0x80)
        #expect(ZX_VM_CAN_MAP_WRITE == 0x100)
        #expect(ZX_VM_CAN_MAP_EXECUTE == 0x200)
        #expect(ZX_VM_MAP_RANGE == 0x400)
        #expect(ZX_VM_REQUIRE_NON_RESIZABLE == 0x800)
        #expect(ZX_VM_ALLOW_FAULTS == 0x1000)
        #expect(ZX_VM_OFFSET_IS_UPPER_LIMIT == 0x2000)
        #expect(ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED == 0x4000)
        #expect(ZX_VM_FAULT_BEYOND_STREAM_SIZE == 0x8000)
        #expect(ZX_VM_FLAG_SPECIFIC == ZX_VM_SPECIFIC)
        #expect(ZX_VM_FLAG_REQUIRE_NON_RESIZABLE == ZX_VM_REQUIRE_NON_RESIZABLE)
    }

    static let alignments: [(zx_vm_option_t, UInt32, zx_vm_option_t)] = [
        (ZX_VM_ALIGN_1KB, 10, 0x0A00_0000), (ZX_VM_ALIGN_2KB, 11, 0x0B00_0000),
        (ZX_VM_ALIGN_4KB, 12, 0x0C00_0000), (ZX_VM_ALIGN_8KB, 13, 0x0D00_0000),
        (ZX_VM_ALIGN_16KB, 14, 0x0E00_0000), (ZX_VM_ALIGN_32KB, 15, 0x0F00_0000),
        (ZX_VM_ALIGN_64KB, 16, 0x1000_0000), (ZX_VM_ALIGN_128KB, 17, 0x1100_0000),
        (ZX_VM_ALIGN_256KB, 18, 0x1200_0000), (ZX_VM_ALIGN_512KB, 19, 0x1300_0000),
        (ZX_VM_ALIGN_1MB, 20, 0x1400_0000), (ZX_VM_ALIGN_2MB, 21, 0x1500_0000),
        (ZX_VM_ALIGN_4MB, 22, 0x1600_0000), (ZX_VM_ALIGN_8MB, 23, 0x1700_0000),
        (ZX_VM_ALIGN_16MB, 24, 0x1800_0000), (ZX_VM_ALIGN_32MB, 25, 0x1900_0000),
        (ZX_VM_ALIGN_64MB, 26, 0x1A00_0000), (ZX_VM_ALIGN_128MB, 27, 0x1B00_0000),
        (ZX_VM_ALIGN_256MB, 28, 0x1C00_0000), (ZX_VM_ALIGN_512MB, 29, 0x1D00_0000),
        (ZX_VM_ALIGN_1GB, 30, 0x1E00_0000), (ZX_VM_ALIGN_2GB, 31, 0x1F00_0000),
        (ZX_VM_ALIGN_4GB, 32, 0x2000_0000),
    ]

    @Test(arguments: alignments)
    func vmAlignment(constant: zx_vm_option_t, log2: UInt32, hex: zx_vm_option_t) {
        #expect(constant == hex)
        #expect(constant == log2 << ZX_VM_ALIGN_BASE)
        #expect(VmOptions(constant).alignment == 1 << UInt64(log2))
    }

    @Test func vmAlignBase() {
        #expect(ZX_VM_ALIGN_BASE == 24)
        #expect(ZX_VM_ALIGN_1KB >> ZX_VM_ALIGN_BASE == 10)
    }

    @Test func vmoOptionsAndChildren() {
        #expect(ZX_VMO_RESIZABLE == 0x2)
        #expect(ZX_VMO_DISCARDABLE == 0x4)
        #expect(ZX_VMO_TRAP_DIRTY == 0x8)
        #expect(ZX_VMO_UNBOUNDED == 0x10)
        #expect(ZX_VMO_CHILD_SNAPSHOT == 0x1)
        #expect(ZX_VMO_CHILD_RESIZABLE == 0x4)
        #expect(ZX_VMO_CHILD_SLICE == 0x8)
        #expect(ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE == 0x10)
        #expect(ZX_VMO_CHILD_NO_WRITE == 0x20)
        #expect(ZX_VMO_CHILD_REFERENCE == 0x40)
        #expect(ZX_VMO_CHILD_SNAPSHOT_MODIFIED == 0x80)
        #expect(ZX_VMO_CHILD_COPY_ON_WRITE == ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE)
        #expect(ZX_VMO_CHILD_PRIVATE_PAGER_COPY == ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE)
        #expect(ZX_VMO_CLONE_COPY_ON_WRITE == 0x10)
    }

    @Test func rangeOps() {
        #expect(ZX_VMO_OP_COMMIT == 1)
        #expect(ZX_VMO_OP_DECOMMIT == 2)
        #expect(ZX_VMO_OP_LOCK == 3)
        #expect(ZX_VMO_OP_UNLOCK == 4)
        #expect(ZX_VMO_OP_CACHE_SYNC == 6)
        #expect(ZX_VMO_OP_CACHE_INVALIDATE == 7)
        #expect(ZX_VMO_OP_CACHE_CLEAN == 8)
        #expect(ZX_VMO_OP_CACHE_CLEAN_INVALIDATE == 9)
        #expect(ZX_VMO_OP_ZERO == 10)
        #expect(ZX_VMO_OP_TRY_LOCK == 11)
        #expect(ZX_VMO_OP_DONT_NEED == 12)
        #expect(ZX_VMO_OP_ALWAYS_NEED == 13)
        #expect(ZX_VMO_OP_PREFETCH == 14)
        #expect(ZX_VMAR_OP_COMMIT == 1)
        #expect(ZX_VMAR_OP_DECOMMIT == ZX_VMO_OP_DECOMMIT)
        #expect(ZX_VMAR_OP_MAP_RANGE == 3)
        #expect(ZX_VMAR_OP_ZERO == ZX_VMO_OP_ZERO)
        #expect(ZX_VMAR_OP_DONT_NEED == 12)
        #expect(ZX_VMAR_OP_ALWAYS_NEED == 13)
        #expect(ZX_VMAR_OP_PREFETCH == 14)
        #expect(ZX_PAGER_OP_FAIL == 1)
        #expect(ZX_PAGER_OP_DIRTY == 2)
        #expect(ZX_PAGER_OP_WRITEBACK_BEGIN == 3)
        #expect(ZX_PAGER_OP_WRITEBACK_END == 4)
    }

    @Test func cachePolicies() {
        #expect(ZX_CACHE_POLICY_CACHED == 0)
        #expect(ZX_CACHE_POLICY_UNCACHED == 1)
        #expect(ZX_CACHE_POLICY_UNCACHED_DEVICE == 2)
        #expect(ZX_CACHE_POLICY_WRITE_COMBINING == 3)
        #expect(ZX_CACHE_POLICY_MASK == 3)
    }

    @Test func pagerAndPackets() {
        #expect(ZX_PAGER_VMO_READ == 0)
        #expect(ZX_PAGER_VMO_COMPLETE == 1)
        #expect(ZX_PAGER_VMO_DIRTY == 2)
        #expect(type(of: ZX_PAGER_VMO_READ) == UInt16.self)
        #expect(ZX_VMO_DIRTY_RANGE_IS_ZERO == 1)
        #expect(ZX_PAGER_VMO_STATS_MODIFIED == 1)
        #expect(ZX_PAGER_RESET_VMO_STATS == 1)
        #expect(ZX_PKT_TYPE_USER == 0)
        #expect(ZX_PKT_TYPE_SIGNAL_ONE == 1)
        #expect(ZX_PKT_TYPE_GUEST_BELL == 3)
        #expect(ZX_PKT_TYPE_GUEST_MEM == 4)
        #expect(ZX_PKT_TYPE_GUEST_IO == 5)
        #expect(ZX_PKT_TYPE_GUEST_VCPU == 6)
        #expect(ZX_PKT_TYPE_INTERRUPT == 7)
        #expect(ZX_PKT_TYPE_PAGE_REQUEST == 9)
        #expect(ZX_PKT_IS_PAGE_REQUEST(9) && !ZX_PKT_IS_PAGE_REQUEST(1))
        #expect(ZX_WAIT_ASYNC_ONCE == 0)
        #expect(ZX_WAIT_ASYNC_TIMESTAMP == 1)
        #expect(ZX_WAIT_ASYNC_EDGE == 2)
    }

    @Test func signals() {
        #expect(ZX_SIGNAL_NONE == 0)
        #expect(ZX_VMO_ZERO_CHILDREN == 0x8)
        #expect(ZX_USER_SIGNAL_0 == 0x0100_0000)
        #expect(ZX_USER_SIGNAL_7 == 0x8000_0000)
        #expect(ZX_USER_SIGNAL_ALL == 0xFF00_0000)
        #expect([ZX_USER_SIGNAL_0, ZX_USER_SIGNAL_1, ZX_USER_SIGNAL_2, ZX_USER_SIGNAL_3, ZX_USER_SIGNAL_4,
                 ZX_USER_SIGNAL_5, ZX_USER_SIGNAL_6, ZX_USER_SIGNAL_7].reduce(0, |) == ZX_USER_SIGNAL_ALL)
        #expect(__ZX_OBJECT_SIGNAL_ALL | ZX_USER_SIGNAL_ALL == 0xFFFF_FFFF)
        #expect(ZX_CHANNEL_READABLE == 0x1)
        #expect(ZX_CHANNEL_WRITABLE == 0x2)
        #expect(ZX_CHANNEL_PEER_CLOSED == 0x4)
        #expect(ZX_EVENT_SIGNALED == 0x8)
        #expect(ZX_TASK_TERMINATED == 0x8)
        #expect(ZX_PROCESS_TERMINATED == 0x8)
        #expect(ZX_THREAD_TERMINATED == 0x8)
        #expect(ZX_THREAD_RUNNING == 0x10)
        #expect(ZX_THREAD_SUSPENDED == 0x20)
        #expect(ZX_SIGNAL_HANDLE_CLOSED == 0x80_0000)
        #expect(ZX_EVENT_SIGNAL_MASK == 0xFF00_0008)
    }

    @Test func objectTypes() {
        let expected: [(zx_obj_type_t, zx_obj_type_t)] = [
            (ZX_OBJ_TYPE_NONE, 0), (ZX_OBJ_TYPE_PROCESS, 1), (ZX_OBJ_TYPE_THREAD, 2), (ZX_OBJ_TYPE_VMO, 3),
            (ZX_OBJ_TYPE_CHANNEL, 4), (ZX_OBJ_TYPE_EVENT, 5), (ZX_OBJ_TYPE_PORT, 6),
            (ZX_OBJ_TYPE_INTERRUPT, 9), (ZX_OBJ_TYPE_PCI_DEVICE, 11), (ZX_OBJ_TYPE_LOG, 12),
            (ZX_OBJ_TYPE_DEBUGLOG, 12), (ZX_OBJ_TYPE_SOCKET, 14), (ZX_OBJ_TYPE_RESOURCE, 15),
            (ZX_OBJ_TYPE_EVENTPAIR, 16), (ZX_OBJ_TYPE_JOB, 17), (ZX_OBJ_TYPE_VMAR, 18),
            (ZX_OBJ_TYPE_FIFO, 19), (ZX_OBJ_TYPE_GUEST, 20), (ZX_OBJ_TYPE_VCPU, 21),
            (ZX_OBJ_TYPE_TIMER, 22), (ZX_OBJ_TYPE_IOMMU, 23), (ZX_OBJ_TYPE_BTI, 24),
            (ZX_OBJ_TYPE_PROFILE, 25), (ZX_OBJ_TYPE_PMT, 26), (ZX_OBJ_TYPE_SUSPEND_TOKEN, 27),
            (ZX_OBJ_TYPE_PAGER, 28), (ZX_OBJ_TYPE_EXCEPTION, 29), (ZX_OBJ_TYPE_CLOCK, 30),
            (ZX_OBJ_TYPE_STREAM, 31), (ZX_OBJ_TYPE_MSI, 32), (ZX_OBJ_TYPE_IOB, 33),
        ]
        for (constant, value) in expected {
            #expect(constant == value)
        }
        #expect(ZX_OBJ_TYPE_UPPER_BOUND == 64)
    }

    @Test func infoTopics() {
        #expect(ZX_INFO_NONE == 0)
        #expect(ZX_INFO_HANDLE_VALID == 1)
        #expect(ZX_INFO_HANDLE_BASIC == 2)
        #expect(ZX_INFO_PROCESS == 0x1000_0003)
        #expect(ZX_INFO_PROCESS_THREADS == 4)
        #expect(ZX_INFO_VMAR == 7)
        #expect(ZX_INFO_THREAD == 10)
        #expect(ZX_INFO_TASK_STATS == 12)
        #expect(ZX_INFO_PROCESS_MAPS == 13)
        #expect(ZX_INFO_PROCESS_VMOS_V1 == 14)
        #expect(ZX_INFO_PROCESS_VMOS == 14 | (1 << 28))
        #expect(ZX_INFO_KMEM_STATS == 17)
        #expect(ZX_INFO_RESOURCE == 18)
        #expect(ZX_INFO_HANDLE_COUNT == 19)
        #expect(ZX_INFO_VMO_V1 == 23)
        #expect(ZX_INFO_VMO == 0x1000_0017)
        #expect(ZX_INFO_JOB == 24)
        #expect(ZX_INFO_KMEM_STATS_EXTENDED == 31)
        #expect(__ZX_INFO_TOPIC(23, 1) == ZX_INFO_VMO)
        #expect(__ZX_INFO_TOPIC(14, 0) == ZX_INFO_PROCESS_VMOS_V1)
        // The topic proper is the low 28 bits; versions share it.
        #expect(ZX_INFO_VMO & 0x0FFF_FFFF == ZX_INFO_VMO_V1)
        #expect(ZX_INFO_VMO >> 28 == 1)
    }

    @Test func infoFlagsAndMaps() {
        #expect(ZX_INFO_MAPS_TYPE_NONE == 0)
        #expect(ZX_INFO_MAPS_TYPE_ASPACE == 1)
        #expect(ZX_INFO_MAPS_TYPE_VMAR == 2)
        #expect(ZX_INFO_MAPS_TYPE_MAPPING == 3)
        #expect(ZX_INFO_VMO_TYPE_PAGED == 1)
        #expect(ZX_INFO_VMO_TYPE_PHYSICAL == 0)
        #expect(ZX_INFO_VMO_RESIZABLE == 1 << 1)
        #expect(ZX_INFO_VMO_IS_COW_CLONE == 1 << 2)
        #expect(ZX_INFO_VMO_VIA_HANDLE == 1 << 3)
        #expect(ZX_INFO_VMO_VIA_MAPPING == 1 << 4)
        #expect(ZX_INFO_VMO_PAGER_BACKED == 1 << 5)
        #expect(ZX_INFO_VMO_CONTIGUOUS == 1 << 6)
        #expect(ZX_INFO_VMO_DISCARDABLE == 1 << 7)
        #expect(ZX_INFO_VMO_IMMUTABLE == 1 << 8)
        #expect(ZX_INFO_VMO_TYPE(ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_RESIZABLE) == ZX_INFO_VMO_TYPE_PAGED)
        #expect(ZX_INFO_VMO_TYPE(ZX_INFO_VMO_CONTIGUOUS) == ZX_INFO_VMO_TYPE_PHYSICAL)
        #expect(ZX_INFO_PROCESS_FLAG_STARTED == 1)
        #expect(ZX_INFO_PROCESS_FLAG_EXITED == 2)
        #expect(ZX_INFO_PROCESS_FLAG_DEBUGGER_ATTACHED == 4)
    }

    @Test func propertiesAndLimits() {
        #expect(ZX_PROP_NAME == 3)
        #expect(ZX_PROP_VMO_CONTENT_SIZE == 17)
        #expect(ZX_PROP_PROCESS_DEBUG_ADDR == 5)
        #expect(ZX_PROP_EXCEPTION_STRATEGY == 18)
        #expect(ZX_MAX_NAME_LEN == 32)
        #expect(type(of: ZX_MAX_NAME_LEN) == Int.self)
        #expect(ZX_CHANNEL_MAX_MSG_BYTES == 65536)
        #expect(ZX_CHANNEL_MAX_MSG_HANDLES == 64)
        #expect(ZX_HANDLE_INVALID == 0)
        #expect(ZX_HANDLE_FIXED_BITS_MASK == 3)
        #expect(ZX_KOID_INVALID == 0)
        #expect(ZX_KOID_FIRST == 1024)
    }

    @Test func resourcesAndExceptions() {
        #expect(ZX_RSRC_KIND_MMIO == 0)
        #expect(ZX_RSRC_KIND_IRQ == 1)
        #expect(ZX_RSRC_KIND_IOPORT == 2)
        #expect(ZX_RSRC_KIND_ROOT == 3)
        #expect(ZX_RSRC_KIND_SMC == 4)
        #expect(ZX_RSRC_KIND_SYSTEM == 5)
        #expect(ZX_RSRC_KIND_COUNT == 6)
        #expect(ZX_RSRC_FLAG_EXCLUSIVE == 0x10000)
        #expect(ZX_RSRC_EXTRACT_KIND(ZX_RSRC_KIND_MMIO | ZX_RSRC_FLAG_EXCLUSIVE) == ZX_RSRC_KIND_MMIO)
        #expect(ZX_RSRC_EXTRACT_FLAGS(ZX_RSRC_KIND_IRQ | ZX_RSRC_FLAG_EXCLUSIVE) == ZX_RSRC_FLAG_EXCLUSIVE)
        #expect(ZX_RSRC_SYSTEM_VMEX_BASE == 1)
        #expect(ZX_RSRC_SYSTEM_INFO_BASE == 3)
        #expect(ZX_EXCP_GENERAL == 0x8)
        #expect(ZX_EXCP_FATAL_PAGE_FAULT == 0x108)
        #expect(ZX_EXCP_UNDEFINED_INSTRUCTION == 0x208)
        #expect(ZX_EXCP_SW_BREAKPOINT == 0x308)
        #expect(ZX_EXCP_HW_BREAKPOINT == 0x408)
        #expect(ZX_EXCP_UNALIGNED_ACCESS == 0x508)
        #expect(ZX_EXCP_THREAD_STARTING == 0x8008)
        #expect(ZX_EXCP_THREAD_EXITING == 0x8108)
        #expect(ZX_EXCP_POLICY_ERROR == 0x8208)
        #expect(ZX_EXCP_PROCESS_STARTING == 0x8308)
        #expect(ZX_EXCP_IS_ARCH(ZX_EXCP_FATAL_PAGE_FAULT))
        #expect(!ZX_EXCP_IS_ARCH(ZX_EXCP_THREAD_STARTING))
        #expect(ZX_POL_AMBIENT_MARK_VMO_EXEC == 15)
    }

    @Test func time() {
        #expect(ZX_TIME_INFINITE == Int64.max)
        #expect(ZX_TIME_INFINITE_PAST == Int64.min)
        #expect(ZX_MSEC(5) == 5_000_000)
        #expect(ZX_SEC(2) == 2_000_000_000)
        #expect(ZX_HOUR(Int64.max / 1000) == ZX_TIME_INFINITE)
        #expect(ZX_SEC(Int64.min / 10) == ZX_TIME_INFINITE_PAST)
        #expect(zx_time_add_duration(ZX_TIME_INFINITE - 1, 10) == ZX_TIME_INFINITE)
        #expect(zx_time_add_duration(ZX_TIME_INFINITE_PAST + 1, -10) == ZX_TIME_INFINITE_PAST)
        #expect(zx_time_add_duration(100, -30) == 70)
        #expect(zx_time_sub_duration(ZX_TIME_INFINITE_PAST, 1) == ZX_TIME_INFINITE_PAST)
        #expect(zx_time_sub_duration(ZX_TIME_INFINITE, -1) == ZX_TIME_INFINITE)
        #expect(zx_time_sub_time(ZX_TIME_INFINITE, -5) == ZX_TIME_INFINITE)
        #expect(zx_time_sub_time(ZX_TIME_INFINITE_PAST, 5) == ZX_TIME_INFINITE_PAST)
        #expect(zx_duration_mul_int64(-2, Int64.max) == ZX_TIME_INFINITE_PAST)
        #expect(zx_duration_mul_int64(-2, Int64.min) == ZX_TIME_INFINITE)
    }
}
