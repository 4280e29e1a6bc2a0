/* SPDX-License-Identifier: Apache-2.0 */
/* RSDP, XSDT, FADT, DSDT and MADT for cvmm/acpi.h. */
#include "internal.h"

#include <cvmm/acpi.h>

#include <errno.h>
#include <string.h>

#define HEADER_LEN 36u
#define RSDP_LEN   36u
#define FADT_LEN   276u
#define PAGE	   0x1000u

/* FADT flags and IA-PC boot architecture flags (ACPI 6.4, 5.2.9.3). */
#define FADT_RESET_REG_SUP	  (1u << 10)
#define FADT_HW_REDUCED_ACPI	  (1u << 20)
#define IAPC_8042		  (1u << 1)
#define IAPC_VGA_NOT_PRESENT	  (1u << 2)
#define IAPC_MSI_NOT_SUPPORTED	  (1u << 3)
#define IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)
/* The MC146818's century byte, where the RTC component keeps it. */
#define RTC_CENTURY_INDEX 0x32u

/* Generic Address Structure address space IDs. */
#define GAS_MEMORY 0u
#define GAS_IO	   1u

typedef struct cvmm_acpi__w W;

/* The standard header; finish() fills in length and checksum. */
static size_t header(W *w, const char *sig, uint8_t revision)
{
	size_t at = w->len;

	cvmm_acpi__put(w, sig, 4);
	cvmm_acpi__put32(w, 0); /* length */
	cvmm_acpi__put8(w, revision);
	cvmm_acpi__put8(w, 0); /* checksum */
	cvmm_acpi__put(w, "CVMM  ", 6);
	cvmm_acpi__put(w, "CVMMVM  ", 8);
	cvmm_acpi__put32(w, 1); /* OEM revision */
	cvmm_acpi__put(w, "CVMM", 4);
	cvmm_acpi__put32(w, 1); /* creator revision */
	return at;
}

/* Length and checksum of the table that starts at `at` and ends here;
 * returns its length. */
static uint32_t finish(W *w, size_t at)
{
	size_t len = w->len - at;

	if (w->p) {
		uint8_t *t = w->p + at;

		for (int i = 0; i < 4; i++)
			t[4 + i] = (uint8_t)(len >> (8 * i));
		t[9] = (uint8_t)(0x100u - cvmm_acpi__sum(t, len));
	}
	return (uint32_t)len;
}

static void pad16(W *w)
{
	cvmm_acpi__put(w, NULL, (16u - (w->len & 15u)) & 15u);
}

static void gas(W *w, const struct cvmm_acpi_reg *r)
{
	if (r->space == CVMM_ACPI_SPACE_NONE) {
		cvmm_acpi__put(w, NULL, 12);
		return;
	}
	cvmm_acpi__put8(w,
			r->space == CVMM_ACPI_SPACE_IO ? GAS_IO : GAS_MEMORY);
	cvmm_acpi__put8(w, 8); /* register width in bits */
	cvmm_acpi__put8(w, 0); /* bit offset */
	cvmm_acpi__put8(w, 1); /* byte access */
	cvmm_acpi__put64(w, r->addr);
}

static void rsdp(W *w, const struct cvmm_acpi_layout *l)
{
	size_t at = w->len;

	cvmm_acpi__put(w, "RSD PTR ", 8);
	cvmm_acpi__put8(w, 0); /* checksum of the first 20 bytes */
	cvmm_acpi__put(w, "CVMM  ", 6);
	cvmm_acpi__put8(w, 2);	       /* revision: ACPI 2.0+ */
	cvmm_acpi__put32(w, 0);	       /* no RSDT: the XSDT is the root */
	cvmm_acpi__put32(w, RSDP_LEN); /* length */
	cvmm_acpi__put64(w, l->xsdt);
	cvmm_acpi__put8(w, 0); /* extended checksum */
	cvmm_acpi__put(w, NULL, 3);
	if (w->p) {
		w->p[at + 8] =
		    (uint8_t)(0x100u - cvmm_acpi__sum(w->p + at, 20));
		w->p[at + 32] =
		    (uint8_t)(0x100u - cvmm_acpi__sum(w->p + at, RSDP_LEN));
	}
}

