// membarrier(2) wrappers for AccessRegistry (Swift cannot call the variadic syscall(2)).
#include "CHostSupport.h"

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

int zirconia_membarrier_register(void) {
    return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 ? 0 : -1;
}

int zirconia_membarrier(int expedited) {
    int command = expedited ? MEMBARRIER_CMD_PRIVATE_EXPEDITED : MEMBARRIER_CMD_GLOBAL;
    return syscall(SYS_membarrier, command, 0, 0) == 0 ? 0 : -1;
}
#else
int zirconia_membarrier_register(void) { return -1; }
int zirconia_membarrier(int expedited) { (void)expedited; return -1; }
#endif
