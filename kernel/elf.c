/* elf.c - see elf.h. System V gABI, ELF-64 object file format. */
#include "kernel/elf.h"
#include "kernel/errno.h"

#include <string.h>

struct elf64_ehdr {
	unsigned char ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_DYNAMIC 2
#define PT_TLS 7
#define PAGE 4096ULL

#define FAIL(msg)                 \
	do {                      \
		*why = msg;       \
		return -ENOEXEC; \
	} while (0)

int elf_parse(const void *image, size_t len, struct elf_info *out, const char **why)
{
	static const char *dummy;
	if (!why)
		why = &dummy;
	memset(out, 0, sizeof(*out));
	struct elf64_ehdr eh;
	if (!image || len < sizeof(eh))
		FAIL("shorter than an ELF header");
	memcpy(&eh, image, sizeof(eh));
	if (memcmp(eh.ident, "\177ELF", 4) != 0)
		FAIL("not ELF");
	if (eh.ident[4] != 2 || eh.ident[5] != 1)
		FAIL("not 64-bit little-endian");
	if (eh.type != ET_EXEC || eh.machine != EM_X86_64)
		FAIL("not a static x86-64 executable");
	if (eh.phentsize != sizeof(struct elf64_phdr) || eh.phnum == 0 || eh.phnum > 64)
		FAIL("bad program header table");
	if (eh.phoff > len || (uint64_t)eh.phnum * sizeof(struct elf64_phdr) > len - eh.phoff)
		FAIL("program headers outside the image");

	uint64_t prev_end = 0;
	int entry_ok = 0;
	for (int i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, (const char *)image + eh.phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.type == PT_INTERP || ph.type == PT_DYNAMIC)
			FAIL("dynamically linked");
		if (ph.type == PT_TLS)
			FAIL("thread-local storage segments are not supported");
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (out->nseg == ELF_MAX_SEGMENTS)
			FAIL("too many segments");
		if (ph.filesz > ph.memsz)
			FAIL("segment file size larger than memory size");
		if (ph.offset > len || ph.filesz > len - ph.offset)
			FAIL("segment bytes outside the image");
		if ((ph.offset % PAGE) != (ph.vaddr % PAGE))
			FAIL("segment offset and address not congruent");
		if (ph.vaddr < ELF_USER_MIN || ph.vaddr >= ELF_USER_MAX || ph.memsz > ELF_USER_MAX - ph.vaddr)
			FAIL("segment outside user space");
		uint64_t start = ph.vaddr & ~(PAGE - 1);
		if (start < prev_end)
			FAIL("segments overlap or share a page");
		prev_end = (ph.vaddr + ph.memsz + PAGE - 1) & ~(PAGE - 1);
		struct elf_segment *s = &out->seg[out->nseg++];
		s->vaddr = ph.vaddr;
		s->memsz = ph.memsz;
		s->offset = ph.offset;
		s->filesz = ph.filesz;
		s->flags = ((ph.flags & 4) ? ELF_SEG_R : 0) | ((ph.flags & 2) ? ELF_SEG_W : 0) |
			   ((ph.flags & 1) ? ELF_SEG_X : 0);
		if ((s->flags & ELF_SEG_X) && eh.entry >= ph.vaddr && eh.entry < ph.vaddr + ph.memsz)
			entry_ok = 1;
	}
	if (out->nseg == 0)
		FAIL("no loadable segment");
	if (!entry_ok)
		FAIL("entry point not in an executable segment");
	out->entry = eh.entry;
	return 0;
}
