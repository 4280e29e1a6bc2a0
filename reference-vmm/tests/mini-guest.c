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
 *   virtio     a minimal virtio-mmio driver for the reference VMM's
 *              devices with --disk IMG --rng --console file:OUT (windows
 *              0xd0000000, 0xd0001000, 0xd0002000): the disk reads sector
 *              0 (expects "CVMM" first), writes "CVMM-MINI-BLOCK\n" into
 *              sector 1 and flushes; the rng fills 16 bytes; the console
 *              sends "CVMM-MINI-VCONSOLE!\n". Every notification is a
 *              4-byte QueueNotify write (the VMM's ioeventfd), every
 *              completion is polled in the used ring, InterruptStatus
 *              must say "used buffer", and the completion's interrupt
 *              must arrive: the IOAPIC routes GSI 5, 6, 7 (devices 0, 1,
 *              2) to vectors 0x30-0x32, whose handlers count them, and
 *              after the n-th completion of a device its count must be n
 *              (any other interrupt has no IDT entry: a triple fault).
 *              Before each step it prints a
 *              letter on COM1 ("ABC...", "$" at the end); a failed check
 *              is ud2 (a triple
 *              fault, exit 3), a lost completion hangs (exit 6), and the
 *              end is the i8042 reset (exit 0).
 *   virtio-hostile  the same after 4000 random accesses (xorshift, fixed
 *              seed) to the first 0x200 bytes of four windows from
 *              0xd0000000 (the fourth has no device): reads and writes of
 *              1 and 4 bytes, half of them aligned, half the written values
 *              below 16 (so status, selector, queue-number and
 *              QueueNotify writes are often plausible). Each device is
 *              reset (Status 0) by the driver sequence afterwards and must
 *              work again.
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

/* ---- a tiny x86 (32-bit, flat, paging off) code emitter ---- */

struct code {
	uint8_t b[3072];
	size_t n;
	char step;
};

static void emit(struct code *c, const uint8_t *bytes, size_t n)
{
	if (c->n + n <= sizeof(c->b))
		memcpy(c->b + c->n, bytes, n);
	c->n += n;
}

static void emit_le(struct code *c, uint64_t v, size_t n)
{
	uint8_t b[8];

	put(b, 0, v, n);
	emit(c, b, n);
}

/* mov dword/word/byte [addr], v */
static void st32(struct code *c, uint32_t addr, uint32_t v)
{
	emit(c, (const uint8_t[]){0xc7, 0x05}, 2);
	emit_le(c, addr, 4);
	emit_le(c, v, 4);
}

static void st16(struct code *c, uint32_t addr, uint16_t v)
{
	emit(c, (const uint8_t[]){0x66, 0xc7, 0x05}, 3);
	emit_le(c, addr, 4);
	emit_le(c, v, 2);
}

/* Print the next step letter on COM1: mov dx, 0x3f8; mov al, c; out. */
static void step(struct code *c)
{
	emit(c, (const uint8_t[]){0x66, 0xba, 0xf8, 0x03, 0xb0}, 5);
	emit_le(c, (uint8_t)c->step++, 1);
	emit(c, (const uint8_t[]){0xee}, 1);
}

/* eax = the dword, word (zero-extended) or byte at addr. */
static void load(struct code *c, uint32_t addr, int size)
{
	if (size == 4)
		emit(c, (const uint8_t[]){0xa1}, 1);
	else if (size == 2)
		emit(c, (const uint8_t[]){0x0f, 0xb7, 0x05}, 3);
	else
		emit(c, (const uint8_t[]){0x0f, 0xb6, 0x05}, 3);
	emit_le(c, addr, 4);
}

/* ud2 unless the value at addr is v: cmp eax, v; je +2; ud2. */
static void check(struct code *c, uint32_t addr, int size, uint32_t v)
{
	step(c);
	load(c, addr, size);
	emit(c, (const uint8_t[]){0x3d}, 1);
	emit_le(c, v, 4);
	emit(c, (const uint8_t[]){0x74, 0x02, 0x0f, 0x0b}, 4);
}

/* Spin until the word at addr is v (the VMM's boot timeout ends a hang). */
static void poll16(struct code *c, uint32_t addr, uint16_t v)
{
	step(c);
	load(c, addr, 2);		     /* 7 bytes */
	emit(c, (const uint8_t[]){0x3d}, 1); /* cmp eax */
	emit_le(c, v, 4);		     /* 5 bytes */
	emit(c, (const uint8_t[]){0x75, (uint8_t) - (7 + 5 + 2)}, 2); /* jne */
}

/* Queue memory of device d: descriptors, avail, used, buffers. */
#define QMEM(d)	   (0x200000u + (d)*0x10000u)
#define QDESC(d)   QMEM(d)
#define QAVAIL(d)  (QMEM(d) + 0x1000u)
#define QUSED(d)   (QMEM(d) + 0x2000u)
#define QBUF(d, i) (QMEM(d) + 0x3000u + (i)*0x1000u)
#define VBASE(d)   (0xd0000000u + (d)*0x1000u)
#define QSIZE	   8u
#define F_NEXT	   1u
#define F_WRITE	   2u

/* Reset, negotiate VERSION_1 and feat0 (low word), set up queue q. */
static void vsetup(struct code *c, uint32_t d, uint32_t q, uint32_t feat0)
{
	uint32_t b = VBASE(d);

	check(c, b + 0x000, 4, 0x74726976); /* MagicValue "virt" */
	check(c, b + 0x004, 4, 2);	    /* Version */
	st32(c, b + 0x070, 0);
	st32(c, b + 0x070, 1);
	st32(c, b + 0x070, 3);
	st32(c, b + 0x024, 0);
	st32(c, b + 0x020, feat0);
	st32(c, b + 0x024, 1);
	st32(c, b + 0x020, 1); /* VERSION_1 */
	st32(c, b + 0x070, 0xb);
	check(c, b + 0x070, 4, 0xb); /* FEATURES_OK stayed */
	st32(c, b + 0x030, q);
	st32(c, b + 0x038, QSIZE);
	st32(c, b + 0x080, QDESC(d));
	st32(c, b + 0x084, 0);
	st32(c, b + 0x090, QAVAIL(d));
	st32(c, b + 0x094, 0);
	st32(c, b + 0x0a0, QUSED(d));
	st32(c, b + 0x0a4, 0);
	st32(c, b + 0x044, 1);
	check(c, b + 0x044, 4, 1); /* the layout was accepted */
	st32(c, b + 0x070, 0xf);
}

static void desc(struct code *c, uint32_t d, uint32_t i, uint32_t addr,
		 uint32_t len, uint16_t flags, uint16_t next)
{
	uint32_t a = QDESC(d) + i * 16;

	st32(c, a, addr);
	st32(c, a + 4, 0);
	st32(c, a + 8, len);
	st32(c, a + 12, (uint32_t)flags | (uint32_t)next << 16);
}

/* Interrupts: a counter per device, the IDT, its descriptor. */
#define IRQ_COUNT(d) (0x1f0000u + (d)*4u)
#define IDT	     0x1f1000u
#define IDTR	     0x1f2000u
#define IRQ_STACK    0x1f8000u
#define IRQ_VECTOR   0x30u
#define IOAPIC	     0xfec00000u
#define LAPIC	     0xfee00000u

/* Code start: a jump over one handler per device (each counts its
 * interrupt, ends it at the local APIC and returns); their addresses into
 * h. */
static void irq_handlers(struct code *c, uint32_t h[3])
{
	size_t over;

	emit(c, (const uint8_t[]){0xe9, 0, 0, 0, 0}, 5); /* jmp rel32 */
	over = c->n;
	for (uint32_t d = 0; d < 3; d++) {
		h[d] = LOAD + (uint32_t)c->n;
		emit(c, (const uint8_t[]){0xff, 0x05}, 2); /* inc dword [] */
		emit_le(c, IRQ_COUNT(d), 4);
		st32(c, LAPIC + 0xb0, 0); /* EOI */
		/* No iret: the host's KVM emulates the guest and its
		 * emulator knows iret in real mode only. push [esp + 8]
		 * (EFLAGS); popfd; ret 8 (drops CS and EFLAGS) */
		emit(c,
		     (const uint8_t[]){0xff, 0x74, 0x24, 0x08, 0x9d, 0xc2, 0x08,
				       0x00},
		     8);
	}
	put(c->b, over - 4, c->n - over, 4);
}

/* A stack, the PIC masked, the local APIC on, IDT entries for the handlers, GSI
 * 5 + d to vector 0x30 + d (edge, high, fixed, APIC 0), then sti. */
static void irq_setup(struct code *c, const uint32_t h[3])
{
	/* A stack for the interrupt frames (PVH gives none). */
	emit(c, (const uint8_t[]){0xbc}, 1); /* mov esp, */
	emit_le(c, IRQ_STACK, 4);
	emit(c, (const uint8_t[]){0xb0, 0xff, 0xe6, 0x21, 0xe6, 0xa1}, 6);
	st32(c, LAPIC + 0xf0, 0x1ff); /* spurious vector 0xff, enabled */
	st32(c, LAPIC + 0x80, 0);     /* TPR */
	for (uint32_t d = 0; d < 3; d++) {
		uint32_t e = IDT + (IRQ_VECTOR + d) * 8;

		/* low: the code segment's selector (PVH leaves its value
		 * to the loader) and the handler's low half */
		emit(c, (const uint8_t[]){0x8c, 0xc8, 0xc1, 0xe0, 0x10, 0x0d},
		     6);
		emit_le(c, h[d] & 0xffff, 4);
		emit(c, (const uint8_t[]){0xa3}, 1);
		emit_le(c, e, 4);
		st32(c, e + 4, (h[d] & 0xffff0000u) | 0x8e00u);
		st32(c, IOAPIC, 0x10 + 2 * (5 + d));
		st32(c, IOAPIC + 0x10, IRQ_VECTOR + d);
		st32(c, IOAPIC, 0x11 + 2 * (5 + d));
		st32(c, IOAPIC + 0x10, 0);
	}
	st16(c, IDTR, (IRQ_VECTOR + 3) * 8 - 1);
	st32(c, IDTR + 2, IDT);
	emit(c, (const uint8_t[]){0x0f, 0x01, 0x1d}, 3); /* lidt [] */
	emit_le(c, IDTR, 4);
	emit(c, (const uint8_t[]){0xfb}, 1); /* sti */
}

/* Offer head as the n-th request (n from 1), notify queue q, wait for its
 * completion and its interrupt, and check its used length. */
static void submit(struct code *c, uint32_t d, uint32_t q, uint16_t n,
		   uint16_t head, uint32_t used_len)
{
	st16(c, QAVAIL(d) + 4 + 2u * (n - 1u), head);
	st16(c, QAVAIL(d) + 2, n);
	st32(c, VBASE(d) + 0x050, q);
	poll16(c, QUSED(d) + 2, n);
	poll16(c, IRQ_COUNT(d), n);
	check(c, QUSED(d) + 4 + 8u * (n - 1u), 4, head);
	check(c, QUSED(d) + 8 + 8u * (n - 1u), 4, used_len);
	check(c, VBASE(d) + 0x060, 4, 1); /* InterruptStatus: used buffer */
	st32(c, VBASE(d) + 0x064, 1);	  /* InterruptACK */
}

static void st_text(struct code *c, uint32_t addr, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;

		for (size_t k = 0; k < 4 && i + k < n; k++)
			v |= (uint32_t)(uint8_t)text[i + k] << (8 * k);
		st32(c, addr + (uint32_t)i, v);
	}
}

