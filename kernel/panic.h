/* panic.h - stop this core with a report; other cores keep running. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include "types.h"

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
/* Marks this core stopped (state FAULTED or PANICKED) and halts forever. */
__noreturn void core_stop(u32 state);

#define assert(c)                                                                       \
	do {                                                                            \
		if (!(c))                                                               \
			panic("assertion failed: %s at %s:%d", #c, __FILE__, __LINE__); \
	} while (0)

#endif
