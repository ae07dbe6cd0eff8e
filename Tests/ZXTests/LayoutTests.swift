// Layout tests: every record's size, stride, alignment and field offsets must equal the C ABI
// (64-bit) of zircon/system/public/zircon/syscalls/object.h, port.h and types.h.

import Testing
import ZX

@Suite("C record layouts")
struct LayoutTests {
    @Test func scalarTypedefWidths() {
        #expect(MemoryLayout<zx_status_t>.size == 4)
        #expect(MemoryLayout<zx_handle_t>.size == 4)
        #expect(MemoryLayout<zx_rights_t>.size == 4)
        #expect(MemoryLayout<zx_vm_option_t>.size == 4)
        #expect(MemoryLayout<zx_vaddr_t>.size == 8)
        #expect(MemoryLayout<zx_paddr_t>.size == 8)
        #expect(MemoryLayout<zx_off_t>.size == 8)
        #expect(MemoryLayout<zx_koid_t>.size == 8)
        #expect(MemoryLayout<zx_signals_t>.size == 4)
        #expect(MemoryLayout<zx_time_t>.size == 8)
        #expect(MemoryLayout<zx_duration_t>.size == 8)
        #expect(MemoryLayout<zx_object_info_topic_t>.size == 4)
        #expect(MemoryLayout<zx_info_maps_type_t>.size == 4)
        #expect(MemoryLayout<zx_cache_policy_t>.size == 4)
        #expect(MemoryLayout<zx_obj_type_t>.size == 4)
        #expect(MemoryLayout<zx_rsrc_kind_t>.size == 4)
        #expect(MemoryLayout<zx_excp_type_t>.size == 4)
        // Signedness matters for comparisons against the constants.
        #expect(zx_status_t.isSigned && zx_time_t.isSigned && zx_duration_t.isSigned)
        #expect(!zx_handle_t.isSigned && !zx_vaddr_t.isSigned && !zx_koid_t.isSigned)
    }

    @Test func nameBuffer() {
        #expect(MemoryLayout<ZxNameBuffer>.size == 32)
        #expect(MemoryLayout<ZxNameBuffer>.alignment == 1)
    }

    @Test func handleBasic() {
        typealias T = zx_info_handle_basic_t
        #expect(MemoryLayout<T>.size == 32)
        #expect(MemoryLayout<T>.stride == 32)
        #expect(MemoryLayout<T>.alignment == 8)
        #expect(MemoryLayout<T>.offset(of: \.koid) == 0)
        #expect(MemoryLayout<T>.offset(of: \.rights) == 8)
        #expect(MemoryLayout<T>.offset(of: \.type) == 12)
        #expect(MemoryLayout<T>.offset(of: \.related_koid) == 16)
        #expect(MemoryLayout<T>.offset(of: \.reserved) == 24)
        #expect(MemoryLayout<T>.offset(of: \.padding1) == 28)
    }

    @Test func handleExtendedAndCount() {
        typealias T = zx_info_handle_extended_t
        #expect(MemoryLayout<T>.size == 40)
        #expect(MemoryLayout<T>.offset(of: \.handle_value) == 4)
        #expect(MemoryLayout<T>.offset(of: \.koid) == 16)
        #expect(MemoryLayout<T>.offset(of: \.peer_owner_koid) == 32)
        #expect(MemoryLayout<zx_info_handle_count_t>.size == 4)
    }

