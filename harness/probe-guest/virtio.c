/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio devices: found in the DSDT (RSDP, XSDT, FADT and DSDT
 * checksums first, then each LNRO0005 Device's window and interrupt), then
 * driven with vdrv.c (probe.virtio=1) or broken on purpose
 * (probe.hostile_virtio=1). Every check is one TAP point named
 * "virtio <type>@0x<base>"; how many each device gets depends only on its
 * DeviceID, so the plan is known before the first point.
 *
 * The driver's memory is one arena in the probe's .bss, used by one device
 * at a time (each is reset before the next is touched).
 */
#include "probe.h"
#include "vdrv.h"

#define FOUR_GIB (1ull << 32)

/* Device-specific bits (virtio 1.x sections 5.1.3, 5.2.3). */
#define NET_F_MAC    (1ull << 5)
#define BLK_F_RO     (1ull << 5)
#define BLK_F_FLUSH  (1ull << 9)
#define BLK_T_IN     0u
#define BLK_T_OUT    1u
#define BLK_T_FLUSH  4u
#define BLK_T_GET_ID 8u
#define NET_HDR	     12u /* virtio_net_hdr_v1 (num_buffers included) */
#define NET_TYPE     0x88b5u

#define QUEUE_SIZE 16u
#define WAIT_S	   5u

static const char disk_magic[] = "CVMM-DISK-IMAGE\n";
static const char vconsole_msg[] = "CVMM-PROBE-VCONSOLE hello\n";
static const char ping[] = "CVMM-PROBE-NET ping";
static const char pong[] = "CVMM-PROBE-NET pong";

static uint8_t arena_mem[16384] __attribute__((aligned(4096)));

/* What discovery found (virtio_plan() fills it, before the plan). */
static struct {
	const char *why; /* discovery failed: why */
	const char *root;
	uint64_t dsdt;
	uint32_t dsdt_len;
	uint32_t n;
	struct vdrv_acpi_dev acpi[VDRV_ACPI_MAX];
	const char *bad[VDRV_ACPI_MAX]; /* an unusable window: why */
	uint32_t id[VDRV_ACPI_MAX];	/* DeviceID (0: unknown) */
	uint64_t outside;		/* an address no RAM is at */
	bool reported;
} vio;

/* ---- the ops: MMIO through the identity map, the RTC deadline ---- */

struct mmio_ctx {
	uint64_t base;
	struct deadline dl;
};

static uint32_t mmio_rd(void *c, uint32_t off, uint32_t size)
{
	uint64_t a = ((struct mmio_ctx *)c)->base + off;

	if (size == 1)
		return *(volatile uint8_t *)phys(a);
	if (size == 2)
		return *(volatile uint16_t *)phys(a);
	return *(volatile uint32_t *)phys(a);
}

static void mmio_wr(void *c, uint32_t off, uint32_t size, uint32_t v)
{
	uint64_t a = ((struct mmio_ctx *)c)->base + off;

	if (size == 1)
		*(volatile uint8_t *)phys(a) = (uint8_t)v;
	else if (size == 2)
		*(volatile uint16_t *)phys(a) = (uint16_t)v;
	else
		*(volatile uint32_t *)phys(a) = v;
}

static void dl_start(void *c, uint32_t seconds)
{
	deadline_start(&((struct mmio_ctx *)c)->dl, seconds);
}

static bool dl_expired(void *c)
{
	return deadline_passed(&((struct mmio_ctx *)c)->dl);
}

static const struct vdrv_ops mmio_ops = {mmio_rd, mmio_wr, dl_start,
					 dl_expired};

/* ---- discovery ---- */

static bool below_4g(uint64_t a, uint64_t len)
{
	return a != 0 && len <= FOUR_GIB && a <= FOUR_GIB - len;
}

static bool sum_ok(uint64_t a, uint64_t len)
{
	uint8_t s = 0;

	for (uint64_t i = 0; i < len; i++)
		s = (uint8_t)(s + rd8(a + i));
	return s == 0;
}

/* A table with signature sig, a sane length and a good checksum. */
static bool table(uint64_t t, const char *sig, uint32_t *len)
{
	if (!below_4g(t, 36) || memcmp(phys(t), sig, 4) != 0)
		return false;
	*len = rd32(t + 4);
	return *len >= 36 && *len <= (1u << 20) && below_4g(t, *len) &&
	       sum_ok(t, *len);
}

static const char *find_dsdt(const struct probe_boot *b)
{
	uint64_t rsdp = acpi_find_rsdp(b), root, fadt = 0, dsdt;
	uint32_t len, flen, step = 4;

	if (!below_4g(rsdp, 36) || memcmp(phys(rsdp), "RSD PTR ", 8) != 0)
		return "no RSDP";
	if (!sum_ok(rsdp, 20))
		return "RSDP checksum (first 20 bytes) is wrong";
	root = rd32(rsdp + 16);
	vio.root = "RSDT";
	if (rd8(rsdp + 15) >= 2) {
		len = rd32(rsdp + 20);
		if (len < 36 || len > 4096 || !sum_ok(rsdp, len))
			return "RSDP extended checksum is wrong";
		if (rd64(rsdp + 24)) {
			root = rd64(rsdp + 24);
			vio.root = "XSDT";
			step = 8;
		}
	}
	if (!table(root, vio.root, &len))
		return step == 8 ? "XSDT missing, too long or its checksum is "
				   "wrong"
				 : "RSDT missing, too long or its checksum is "
				   "wrong";
	for (uint32_t off = 36; off + step <= len && !fadt; off += step) {
		uint64_t t = step == 8 ? rd64(root + off) : rd32(root + off);

		if (below_4g(t, 36) && memcmp(phys(t), "FACP", 4) == 0)
			fadt = t;
	}
	if (!fadt || !table(fadt, "FACP", &flen))
		return "no FADT, or its checksum is wrong";
	dsdt = flen >= 44 ? rd32(fadt + 40) : 0;
	if (flen >= 148 && rd64(fadt + 140))
		dsdt = rd64(fadt + 140);
	if (!table(dsdt, "DSDT", &vio.dsdt_len))
		return "no DSDT, or its checksum is wrong";
	vio.dsdt = dsdt;
	return NULL;
}

static void discover(const struct probe_boot *b)
{
	uint64_t top = 0;
	int n;

	for (uint32_t i = 0; i < b->n_mem; i++)
		if (b->mem[i].type == 1 &&
		    b->mem[i].addr + b->mem[i].size > top)
			top = b->mem[i].addr + b->mem[i].size;
	/* A gigabyte-aligned address at least a gigabyte above the top of
	 * RAM, above 4 GiB: nothing the VMM maps for the guest. */
	vio.outside = ((top > FOUR_GIB ? top : FOUR_GIB) + (2ull << 30)) &
		      ~((1ull << 30) - 1);
	vio.why = find_dsdt(b);
	if (vio.why)
		return;
	n = vdrv_acpi_find(phys(vio.dsdt + 36), vio.dsdt_len - 36, vio.acpi,
			   VDRV_ACPI_MAX, &vio.why);
	if (n < 0)
		return;
	vio.n = (uint32_t)n;
	for (uint32_t i = 0; i < vio.n; i++) {
		const struct vdrv_acpi_dev *a = &vio.acpi[i];
		struct mmio_ctx ctx = {a->base, {0, 0, 0, 0, 0}};
		struct vdrv_dev d;
		struct vdrv_arena ar = {arena_mem, (uintptr_t)arena_mem,
					sizeof(arena_mem), 0};

		if (a->size < 0x200 || !below_4g(a->base, a->size))
			vio.bad[i] = "window smaller than 0x200 bytes or "
				     "not below 4 GiB";
		else if (a->base & 0x1ff)
			vio.bad[i] = "window not 0x200-aligned";
		else if (mem_is_ram(b, a->base, 1))
			vio.bad[i] = "window inside RAM";
		else if (vdrv_probe(&d, &mmio_ops, &ctx, &ar) == VDRV_OK)
			vio.id[i] = d.device_id;
	}
}

static const char *type_name(uint32_t id)
{
	switch (id) {
	case VDRV_ID_NET:
		return "net";
	case VDRV_ID_BLOCK:
		return "block";
	case VDRV_ID_CONSOLE:
		return "console";
	case VDRV_ID_RNG:
		return "rng";
	default:
		return "unknown";
	}
}

/* Test points per device: identity and set-up, then the type's own. */
static uint32_t normal_count(uint32_t id)
{
	switch (id) {
	case VDRV_ID_BLOCK:
		return 2 + 5;
	case VDRV_ID_RNG:
	case VDRV_ID_CONSOLE:
		return 2 + 1;
	case VDRV_ID_NET:
		return 2 + 2;
	default:
		return 2;
	}
}

/* Hostile points per device: QueueSel, config and register accesses,
 * ring layout, and two per ring corruption. */
#define HOSTILE_COUNT (3u + 2u * VDRV_C_COUNT)

uint32_t virtio_plan(const struct probe_boot *b, const struct probe_opts *o)
{
	uint32_t n = 1;

	if (!o->virtio && !o->hostile_virtio)
		return 0;
	discover(b);
	for (uint32_t i = 0; i < vio.n; i++) {
		if (o->virtio)
			n += normal_count(vio.id[i]);
		if (o->hostile_virtio)
			n += HOSTILE_COUNT;
	}
	return n;
}

static void report_discovery(void)
{
	if (vio.reported)
		return;
	vio.reported = true;
	if (vio.why) {
		tap(false, "virtio: discovery through ACPI: %s", vio.why);
		return;
	}
	for (uint32_t i = 0; i < vio.n; i++)
		diag("virtio device %u: _UID %u, window 0x%x+0x%x, GSI %u, "
		     "DeviceID %u (%s)%s%s",
		     i, vio.acpi[i].uid, vio.acpi[i].base, vio.acpi[i].size,
		     vio.acpi[i].gsi, vio.id[i], type_name(vio.id[i]),
		     vio.bad[i] ? ": " : "", vio.bad[i] ? vio.bad[i] : "");
	tap(true,
	    "virtio: RSDP, %s, FADT and DSDT checksums; %u LNRO0005 "
	    "devices in the DSDT (0x%lx, %u bytes)",
	    vio.root, vio.n, vio.dsdt, vio.dsdt_len);
}

/* ---- one device at a time ---- */

struct dev {
	uint32_t i;
	const char *type;
	uint32_t base;
	struct mmio_ctx ctx;
	struct vdrv_dev d;
	uint8_t *s; /* 4 KiB of scratch in the arena, after the rings */
	uint64_t s_gpa;
	uint8_t mac[6];
	bool has_mac;
};

/* The queue a device works on when notified, and its queue count. */
static uint32_t work_queue(uint32_t id)
{
	return id == VDRV_ID_CONSOLE || id == VDRV_ID_NET ? 1 : 0;
}

static uint32_t queue_count(uint32_t id)
{
	return id == VDRV_ID_CONSOLE || id == VDRV_ID_NET ? 2 : 1;
}

static int open_dev(struct dev *v, uint32_t i)
{
	struct vdrv_arena ar = {arena_mem, (uintptr_t)arena_mem,
				sizeof(arena_mem), 0};

	v->i = i;
	v->type = type_name(vio.id[i]);
	v->base = vio.acpi[i].base;
	v->ctx.base = v->base;
	v->has_mac = false;
	v->d.device_id = 0;
	if (vio.bad[i])
		return VDRV_E_MAGIC;
	return vdrv_probe(&v->d, &mmio_ops, &v->ctx, &ar);
}

/* Negotiate, set up every queue and the scratch area, DRIVER_OK. */
static int setup(struct dev *v, uint64_t want)
{
	uint32_t id = v->d.device_id;
	int rc = vdrv_negotiate(&v->d, want);

	for (uint32_t q = 0; rc == VDRV_OK && q < queue_count(id); q++)
		rc = vdrv_queue_setup(&v->d, q, QUEUE_SIZE);
	if (rc == VDRV_OK) {
		v->s = vdrv_alloc(&v->d, 4096, 16, &v->s_gpa);
		if (!v->s)
			rc = VDRV_E_ARENA;
	}
	if (rc == VDRV_OK && id == VDRV_ID_NET && (v->d.features & NET_F_MAC)) {
		for (uint32_t k = 0; k < 6; k++)
			v->mac[k] = (uint8_t)vdrv_config(&v->d, k, 1);
		v->has_mac = true;
	}
	if (rc == VDRV_OK)
		rc = vdrv_driver_ok(&v->d);
	return rc;
}

static uint64_t want_features(uint32_t id)
{
	if (id == VDRV_ID_BLOCK)
		return BLK_F_FLUSH | BLK_F_RO;
	if (id == VDRV_ID_NET)
		return NET_F_MAC;
	return 0;
}

static void fail_rest(const struct dev *v, uint32_t n, const char *why)
{
	for (uint32_t k = 0; k < n; k++)
		tap(false, "virtio %s@0x%x: not run: %s", v->type, v->base,
		    why);
}

/* Printable text of up to 40 bytes, escaped, into out (>= 164 bytes). */
static const char *text(const uint8_t *p, uint32_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t o = 0;

	for (uint32_t k = 0; k < n && k < 40; k++) {
		uint8_t c = p[k];

		if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = 0;
	return out;
}

/* ---- block ---- */

/* Scratch layout: header at 0, status at 16, data at 512 (up to 512). */
static int blk_request(struct dev *v, uint32_t type, uint64_t sector,
		       uint32_t dlen, bool dwrite, uint8_t *status,
		       uint32_t *used)
{
	struct vdrv_buf b[3];
	uint32_t n = 0;
	uint8_t *h = v->s;
	int rc;

	for (int k = 0; k < 16; k++)
		h[k] = 0;
	h[0] = (uint8_t)type;
	for (int k = 0; k < 8; k++)
		h[8 + k] = (uint8_t)(sector >> (8 * k));
	v->s[16] = 0xff;
	b[n++] = (struct vdrv_buf){v->s_gpa, 16, false};
	if (dlen)
		b[n++] = (struct vdrv_buf){v->s_gpa + 512, dlen, dwrite};
	b[n++] = (struct vdrv_buf){v->s_gpa + 16, 1, true};
	rc = vdrv_submit(&v->d, 0, b, n);
	if (rc == VDRV_OK)
		rc = vdrv_wait(&v->d, 0, WAIT_S, used);
	*status = v->s[16];
	return rc;
}

static void sector_pattern(uint8_t *p, uint32_t sector)
{
	static const char head[] = "CVMM-PROBE-BLOCK sector ";
	uint32_t o = 0;
	char digits[12];
	uint32_t nd = 0;

	for (const char *c = head; *c; c++)
		p[o++] = (uint8_t)*c;
	do {
		digits[nd++] = (char)('0' + sector % 10);
		sector /= 10;
	} while (sector);
	while (nd)
		p[o++] = (uint8_t)digits[--nd];
	p[o++] = '\n';
	while (o < 512)
		p[o++] = 0xa5;
}

static void test_block(struct dev *v)
{
	uint8_t st, want[512];
	uint32_t used, bad = 0;
	char buf[200];
	int rc;

	rc = blk_request(v, BLK_T_IN, 0, 512, true, &st, &used);
	tap(rc == VDRV_OK && st == 0 && used == 513,
	    "virtio block@0x%x: sector 0 reads \"%s\" (status %u, used "
	    "length %u%s%s)",
	    v->base, text(v->s + 512, 16, buf), st, used, rc ? ": " : "",
	    rc ? vdrv_strerror(rc) : "");
	(void)disk_magic;

	if (v->d.features & BLK_F_RO) {
		/* A read-only disk: the write must be refused and change
		 * nothing. */
		sector_pattern(v->s + 512, 8);
		rc = blk_request(v, BLK_T_OUT, 8, 512, false, &st, &used);
		tap(rc == VDRV_OK && st == 1,
		    "virtio block@0x%x: read-only (VIRTIO_BLK_F_RO): the "
		    "write of sector 8 is refused with IOERR (status %u, %s)",
		    v->base, st, vdrv_strerror(rc));
		if (v->d.features & BLK_F_FLUSH) {
			rc = blk_request(v, BLK_T_FLUSH, 0, 0, false, &st,
					 &used);
			tap(rc == VDRV_OK && st == 0,
			    "virtio block@0x%x: FLUSH completes with status "
			    "%u (%s)",
			    v->base, st, vdrv_strerror(rc));
		} else {
			tap_skip("VIRTIO_BLK_F_FLUSH not offered",
				 "virtio block@0x%x: FLUSH", v->base);
		}
		for (int k = 0; k < 512; k++)
			v->s[512 + k] = 0;
		rc = blk_request(v, BLK_T_IN, 8, 512, true, &st, &used);
		sector_pattern(want, 8);
		tap(rc == VDRV_OK && st == 0 &&
			memcmp(v->s + 512, want, 512) != 0,
		    "virtio block@0x%x: sector 8 reads back without the "
		    "refused write (\"%s\", status %u, %s)",
		    v->base, text(v->s + 512, 16, buf), st, vdrv_strerror(rc));
	} else {
		checks_begin();
		for (uint32_t s = 8; s < 16; s++) {
			sector_pattern(v->s + 512, s);
			rc = blk_request(v, BLK_T_OUT, s, 512, false, &st,
					 &used);
			check(rc == VDRV_OK && st == 0 && used == 1,
			      "write of sector %u: %s, status %u, used "
			      "length %u",
			      s, vdrv_strerror(rc), st, used);
		}
		tap(checks_ok(),
		    "virtio block@0x%x: sectors 8..15 written with "
		    "\"CVMM-PROBE-BLOCK sector N\\n\" and 0xa5",
		    v->base);

		if (v->d.features & BLK_F_FLUSH) {
			rc = blk_request(v, BLK_T_FLUSH, 0, 0, false, &st,
					 &used);
			tap(rc == VDRV_OK && st == 0,
			    "virtio block@0x%x: FLUSH completes with status "
			    "%u (%s)",
			    v->base, st, vdrv_strerror(rc));
		} else {
			tap(false,
			    "virtio block@0x%x: FLUSH: the device does not "
			    "offer VIRTIO_BLK_F_FLUSH",
			    v->base);
		}

		checks_begin();
		for (uint32_t s = 8; s < 16; s++) {
			for (int k = 0; k < 512; k++)
				v->s[512 + k] = 0;
			rc = blk_request(v, BLK_T_IN, s, 512, true, &st, &used);
			sector_pattern(want, s);
			if (check(rc == VDRV_OK && st == 0 && used == 513,
				  "read of sector %u: %s, status %u, used "
				  "length %u",
				  s, vdrv_strerror(rc), st, used) &&
			    !check(memcmp(v->s + 512, want, 512) == 0,
				   "sector %u reads back \"%s\"", s,
				   text(v->s + 512, 28, buf)))
				bad++;
		}
		tap(checks_ok(),
		    "virtio block@0x%x: sectors 8..15 read back as written "
		    "(%u differ)",
		    v->base, bad);
	}

	for (int k = 0; k < 21; k++)
		v->s[512 + k] = 0;
	rc = blk_request(v, BLK_T_GET_ID, 0, 20, true, &st, &used);
	{
		uint32_t n = 0;

		while (n < 20 && v->s[512 + n])
			n++;
		tap(rc == VDRV_OK && st == 0,
		    "virtio block@0x%x: GET_ID \"%s\" (status %u, %s)", v->base,
		    text(v->s + 512, n, buf), st, vdrv_strerror(rc));
	}
}

/* ---- rng ---- */

static int rng_read(struct dev *v, uint32_t off, uint32_t *used)
{
	struct vdrv_buf b = {v->s_gpa + off, 64, true};
	int rc;

	for (int k = 0; k < 64; k++)
		v->s[off + (uint32_t)k] = 0;
	rc = vdrv_submit(&v->d, 0, &b, 1);
	if (rc == VDRV_OK)
		rc = vdrv_wait(&v->d, 0, WAIT_S, used);
	return rc;
}

static void test_rng(struct dev *v)
{
	uint32_t u1 = 0, u2 = 0;
	int r1 = rng_read(v, 0, &u1), r2 = rng_read(v, 64, &u2);
	bool differ = memcmp(v->s, v->s + 64, 64) != 0;

	tap(r1 == VDRV_OK && r2 == VDRV_OK && u1 == 64 && u2 == 64 && differ,
	    "virtio rng@0x%x: two reads of 64 bytes: %u and %u bytes written "
	    "(%s, %s), %s",
	    v->base, u1, u2, vdrv_strerror(r1), vdrv_strerror(r2),
	    differ ? "they differ" : "they are the same");
}

/* ---- console ---- */

static int console_write(struct dev *v, const char *msg)
{
	uint32_t n = (uint32_t)strlen(msg), used;
	struct vdrv_buf b = {v->s_gpa, n, false};
	int rc;

	memcpy(v->s, msg, n);
	rc = vdrv_submit(&v->d, 1, &b, 1);
	if (rc == VDRV_OK)
		rc = vdrv_wait(&v->d, 1, WAIT_S, &used);
	return rc;
}

static void test_console(struct dev *v)
{
	int rc = console_write(v, vconsole_msg);

	tap(rc == VDRV_OK,
	    "virtio console@0x%x: \"CVMM-PROBE-VCONSOLE hello\\n\" written on "
	    "port 0's transmitq (%s)",
	    v->base, vdrv_strerror(rc));
}

/* ---- net ---- */

/* Scratch: the frame to send at 0 (header and 60 bytes), the receive
 * buffer at 2048 (header and 1514 bytes). */
static uint32_t net_frame(struct dev *v)
{
	uint8_t *f = v->s + NET_HDR;
	uint32_t n = 14 + sizeof(ping) - 1;

	for (uint32_t k = 0; k < NET_HDR + 60; k++)
		v->s[k] = 0;
	for (int k = 0; k < 6; k++) {
		f[k] = 0xff;
		f[6 + k] = v->mac[k];
	}
	f[12] = NET_TYPE >> 8;
	f[13] = NET_TYPE & 0xff;
	memcpy(f + 14, ping, sizeof(ping) - 1);
	return NET_HDR + (n < 60 ? 60 : n);
}

static int net_send(struct dev *v)
{
	struct vdrv_buf b = {v->s_gpa, net_frame(v), false};
	uint32_t used;
	int rc = vdrv_submit(&v->d, 1, &b, 1);

	if (rc == VDRV_OK)
		rc = vdrv_wait(&v->d, 1, WAIT_S, &used);
	return rc;
}

static int net_post_rx(struct dev *v)
{
	struct vdrv_buf b = {v->s_gpa + 2048, NET_HDR + 1514, true};

	return vdrv_submit(&v->d, 0, &b, 1);
}

static void test_net(struct dev *v)
{
	char buf[200];
	uint32_t frames = 0, used = 0;
	bool got = false;
	int rc;

	if (!v->has_mac) {
		/* A locally administered address, for a device without
		 * VIRTIO_NET_F_MAC. */
		static const uint8_t local[6] = {0x02, 0x43, 0x56,
						 0x4d, 0x4d, 0x01};

		memcpy(v->mac, local, 6);
		diag("virtio net@0x%x: no VIRTIO_NET_F_MAC; sending from "
		     "02:43:56:4d:4d:01",
		     v->base);
	}
	rc = net_post_rx(v);
	if (rc == VDRV_OK)
		rc = net_send(v);
	tap(rc == VDRV_OK,
	    "virtio net@0x%x: sent ff:ff:ff:ff:ff:ff <- "
	    "%02x:%02x:%02x:%02x:%02x:%02x type 0x88b5 \"%s\" (%s)",
	    v->base, v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4],
	    v->mac[5], ping, vdrv_strerror(rc));
	/* Frames other than the answer (the host's own chatter) are
	 * skipped; each wait is bounded, and so is their number. */
	while (rc == VDRV_OK && frames < 16 && !got) {
		const uint8_t *f = v->s + 2048 + NET_HDR;

		rc = vdrv_wait(&v->d, 0, WAIT_S, &used);
		if (rc != VDRV_OK)
			break;
		frames++;
		got = used >= NET_HDR + 14 + sizeof(pong) - 1 &&
		      f[12] == (NET_TYPE >> 8) && f[13] == (NET_TYPE & 0xff) &&
		      memcmp(f + 14, pong, sizeof(pong) - 1) == 0 &&
		      memcmp(f, v->mac, 6) == 0;
		if (!got) {
			info("virtio net@0x%x: skipped a frame of %u bytes, "
			     "type 0x%02x%02x",
			     v->base, used, f[12], f[13]);
			rc = net_post_rx(v);
		}
	}
	tap(got,
	    "virtio net@0x%x: received type 0x88b5 \"%s\" to our MAC "
	    "(%u frames, %s)",
	    v->base,
	    got ? text(v->s + 2048 + NET_HDR + 14, sizeof(pong) - 1, buf)
		: "nothing",
	    frames, vdrv_strerror(rc));
}

void test_virtio(const struct probe_boot *b, const struct probe_opts *o)
{
	(void)b;
	(void)o;
	report_discovery();
	for (uint32_t i = 0; i < vio.n; i++) {
		struct dev v;
		uint32_t id = vio.id[i], rest = normal_count(id) - 2;
		int rc = open_dev(&v, i);

		tap(rc == VDRV_OK,
		    "virtio %s@0x%x: magic 0x74726976, version 2, device id "
		    "%u, window 0x%x bytes, GSI %u%s%s",
		    v.type, v.base, v.d.device_id, vio.acpi[i].size,
		    vio.acpi[i].gsi, rc ? ": " : "",
		    vio.bad[i] ? vio.bad[i]
		    : rc       ? vdrv_strerror(rc)
			       : "");
		if (rc != VDRV_OK) {
			fail_rest(&v, rest + 1, "the device did not identify");
			continue;
		}
		rc = setup(&v, want_features(id));
		tap(rc == VDRV_OK,
		    "virtio %s@0x%x: features 0x%lx of 0x%lx negotiated "
		    "(VERSION_1), %u queues of %u ready, DRIVER_OK (%s)",
		    v.type, v.base, v.d.features, v.d.offered, queue_count(id),
		    v.d.q[0].size, vdrv_strerror(rc));
		if (rc != VDRV_OK) {
			fail_rest(&v, rest, "set-up failed");
			vdrv_reset(&v.d);
			continue;
		}
		if (id == VDRV_ID_BLOCK)
			test_block(&v);
		else if (id == VDRV_ID_RNG)
			test_rng(&v);
		else if (id == VDRV_ID_CONSOLE)
			test_console(&v);
		else if (id == VDRV_ID_NET)
			test_net(&v);
		vdrv_reset(&v.d);
	}
}

/* ---- hostile ---- */

/* One request the device completes, as a chain in the scratch area. */
static uint32_t good_chain(struct dev *v, struct vdrv_buf *b)
{
	switch (v->d.device_id) {
	case VDRV_ID_BLOCK:
		for (int k = 0; k < 17; k++)
			v->s[k] = 0; /* IN, sector 0 */
		b[0] = (struct vdrv_buf){v->s_gpa, 16, false};
		b[1] = (struct vdrv_buf){v->s_gpa + 512, 512, true};
		b[2] = (struct vdrv_buf){v->s_gpa + 16, 1, true};
		return 3;
	case VDRV_ID_RNG:
		b[0] = (struct vdrv_buf){v->s_gpa, 64, true};
		return 1;
	case VDRV_ID_CONSOLE:
		memcpy(v->s, "CVMM-PROBE-VCONSOLE again\n", 26);
		b[0] = (struct vdrv_buf){v->s_gpa, 26, false};
		return 1;
	case VDRV_ID_NET:
		b[0] = (struct vdrv_buf){v->s_gpa, net_frame(v), false};
		return 1;
	default:
		return 0;
	}
}

/* A good request on the work queue completes. */
static int good_request(struct dev *v)
{
	struct vdrv_buf b[3];
	uint32_t n = good_chain(v, b), q = work_queue(v->d.device_id), used;
	int rc;

	if (n == 0)
		return VDRV_E_NODEV;
	rc = vdrv_submit(&v->d, q, b, n);
	if (rc == VDRV_OK)
		rc = vdrv_wait(&v->d, q, WAIT_S, &used);
	if (rc == VDRV_OK && v->d.device_id == VDRV_ID_BLOCK && v->s[16] != 0)
		rc = VDRV_E_STATUS;
	return rc;
}

static void hostile_corruption(struct dev *v, enum vdrv_corruption c)
{
	uint32_t id = v->d.device_id, wq = work_queue(id), n;
	const char *what = vdrv_corruption_name(c);
	struct vdrv_buf b[3];
	uint16_t used = 0;
	bool reset_set, clean;
	int rc = setup(v, VDRV_F_INDIRECT_DESC);

	if (rc != VDRV_OK) {
		tap(false, "virtio %s@0x%x: hostile %s: set-up failed (%s)",
		    v->type, v->base, what, vdrv_strerror(rc));
	} else {
		n = good_chain(v, b);
		vdrv_corrupt(&v->d.q[wq], b, n, c, vio.outside, v->s + 2048,
			     v->s_gpa + 2048);
		vdrv_notify(&v->d, wq);
		reset_set = vdrv_wait_needs_reset(&v->d, WAIT_S);
		clean = vdrv_used_clean(&v->d.q[wq], c, &used);
		vdrv_ack(&v->d);
		tap(reset_set && clean,
		    "virtio %s@0x%x: hostile %s on queue %u: "
		    "DEVICE_NEEDS_RESET %s, used index %u%s",
		    v->type, v->base, what, wq, reset_set ? "set" : "NOT set",
		    used,
		    clean ? ""
			  : " (a used entry for a head never made "
			    "available)");
	}
	vdrv_reset(&v->d);
	rc = vdrv_status(&v->d) == 0 ? setup(v, 0) : VDRV_E_STATUS;
	if (rc == VDRV_OK)
		rc = good_request(v);
	tap(rc == VDRV_OK,
	    "virtio %s@0x%x: after the %s: reset (Status 0), set up again, "
	    "a good request completes (%s)",
	    v->type, v->base, what, vdrv_strerror(rc));
	vdrv_reset(&v->d);
}

static void hostile_queue_sel(struct dev *v)
{
	static const uint32_t sels[] = {0x8000, 0xffffffffu};
	uint32_t id = v->d.device_id;
	int rc;

	checks_begin();
	rc = vdrv_negotiate(&v->d, 0);
	check(rc == VDRV_OK, "negotiation: %s", vdrv_strerror(rc));
	for (uint32_t k = 0; k < 2; k++) {
		vdrv_write(&v->d, VDRV_QUEUE_SEL, sels[k]);
		check(vdrv_read(&v->d, VDRV_QUEUE_NUM_MAX) == 0,
		      "QueueSel 0x%x: QueueNumMax reads 0x%x", sels[k],
		      vdrv_read(&v->d, VDRV_QUEUE_NUM_MAX));
		vdrv_write(&v->d, VDRV_QUEUE_NUM, QUEUE_SIZE);
		vdrv_write(&v->d, VDRV_QUEUE_DESC_LOW, (uint32_t)vio.outside);
		vdrv_write(&v->d, VDRV_QUEUE_DESC_HIGH,
			   (uint32_t)(vio.outside >> 32));
		vdrv_write(&v->d, VDRV_QUEUE_DRIVER_LOW, 0x1000);
		vdrv_write(&v->d, VDRV_QUEUE_DEVICE_LOW, 0x2000);
		vdrv_write(&v->d, VDRV_QUEUE_READY, 1);
		check(vdrv_read(&v->d, VDRV_QUEUE_READY) == 0,
		      "QueueSel 0x%x: QueueReady reads 0x%x after writing 1",
		      sels[k], vdrv_read(&v->d, VDRV_QUEUE_READY));
		vdrv_notify(&v->d, sels[k]);
	}
	for (uint32_t q = 0; q < queue_count(id); q++) {
		vdrv_write(&v->d, VDRV_QUEUE_SEL, q);
		check(vdrv_read(&v->d, VDRV_QUEUE_READY) == 0,
		      "queue %u became ready", q);
	}
	check((vdrv_status(&v->d) & VDRV_S_DEVICE_NEEDS_RESET) == 0,
	      "Status 0x%x: DEVICE_NEEDS_RESET after ignored writes",
	      vdrv_status(&v->d));
	rc = setup(v, 0);
	if (rc == VDRV_OK)
		rc = good_request(v);
	check(rc == VDRV_OK, "the real queues afterwards: %s",
	      vdrv_strerror(rc));
	tap(checks_ok(),
	    "virtio %s@0x%x: hostile QueueSel 0x8000 and 0xffffffff: "
	    "QueueNumMax 0, queue writes and notifications ignored; the real "
	    "queues still work",
	    v->type, v->base);
	vdrv_reset(&v->d);
}

static void hostile_config(struct dev *v, uint32_t window)
{
	uint32_t before, last = window - 4;
	int rc;

	checks_begin();
	rc = setup(v, 0);
	check(rc == VDRV_OK, "set-up: %s", vdrv_strerror(rc));
	before = vdrv_status(&v->d);
	/* Reads: past the device's config, misaligned config, registers at
	 * the wrong size or off their offset, a hole. */
	info("config at 0x%x reads 0x%x", last, mmio_rd(&v->ctx, last, 4));
	(void)mmio_rd(&v->ctx, VDRV_CONFIG + 1, 4);
	(void)mmio_rd(&v->ctx, VDRV_CONFIG + 3, 2);
	(void)mmio_rd(&v->ctx, VDRV_MAGIC_VALUE, 1);
	(void)mmio_rd(&v->ctx, VDRV_STATUS + 2, 2);
	(void)mmio_rd(&v->ctx, 0x0c8, 4);
	(void)mmio_rd(&v->ctx, VDRV_QUEUE_NOTIFY, 4);
	/* Writes that must change nothing. */
	mmio_wr(&v->ctx, last, 4, 0xffffffffu);
	mmio_wr(&v->ctx, VDRV_CONFIG + 1, 4, 0xffffffffu);
	mmio_wr(&v->ctx, VDRV_CONFIG + 3, 2, 0xffff);
	mmio_wr(&v->ctx, VDRV_STATUS, 1, 0xff);
	mmio_wr(&v->ctx, VDRV_STATUS + 1, 1, 0xff);
	mmio_wr(&v->ctx, VDRV_MAGIC_VALUE, 4, 0);
	mmio_wr(&v->ctx, VDRV_DEVICE_ID, 4, 7);
	mmio_wr(&v->ctx, 0x0c8, 4, 0xffffffffu);
	check(vdrv_read(&v->d, VDRV_MAGIC_VALUE) == VDRV_MAGIC,
	      "MagicValue reads 0x%x afterwards",
	      vdrv_read(&v->d, VDRV_MAGIC_VALUE));
	check(vdrv_read(&v->d, VDRV_DEVICE_ID) == v->d.device_id,
	      "DeviceID reads %u afterwards", vdrv_read(&v->d, VDRV_DEVICE_ID));
	check(vdrv_status(&v->d) == before,
	      "Status 0x%x afterwards, 0x%x before", vdrv_status(&v->d),
	      before);
	if (rc == VDRV_OK) {
		rc = good_request(v);
		check(rc == VDRV_OK, "a good request afterwards: %s",
		      vdrv_strerror(rc));
	}
	tap(checks_ok(),
	    "virtio %s@0x%x: hostile config and register accesses (past the "
	    "config at 0x%x, misaligned, wrong sizes, read-only registers, a "
	    "hole): nothing changed, the device still works",
	    v->type, v->base, last);
	vdrv_reset(&v->d);
}

static void hostile_layout(struct dev *v)
{
	uint32_t wq = work_queue(v->d.device_id), ready, status;
	int rc;

	checks_begin();
	rc = vdrv_negotiate(&v->d, 0);
	check(rc == VDRV_OK, "negotiation: %s", vdrv_strerror(rc));
	vdrv_write(&v->d, VDRV_QUEUE_SEL, wq);
	vdrv_write(&v->d, VDRV_QUEUE_NUM, QUEUE_SIZE);
	vdrv_write(&v->d, VDRV_QUEUE_DESC_LOW, (uint32_t)vio.outside);
	vdrv_write(&v->d, VDRV_QUEUE_DESC_HIGH, (uint32_t)(vio.outside >> 32));
	vdrv_write(&v->d, VDRV_QUEUE_DRIVER_LOW,
		   (uint32_t)(vio.outside + 0x1000));
	vdrv_write(&v->d, VDRV_QUEUE_DRIVER_HIGH,
		   (uint32_t)((vio.outside + 0x1000) >> 32));
	vdrv_write(&v->d, VDRV_QUEUE_DEVICE_LOW,
		   (uint32_t)(vio.outside + 0x2000));
	vdrv_write(&v->d, VDRV_QUEUE_DEVICE_HIGH,
		   (uint32_t)((vio.outside + 0x2000) >> 32));
	vdrv_write(&v->d, VDRV_QUEUE_READY, 1);
	ready = vdrv_read(&v->d, VDRV_QUEUE_READY);
	status = vdrv_status(&v->d);
	check(ready == 0, "QueueReady reads %u", ready);
	vdrv_ack(&v->d);
	vdrv_reset(&v->d);
	check(vdrv_status(&v->d) == 0, "Status 0x%x after the reset",
	      vdrv_status(&v->d));
	tap(checks_ok(),
	    "virtio %s@0x%x: hostile queue %u rings at 0x%lx (outside guest "
	    "RAM): QueueReady stays 0 (Status 0x%x%s), reset",
	    v->type, v->base, wq, vio.outside, status,
	    status & VDRV_S_DEVICE_NEEDS_RESET ? ": DEVICE_NEEDS_RESET" : "");
}

void test_hostile_virtio(const struct probe_boot *b, const struct probe_opts *o)
{
	(void)b;
	(void)o;
	report_discovery();
	for (uint32_t i = 0; i < vio.n; i++) {
		struct dev v;
		int rc = open_dev(&v, i);

		if (rc != VDRV_OK || normal_count(v.d.device_id) == 2) {
			fail_rest(&v, HOSTILE_COUNT,
				  rc != VDRV_OK ? "the device did not identify"
						: "no hostile checks for this "
						  "device type");
			continue;
		}
		diag("virtio %s@0x%x: hostile: bad addresses at 0x%lx", v.type,
		     v.base, vio.outside);
		hostile_queue_sel(&v);
		hostile_config(&v, vio.acpi[i].size < 0x1000 ? vio.acpi[i].size
							     : 0x1000);
		hostile_layout(&v);
		for (uint32_t c = 0; c < VDRV_C_COUNT; c++)
			hostile_corruption(&v, (enum vdrv_corruption)c);
		vdrv_reset(&v.d);
	}
}
