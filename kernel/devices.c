/* Device discovery: PCI (configuration mechanism #1, bus 0 and every bus behind a
 * bridge) and virtio-mmio transports, from the command line (virtio_mmio.device=, as
 * Firecracker and QEMU microvm with acpi=off pass them) or, on a machine without PCI (QEMU
 * microvm with ACPI on lists them only in ACPI), by probing microvm's transport window.
 * Drivers (virtio-net, next) take their devices from the table built here. */
#include "kern_internal.h"
#include "libc/libc_impl.h"

#include <string.h>

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define MICROVM_MMIO_BASE 0xfeb00000ull
#define MICROVM_MMIO_SIZE 512u
#define MICROVM_MMIO_SLOTS 24u
#define VIRTIO_MAGIC 0x74726976u /* "virt" */

static struct kern_device devs[KERN_MAX_DEVICES];
static unsigned n_devs;

static uint32_t pci_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	__asm__ volatile("outl %0, %1" : : "a"(0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc)),
			 "Nd"((uint16_t)PCI_ADDR));
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)PCI_DATA));
	return v;
}

static void add(const struct kern_device *d)
{
	if (n_devs < KERN_MAX_DEVICES)
		devs[n_devs++] = *d;
	else
		kern_printf("sluice: more than %u devices; ignoring the rest\n", KERN_MAX_DEVICES);
}

static void pci_scan_bus(unsigned bus, unsigned depth)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = pci_read32(bus, dev, fn, 0);
			if ((id & 0xffff) == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			uint32_t cls = pci_read32(bus, dev, fn, 8);
			uint32_t hdr = pci_read32(bus, dev, fn, 12) >> 16 & 0xff;
			struct kern_device d = {
				.bus = KERN_BUS_PCI,
				.vendor = (uint16_t)id, .device = (uint16_t)(id >> 16),
				.class_code = cls >> 8,
				.pci = { (uint8_t)bus, (uint8_t)dev, (uint8_t)fn },
			};
			add(&d);
			if ((hdr & 0x7f) == 1 && depth < 8) { /* PCI-to-PCI bridge: scan its secondary bus */
				unsigned secondary = pci_read32(bus, dev, fn, 0x18) >> 8 & 0xff;
				if (secondary > bus)
					pci_scan_bus(secondary, depth + 1);
			}
			if (fn == 0 && !(hdr & 0x80))
				break; /* not a multi-function device */
		}
	}
}

static bool mmio_probe(uint64_t base, uint32_t size, uint32_t irq)
{
	kern_map_mmio(base, size);
	volatile uint32_t *r = (volatile uint32_t *)(uintptr_t)base;
	if (r[0] != VIRTIO_MAGIC)
		return false;
	uint32_t version = r[1], id = r[2];
	if (!id)
		return false; /* a transport with nothing behind it */
	struct kern_device d = {
		.bus = KERN_BUS_VIRTIO_MMIO,
		.vendor = (uint16_t)r[3], .device = (uint16_t)id,
		.mmio = { base, size, irq, version },
	};
	add(&d);
	return true;
}

/* virtio_mmio.device=<size>@<base>:<irq>[:<id>], sizes with K/M suffixes (Linux's form). */
static int parse_mmio(const char *v, size_t len, uint64_t *base, uint32_t *size, uint32_t *irq)
{
	char buf[64], *p;
	int err = 0;
	if (len >= sizeof(buf) || len == 0 || v[0] < '0' || v[0] > '9')
		return -1;
	memcpy(buf, v, len);
	buf[len] = 0;
	unsigned long long sz = kern_strtoull(buf, &p, 10, &err);
	if (*p == 'K' || *p == 'k')
		sz <<= 10, p++;
	else if (*p == 'M' || *p == 'm')
		sz <<= 20, p++;
	if (err || *p++ != '@' || !sz || sz > (1u << 20) || p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
		return -1;
	char *start = p;
	unsigned long long b = kern_strtoull(start, &p, 16, &err);
	if (err || p == start || *p++ != ':' || *p < '0' || *p > '9')
		return -1;
	unsigned long long i = kern_strtoull(p, &p, 10, &err);
	if (err || i > 255 || (*p && *p != ':'))
		return -1;
	*base = b;
	*size = (uint32_t)sz;
	*irq = (uint32_t)i;
	return 0;
}

int kern_cmdline_virtio_mmio(const char *v, size_t len, struct kern_cmdline *cl)
{
	uint64_t base;
	uint32_t size, irq;
	if (parse_mmio(v, len, &base, &size, &irq) != 0 || cl->n_mmio == KERN_MAX_MMIO)
		return -1;
	cl->mmio[cl->n_mmio].base = base;
	cl->mmio[cl->n_mmio].size = size;
	cl->mmio[cl->n_mmio].irq = irq;
	cl->n_mmio++;
	return 0;
}

void kern_devices_init(const struct kern_cmdline *cl)
{
	n_devs = 0;
	/* a PCI host bridge answers at 00:00.0 */
	bool pci = (pci_read32(0, 0, 0, 0) & 0xffff) != 0xffff;
	if (pci)
		pci_scan_bus(0, 0);
	for (unsigned i = 0; i < cl->n_mmio; i++)
		if (!mmio_probe(cl->mmio[i].base, cl->mmio[i].size, cl->mmio[i].irq))
			kern_printf("sluice: virtio_mmio.device at %#llx: no virtio device there\n",
				    (unsigned long long)cl->mmio[i].base);
	if (!pci && !cl->n_mmio)
		/* QEMU fills the slots from the top down in command-line order: probing
		 * downwards numbers the NICs as the user gave them */
		for (unsigned i = MICROVM_MMIO_SLOTS; i-- > 0;)
			mmio_probe(MICROVM_MMIO_BASE + (uint64_t)i * MICROVM_MMIO_SIZE, MICROVM_MMIO_SIZE, 5 + i);
}

unsigned kern_devices(const struct kern_device **out)
{
	*out = devs;
	return n_devs;
}

bool kern_is_virtio(const struct kern_device *d, uint16_t virtio_id)
{
	if (d->bus == KERN_BUS_VIRTIO_MMIO)
		return d->device == virtio_id;
	/* virtio over PCI: vendor 0x1af4, modern IDs 0x1040 + id; transitional ones from a
	 * table (virtio 1.x 4.1.2.1): network 0x1000, entropy 0x1005 */
	uint16_t transitional = virtio_id == 1 ? 0x1000 : virtio_id == 4 ? 0x1005 : 0;
	return d->vendor == 0x1af4 && (d->device == 0x1040 + virtio_id || (transitional && d->device == transitional));
}

unsigned kern_count_virtio(uint16_t virtio_id)
{
	unsigned n = 0;
	for (unsigned i = 0; i < n_devs; i++)
		n += kern_is_virtio(&devs[i], virtio_id);
	return n;
}

uint32_t kern_pci_read32(const struct kern_device *d, unsigned off)
{
	return pci_read32(d->pci.bus, d->pci.dev, d->pci.fn, off);
}

void kern_pci_write32(const struct kern_device *d, unsigned off, uint32_t v)
{
	__asm__ volatile("outl %0, %1"
			 :
			 : "a"(0x80000000u | d->pci.bus << 16 | d->pci.dev << 11 | d->pci.fn << 8 | (off & 0xfc)),
			   "Nd"((uint16_t)PCI_ADDR));
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"((uint16_t)PCI_DATA));
}
