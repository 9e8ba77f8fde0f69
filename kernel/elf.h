/*
 * elf.h - validating a static ELF64 x86-64 executable (portable; host-tested
 * in tests/unit/elf_test.c with malformed images).
 *
 * elf_parse() accepts only what the loader can place safely: ET_EXEC for
 * x86-64, program headers inside the image, PT_LOAD segments with
 * filesz <= memsz, file bytes inside the image, page-congruent offsets,
 * addresses inside [ELF_USER_MIN, ELF_USER_MAX) without overflow, sorted
 * and not sharing a page, and an entry point inside an executable segment.
 */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 8
#define ELF_USER_MIN 0x10000ULL
#define ELF_USER_MAX 0x00007f0000000000ULL

#define ELF_SEG_R 4
#define ELF_SEG_W 2
#define ELF_SEG_X 1

struct elf_segment {
	uint64_t vaddr, memsz;  /* in memory */
	uint64_t offset, filesz; /* in the image */
	uint32_t flags;          /* ELF_SEG_R/W/X */
};

struct elf_info {
	uint64_t entry;
	int nseg;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/* 0, or -ENOEXEC with the reason in *why (a static string). */
int elf_parse(const void *image, size_t len, struct elf_info *out, const char **why);

#endif
