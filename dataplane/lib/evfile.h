/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * evfile.h - the --events file of replays (sluice-dp and sluice-xdp): scheduled target state
 * changes, one per line, `TIME GROUP TARGET STATE` (TIME in seconds on the packets' clock,
 * STATE as in config.h's target states), `#` comments, in time order. DPDK-free: both
 * dataplanes parse it here and only apply it their own way.
 */
#ifndef SL_EVFILE_H
#define SL_EVFILE_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/lib/config.h"

struct evfile_event {
	uint64_t time;		    /* us */
	unsigned int group, target; /* config indexes */
	uint8_t state;		    /* enum cfg_target_state */
};

/*
 * Parse path against cfg: *out (malloc'ed, the caller frees it) holds *n events. 0, or
 * -errno with `FILE:LINE: problem` in err (nothing is returned then).
 */
int evfile_load(const struct config *cfg, const char *path, struct evfile_event **out,
		unsigned int *n, char *err, size_t errlen);

#endif /* SL_EVFILE_H */
