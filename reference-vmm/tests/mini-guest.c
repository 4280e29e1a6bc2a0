/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mini-guest KIND OUT: write a tiny ELF64 kernel with a PVH note whose
 * 32-bit entry does one thing, for the exits the probe guest does not
 * produce:
 *   mmio-exec  jump to 0xd0000000, in the MMIO hole: KVM cannot fetch
 *              instructions from MMIO, so the VMM must end the VM with an
 *              emulation failure (exit 5) naming it
 *   ud2        an invalid opcode with no IDT: a triple fault (exit 3)
 *   hlt        cli; hlt forever: only --boot-timeout ends it (exit 6)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LOAD 0x100000u

static void put(uint8_t *p, size_t off, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

int main(int argc, char **argv)
{
	static const uint8_t mmio_exec[] = {
	    0xb8, 0x00, 0x00, 0x00, 0xd0, 0xff, 0xe0}; /* mov eax; jmp eax */
	static const uint8_t ud2[] = {0x0f, 0x0b};
	static const uint8_t hlt[] = {0xfa, 0xf4, 0xeb, 0xfd}; /* cli; hlt */
	const uint8_t *code;
	size_t code_len;
	uint8_t f[512];
	const size_t ph = 64, note = ph + (size_t)2 * 56, text = 256;
	FILE *out;

	if (argc != 3)
		return 2;
	if (strcmp(argv[1], "mmio-exec") == 0) {
		code = mmio_exec;
		code_len = sizeof(mmio_exec);
	} else if (strcmp(argv[1], "ud2") == 0) {
		code = ud2;
		code_len = sizeof(ud2);
	} else if (strcmp(argv[1], "hlt") == 0) {
		code = hlt;
		code_len = sizeof(hlt);
	} else {
		return 2;
	}
	memset(f, 0, sizeof(f));
	f[0] = 0x7f; /* ELF magic */
	f[1] = (uint8_t)'E';
	f[2] = (uint8_t)'L';
	f[3] = (uint8_t)'F';
	f[4] = 2;		      /* ELFCLASS64 */
	f[5] = 1;		      /* little-endian */
	f[6] = 1;		      /* version */
	put(f, 16, 2, 2);	      /* ET_EXEC */
	put(f, 18, 62, 2);	      /* EM_X86_64 */
	put(f, 20, 1, 4);	      /* version */
	put(f, 24, LOAD, 8);	      /* e_entry */
	put(f, 32, ph, 8);	      /* e_phoff */
	put(f, 52, 64, 2);	      /* e_ehsize */
	put(f, 54, 56, 2);	      /* e_phentsize */
	put(f, 56, 2, 2);	      /* e_phnum */
	put(f, ph + 0, 1, 4);	      /* PT_LOAD */
	put(f, ph + 4, 5, 4);	      /* R X */
	put(f, ph + 8, text, 8);      /* p_offset */
	put(f, ph + 16, LOAD, 8);     /* p_vaddr */
	put(f, ph + 24, LOAD, 8);     /* p_paddr */
	put(f, ph + 32, code_len, 8); /* p_filesz */
	put(f, ph + 40, 0x1000, 8);   /* p_memsz */
	put(f, ph + 48, 0x1000, 8);   /* p_align */
	put(f, ph + 56 + 0, 4, 4);    /* PT_NOTE */
	put(f, ph + 56 + 8, note, 8); /* p_offset */
	put(f, ph + 56 + 32, 20, 8);  /* p_filesz */
	put(f, ph + 56 + 48, 4, 8);   /* p_align */
	put(f, note + 0, 4, 4);	      /* namesz: "Xen\0" */
	put(f, note + 4, 4, 4);	      /* descsz */
	put(f, note + 8, 18, 4);      /* XEN_ELFNOTE_PHYS32_ENTRY */
	memcpy(f + note + 12, "Xen", 4);
	put(f, note + 16, LOAD, 4);
	memcpy(f + text, code, code_len);
	out = fopen(argv[2], "wb");
	if (!out || fwrite(f, 1, text + code_len, out) != text + code_len ||
	    fclose(out) != 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
