/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Virtio-mmio devices in a DSDT, the way Linux's virtio-mmio ACPI binding
 * finds them (_HID "LNRO0005", _CRS with the register window and the
 * interrupt). Not an AML interpreter: it walks the terms
 * components/acpi-tables emits (Scope, Device, Name with integers,
 * strings, buffers and packages); other objects are skipped whole when
 * their PkgLength says how long they are (a Method, a Field, a Device
 * that is not LNRO0005, as QEMU's tables have) and refused with a reason
 * otherwise. Every length is checked against what holds it, so a bad
 * table gives an error, never a read out of bounds.
 */
#include "vdrv.h"

struct cursor {
	const uint8_t *p;
	uint32_t at, end;
	const char *why;
};

static bool fail(struct cursor *c, const char *why)
{
	if (!c->why)
		c->why = why;
	return false;
}

static bool take(struct cursor *c, uint32_t n)
{
	if (n > c->end - c->at)
		return fail(c, "AML runs past its package or table");
	c->at += n;
	return true;
}

/* PkgLength (ACPI 6.4, 20.2.4): the number of bytes from its first byte
 * to the end of the package. *end gets that end. */
static bool pkg_length(struct cursor *c, uint32_t *end)
{
	uint32_t start = c->at, len, extra;
	uint8_t lead;

	if (!take(c, 1))
		return false;
	lead = c->p[start];
	extra = lead >> 6;
	if (extra == 0) {
		len = lead & 0x3fu;
	} else {
		if (lead & 0x30)
			return fail(c, "PkgLength with reserved bits set");
		if (!take(c, extra))
			return false;
		len = lead & 0x0fu;
		for (uint32_t i = 0; i < extra; i++)
			len |= (uint32_t)c->p[start + 1 + i] << (4 + 8 * i);
	}
	if (len < 1 + extra || len > c->end - start)
		return fail(c, "PkgLength outside its enclosing object");
	*end = start + len;
	return true;
}

static bool name_seg(struct cursor *c)
{
	return take(c, 4);
}

/* NameString: root or parent prefixes, then one, two or n segments. */
static bool name_string(struct cursor *c)
{
	uint8_t b;

	while (c->at < c->end && (c->p[c->at] == '\\' || c->p[c->at] == '^'))
		c->at++;
	if (c->at >= c->end)
		return fail(c, "AML name runs past its package");
	b = c->p[c->at];
	if (b == 0x00)
		return take(c, 1);
	if (b == 0x2e)
		return take(c, 1) && take(c, 8);
	if (b == 0x2f) {
		uint8_t n;

		if (!take(c, 2))
			return false;
		n = c->p[c->at - 1];
		return take(c, 4u * n);
	}
	return name_seg(c);
}

/* A DataObject of the shapes the builder emits; *ival gets an integer's
 * value, *str a string's first byte offset, *buf and *blen a buffer's
 * bytes. kind: 'i', 's', 'b', 'p' (package, skipped). */
struct data {
	char kind;
	uint64_t ival;
	uint32_t str, strlen;
	uint32_t buf, blen;
};

static bool data_object(struct cursor *c, struct data *d)
{
	uint8_t op;
	uint32_t end = 0;

	if (!take(c, 1))
		return false;
	op = c->p[c->at - 1];
	d->kind = 'i';
	switch (op) {
	case 0x00: /* ZeroOp */
	case 0x01: /* OneOp */
		d->ival = op;
		return true;
	case 0xff: /* OnesOp */
		d->ival = ~(uint64_t)0;
		return true;
	case 0x0a:
	case 0x0b:
	case 0x0c:
	case 0x0e: {
		uint32_t n = op == 0x0a	  ? 1
			     : op == 0x0b ? 2
			     : op == 0x0c ? 4
					  : 8;
		uint32_t at = c->at;

		if (!take(c, n))
			return false;
		d->ival = 0;
		for (uint32_t i = 0; i < n; i++)
			d->ival |= (uint64_t)c->p[at + i] << (8 * i);
		return true;
	}
	case 0x0d: /* String: ASCII up to a NUL */
		d->kind = 's';
		d->str = c->at;
		while (c->at < c->end && c->p[c->at] != 0)
			c->at++;
		d->strlen = c->at - d->str;
		return take(c, 1);
	case 0x11: { /* Buffer: PkgLength, BufferSize, bytes */
		struct cursor in;
		struct data size = {0, 0, 0, 0, 0, 0};

		if (!pkg_length(c, &end))
			return false;
		in = *c;
		in.end = end;
		if (!data_object(&in, &size) || size.kind != 'i')
			return fail(c, in.why
					   ? in.why
					   : "Buffer size is not an integer");
		d->kind = 'b';
		d->buf = in.at;
		d->blen = end - in.at;
		if (size.ival < d->blen)
			d->blen = (uint32_t)size.ival;
		c->at = end;
		return true;
	}
	case 0x12: /* Package: skipped whole */
		if (!pkg_length(c, &end))
			return false;
		d->kind = 'p';
		c->at = end;
		return true;
	default:
		return fail(c, "unexpected AML data object (not an integer, "
			       "string, buffer or package)");
	}
}

static bool seg_is(const struct cursor *c, uint32_t at, const char *s)
{
	for (int i = 0; i < 4; i++)
		if (c->p[at + (uint32_t)i] != (uint8_t)s[i])
			return false;
	return true;
}

static uint32_t le(const uint8_t *p, uint32_t n)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < n; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

/* The resource template of a _CRS: one Memory32Fixed and one Extended
 * Interrupt descriptor with one interrupt, then the End tag. */
static bool crs(struct cursor *c, const struct data *d,
		struct vdrv_acpi_dev *dev)
{
	const uint8_t *r = c->p + d->buf;
	uint32_t at = 0, n = d->blen;
	bool mem = false, irq = false;

	while (at < n) {
		uint8_t tag = r[at];
		uint32_t body, len;

		if (tag & 0x80) {
			if (n - at < 3)
				return fail(c, "_CRS: truncated large "
					       "descriptor");
			len = le(r + at + 1, 2);
			body = at + 3;
		} else {
			len = tag & 7u;
			body = at + 1;
		}
		if (len > n - body)
			return fail(c, "_CRS: descriptor runs past the buffer");
		if (tag == 0x79) /* End tag (with its checksum byte) */
			break;
		if (tag == 0x86) { /* Memory32Fixed */
			if (len != 9 || mem)
				return fail(c, "_CRS: Memory32Fixed not 9 "
					       "bytes, or two of them");
			dev->base = le(r + body + 1, 4);
			dev->size = le(r + body + 5, 4);
			mem = true;
		} else if (tag == 0x89) { /* Extended Interrupt */
			if (len < 6 || r[body + 1] != 1 || irq)
				return fail(c, "_CRS: Interrupt descriptor "
					       "without exactly one "
					       "interrupt, or two of them");
			dev->gsi = le(r + body + 2, 4);
			irq = true;
		} else {
			return fail(c, "_CRS: a descriptor other than "
				       "Memory32Fixed and Interrupt");
		}
		at = body + len;
	}
	if (at >= n)
		return fail(c, "_CRS: no End tag");
	if (!mem || !irq)
		return fail(c, "_CRS: no Memory32Fixed window or no Interrupt");
	return true;
}

struct found {
	struct vdrv_acpi_dev *out;
	uint32_t max, n;
};

/* Device (name) { Name (...) ... } up to end. */
static bool device(struct cursor *c, uint32_t end, struct found *f)
{
	struct cursor in = *c;
	struct vdrv_acpi_dev dev = {0, 0, 0, 0};
	bool lnro = false, have_crs = false;
	struct data crs_data = {0, 0, 0, 0, 0, 0};

	in.end = end;
	if (!name_seg(&in))
		return fail(c, in.why);
	while (in.at < in.end) {
		uint32_t seg;
		struct data d = {0, 0, 0, 0, 0, 0};

		if (in.p[in.at] != 0x08) {
			/* Something other than a Name: fine in another
			 * device (skipped whole), not in ours. */
			if (lnro)
				return fail(c, "unexpected AML opcode in an "
					       "LNRO0005 Device (only Name "
					       "is expected)");
			c->at = end;
			return true;
		}
		in.at++;
		seg = in.at;
		if (!name_seg(&in) || !data_object(&in, &d))
			return fail(c, in.why);
		if (seg_is(&in, seg, "_HID"))
			lnro = d.kind == 's' && d.strlen == 8 &&
			       seg_is(&in, d.str, "LNRO") &&
			       seg_is(&in, d.str + 4, "0005");
		else if (seg_is(&in, seg, "_UID") && d.kind == 'i')
			dev.uid = (uint32_t)d.ival;
		else if (seg_is(&in, seg, "_CRS")) {
			if (d.kind != 'b')
				return fail(c, "_CRS is not a buffer");
			crs_data = d;
			have_crs = true;
		}
	}
	c->at = end;
	if (!lnro)
		return true;
	if (!have_crs)
		return fail(c, "an LNRO0005 Device without _CRS");
	if (!crs(&in, &crs_data, &dev))
		return fail(c, in.why);
	if (f->n >= f->max)
		return fail(c, "more LNRO0005 devices than the probe handles");
	f->out[f->n++] = dev;
	return true;
}

/* A TermList up to c->end: Scope, Device, Name. */
static bool terms(struct cursor *c, struct found *f, uint32_t depth)
{
	if (depth > 8)
		return fail(c, "AML Scopes nested too deep");
	while (c->at < c->end) {
		uint8_t op = c->p[c->at];
		uint32_t end = 0;

		if (op == 0x10) { /* Scope */
			struct cursor in;

			c->at++;
			if (!pkg_length(c, &end))
				return false;
			in = *c;
			in.end = end;
			if (!name_string(&in) || !terms(&in, f, depth + 1))
				return fail(c, in.why);
			c->at = end;
		} else if (op == 0x5b && c->end - c->at >= 2 &&
			   c->p[c->at + 1] == 0x82) { /* Device */
			c->at += 2;
			if (!pkg_length(c, &end) || !device(c, end, f))
				return false;
		} else if (op == 0x08) { /* Name */
			struct data d = {0, 0, 0, 0, 0, 0};

			c->at++;
			if (!name_string(c) || !data_object(c, &d))
				return false;
		} else if (op == 0x14 || (op >= 0xa0 && op <= 0xa2)) {
			/* Method, If, Else, While: skipped by length. */
			c->at++;
			if (!pkg_length(c, &end))
				return false;
			c->at = end;
		} else if (op == 0x5b && c->end - c->at >= 2 &&
			   (c->p[c->at + 1] == 0x81 ||
			    (c->p[c->at + 1] >= 0x83 &&
			     c->p[c->at + 1] <= 0x87))) {
			/* Field, Processor, PowerResource, ThermalZone,
			 * IndexField, BankField: skipped by length. */
			c->at += 2;
			if (!pkg_length(c, &end))
				return false;
			c->at = end;
		} else {
			return fail(c, "unexpected AML opcode (the probe reads "
				       "Scope, Device and Name only)");
		}
	}
	return true;
}

int vdrv_acpi_find(const uint8_t *aml, uint32_t len, struct vdrv_acpi_dev *out,
		   uint32_t max, const char **why)
{
	struct cursor c = {aml, 0, len, NULL};
	struct found f = {out, max, 0};

	if (!terms(&c, &f, 0)) {
		*why = c.why ? c.why : "malformed AML";
		return -1;
	}
	*why = NULL;
	return (int)f.n;
}
