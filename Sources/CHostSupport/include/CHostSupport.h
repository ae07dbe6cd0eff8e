// CHostSupport: the few host-kernel calls Swift cannot make directly (variadic syscall(2)).
#ifndef ZIRCONIA_CHOSTSUPPORT_H
#define ZIRCONIA_CHOSTSUPPORT_H

/// Registers the process for membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED). Returns 0 on success,
/// -1 if the host has no (usable) membarrier.
int zirconia_membarrier_register(void);

/// Executes a memory barrier on every running thread of this process (expedited if registered,
/// else the global command). Returns 0 on success, -1 if membarrier is unavailable.
int zirconia_membarrier(int expedited);

#endif
