/* power.h - turning the machine off. */
#ifndef KERNEL_POWER_H
#define KERNEL_POWER_H

/* Exits QEMU through isa-debug-exit (QEMU's exit status is status*2+1),
 * else enters ACPI S5, else halts this core. */
__attribute__((noreturn)) void power_off(int status);

#endif
