# pikaos - top-level build.
#
#   make run      build and boot in QEMU (SMP=4 MEM=512M by default), serial on the terminal
#   make test     host unit tests + in-OS suites at SMP=1,2,4 + an 8-core boot; ends "N passed, N failed"
#   make debug    boot with QEMU waiting for gdb; then: gdb -x build/gdbinit
#   make pxe      boot over the network (iPXE -> GRUB -> pikaos through QEMU's TFTP)
#   make kernel   just build build/kernel.elf
#
#   make bench-ctxsw  context-switch cost, printed in cycles
#   NET=user:PORT | tap:IFNAME:QUEUES | none, PCAP=file (network of make run/pxe)
#   make bench-channels  channel round trip vs raw cache-line ping-pong, throughput
#   make bench    pikaos against a Linux guest (tools/bench/README; needs root)
#
# Variables: SMP, MEM, ACCEL (tcg|kvm), CMDLINE (kernel command line; default
# starts user/hello on every core),
# CROSS_COMPILE (toolchain prefix, e.g. x86_64-linux-gnu-), CC (gcc or clang).

SMP     ?= 4
MEM     ?= 512M
ACCEL   ?= tcg
CMDLINE ?= start=netd@all,httpd@all,echo@all
CROSS_COMPILE ?=
B       ?= build

ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
LD      := $(CROSS_COMPILE)ld
NM      := $(CROSS_COMPILE)nm
OBJCOPY := $(CROSS_COMPILE)objcopy
AR      := $(CROSS_COMPILE)ar
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

