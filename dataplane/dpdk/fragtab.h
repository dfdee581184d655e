/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fragtab.h - the fragment table of sluice-dp (core/frag.h decides, this file stores): struct
 * frag_key -> one 64-bit value, in one lock-free rte_hash shared by every lcore, as the flow
 * table is. Not per lcore: NIC RSS hashes a first fragment (ports) and the later ones (no
 * ports) differently, so the fragments of one datagram may reach different lcores (the same
 * reason XDP needs one map for every CPU). At most node.fragment_table_size entries; entries
 * live node.fragment_timeout_ms from their first fragment and are overwritten in place when
 * expired, deleted by the main lcore's sweep; a live entry is never evicted for a new one.
 */
#ifndef SL_FRAGTAB_H
#define SL_FRAGTAB_H

#include <stdint.h>

#include "dataplane/core/frag.h"

struct wctx;

int fragtab_init(uint32_t entries, uint32_t timeout_ms);
void fragtab_free(void);
/*
 * core/frag.h's frag_decide for pi in `mode`, with the table: looks pi's entry up, stores
 * what frag_decide asks (events frag_tracked, frag_table_full) and returns its verdict, with
 * pi changed as frag_decide changes it. FRAG_NONE at once for a packet that is no fragment.
 */
int fragtab_apply(struct wctx *w, struct pkt_info *pi, int mode);
/* Main lcore, live clock: one step of the sweep (sweep.h) that deletes entries past their
 * timeout. */
struct sweep;
void fragtab_sweep(uint64_t now_us, struct sweep *sw);
/* Entries in the table now. */
unsigned int fragtab_count(void);

#endif /* SL_FRAGTAB_H */