    @Test func vmo() {
        typealias T = zx_info_vmo_t
        #expect(MemoryLayout<T>.size == 120)
        #expect(MemoryLayout<T>.stride == 120)
        #expect(MemoryLayout<T>.alignment == 8)
        #expect(MemoryLayout<T>.offset(of: \.koid) == 0)
        #expect(MemoryLayout<T>.offset(of: \.name) == 8)
        #expect(MemoryLayout<T>.offset(of: \.size_bytes) == 40)
        #expect(MemoryLayout<T>.offset(of: \.parent_koid) == 48)
        #expect(MemoryLayout<T>.offset(of: \.num_children) == 56)
        #expect(MemoryLayout<T>.offset(of: \.num_mappings) == 64)
        #expect(MemoryLayout<T>.offset(of: \.share_count) == 72)
        #expect(MemoryLayout<T>.offset(of: \.flags) == 80)
        #expect(MemoryLayout<T>.offset(of: \.padding1) == 84)
        #expect(MemoryLayout<T>.offset(of: \.committed_bytes) == 88)
        #expect(MemoryLayout<T>.offset(of: \.handle_rights) == 96)
        #expect(MemoryLayout<T>.offset(of: \.cache_policy) == 100)
        #expect(MemoryLayout<T>.offset(of: \.metadata_bytes) == 104)
        #expect(MemoryLayout<T>.offset(of: \.committed_change_events) == 112)
    }

    @Test func vmoV1IsThePrefix() {
        typealias V1 = zx_info_vmo_v1_t
        typealias V = zx_info_vmo_t
        #expect(MemoryLayout<V1>.size == 104)
        #expect(MemoryLayout<V1>.stride == 104)
        #expect(MemoryLayout<V1>.offset(of: \.koid) == MemoryLayout<V>.offset(of: \.koid))
        #expect(MemoryLayout<V1>.offset(of: \.name) == MemoryLayout<V>.offset(of: \.name))
        #expect(MemoryLayout<V1>.offset(of: \.size_bytes) == MemoryLayout<V>.offset(of: \.size_bytes))
        #expect(MemoryLayout<V1>.offset(of: \.parent_koid) == MemoryLayout<V>.offset(of: \.parent_koid))
        #expect(MemoryLayout<V1>.offset(of: \.num_children) == MemoryLayout<V>.offset(of: \.num_children))
        #expect(MemoryLayout<V1>.offset(of: \.num_mappings) == MemoryLayout<V>.offset(of: \.num_mappings))
        #expect(MemoryLayout<V1>.offset(of: \.share_count) == MemoryLayout<V>.offset(of: \.share_count))
        #expect(MemoryLayout<V1>.offset(of: \.flags) == MemoryLayout<V>.offset(of: \.flags))
        #expect(MemoryLayout<V1>.offset(of: \.committed_bytes) == MemoryLayout<V>.offset(of: \.committed_bytes))
        #expect(MemoryLayout<V1>.offset(of: \.handle_rights) == MemoryLayout<V>.offset(of: \.handle_rights))
        #expect(MemoryLayout<V1>.offset(of: \.cache_policy) == 100)
    }

    @Test func vmoV1PrefixBytesMatch() {
        var info = zx_info_vmo_t(koid: 0x1234, size_bytes: 0x5000, parent_koid: 7, num_children: 2,
                                 num_mappings: 3, share_count: 1, flags: ZX_INFO_VMO_TYPE_PAGED,
                                 committed_bytes: 0x2000, handle_rights: ZX_DEFAULT_VMO_RIGHTS,
                                 cache_policy: ZX_CACHE_POLICY_UNCACHED, metadata_bytes: 99,
                                 committed_change_events: 5)
        info.nameString = "prefix-check"
        let v1 = zx_info_vmo_v1_t(info)
        let full = withUnsafeBytes(of: info) { Array($0) }
        let prefix = withUnsafeBytes(of: v1) { Array($0) }
        #expect(prefix.count == 104)
        #expect(Array(full.prefix(104)) == prefix)
    }

    @Test func vmar() {
        typealias T = zx_info_vmar_t
        #expect(MemoryLayout<T>.size == 16)
        #expect(MemoryLayout<T>.offset(of: \.base) == 0)
        #expect(MemoryLayout<T>.offset(of: \.len) == 8)
    }

