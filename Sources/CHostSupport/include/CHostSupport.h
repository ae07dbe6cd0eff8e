// CHostSupport: the few host-kernel calls Swift cannot make directly (variadic syscall(2)).
#ifndef ZIRCONIA_CHOSTSUPPORT_H
#define ZIRCONIA_CHOSTSUPPORT_H

/// Registers the process for membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED). Returns 0 on success,
/// -1 if the host has no (usable) membarrier.
int zirconia_membarrier_register(void);

/// Executes a memory barrier on every running thread of this process (expedited if registered,
/// else the global command). Returns 0 on success, -1 if membarrier is unavailable.
int zirconia_membarrier(int expedited);

#include <stdint.h>

#if defined(__linux__)
/// Blocks until `*word` is signaled (1) or the CLOCK_MONOTONIC `deadline_ns` passes (LLONG_MAX:
/// never). Returns 1 if signaled. The word starts at 0; see futex.c for its states.
int zirconia_event_wait(uint32_t *word, long long deadline_ns);

/// Signals `*word` (idempotent) and wakes every thread asleep on it.
void zirconia_event_signal(uint32_t *word);

/// 1 if `*word` is signaled (acquire load), else 0.
int zirconia_event_is_signaled(uint32_t *word);
#endif

/// The host's own user pager, for the benchmark's comparison row: maps `pages` pages of anonymous
/// memory registered with userfaultfd (missing-page mode), starts a handler thread that answers
/// each fault with UFFDIO_COPY of a filled page, touches every page once from the calling thread,
/// and stores the elapsed nanoseconds in `*elapsed_ns`. Returns 0, or -errno when userfaultfd is
/// not available (no kernel support, or vm.unprivileged_userfaultfd=0 without privileges).
int zirconia_userfaultfd_roundtrips(int pages, unsigned long long *elapsed_ns);

#endif
