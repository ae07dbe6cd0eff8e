// A one-shot event word for WaitEvent: waiting threads sleep in futex(2) on a 32-bit word, the
// signaller sets it and wakes them only if someone is asleep. No mutex, so a wake-up never
// lands a thread straight onto a lock the signaller still holds.
//   0: not signaled, nobody asleep   2: not signaled, a waiter may be asleep   1: signaled
#include "CHostSupport.h"

#if defined(__linux__)
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/// Spin iterations before sleeping: a hand-off that completes within a few microseconds (a pager
/// supply, a channel reply) then costs no sleep/wake pair. Bounded, so a long wait still sleeps.
#define ZIRCONIA_EVENT_SPINS 1000

int zirconia_event_wait(uint32_t *word, long long deadline_ns) {
    for (int spin = 0; spin < ZIRCONIA_EVENT_SPINS; spin++) {
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 1) return 1;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield");
#endif
    }
    for (;;) {
        uint32_t state = __atomic_load_n(word, __ATOMIC_ACQUIRE);
        if (state == 1) return 1;
        if (state == 0 && !__atomic_compare_exchange_n(word, &state, 2, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            continue;   // changed under us: re-read (it may be signaled now)
        }
        struct timespec absolute;
        struct timespec *timeout = NULL;
        if (deadline_ns != LLONG_MAX) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long long now_ns = (long long)now.tv_sec * 1000000000ll + now.tv_nsec;
            if (now_ns >= deadline_ns) return __atomic_load_n(word, __ATOMIC_ACQUIRE) == 1;
            absolute.tv_sec = (time_t)(deadline_ns / 1000000000ll);
            absolute.tv_nsec = (long)(deadline_ns % 1000000000ll);
            timeout = &absolute;
        }
        // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline.
        long rc = syscall(SYS_futex, word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 2, timeout, NULL,
                          FUTEX_BITSET_MATCH_ANY);
        if (rc == -1 && errno == ETIMEDOUT) return __atomic_load_n(word, __ATOMIC_ACQUIRE) == 1;
    }
}

void zirconia_event_signal(uint32_t *word) {
    uint32_t previous = __atomic_exchange_n(word, 1, __ATOMIC_ACQ_REL);
    if (previous == 2) syscall(SYS_futex, word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
}
int zirconia_event_is_signaled(uint32_t *word) {
    return __atomic_load_n(word, __ATOMIC_ACQUIRE) == 1;
}
#endif