    @Test func maps() {
        typealias T = zx_info_maps_t
        #expect(MemoryLayout<zx_info_maps_mapping_t>.size == 32)
        #expect(MemoryLayout<zx_info_maps_union_t>.size == 32)
        #expect(MemoryLayout<T>.size == 96)
        #expect(MemoryLayout<T>.stride == 96)
        #expect(MemoryLayout<T>.alignment == 8)
        #expect(MemoryLayout<T>.offset(of: \.name) == 0)
        #expect(MemoryLayout<T>.offset(of: \.base) == 32)
        #expect(MemoryLayout<T>.offset(of: \.size) == 40)
        #expect(MemoryLayout<T>.offset(of: \.depth) == 48)
        #expect(MemoryLayout<T>.offset(of: \.type) == 56)
        #expect(MemoryLayout<T>.offset(of: \.padding1) == 60)
        #expect(MemoryLayout<T>.offset(of: \.u) == 64)
        #expect(MemoryLayout<T>.offset(of: \.u.mapping.mmu_flags) == 64)
        #expect(MemoryLayout<T>.offset(of: \.u.mapping.vmo_koid) == 72)
        #expect(MemoryLayout<T>.offset(of: \.u.mapping.vmo_offset) == 80)
        #expect(MemoryLayout<T>.offset(of: \.u.mapping.committed_pages) == 88)
    }

    @Test func kmemStats() {
        typealias T = zx_info_kmem_stats_t
        #expect(MemoryLayout<T>.size == 72)
        #expect(MemoryLayout<T>.offset(of: \.total_bytes) == 0)
        #expect(MemoryLayout<T>.offset(of: \.vmo_bytes) == 40)
        #expect(MemoryLayout<T>.offset(of: \.mmu_overhead_bytes) == 48)
        #expect(MemoryLayout<T>.offset(of: \.ipc_bytes) == 56)
        #expect(MemoryLayout<T>.offset(of: \.other_bytes) == 64)
        typealias E = zx_info_kmem_stats_extended_t
        #expect(MemoryLayout<E>.size == 120)
        #expect(MemoryLayout<E>.offset(of: \.vmo_pager_total_bytes) == 48)
        #expect(MemoryLayout<E>.offset(of: \.mmu_overhead_bytes) == 88)
        #expect(MemoryLayout<E>.offset(of: \.vmo_reclaim_disabled_bytes) == 112)
    }

    @Test func processAndTasks() {
        #expect(MemoryLayout<zx_info_process_t>.size == 24)
        #expect(MemoryLayout<zx_info_process_t>.offset(of: \.start_time) == 8)
        #expect(MemoryLayout<zx_info_process_t>.offset(of: \.flags) == 16)
        #expect(MemoryLayout<zx_info_task_stats_t>.size == 32)
        #expect(MemoryLayout<zx_info_task_stats_t>.offset(of: \.mem_scaled_shared_bytes) == 24)
        #expect(MemoryLayout<zx_info_job_t>.size == 16)
        #expect(MemoryLayout<zx_info_job_t>.offset(of: \.exited) == 8)
        #expect(MemoryLayout<zx_info_job_t>.offset(of: \.debugger_attached) == 10)
        #expect(MemoryLayout<zx_cpu_set_t>.size == 64)
        #expect(MemoryLayout<zx_info_thread_t>.size == 72)
        #expect(MemoryLayout<zx_info_thread_t>.offset(of: \.cpu_affinity_mask) == 8)
        #expect(MemoryLayout<zx_info_thread_stats_t>.size == 16)
        #expect(MemoryLayout<zx_info_task_runtime_t>.size == 32)
    }

    @Test func resourceAndBti() {
        typealias T = zx_info_resource_t
        #expect(MemoryLayout<T>.size == 56)
        #expect(MemoryLayout<T>.offset(of: \.flags) == 4)
        #expect(MemoryLayout<T>.offset(of: \.base) == 8)
        #expect(MemoryLayout<T>.offset(of: \.size) == 16)
        #expect(MemoryLayout<T>.offset(of: \.name) == 24)
        #expect(MemoryLayout<zx_info_bti_t>.size == 32)
    }

