/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to acpi-tables (not installed): a little-endian byte writer and
 * the AML and resource-descriptor encoders the DSDT is built from. The
 * tests include this header to drive each encoder at its limits.
 *
 * The writer runs in two modes with the same code: measuring (p == NULL:
 * only len advances) and writing (bytes go to p). Tables are built by a
 * measuring pass that finds their sizes and a writing pass into a buffer
 * known to be big enough, so the two can never disagree.
 */
#ifndef CVMM_ACPI_INTERNAL_H
#define CVMM_ACPI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cvmm_acpi__w {
	uint8_t *p;    /* NULL: measure only */
	size_t len;    /* bytes emitted so far */
	size_t cap;    /* room at p (SIZE_MAX when measuring) */
	bool overflow; /* a write did not fit or len would wrap; sticky */
};

/* Append n bytes (zeros if bytes is NULL). Once a write does not fit,
 * the writer is marked and every later write is dropped. */
void cvmm_acpi__put(struct cvmm_acpi__w *w, const void *bytes, size_t n);
void cvmm_acpi__put8(struct cvmm_acpi__w *w, uint64_t v);
void cvmm_acpi__put16(struct cvmm_acpi__w *w, uint64_t v);
void cvmm_acpi__put32(struct cvmm_acpi__w *w, uint64_t v);
void cvmm_acpi__put64(struct cvmm_acpi__w *w, uint64_t v);

/* The 8-bit sum of n bytes (a table is valid when it sums to 0). */
uint8_t cvmm_acpi__sum(const uint8_t *p, size_t n);

struct cvmm_acpi_config;
struct cvmm_acpi_layout;

/*
 * Write the tables for cfg, whose layout (from cvmm_acpi_layout()) is *l,
 * into buf, l->total bytes. cfg must be the configuration l was made from.
 */
void cvmm_acpi__emit(const struct cvmm_acpi_config *cfg,
		     const struct cvmm_acpi_layout *l, void *buf);

/*
 * AML (ACPI 6.4, chapter 20). A construct with a PkgLength (Scope, Device,
 * Buffer, Package) is opened with aml_open(), which writes op and reserves
 * the longest PkgLength (4 bytes), and closed with aml_close(), which
 * shrinks the PkgLength to its shortest encoding and moves the body down.
 * So a writing pass needs up to 3 spare bytes per open construct beyond
 * the construct's final end (the DSDT is followed by the MADT, which is
 * far longer). A body too long for a PkgLength (2^28 bytes) marks the
 * writer overflowed.
 */
size_t cvmm_acpi__aml_open(struct cvmm_acpi__w *w, uint8_t op);
void cvmm_acpi__aml_close(struct cvmm_acpi__w *w, size_t mark);
/* A NameString: an optional leading '\\' and one 4-character NameSeg. */
void cvmm_acpi__aml_namestring(struct cvmm_acpi__w *w, const char *name);
/* Name (name, <data follows>): NameOp and the name. */
void cvmm_acpi__aml_name(struct cvmm_acpi__w *w, const char *name);
/* An integer in its shortest encoding (ZeroOp, OneOp, Byte..QWordConst). */
void cvmm_acpi__aml_int(struct cvmm_acpi__w *w, uint64_t v);
/* A String of printable ASCII. */
void cvmm_acpi__aml_string(struct cvmm_acpi__w *w, const char *s);
/* EISAID ("PNP0501": three capitals and four upper-case hex digits, as
 * the component's constants are), compressed into a DWordConst. */
void cvmm_acpi__aml_eisaid(struct cvmm_acpi__w *w, const char *id);
/* Buffer (n) {bytes}. */
void cvmm_acpi__aml_buffer(struct cvmm_acpi__w *w, const uint8_t *bytes,
			   size_t n);

/*
 * Resource descriptors (ACPI 6.4, 6.4), written into a resource template
 * that cvmm_acpi__rd_end() terminates.
 */
/* IO (Decode16, min, max, align, len). */
void cvmm_acpi__rd_io(struct cvmm_acpi__w *w, uint16_t min, uint16_t max,
		      uint8_t align, uint8_t len);
/* IRQNoFlags () {irq}, irq < 16. */
void cvmm_acpi__rd_irq(struct cvmm_acpi__w *w, unsigned irq);
/* Memory32Fixed (ReadWrite, base, len). */
void cvmm_acpi__rd_mem32(struct cvmm_acpi__w *w, uint32_t base, uint32_t len);
/* Interrupt (ResourceConsumer, ...) {gsi}: flags are the descriptor's
 * (RD_IRQ_*). */
#define CVMM_ACPI__RD_IRQ_CONSUMER 0x01u
#define CVMM_ACPI__RD_IRQ_EDGE	   0x02u
#define CVMM_ACPI__RD_IRQ_LOW	   0x04u
#define CVMM_ACPI__RD_IRQ_SHARED   0x08u
void cvmm_acpi__rd_ext_irq(struct cvmm_acpi__w *w, uint8_t flags, uint32_t gsi);
/* EndTag, checksum 0 ("treat as summing to zero"). */
void cvmm_acpi__rd_end(struct cvmm_acpi__w *w);

#endif
