/* SPDX-License-Identifier: BSD-3-Clause */
/* localtab.c - the node's local-address table (localtab.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dataplane/lib/localtab.h"

static int localtab_in_subnet(const struct cfg_addr *net, const struct cfg_addr *a)
{
	unsigned int full = net->plen / 8, rest = net->plen % 8;

	if (net->family != a->family || memcmp(net->addr, a->addr, full))
		return 0;
	return !rest || !((net->addr[full] ^ a->addr[full]) & (uint8_t)(0xff << (8 - rest)));
}

/* Append family/addr unless an entry has it already (the first one wins). */
static unsigned int localtab_add(struct localtab_ent *out, unsigned int n, uint8_t family,
				 const uint8_t *addr, uint8_t kind, unsigned int port)
{
	unsigned int i, len = family == 4 ? 4 : 16;

	for (i = 0; i < n; i++)
		if (out[i].family == family && !memcmp(out[i].addr, addr, len))
			return n;
	if (n == LOCALTAB_MAX)
		return n;
	memset(&out[n], 0, sizeof(out[n]));
	out[n].family = family;
	out[n].kind = kind;
	out[n].port = (uint16_t)port;
	memcpy(out[n].addr, addr, len);
	return n + 1;
}

int localtab_compile(const struct config *cfg, struct localtab_ent *out, char *err, size_t errlen)
{
	const struct cfg_addr *zone = NULL;
	unsigned int i, j, n = 0, n_other = 0;
	uint8_t edge[2][4];

	for (i = 0; i < cfg->n_zones; i++)
		if (!strcmp(cfg->zones[i].name, cfg->node.zone))
			zone = &cfg->zones[i].address;
	/* the zone IP lives on the first port whose subnet holds it */
	for (i = 0; zone && i < cfg->n_ports && i < LOCALTAB_PORTS_MAX && !n; i++)
		for (j = 0; j < cfg->ports[i].n_addrs; j++)
			if (localtab_in_subnet(&cfg->ports[i].addrs[j], zone)) {
				n = localtab_add(out, n, (uint8_t)zone->family, zone->addr,
						 SL_DST_ZONE, i);
				break;
			}
	for (i = 0; i < cfg->n_ports && i < LOCALTAB_PORTS_MAX; i++)
		for (j = 0; j < cfg->ports[i].n_addrs; j++)
			n = localtab_add(out, n, (uint8_t)cfg->ports[i].addrs[j].family,
					 cfg->ports[i].addrs[j].addr, SL_DST_OWN, i);
	for (i = 0; i < cfg->n_ports && i < LOCALTAB_PORTS_MAX; i++)
		for (j = 0; j < cfg->ports[i].n_addrs; j++) {
			const struct cfg_addr *a = &cfg->ports[i].addrs[j];

			if (a->family != 4 || !pkt_subnet_edges(a->addr, a->plen, edge[0], edge[1]))
				continue;
			n = localtab_add(out, n, 4, edge[0], SL_DST_EDGE, i);
			n = localtab_add(out, n, 4, edge[1], SL_DST_EDGE, i);
		}
	for (i = 0; i < cfg->n_zones; i++) {
		const struct cfg_addr *a = &cfg->zones[i].address;

		if (zone && zone->family == a->family &&
		    !memcmp(zone->addr, a->addr, a->family == 4 ? 4 : 16))
			continue;
		if (n_other++ == LOCALTAB_ZONES_MAX) {
			snprintf(err, errlen, "more than %d zones", LOCALTAB_ZONES_MAX);
			return -EINVAL;
		}
		n = localtab_add(out, n, (uint8_t)a->family, a->addr, SL_DST_OTHER_ZONE, 0);
	}
	return (int)n;
}

void localtab_build(struct localtab *t, const struct localtab_ent *e, unsigned int n)
{
	unsigned int i, k;

	for (i = 0; i < n; i++)
		for (k = localtab_hash(e[i].family, e[i].addr);; k++)
			if (!t->slot[k & (LOCALTAB_SLOTS - 1)].family) {
				t->slot[k & (LOCALTAB_SLOTS - 1)] = e[i];
				break;
			}
}