    @Test func syscallRecords() {
        #expect(MemoryLayout<zx_vmo_lock_state_t>.size == 32)
        #expect(MemoryLayout<zx_vmo_lock_state_t>.offset(of: \.discarded_offset) == 16)
        #expect(MemoryLayout<zx_vmo_lock_state_t>.offset(of: \.discarded_size) == 24)
        #expect(MemoryLayout<zx_vmo_dirty_range_t>.size == 24)
        #expect(MemoryLayout<zx_pager_vmo_stats_t>.size == 4)
        #expect(MemoryLayout<zx_wait_item_t>.size == 12)
        #expect(MemoryLayout<zx_handle_info_t>.size == 16)
        #expect(MemoryLayout<zx_handle_disposition_t>.size == 20)
        #expect(MemoryLayout<zx_exception_info_t>.size == 24)
    }

    @Test func portPackets() {
        #expect(MemoryLayout<zx_packet_user_t>.size == 32)
        #expect(MemoryLayout<zx_packet_signal_t>.size == 32)
        #expect(MemoryLayout<zx_packet_signal_t>.offset(of: \.observed) == 4)
        #expect(MemoryLayout<zx_packet_signal_t>.offset(of: \.count) == 8)
        #expect(MemoryLayout<zx_packet_signal_t>.offset(of: \.timestamp) == 16)
        #expect(MemoryLayout<zx_packet_signal_t>.offset(of: \.reserved1) == 24)
        #expect(MemoryLayout<zx_packet_interrupt_t>.size == 32)
        typealias P = zx_packet_page_request_t
        #expect(MemoryLayout<P>.size == 32)
        #expect(MemoryLayout<P>.offset(of: \.command) == 0)
        #expect(MemoryLayout<P>.offset(of: \.flags) == 2)
        #expect(MemoryLayout<P>.offset(of: \.reserved0) == 4)
        #expect(MemoryLayout<P>.offset(of: \.offset) == 8)
        #expect(MemoryLayout<P>.offset(of: \.length) == 16)
        #expect(MemoryLayout<P>.offset(of: \.reserved1) == 24)
        typealias T = zx_port_packet_t
        #expect(MemoryLayout<T>.size == 48)
        #expect(MemoryLayout<T>.stride == 48)
        #expect(MemoryLayout<T>.alignment == 8)
        #expect(MemoryLayout<T>.offset(of: \.key) == 0)
        #expect(MemoryLayout<T>.offset(of: \.type) == 8)
        #expect(MemoryLayout<T>.offset(of: \.status) == 12)
        #expect(MemoryLayout<T>.offset(of: \.payload) == 16)
    }

    @Test func zeroInitialisersZeroEveryByte() {
        func allZero<T>(_ value: T) -> Bool { withUnsafeBytes(of: value) { $0.allSatisfy { $0 == 0 } } }
        #expect(allZero(zx_info_handle_basic_t()))
        #expect(allZero(zx_info_vmo_t()))
        #expect(allZero(zx_info_vmo_v1_t()))
        #expect(allZero(zx_info_maps_t()))
        #expect(allZero(zx_info_vmar_t()))
        #expect(allZero(zx_info_kmem_stats_t()))
        #expect(allZero(zx_info_kmem_stats_extended_t()))
        #expect(allZero(zx_info_process_t()))
        #expect(allZero(zx_info_task_stats_t()))
        #expect(allZero(zx_info_resource_t()))
        #expect(allZero(zx_info_job_t()))
        #expect(allZero(zx_info_thread_t()))
        #expect(allZero(zx_vmo_lock_state_t()))
        #expect(allZero(zx_port_packet_t()))
        #expect(allZero(zx_exception_info_t()))
    }
}