static uint32_t xsdt(W *w, const struct cvmm_acpi_layout *l)
{
	size_t at = header(w, "XSDT", 1);

	cvmm_acpi__put64(w, l->fadt);
	cvmm_acpi__put64(w, l->madt);
	return finish(w, at);
}

static uint32_t fadt(W *w, const struct cvmm_acpi_config *c,
		     const struct cvmm_acpi_layout *l)
{
	size_t at = header(w, "FACP", 6);
	unsigned arch = IAPC_VGA_NOT_PRESENT | IAPC_MSI_NOT_SUPPORTED;
	uint32_t flags = FADT_HW_REDUCED_ACPI;

	if (c->legacy & CVMM_ACPI_LEGACY_I8042)
		arch |= IAPC_8042;
	if (!(c->legacy & CVMM_ACPI_LEGACY_RTC))
		arch |= IAPC_CMOS_RTC_NOT_PRESENT;
	if (c->reset.space != CVMM_ACPI_SPACE_NONE)
		flags |= FADT_RESET_REG_SUP;
	cvmm_acpi__put32(w, 0); /* 36 FIRMWARE_CTRL: no FACS (hw-reduced) */
	/* 40 DSDT: the 32-bit pointer when it fits; X_DSDT always. */
	cvmm_acpi__put32(w, l->dsdt >> 32 ? 0 : l->dsdt);
	/* 44..107: SCI, SMI and the fixed PM blocks, none of which a
	 * hardware-reduced platform has. */
	cvmm_acpi__put(w, NULL, 108 - 44);
	/* 108 CENTURY */
	cvmm_acpi__put8(w, c->legacy & CVMM_ACPI_LEGACY_RTC ? RTC_CENTURY_INDEX
							    : 0);
	cvmm_acpi__put16(w, arch);	    /* 109 IAPC_BOOT_ARCH */
	cvmm_acpi__put8(w, 0);		    /* 111 reserved */
	cvmm_acpi__put32(w, flags);	    /* 112 Flags */
	gas(w, &c->reset);		    /* 116 RESET_REG */
	cvmm_acpi__put8(w, c->reset_value); /* 128 RESET_VALUE */
	cvmm_acpi__put16(w, 0);		    /* 129 ARM_BOOT_ARCH */
	cvmm_acpi__put8(w, 4);		    /* 131 minor version: ACPI 6.4 */
	cvmm_acpi__put64(w, 0);		    /* 132 X_FIRMWARE_CTRL */
	cvmm_acpi__put64(w, l->dsdt);	    /* 140 X_DSDT */
	cvmm_acpi__put(w, NULL, 244 - 148); /* 148 X_PM and GPE blocks */
	gas(w, &c->sleep_control);	    /* 244 SLEEP_CONTROL_REG */
	gas(w, &c->sleep_status);	    /* 256 SLEEP_STATUS_REG */
	cvmm_acpi__put(w, "CVMM    ", 8);   /* 268 hypervisor vendor */
	return finish(w, at);
}

/* Device (name) { _HID (EISAID), _UID, _CRS (template) }. */
static void legacy_device(W *w, const char *name, const char *eisaid,
			  const W *crs)
{
	size_t dev;

	cvmm_acpi__put8(w, 0x5b);	    /* ExtOpPrefix */
	dev = cvmm_acpi__aml_open(w, 0x82); /* DeviceOp */
	cvmm_acpi__aml_namestring(w, name);
	cvmm_acpi__aml_name(w, "_HID");
	cvmm_acpi__aml_eisaid(w, eisaid);
	cvmm_acpi__aml_name(w, "_UID");
	cvmm_acpi__aml_int(w, 0);
	cvmm_acpi__aml_name(w, "_CRS");
	cvmm_acpi__aml_buffer(w, crs->p, crs->len);
	cvmm_acpi__aml_close(w, dev);
}

/* A resource template's room: the largest one here is the i8042's (21
 * bytes); the writer refuses more rather than overrun. */
