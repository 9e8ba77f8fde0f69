/* Host tests of the ELF validator (kernel/elf.c): good images load, every malformation is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <string.h>

#include "kernel/elf.h"
#include "kernel/errno.h"

/* A two-segment image: text at 0x400000 (offset 0x1000), data+bss at 0x402000. */
static uint8_t img[0x4000];

static Elf64_Ehdr *eh(void) { return (Elf64_Ehdr *)img; }
static Elf64_Phdr *ph(int i) { return (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr)) + i; }

static int build(void **s)
{
	(void)s;
	memset(img, 0, sizeof(img));
	memcpy(eh()->e_ident, ELFMAG, SELFMAG);
	eh()->e_ident[EI_CLASS] = ELFCLASS64;
	eh()->e_ident[EI_DATA] = ELFDATA2LSB;
	eh()->e_type = ET_EXEC;
	eh()->e_machine = EM_X86_64;
	eh()->e_entry = 0x400010;
	eh()->e_phoff = sizeof(Elf64_Ehdr);
	eh()->e_phentsize = sizeof(Elf64_Phdr);
	eh()->e_phnum = 3;
	*ph(0) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x1000,
			       .p_vaddr = 0x400000, .p_filesz = 0x1000, .p_memsz = 0x1000 };
	*ph(1) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x2000,
			       .p_vaddr = 0x402000, .p_filesz = 0x800, .p_memsz = 0x5000 };
	*ph(2) = (Elf64_Phdr){ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W };
	return 0;
}

static void expect_refused(const char *reason_part)
{
	struct elf_info info;
	const char *why = "";
	assert_int_equal(elf_parse(img, sizeof(img), &info, &why), -ENOEXEC);
	assert_non_null(strstr(why, reason_part));
}

static void good_image(void **s)
{
	(void)s;
	struct elf_info info;
	const char *why = NULL;
	assert_int_equal(elf_parse(img, sizeof(img), &info, &why), 0);
	assert_int_equal(info.entry, 0x400010);
	assert_int_equal(info.nseg, 2);
	assert_int_equal(info.seg[0].flags, ELF_SEG_R | ELF_SEG_X);
	assert_int_equal(info.seg[1].flags, ELF_SEG_R | ELF_SEG_W);
	assert_int_equal(info.seg[1].memsz, 0x5000);
	assert_int_equal(info.seg[1].filesz, 0x800);
}

static void truncated_and_foreign(void **s)
{
	(void)s;
	struct elf_info info;
	assert_int_equal(elf_parse(img, 10, &info, NULL), -ENOEXEC);
	assert_int_equal(elf_parse(NULL, 100, &info, NULL), -ENOEXEC);
	img[0] = 'X';
	expect_refused("not ELF");
	build(NULL);
	eh()->e_ident[EI_CLASS] = ELFCLASS32;
	expect_refused("64-bit");
	build(NULL);
	eh()->e_machine = EM_386;
	expect_refused("x86-64");
	build(NULL);
	eh()->e_type = ET_DYN;
	expect_refused("static");
}

static void bad_program_headers(void **s)
{
	(void)s;
	eh()->e_phoff = sizeof(img) - 10;
	expect_refused("outside the image");
	build(NULL);
	eh()->e_phnum = 0xffff;
	expect_refused("program header table");
	build(NULL);
	eh()->e_phentsize = 10;
	expect_refused("program header table");
	build(NULL);
	ph(2)->p_type = PT_INTERP;
	expect_refused("dynamically linked");
}

static void bad_segments(void **s)
{
	(void)s;
	ph(1)->p_filesz = 0x6000;
	expect_refused("file size larger");
	build(NULL);
	ph(1)->p_offset = 0x3c00;
	ph(1)->p_vaddr = 0x402c00;
	ph(1)->p_filesz = 0x800;
	expect_refused("outside the image");
	build(NULL);
	ph(1)->p_offset = 0x2100;
	expect_refused("congruent");
	build(NULL);
	ph(1)->p_vaddr = 0xffffffff80000000ULL;
	ph(1)->p_offset = 0x2000;
	expect_refused("outside user space");
	build(NULL);
	ph(1)->p_vaddr = 0x7effffffe000ULL;
	ph(1)->p_memsz = 0x10000000000ULL;
	expect_refused("outside user space");
	build(NULL);
	ph(1)->p_vaddr = 0x400800;
	ph(1)->p_offset = 0x2800;
	expect_refused("overlap");
	build(NULL);
	ph(1)->p_vaddr = 0x1000;
	ph(1)->p_offset = 0x2000;
	expect_refused("outside user space");
}

static void bad_entry(void **s)
{
	(void)s;
	eh()->e_entry = 0x402000; /* data, not executable */
	expect_refused("entry point");
	build(NULL);
	eh()->e_entry = 0;
	expect_refused("entry point");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(good_image, build),
		cmocka_unit_test_setup(truncated_and_foreign, build),
		cmocka_unit_test_setup(bad_program_headers, build),
		cmocka_unit_test_setup(bad_segments, build),
		cmocka_unit_test_setup(bad_entry, build),
	};
	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
