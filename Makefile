# pikaos - top-level build.
#
#   make run      build and boot in QEMU (SMP=4 MEM=512M by default), serial on the terminal
#   make test     host unit tests + in-OS suites at SMP=1,2,4 + an 8-core boot; ends "N passed, N failed"
#   make debug    boot with QEMU waiting for gdb; then: gdb -x build/gdbinit
#   make kernel   just build build/kernel.elf
#
# Variables: SMP, MEM, ACCEL (tcg|kvm), CMDLINE (kernel command line),
# CROSS_COMPILE (toolchain prefix, e.g. x86_64-linux-gnu-), CC (gcc or clang).

SMP     ?= 4
MEM     ?= 512M
ACCEL   ?= tcg
CMDLINE ?=
CROSS_COMPILE ?=
B       ?= build

ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
LD      := $(CROSS_COMPILE)ld
NM      := $(CROSS_COMPILE)nm
OBJCOPY := $(CROSS_COMPILE)objcopy
NASM    ?= nasm
HOSTCC  ?= gcc

CC_IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -q clang && echo 1)

# ---------------------------------------------------------------- kernel
KINCLUDE := -Ikernel -Ilibc/include -I.
KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-fno-stack-protector -fno-pic -fno-pie -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -fno-common \
	-mno-red-zone -mcmodel=kernel -mno-mmx -mno-sse -mno-sse2 -mno-avx \
	-DPIKAOS_KERNEL $(KINCLUDE)
ifeq ($(CC_IS_CLANG),1)
KCFLAGS += --target=x86_64-unknown-none-elf -mno-implicit-float
else
KCFLAGS += -mgeneral-regs-only
endif
KLDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments
NASMFLAGS := -f elf64 -g -F dwarf -Iinclude/ -Iboot/

KSRC_C   := $(wildcard kernel/*.c) $(wildcard tests/os/*.c) libc/string.c libc/fmt.c
KSRC_ASM := $(wildcard boot/*.asm) $(wildcard kernel/*.asm)
KOBJS    := $(patsubst %.c,$(B)/k/%.o,$(KSRC_C)) $(patsubst %.asm,$(B)/k/%.o,$(KSRC_ASM))

.PHONY: all kernel run test debug unit clean deps iso check-clang
all: kernel

kernel: $(B)/kernel.elf

deps:
	@tools/deps

# V=1 shows the full commands.
ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @echo
endif

$(B)/k/%.o: %.c
	@mkdir -p $(dir $@)
	$(quiet) "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(B)/k/%.o: %.asm
	@mkdir -p $(dir $@)
	$(quiet) "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

# Two-pass link: the symbol table (for backtraces) lives in .ksyms after
# .text and .rodata, so adding it cannot move any function; the build checks that.
$(B)/kernel.elf: $(KOBJS) kernel/linker.ld tools/gensyms
	@mkdir -p $(B)
	$(quiet) "  LD      $@"
	$(Q)tools/gensyms < /dev/null > $(B)/ksyms0.asm
	$(Q)$(NASM) $(NASMFLAGS) $(B)/ksyms0.asm -o $(B)/ksyms0.o
	$(Q)$(LD) $(KLDFLAGS) -T kernel/linker.ld -o $(B)/kernel.pass1.elf $(KOBJS) $(B)/ksyms0.o
	$(Q)$(NM) -n --defined-only $(B)/kernel.pass1.elf | tools/gensyms > $(B)/ksyms.asm
	$(Q)$(NASM) $(NASMFLAGS) $(B)/ksyms.asm -o $(B)/ksyms.o
	$(Q)$(LD) $(KLDFLAGS) -T kernel/linker.ld -o $@.tmp $(KOBJS) $(B)/ksyms.o
	@$(NM) -n --defined-only $(B)/kernel.pass1.elf | grep -i ' t ' > $(B)/syms1.txt
	@$(NM) -n --defined-only $@.tmp | grep -i ' t ' > $(B)/syms2.txt
	@cmp -s $(B)/syms1.txt $(B)/syms2.txt || { echo "ksyms: text moved between link passes"; exit 1; }
	@mv $@.tmp $@

# ---------------------------------------------------------------- boot
run: deps kernel
	tools/qemu run --kernel $(B)/kernel.elf --smp $(SMP) --mem $(MEM) --accel $(ACCEL) --cmdline "$(CMDLINE)"

debug: deps kernel
	@sed 's|@KERNEL@|$(abspath $(B)/kernel.elf)|' tools/gdbinit.in > $(B)/gdbinit
	@echo "QEMU waits for gdb on :1234; in another terminal: gdb -x $(B)/gdbinit"
	tools/qemu run --kernel $(B)/kernel.elf --smp $(SMP) --mem $(MEM) --accel $(ACCEL) --cmdline "$(CMDLINE)" --gdb

iso: kernel
	tools/mkiso $(B)/kernel.elf $(B)/pikaos.iso "$(CMDLINE)"

# ---------------------------------------------------------------- host unit tests
# Every unit test is a cmocka program printing TAP (CMOCKA_MESSAGE_OUTPUT=TAP),
# built with AddressSanitizer and UBSan. Sub-directories add themselves to
# UNIT_TESTS through tests/unit/*/unit.mk.
UNIT_CC     ?= $(HOSTCC)
UNIT_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all -DHOST_TEST -I.
UNIT_LIBS   := -lcmocka
UNIT_TESTS  :=

define unit_test # name, sources
UNIT_TESTS += $(B)/unit/$(1)
$(B)/unit/$(1): $(2)
	@mkdir -p $$(dir $$@)
	$$(quiet) "  HOSTCC  $$@"
	$$(Q)$$(UNIT_CC) $$(UNIT_CFLAGS) $(2) $$(UNIT_LIBS) -o $$@
endef

$(eval $(call unit_test,ktap_test,tests/unit/ktap_test.c tools/ktap/ktap.c))
$(eval $(call unit_test,frame_test,tests/unit/frame_test.c kernel/frame.c))
$(eval $(call unit_test,cmdline_test,tests/unit/cmdline_test.c kernel/cmdline.c))
$(eval $(call unit_test,fmt_test,tests/unit/fmt_test.c libc/fmt.c))
-include $(wildcard tests/unit/*/unit.mk)
# The portable TCP/IP stack adds its tests, fuzzers and benchmarks here.
-include net/net.mk

$(B)/tools/ktap: tools/ktap/ktap.c tools/ktap/main.c tools/ktap/ktap.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror tools/ktap/ktap.c tools/ktap/main.c -o $@

unit: $(UNIT_TESTS) $(B)/tools/ktap

# ---------------------------------------------------------------- all tests
test: deps kernel unit
	B=$(B) ACCEL=$(ACCEL) tools/test-all $(UNIT_TESTS)

check-clang:
	@if command -v clang >/dev/null; then $(MAKE) --no-print-directory B=$(B)/clang CC=clang kernel; \
	else echo "clang not installed: skipped"; fi

clean:
	rm -rf $(B)

-include $(KOBJS:.o=.d)