KSRC_C   := $(wildcard kernel/*.c) $(wildcard tests/os/*.c) libc/string.c libc/fmt.c libc/chan.c
KSRC_ASM := $(wildcard boot/*.asm) $(wildcard kernel/*.asm)
KOBJS    := $(patsubst %.c,$(B)/k/%.o,$(KSRC_C)) $(patsubst %.asm,$(B)/k/%.o,$(KSRC_ASM))

.PHONY: all kernel run test debug unit clean deps iso check-clang bench-ctxsw bench-channels pxe
all: kernel user

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

# ---------------------------------------------------------------- libc and user programs
# User code may use SSE (the kernel saves it per thread); it links statically
# at 0x400000 with libc/crt0 and libc.a. Every user/NAME.c becomes the boot
# module NAME.
UCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -nostdinc -isystem $(shell $(CC) -print-file-name=include) -Ilibc/include -I. \
	-fno-stack-protector -fno-pic -fno-pie -fno-omit-frame-pointer -fno-asynchronous-unwind-tables
ifeq ($(CC_IS_CLANG),1)
UCFLAGS += --target=x86_64-unknown-none-elf
endif
LIBGCC := $(wildcard $(shell $(CROSS_COMPILE)gcc -print-libgcc-file-name 2>/dev/null))
ULDFLAGS := -static -nostdlib -z max-page-size=0x1000 -z noexecstack -T user/user.ld

LIBC_OBJS  := $(patsubst %.c,$(B)/u/%.o,$(wildcard libc/*.c)) $(B)/u/libc/mthread_switch.o
USER_PROGS := $(basename $(notdir $(wildcard user/*.c))) monitor netd
USER_BINS  := $(addprefix $(B)/user/,$(USER_PROGS))

$(B)/u/%.o: %.c
	@mkdir -p $(dir $@)
	$(quiet) "  UCC     $<"
	$(Q)$(CC) $(UCFLAGS) -MMD -MP -c $< -o $@

$(B)/u/%.o: %.asm
	@mkdir -p $(dir $@)
	$(quiet) "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@

$(B)/libc.a: $(LIBC_OBJS)
	$(quiet) "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/user/%: $(B)/u/user/%.o $(B)/u/libc/crt0.o $(B)/libc.a user/user.ld
	@mkdir -p $(dir $@)
	$(quiet) "  LD      $@"
	$(Q)$(LD) $(ULDFLAGS) -o $@ $(B)/u/libc/crt0.o $< $(B)/libc.a $(LIBGCC)

# netd: user/netd/ with the drivers and the TCP/IP stack.
NETD_SRC := $(wildcard user/netd/*.c) $(wildcard drivers/*.c) $(wildcard drivers/*/*.c) $(wildcard net/*.c)
$(B)/user/netd: $(patsubst %.c,$(B)/u/%.o,$(NETD_SRC)) $(B)/u/libc/crt0.o $(B)/libc.a user/user.ld
	@mkdir -p $(dir $@)
	$(quiet) "  LD      $@"
	$(Q)$(LD) $(ULDFLAGS) -o $@ $(B)/u/libc/crt0.o $(filter %.o,$(filter-out %crt0.o,$^)) $(B)/libc.a $(LIBGCC)

# The monitor (monitor/) is a boot module like the programs in user/.
$(B)/user/monitor: $(patsubst %.c,$(B)/u/%.o,$(wildcard monitor/*.c)) $(B)/u/libc/crt0.o $(B)/libc.a user/user.ld
	@mkdir -p $(dir $@)
	$(quiet) "  LD      $@"
	$(Q)$(LD) $(ULDFLAGS) -o $@ $(B)/u/libc/crt0.o $(filter %.o,$(filter-out %crt0.o,$^)) $(B)/libc.a $(LIBGCC)

# Static files httpd serves: www/NAME becomes the boot module www.NAME, and
# www.1m.bin (1 MiB of SHA-256 output, the same on every build) is made here
# for the transfer tests.
WWW := $(addprefix $(B)/user/www.,$(notdir $(wildcard www/*))) $(B)/user/www.1m.bin
$(B)/user/www.%: www/%
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
$(B)/user/www.1m.bin:
	@mkdir -p $(dir $@)
	$(Q)python3 -c 'import hashlib,sys; sys.stdout.buffer.write(b"".join(hashlib.sha256(i.to_bytes(4,"little")).digest() for i in range(32768)))' > $@

.PHONY: user
user: $(USER_BINS) $(WWW)
.SECONDARY: # keep object files of pattern chains

# ---------------------------------------------------------------- boot
NET     ?= user:8080
PCAP    ?=
QEMU_ARGS = --kernel $(B)/kernel.elf --modules-dir $(B)/user --smp $(SMP) --mem $(MEM) --accel $(ACCEL) \
	--net $(NET) $(if $(PCAP),--pcap $(PCAP))

run: deps kernel user
	tools/qemu run $(QEMU_ARGS) --cmdline "$(CMDLINE)"

# Network boot: iPXE -> GRUB -> pikaos over QEMU's TFTP (tools/pxe/README.md).
pxe: deps kernel user
	tools/qemu run --pxe $(QEMU_ARGS) --cmdline "$(CMDLINE)"

debug: deps kernel user
	@sed 's|@KERNEL@|$(abspath $(B)/kernel.elf)|' tools/gdbinit.in > $(B)/gdbinit
	@echo "QEMU waits for gdb on :1234; in another terminal: gdb -x $(B)/gdbinit"
	tools/qemu run $(QEMU_ARGS) --cmdline "$(CMDLINE)" --gdb

iso: kernel user
	tools/mkiso $(B)/kernel.elf $(B)/pikaos.iso "$(CMDLINE)" $(USER_BINS)

# ---------------------------------------------------------------- host unit tests
# Every unit test is a cmocka program printing TAP (CMOCKA_MESSAGE_OUTPUT=TAP),
# built with AddressSanitizer and UBSan. Sub-directories add themselves to
# UNIT_TESTS through tests/unit/*/unit.mk.
UNIT_CC     ?= $(HOSTCC)
UNIT_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all -DHOST_TEST -I. -idirafter libc/include
UNIT_LIBS   := -lcmocka -lpthread
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
$(eval $(call unit_test,elf_test,tests/unit/elf_test.c kernel/elf.c))
$(eval $(call unit_test,chan_test,tests/unit/chan_test.c libc/chan.c))
$(eval $(call unit_test,virtio_test,tests/unit/virtio_test.c drivers/virtio/virtio_net.c drivers/virtio/virtqueue.c drivers/virtio/virtio_pci.c))
-include $(wildcard tests/unit/*/unit.mk)
# The portable TCP/IP stack adds its tests, fuzzers and benchmarks here.
-include net/net.mk
# netd's socket service and the monitor protocol under fuzzing (after net.mk: they use its harness).
-include tests/fuzz/netd/fuzz.mk

$(B)/tools/ktap: tools/ktap/ktap.c tools/ktap/main.c tools/ktap/ktap.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror tools/ktap/ktap.c tools/ktap/main.c -o $@

unit: $(UNIT_TESTS) $(B)/tools/ktap

# ---------------------------------------------------------------- all tests
test: deps kernel user unit
	B=$(B) ACCEL=$(ACCEL) tools/test-all $(UNIT_TESTS)

# Context-switch cost in cycles (benchmark, not a test).
bench-ctxsw: deps kernel user
	B=$(B) ACCEL=$(ACCEL) tools/bench-ctxsw bench-channels

# Channel round trips next to a raw cache-line ping-pong, throughput, microthreads.
bench-channels: deps kernel user
	B=$(B) ACCEL=$(ACCEL) tools/bench-channels

# pikaos against a Linux guest, side by side (make bench; tools/bench/README).
-include tools/bench/bench.mk

check-clang:
	@if command -v clang >/dev/null; then $(MAKE) --no-print-directory B=$(B)/clang CC=clang kernel user; \
	else echo "clang not installed: skipped"; fi

clean:
	rm -rf $(B)

-include $(KOBJS:.o=.d) $(LIBC_OBJS:.o=.d) $(patsubst %,$(B)/u/user/%.d,$(USER_PROGS)) \
	$(patsubst %.c,$(B)/u/%.d,$(NETD_SRC) $(wildcard monitor/*.c))