/* jcc rel8 to a label bound later: returns the displacement's position. */
static size_t jump(struct code *c, uint8_t op)
{
	emit(c, (const uint8_t[]){op, 0}, 2);
	return c->n - 1;
}

static void bind(struct code *c, size_t at)
{
	if (at < sizeof(c->b))
		c->b[at] = (uint8_t)(c->n - (at + 1));
}

static void hostile_accesses(struct code *c, uint32_t count, uint32_t seed)
{
	size_t top, aligned, small, read, byte_wr, byte_rd, next[3];

	emit(c, (const uint8_t[]){0xb9}, 1); /* mov ecx, count */
	emit_le(c, count, 4);
	emit(c, (const uint8_t[]){0xbb}, 1); /* mov ebx, seed */
	emit_le(c, seed, 4);
	top = c->n;
	/* xorshift32 on ebx */
	emit(c, (const uint8_t[]){0x89, 0xd8, 0xc1, 0xe0, 0x0d, 0x31, 0xc3,
				  0x89, 0xd8, 0xc1, 0xe8, 0x11, 0x31, 0xc3,
				  0x89, 0xd8, 0xc1, 0xe0, 0x05, 0x31, 0xc3},
	     21);
	/* edi = 0xd0000000 | (ebx & 0x31ff); edx = ebx >> 16 (choices);
	 * eax = ebx ror 11 (the value) */
	emit(c,
	     (const uint8_t[]){0x89, 0xdf, 0x81, 0xe7, 0xff, 0x31, 0x00, 0x00,
			       0x81, 0xcf, 0x00, 0x00, 0x00, 0xd0, 0x89, 0xda,
			       0xc1, 0xea, 0x10, 0x89, 0xd8, 0xc1, 0xc8, 0x0b},
	     24);
	emit(c, (const uint8_t[]){0xf6, 0xc2, 0x08}, 3); /* test dl, 8 */
	aligned = jump(c, 0x75);			 /* jnz */
	emit(c, (const uint8_t[]){0x83, 0xe7, 0xfc}, 3); /* and edi, ~3 */
	bind(c, aligned);
	emit(c, (const uint8_t[]){0xf6, 0xc2, 0x01}, 3); /* test dl, 1 */
	small = jump(c, 0x74);				 /* jz */
	emit(c, (const uint8_t[]){0x83, 0xe0, 0x0f}, 3); /* and eax, 15 */
	bind(c, small);
	emit(c, (const uint8_t[]){0xf6, 0xc2, 0x02}, 3); /* test dl, 2 */
	read = jump(c, 0x75);				 /* jnz read */
	emit(c, (const uint8_t[]){0xf6, 0xc2, 0x04}, 3); /* test dl, 4 */
	byte_wr = jump(c, 0x75);
	emit(c, (const uint8_t[]){0x89, 0x07}, 2); /* mov [edi], eax */
	next[0] = jump(c, 0xeb);
	bind(c, byte_wr);
	emit(c, (const uint8_t[]){0x88, 0x07}, 2); /* mov [edi], al */
	next[1] = jump(c, 0xeb);
	bind(c, read);
	emit(c, (const uint8_t[]){0xf6, 0xc2, 0x04}, 3); /* test dl, 4 */
	byte_rd = jump(c, 0x75);
	emit(c, (const uint8_t[]){0x8b, 0x07}, 2); /* mov eax, [edi] */
	next[2] = jump(c, 0xeb);
	bind(c, byte_rd);
	emit(c, (const uint8_t[]){0x8a, 0x07}, 2); /* mov al, [edi] */
	for (int i = 0; i < 3; i++)
		bind(c, next[i]);
	/* dec ecx; jnz top */
	emit(c, (const uint8_t[]){0x49, 0x75}, 2);
	emit_le(c, (uint8_t)(top - (c->n + 1)), 1);
}