#define CRS_MAX 32u
#define CRS(name)                                                              \
	uint8_t name##_b[CRS_MAX];                                             \
	W name = {name##_b, 0, sizeof(name##_b), false}

static void legacy_devices(W *w, unsigned legacy)
{
	if (legacy & CVMM_ACPI_LEGACY_COM1) {
		CRS(crs);

		cvmm_acpi__rd_io(&crs, 0x3f8, 0x3f8, 1, 8);
		cvmm_acpi__rd_irq(&crs, 4);
		cvmm_acpi__rd_end(&crs);
		legacy_device(w, "COM1", "PNP0501", &crs);
	}
	if (legacy & CVMM_ACPI_LEGACY_I8042) {
		CRS(crs);

		cvmm_acpi__rd_io(&crs, 0x60, 0x60, 1, 1);
		cvmm_acpi__rd_io(&crs, 0x64, 0x64, 1, 1);
		cvmm_acpi__rd_irq(&crs, 1);
		cvmm_acpi__rd_end(&crs);
		legacy_device(w, "KBC0", "PNP0303", &crs);
	}
	if (legacy & CVMM_ACPI_LEGACY_RTC) {
		CRS(crs);

		cvmm_acpi__rd_io(&crs, 0x70, 0x70, 1, 2);
		cvmm_acpi__rd_irq(&crs, 8);
		cvmm_acpi__rd_end(&crs);
		legacy_device(w, "RTC0", "PNP0B00", &crs);
	}
}

static void virtio_device(W *w, size_t index,
			  const struct cvmm_acpi_virtio_mmio *d)
{
	static const char hex[] = "0123456789ABCDEF";
	const char name[5] = {'V', 'R', hex[(index >> 4) & 15u],
			      hex[index & 15u], 0};
	size_t dev;
	CRS(crs);

	cvmm_acpi__rd_mem32(&crs, (uint32_t)d->base, (uint32_t)d->size);
	cvmm_acpi__rd_ext_irq(
	    &crs, CVMM_ACPI__RD_IRQ_CONSUMER | CVMM_ACPI__RD_IRQ_EDGE, d->gsi);
	cvmm_acpi__rd_end(&crs);
	cvmm_acpi__put8(w, 0x5b);	    /* ExtOpPrefix */
	dev = cvmm_acpi__aml_open(w, 0x82); /* DeviceOp */
	cvmm_acpi__aml_namestring(w, name);
	cvmm_acpi__aml_name(w, "_HID");
	cvmm_acpi__aml_string(w, "LNRO0005");
	cvmm_acpi__aml_name(w, "_UID");
	cvmm_acpi__aml_int(w, index);
	cvmm_acpi__aml_name(w, "_CRS");
	cvmm_acpi__aml_buffer(w, crs.p, crs.len);
	cvmm_acpi__aml_close(w, dev);
}

static uint32_t dsdt(W *w, const struct cvmm_acpi_config *c)
{
	size_t at = header(w, "DSDT", 2), scope;

	scope = cvmm_acpi__aml_open(w, 0x10); /* ScopeOp */
	cvmm_acpi__aml_namestring(w, "\\_SB_");
	legacy_devices(w, c->legacy);
	for (size_t i = 0; i < c->virtio_count; i++)
		virtio_device(w, i, &c->virtio[i]);
	cvmm_acpi__aml_close(w, scope);
	if (c->sleep_control.space != CVMM_ACPI_SPACE_NONE) {
		size_t pkg;

		/* Name (\_S5_, Package (4) {SLP_TYPa, SLP_TYPb, 0, 0}):
		 * a value, not a method, so no interpreter state is needed. */
		cvmm_acpi__aml_name(w, "\\_S5_");
		pkg = cvmm_acpi__aml_open(w, 0x12); /* PackageOp */
		cvmm_acpi__put8(w, 4);		    /* NumElements */
		cvmm_acpi__aml_int(w, CVMM_ACPI_S5_SLP_TYP);
		cvmm_acpi__aml_int(w, 0);
		cvmm_acpi__aml_int(w, 0);
		cvmm_acpi__aml_int(w, 0);
		cvmm_acpi__aml_close(w, pkg);
	}
	return finish(w, at);
}

static uint32_t madt(W *w, const struct cvmm_acpi_config *c)
{
	size_t at = header(w, "APIC", 5);

	cvmm_acpi__put32(w, c->lapic_addr);
	cvmm_acpi__put32(w, 1); /* PCAT_COMPAT: KVM has the 8259s too */
	for (uint32_t i = 0; i < c->vcpus; i++) {
		cvmm_acpi__put8(w, 0); /* processor local APIC */
		cvmm_acpi__put8(w, 8);
		cvmm_acpi__put8(w, i);	/* ACPI processor UID */
		cvmm_acpi__put8(w, i);	/* APIC ID */
		cvmm_acpi__put32(w, 1); /* enabled */
	}
	cvmm_acpi__put8(w, 1); /* I/O APIC */
	cvmm_acpi__put8(w, 12);
	cvmm_acpi__put8(w, c->vcpus); /* its ID, after the processors' */
	cvmm_acpi__put8(w, 0);
	cvmm_acpi__put32(w, c->ioapic_addr);
	cvmm_acpi__put32(w, 0); /* GSI base */
	cvmm_acpi__put8(w, 4);	/* local APIC NMI */
	cvmm_acpi__put8(w, 6);
	cvmm_acpi__put8(w, 0xff); /* every processor */
	cvmm_acpi__put16(w, 0);	  /* flags: as the bus conforms */
	cvmm_acpi__put8(w, 1);	  /* LINT1 */
	return finish(w, at);
}

/*
 * Every table in order. addr holds the addresses the tables point at (any
 * values when measuring); the offsets and lengths found are stored in
 * *rec, relative to the start of the blob.
 */
static void emit(W *w, const struct cvmm_acpi_config *c,
		 const struct cvmm_acpi_layout *addr,
		 struct cvmm_acpi_layout *rec)
{
	rec->rsdp = w->len;
	rsdp(w, addr);
	rec->rsdp_len = RSDP_LEN;
	pad16(w);
	rec->xsdt = w->len;
	rec->xsdt_len = xsdt(w, addr);
	pad16(w);
	rec->fadt = w->len;
	rec->fadt_len = fadt(w, c, addr);
	pad16(w);
	rec->dsdt = w->len;
	rec->dsdt_len = dsdt(w, c);
	pad16(w);
	rec->madt = w->len;
	rec->madt_len = madt(w, c);
	rec->total = w->len;
}

static bool io_ok(const struct cvmm_acpi_reg *r, uint64_t bytes)
{
	return r->space != CVMM_ACPI_SPACE_IO || r->addr <= 0x10000u - bytes;
}

static bool reg_ok(const struct cvmm_acpi_reg *r)
{
	return r->space == CVMM_ACPI_SPACE_NONE ||
	       r->space == CVMM_ACPI_SPACE_IO ||
	       r->space == CVMM_ACPI_SPACE_MMIO;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int check_window(const struct cvmm_acpi_config *c, size_t i)
{
	const struct cvmm_acpi_virtio_mmio *d = &c->virtio[i];
	uint64_t end;

	if (d->size == 0)
		return -EINVAL;
	if (d->base % CVMM_ACPI_VIRTIO_ALIGN ||
	    d->size % CVMM_ACPI_VIRTIO_ALIGN)
		return -EDOM;
	if (__builtin_add_overflow(d->base, d->size, &end) ||
	    end > 0x100000000ull)
		return -EOVERFLOW;
	if (overlaps(d->base, d->size, c->lapic_addr, PAGE) ||
	    overlaps(d->base, d->size, c->ioapic_addr, PAGE))
		return -EADDRINUSE;
	if (d->gsi >= CVMM_ACPI_GSI_MAX)
		return -ERANGE;
	/* 0 and 2 are the timer's; the legacy devices' are theirs. */
	if (d->gsi == 0 || d->gsi == 2 ||
	    (d->gsi == 4 && (c->legacy & CVMM_ACPI_LEGACY_COM1)) ||
	    (d->gsi == 1 && (c->legacy & CVMM_ACPI_LEGACY_I8042)) ||
	    (d->gsi == 8 && (c->legacy & CVMM_ACPI_LEGACY_RTC)))
		return -EBUSY;
	for (size_t j = 0; j < i; j++) {
		const struct cvmm_acpi_virtio_mmio *e = &c->virtio[j];

		/* e was checked already: both ends are below 4 GiB. */
		if (overlaps(d->base, d->size, e->base, e->size))
			return -EADDRINUSE;
		if (d->gsi == e->gsi)
			return -EBUSY;
	}
	return 0;
}

static int validate(const struct cvmm_acpi_config *c)
{
	if (c->vcpus == 0 || c->legacy & ~CVMM_ACPI_LEGACY_ALL ||
	    !reg_ok(&c->sleep_control) || !reg_ok(&c->sleep_status) ||
	    !reg_ok(&c->reset) ||
	    (c->sleep_control.space == CVMM_ACPI_SPACE_NONE) !=
		(c->sleep_status.space == CVMM_ACPI_SPACE_NONE) ||
	    !io_ok(&c->sleep_control, 1) || !io_ok(&c->sleep_status, 1) ||
	    !io_ok(&c->reset, 1) || (c->virtio == NULL && c->virtio_count))
		return -EINVAL;
	if (c->vcpus > CVMM_ACPI_VCPUS_MAX ||
	    c->virtio_count > CVMM_ACPI_VIRTIO_MAX)
		return -E2BIG;
	if (c->base % 16)
		return -EDOM;
	for (size_t i = 0; i < c->virtio_count; i++) {
		int rc = check_window(c, i);

		if (rc)
			return rc;
	}
	return 0;
}

/* Validate, measure, and turn the offsets into addresses. */
static int plan(const struct cvmm_acpi_config *c, struct cvmm_acpi_layout *l)
{
	const struct cvmm_acpi_layout none = {0};
	W measure = {NULL, 0, SIZE_MAX, false};
	uint64_t end;
	int rc = validate(c);

	if (rc)
		return rc;
	/* The counts are bounded above, so the tables are a few tens of KiB
	 * at most and measuring cannot overflow. */
	emit(&measure, c, &none, l);
	if (__builtin_add_overflow(c->base, (uint64_t)l->total, &end))
		return -EOVERFLOW;
	l->rsdp += c->base;
	l->xsdt += c->base;
	l->fadt += c->base;
	l->dsdt += c->base;
	l->madt += c->base;
	return 0;
}

void cvmm_acpi__emit(const struct cvmm_acpi_config *cfg,
		     const struct cvmm_acpi_layout *l, void *buf)
{
	struct cvmm_acpi_layout rec;
	W w = {buf, 0, l->total, false};

	emit(&w, cfg, l, &rec);
}

void cvmm_acpi_config_init(struct cvmm_acpi_config *cfg, uint64_t base,
			   uint32_t vcpus)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->base = base;
	cfg->vcpus = vcpus;
	cfg->lapic_addr = CVMM_ACPI_LAPIC_ADDR;
	cfg->ioapic_addr = CVMM_ACPI_IOAPIC_ADDR;
	cfg->legacy = CVMM_ACPI_LEGACY_ALL;
	cfg->reset.space = CVMM_ACPI_SPACE_IO;
	cfg->reset.addr = 0x64;
	cfg->reset_value = 0xfe;
}

int cvmm_acpi_layout(const struct cvmm_acpi_config *cfg,
		     struct cvmm_acpi_layout *out)
{
	struct cvmm_acpi_layout l;
	int rc;

	if (cfg == NULL || out == NULL)
		return -EINVAL;
	rc = plan(cfg, &l);
	if (rc == 0)
		*out = l;
	return rc;
}

int cvmm_acpi_build(const struct cvmm_acpi_config *cfg, void *buf, size_t cap,
		    size_t *len)
{
	struct cvmm_acpi_layout l;
	int rc;

	if (cfg == NULL || len == NULL || (buf == NULL && cap))
		return -EINVAL;
	rc = plan(cfg, &l);
	if (rc)
		return rc;
	*len = l.total;
	if (l.total > cap)
		return -ENOSPC;
	cvmm_acpi__emit(cfg, &l, buf);
	return 0;
}

bool cvmm_acpi_is_poweroff(uint8_t value)
{
	return (value & (CVMM_ACPI_SLP_TYP_MASK | CVMM_ACPI_SLP_EN)) ==
	       CVMM_ACPI_SLEEP_S5;
}
