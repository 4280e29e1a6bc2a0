/* SPDX-License-Identifier: Apache-2.0 */
#include "synth.h"

#include <stdlib.h>
#include <string.h>

#include "helpers.h"

uint8_t synth_kernel_byte(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

uint8_t *synth_bzimage(const void *payload, size_t payload_len, size_t *len)
{
	size_t ksize = SB_KERNEL_SIZE, size;
	uint8_t *b, *k;

	if (payload == NULL)
		payload_len = SB_PAYLOAD_LEN;
	if (SB_PAYLOAD_OFF + payload_len > ksize)
		ksize = (SB_PAYLOAD_OFF + payload_len + 15) & ~(size_t)15;
	size = SB_SETUP_SIZE + ksize + SB_TRAILING;
	b = calloc(1, size);
	if (b == NULL)
		abort();
	b[0x1f1] = SB_SETUP_SECTS;
	set32(b + 0x1f4, (uint32_t)(ksize / 16));
	set16(b + 0x1fa, 0xffff);
	set16(b + 0x1fe, 0xaa55);
	b[0x200] = 0xeb;
	b[0x201] = 0x6a; /* header ends at 0x26c */
	memcpy(b + 0x202, "HdrS", 4);
	set16(b + 0x206, 0x020f);
	b[0x211] = 0x01; /* LOADED_HIGH */
	set32(b + 0x214, 0x100000);
	set32(b + 0x22c, 0x7fffffff);
	set32(b + 0x230, SB_ALIGN);
	b[0x234] = 1;
	b[0x235] = 12;
	set16(b + 0x236, 0x03); /* XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G */
	set32(b + 0x238, SB_CMDLINE_SIZE);
	set32(b + 0x248, SB_PAYLOAD_OFF);
	set32(b + 0x24c, (uint32_t)payload_len);
	set64(b + 0x258, SB_PREF);
	set32(b + 0x260,
	      (uint32_t)(ksize > SB_INIT_SIZE ? ksize : SB_INIT_SIZE));
	set32(b + 0x268, SB_KINFO_OFF);
	k = b + SB_SETUP_SIZE;
	for (size_t i = 0; i < ksize; i++)
		k[i] = synth_kernel_byte(i);
	memcpy(k + SB_KINFO_OFF, "LToP", 4);
	set32(k + SB_KINFO_OFF + 4, 16);
	set32(k + SB_KINFO_OFF + 8, 16);
	set32(k + SB_KINFO_OFF + 12, 0x80000009);
	if (payload != NULL)
		memcpy(k + SB_PAYLOAD_OFF, payload, payload_len);
	for (size_t i = SB_SETUP_SIZE + ksize; i < size; i++)
		b[i] = 0x5a;
	*len = size;
	return b;
}

size_t synth_note(uint8_t *buf, size_t pos, const char *name, uint32_t type,
		  const void *desc, uint32_t descsz, uint32_t align)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;

	set32(buf + pos, namesz);
	set32(buf + pos + 4, descsz);
	set32(buf + pos + 8, type);
	memcpy(buf + pos + 12, name, namesz);
	pos = (pos + 12 + namesz + align - 1) & ~(size_t)(align - 1);
	memcpy(buf + pos, desc, descsz);
	return (pos + descsz + align - 1) & ~(size_t)(align - 1);
}

static void phdr(uint8_t *e, unsigned i, uint32_t type, uint64_t off,
		 uint64_t paddr, uint64_t filesz, uint64_t memsz,
		 uint64_t align)
{
	uint8_t *p = e + SE_PH(i);

	set32(p + SE_P_TYPE, type);
	set32(p + SE_P_FLAGS, 5);
	set64(p + SE_P_OFFSET, off);
	set64(p + SE_P_VADDR, paddr + 0xffffffff80000000u);
	set64(p + SE_P_PADDR, paddr);
	set64(p + SE_P_FILESZ, filesz);
	set64(p + SE_P_MEMSZ, memsz);
	set64(p + SE_P_ALIGN, align);
}

void synth_elf_notes(uint8_t *elf, const void *notes, size_t len,
		     uint64_t align)
{
	memset(elf + SE_NOTE_OFF, 0, 0x800);
	memcpy(elf + SE_NOTE_OFF, notes, len);
	set64(elf + SE_PH(1) + SE_P_FILESZ, len);
	set64(elf + SE_PH(1) + SE_P_MEMSZ, len);
	set64(elf + SE_PH(1) + SE_P_ALIGN, align);
}

uint8_t *synth_elf(void)
{
	static const uint8_t build_id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t *e = calloc(1, SE_SIZE), notes[64], pvh[8];
	size_t n;

	if (e == NULL)
		abort();
	memcpy(e, "\177ELF", 4);
	e[4] = 2;
	e[5] = 1;
	e[6] = 1;
	set16(e + 0x10, 2);
	set16(e + 0x12, 62);
	set32(e + 0x14, 1);
	set64(e + 0x18, SE_ENTRY);
	set64(e + 0x20, SE_PHOFF);
	set16(e + 0x34, 64);
	set16(e + 0x36, 56);
	set16(e + 0x38, SE_PHNUM);
	phdr(e, 0, 1, 0x1000, 0x100000, 0x800, 0x1000, 0x1000);
	phdr(e, 1, 4, SE_NOTE_OFF, 0, 0, 0, 4);
	phdr(e, 2, 1, 0x2000, 0x102000, 0x400, 0x400, 0x1000);
	phdr(e, 3, 0x6474e551, 0, 0, 0, 0, 16);
	for (size_t i = 0x1000; i < 0x1800; i++)
		e[i] = (uint8_t)(i * 13);
	for (size_t i = 0x2000; i < 0x2400; i++)
		e[i] = (uint8_t)(i * 5);
	memset(notes, 0, sizeof(notes));
	set64(pvh, SE_PVH);
	n = synth_note(notes, 0, "GNU", 3, build_id, 8, 4);
	n = synth_note(notes, n, "Xen", 18, pvh, 8, 4);
	synth_elf_notes(e, notes, n, 4);
	return e;
}