static void virtio_guest(struct code *c, const uint32_t h[3])
{
	irq_setup(c, h);
	/* Disk (device 0): IN sector 0, OUT sector 1, FLUSH. */
	vsetup(c, 0, 0, 1u << 9); /* VIRTIO_BLK_F_FLUSH */
	desc(c, 0, 0, QBUF(0, 0), 16, F_NEXT, 1);
	desc(c, 0, 1, QBUF(0, 1), 512, F_NEXT | F_WRITE, 2);
	desc(c, 0, 2, QBUF(0, 2), 1, F_WRITE, 0);
	st32(c, QBUF(0, 2), 0xff); /* the status, to see it written */
	submit(c, 0, 0, 1, 0, 513);
	check(c, QBUF(0, 1), 4, 0x4d4d5643); /* "CVMM" */
	check(c, QBUF(0, 2), 1, 0);	     /* VIRTIO_BLK_S_OK */
	st32(c, QBUF(0, 3), 1);		     /* OUT */
	st32(c, QBUF(0, 3) + 8, 1);	     /* sector 1 */
	st_text(c, QBUF(0, 4), "CVMM-MINI-BLOCK\n");
	desc(c, 0, 3, QBUF(0, 3), 16, F_NEXT, 4);
	desc(c, 0, 4, QBUF(0, 4), 512, F_NEXT, 5);
	desc(c, 0, 5, QBUF(0, 2) + 1, 1, F_WRITE, 0);
	st32(c, QBUF(0, 2), 0xffffffff);
	submit(c, 0, 0, 2, 3, 1);
	check(c, QBUF(0, 2) + 1, 1, 0);
	st32(c, QBUF(0, 3) + 0x10, 4); /* FLUSH */
	desc(c, 0, 6, QBUF(0, 3) + 0x10, 16, F_NEXT, 7);
	desc(c, 0, 7, QBUF(0, 2) + 2, 1, F_WRITE, 0);
	submit(c, 0, 0, 3, 6, 1);
	check(c, QBUF(0, 2) + 2, 1, 0);
	/* rng (device 1): 16 bytes. */
	vsetup(c, 1, 0, 0);
	desc(c, 1, 0, QBUF(1, 0), 16, F_WRITE, 0);
	submit(c, 1, 0, 1, 0, 16);
	/* console (device 2): its transmit queue (1). */
	vsetup(c, 2, 1, 0);
	st_text(c, QBUF(2, 0), "CVMM-MINI-VCONSOLE!\n");
	desc(c, 2, 0, QBUF(2, 0), 20, 0, 0);
	submit(c, 2, 1, 1, 0, 0);
	c->step = '$'; /* the end */
	step(c);
	/* mov al, 0xfe; out 0x64, al (reset); hlt; jmp back */
	emit(c, (const uint8_t[]){0xb0, 0xfe, 0xe6, 0x64, 0xf4, 0xeb, 0xfd}, 7);
}

int main(int argc, char **argv)
{
	static const uint8_t mmio_exec[] = {
	    0xb8, 0x00, 0x00, 0x00, 0xd0, 0xff, 0xe0}; /* mov eax; jmp eax */
	static const uint8_t ud2[] = {0x0f, 0x0b};
	static const uint8_t hlt[] = {0xfa, 0xf4, 0xeb, 0xfd}; /* cli; hlt */
	static struct code vg = {.step = 'A'};
	const uint8_t *code;
	size_t code_len;
	static uint8_t f[256 + sizeof(vg.b)];
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
	} else if (strcmp(argv[1], "virtio") == 0 ||
		   strcmp(argv[1], "virtio-hostile") == 0) {
		uint32_t h[3];

		irq_handlers(&vg, h);
		if (argv[1][6] == '-')
			hostile_accesses(&vg, 4000, 0x2545f491);
		virtio_guest(&vg, h);
		if (vg.n > sizeof(vg.b))
			return 3;
		code = vg.b;
		code_len = vg.n;
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
