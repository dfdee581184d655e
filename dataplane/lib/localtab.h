/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * localtab.h - the node's local-address table, compiled once from the configuration for both
 * dataplanes: every (family, address) the node must not forward, with its kind
 * (core/classify.h SL_DST_*): the ports' addresses (OWN), this node's zone IP (ZONE), the ports'
 * IPv4 subnets' network and broadcast addresses (EDGE), the other zones' IPs (OTHER_ZONE).
 *
 * localtab_compile lists the entries (sluice-xdp puts them into its sl_local map);
 * localtab_build puts them into an open-addressing hash for sluice-dp, read per packet by
 * localtab_kind (one probe in the common case, no lock: built before the workers start).
 */
#ifndef SL_LIB_LOCALTAB_H
#define SL_LIB_LOCALTAB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/core/classify.h"
#include "dataplane/lib/config.h"

#define LOCALTAB_PORTS_MAX 16 /* sluice-dp's and sluice-xdp's port limit */
#define LOCALTAB_ZONES_MAX 64 /* other zones' IPs */
/* every port address, its subnet's two edges, the zone IP, the other zones' IPs */
#define LOCALTAB_MAX   (LOCALTAB_PORTS_MAX * CFG_PORT_ADDRS_MAX * 3 + 1 + LOCALTAB_ZONES_MAX)
#define LOCALTAB_SLOTS (2 * 1024) /* a power of two, at least twice LOCALTAB_MAX */
_Static_assert(LOCALTAB_SLOTS >= 2 * LOCALTAB_MAX, "localtab load factor");

struct localtab_ent {
	uint8_t family; /* 4 or 6; 0: an empty slot */
	uint8_t kind;	/* SL_DST_* */
	uint16_t port;	/* the port whose address (or subnet) it is; OTHER_ZONE: 0 */
	uint8_t addr[16];
};

struct localtab {
	struct localtab_ent slot[LOCALTAB_SLOTS];
};

/*
 * The entries of cfg into out[LOCALTAB_MAX], each address once (the first entry wins: the zone
 * IP, then the ports' addresses, then the edges, then the other zones). The zone IP is the
 * node's only when it lies in a port's subnet (config.c requires it with listeners). Returns
 * their number, or -EINVAL (err) with more than LOCALTAB_ZONES_MAX other zones.
 */
int localtab_compile(const struct config *cfg, struct localtab_ent *out, char *err, size_t errlen);

/* t from the n entries of localtab_compile (t zeroed first). */
void localtab_build(struct localtab *t, const struct localtab_ent *e, unsigned int n);

/* IPv4 on its own path: a 4-byte load, not a variable-length copy or compare */
static inline uint32_t localtab_hash(uint8_t family, const uint8_t *addr)
{
	uint32_t w[4], h;

	if (family == 4) {
		memcpy(w, addr, 4);
		h = w[0];
	} else {
		memcpy(w, addr, 16);
		h = w[0] ^ w[1] ^ w[2] ^ w[3];
	}
	h ^= family;
	return (h * 2654435761u) >> 16;
}

static inline int localtab_addr_eq(uint8_t family, const uint8_t *a, const uint8_t *b)
{
	uint32_t x, y;

	if (family == 4) {
		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		return x == y;
	}
	return !memcmp(a, b, 16);
}

/* The SL_DST_* of family/addr: SL_DST_OTHER when the node has no such address. */
static inline unsigned int localtab_kind(const struct localtab *t, uint8_t family,
					 const uint8_t *addr)
{
	uint32_t h = localtab_hash(family, addr), i;

	for (i = 0; i < LOCALTAB_SLOTS; i++) {
		const struct localtab_ent *e = &t->slot[(h + i) & (LOCALTAB_SLOTS - 1)];

		if (!e->family)
			break;
		if (e->family == family && localtab_addr_eq(family, e->addr, addr))
			return e->kind;
	}
	return SL_DST_OTHER;
}

#endif /* SL_LIB_LOCALTAB_H */
