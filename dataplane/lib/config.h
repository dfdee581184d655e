/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.h - the sluice configuration, loaded from YAML and validated as a whole. A config that
 * fails validation is refused with "FILE:LINE: KEY: what is wrong" and nothing of it is used.
 * The structures are plain data (no pointers into the YAML document), freed with config_free().
 */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stdint.h>
#include <stddef.h>

#include "dataplane/core/flow.h"

#define CFG_NAME_MAX		  64
#define CFG_DEVICE_MAX		  512
#define CFG_PORT_ADDRS_MAX	  8
#define CFG_CHAIN_MAX		  8
#define CFG_FROM_MAX		  8
#define CFG_ERR_MAX		  512
#define CFG_GROUP_TARGETS_MAX	  256 /* targets per group (the dataplane's slots) */
#define CFG_DATAPLANES_MAX	  8
#define CFG_SOCKPATH_MAX	  108 /* sizeof(sun_path) */
#define CFG_ANNOUNCE_PREFIXES_MAX 16
#define CFG_IFNAME_MAX		  16 /* IFNAMSIZ: a kernel interface name and its NUL */

/* node.exception_rate: frames per second per worker towards a port's kernel interface */
#define CFG_EXCEPTION_RATE_MIN	   100u
#define CFG_EXCEPTION_RATE_MAX	   1000000u
#define CFG_EXCEPTION_RATE_DEFAULT 10000u

struct cfg_addr {
	uint8_t family;	  /* 4 or 6 */
	uint8_t plen;	  /* prefix length (32 / 128 for a host address) */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
};

struct cfg_port {
	char name[CFG_NAME_MAX];
	char device[CFG_DEVICE_MAX]; /* PCI address "0000:00:06.0" or a vdev "net_pcap0,rx_pcap=..."
				      */
	struct cfg_addr addrs[CFG_PORT_ADDRS_MAX];
	unsigned int n_addrs;
	uint16_t mtu;	/* L3 MTU, default 1500, range 576..9216 */
	uint8_t mac[6]; /* used when has_mac */
	int has_mac;	/* "mac" key given: set it on the port */
	/* sluice-dp's exception path: the TAP interface created for the port ("" = none);
	 * 1..15 of letters, digits, "-_.", unique. sluice-xdp ignores it. */
	char kernel_interface[CFG_IFNAME_MAX];
};

struct cfg_route {
	struct cfg_addr prefix;
	struct cfg_addr via; /* same family as prefix */
};

struct cfg_neighbor {
	struct cfg_addr address;
	uint8_t mac[6];
};

enum cfg_proto {
	CFG_PROTO_GENEVE = 0,
	CFG_PROTO_TCP,
	CFG_PROTO_UDP,
	CFG_PROTO_TCP_UDP,
};

enum cfg_failover {
	CFG_FAILOVER_NO_REBALANCE = 0, /* default */
	CFG_FAILOVER_REBALANCE,
};

enum cfg_unhealthy_policy {
	CFG_ALL_UNHEALTHY_ALL_TARGETS = 0, /* default: fail open */
	CFG_ALL_UNHEALTHY_DROP,
	CFG_ALL_UNHEALTHY_BYPASS, /* geneve groups only */
};

enum cfg_hc_proto {
	CFG_HC_TCP = 0,
	CFG_HC_HTTP,
	CFG_HC_HTTPS,
};

/* Target state as set in the config (and later by the daemon). */
enum cfg_target_state {
	CFG_TS_HEALTHY = 0, /* default when the dataplane runs without the daemon */
	CFG_TS_UNHEALTHY,
	CFG_TS_DRAINING, /* deregistered: no new flows; existing ones until the delay ends */
	CFG_TS_INITIAL,	 /* registered, not yet checked: takes new flows only on fail-open */
	CFG_TS_UNUSED,	 /* not in this zone, or otherwise not eligible */
};

struct cfg_health_check {
	enum cfg_hc_proto protocol;
	uint16_t port; /* 0 = the target's traffic port */
	char path[256];
	uint32_t interval, timeout; /* seconds */
	uint32_t healthy_threshold, unhealthy_threshold;
	uint16_t matcher_lo, matcher_hi; /* HTTP status range, default 200..399 */
	/*
	 * Passive data-path check (geneve groups; sluiced, docs/daemon.md): a target sent at least
	 * passive_min_packets packets in the last passive_window seconds that returned none is
	 * unhealthy ("no returns"). 0 (the default) = off.
	 */
	uint32_t passive_min_packets;
	uint32_t passive_window; /* seconds, default 10 */
};

struct cfg_target {
	char id[CFG_NAME_MAX];
	struct cfg_addr address; /* geneve: IPv4 only */
	uint16_t port;		 /* tcp/udp/tcp_udp groups: 0 = keep the packet's destination port;
				  * always 0 for geneve */
	char zone[CFG_NAME_MAX];
	uint32_t weight; /* default 1, range 0..1000; 0 takes no new flows */
	enum cfg_target_state state;
};

struct cfg_group {
	char name[CFG_NAME_MAX];
	enum cfg_proto protocol;
	enum flow_stick stickiness;	 /* default 5-tuple */
	int cross_zone;			 /* default 0 */
	enum cfg_failover failover;	 /* key target_failover */
	uint32_t deregistration_delay;	 /* seconds, default 300, 0..3600 */
	int terminate_on_deregistration; /* key connection_termination, default 0 */
	enum cfg_unhealthy_policy
		all_unhealthy;	     /* key all_unhealthy: all_targets | drop | bypass */
	uint32_t tcp_idle_timeout;   /* seconds, default 350, 60..6000 */
	uint32_t other_idle_timeout; /* seconds, default 120, 60..6000 */
	/* geneve groups: key geneve_udp_checksum, enum gwlb_udp_csum (core/gwlb.h): verify (0,
	 * default) | ignore (1): whether its appliances' returns have their UDP checksum checked */
	uint8_t geneve_udp_checksum;
	struct cfg_health_check hc;
	struct cfg_target *targets;
	unsigned int n_targets;
	/* Listener groups (tcp, udp, tcp_udp) only; geneve groups keep the defaults. */
	int preserve_client_ip; /* default 1: destination NAT only; 0: source NAT as well */
	int tcp_unknown_reset;	/* key tcp_unknown_flow: adopt (0; alias forward) | reset (1);
				 * default adopt with preserve_client_ip, else reset */
};

struct cfg_inspection {
	char name[CFG_NAME_MAX];
	uint64_t endpoint_id;		 /* required, unique */
	uint64_t attachment_id;		 /* default 0 */
	unsigned int from[CFG_FROM_MAX]; /* port indexes; key "from": a port name or a list */
	unsigned int n_from;
	unsigned int chain[CFG_CHAIN_MAX]; /* group indexes, geneve groups, no repeats */
	unsigned int n_chain;
};

/* Bit 0 TCP, bit 1 UDP (TCP_UDP == TCP | UDP); the values equal CFG_PROTO_TCP/UDP/TCP_UDP. */
enum cfg_listener_proto {
	CFG_LPROTO_TCP = 1,
	CFG_LPROTO_UDP = 2,
	CFG_LPROTO_TCP_UDP = 3,
};

/* An NLB listener on this node's zone IP (zones[node.zone]). */
struct cfg_listener {
	char name[CFG_NAME_MAX]; /* unique */
	enum cfg_listener_proto protocol;
	uint16_t port;	    /* 0 = all (key "port: all") */
	unsigned int group; /* group index: a tcp, udp or tcp_udp group covering protocol */
	int inspect;	    /* inspection attachment index, or -1 */
};

struct cfg_zone {
	char name[CFG_NAME_MAX];
	struct cfg_addr address; /* the zone's static IP */
};

struct cfg_node {
	char zone[CFG_NAME_MAX];   /* required, must be a key of zones: if zones given */
	uint8_t cookie_secret[16]; /* from cookie_secret_file (32 hex chars, or >= 16 raw
				    * bytes: the first 16) or cookie_secret (32 hex chars) */
	int has_geneve_address;
	struct cfg_addr
		geneve_address;	  /* IPv4; default: address of the port facing the appliance */
	uint32_t exception_rate;  /* per worker, to kernel interfaces; default 10000 */
	uint8_t ttl;		  /* outer TTL, default 64 */
	uint32_t flow_table_size; /* entries, default 1048576 */
	uint32_t maglev_size;	  /* prime >= 65537, default 65537 */
	uint32_t drain_time;	  /* s, 0..3600, default 0: on SIGTERM a dataplane reports
				   * stopping (liveness op) and forwards this long, then exits */
	/* core/frag.h's fragment table, both dataplanes */
	uint32_t fragment_table_size; /* entries, 16..2^24, default 65536 */
	uint32_t fragment_timeout_ms; /* 100..60000, default 5000 */
	/* sluice-dp's neighbour table (core/neigh.h); default 65536 entries, 30000 ms */
	uint32_t neighbor_table_size;
	uint32_t neighbor_reachable_ms; /* a confirmed MAC is REACHABLE this long */
};

/*
 * daemon.announce (sluiced only; docs/scale-out.md "Announcement"): host routes sluiced writes
 * into a kernel routing table (protocol 250) while the node can serve; the host's BGP daemon
 * exports that table.
 */
struct cfg_announce {
	int enabled;	    /* the mapping is present */
	uint32_t table;	    /* required: 1..2^31, not 253, 254, 255 */
	int zone_ip;	    /* default 1: zones[node.zone] as /32 or /128 */
	int geneve_address; /* default 0: node.geneve_address /32 (must be set) */
	struct cfg_addr prefixes[CFG_ANNOUNCE_PREFIXES_MAX]; /* network addresses */
	unsigned int n_prefixes;
	uint32_t min_healthy_targets; /* 0..256, default 1; 0: a group never counts as failed */
	uint32_t liveness_timeout_ms; /* 200..60000, default 1000 */
	uint32_t drain_time;	      /* s, 0..3600, default 5 */
};

/* The daemon's own section (key "daemon"); the dataplanes ignore it. docs/daemon.md. */
struct cfg_daemon {
	char api_socket[CFG_SOCKPATH_MAX]; /* default /run/sluice/sluiced.sock */
	uint32_t api_socket_mode;	   /* default 0600; key "api_socket_mode": "0600" */
	char metrics_address[64];	   /* default "127.0.0.1:9469"; "" when "off" */
	char dataplanes[CFG_DATAPLANES_MAX][CFG_SOCKPATH_MAX];
	unsigned int n_dataplanes; /* default 1: /run/sluice/dp.sock */
	char log_level[16];	   /* error | warning | info (default) | debug */
	struct cfg_announce announce;
	/* Local clients (docs/daemon.md "Clients"), per listener (API socket, metrics endpoint) */
	uint32_t max_clients;	    /* 1..4096, default 64: connections at once */
	uint32_t client_timeout_ms; /* 100..3600000, default 10000: idle or unfinished request */
};

struct config {
	char path[512];
	struct cfg_node node;
	struct cfg_daemon daemon;
	struct cfg_zone *zones;
	unsigned int n_zones;
	struct cfg_port *ports;
	unsigned int n_ports;
	struct cfg_route *routes;
	unsigned int n_routes;
	struct cfg_neighbor *neighbors;
	unsigned int n_neighbors;
	struct cfg_group *groups;
	unsigned int n_groups;
	struct cfg_inspection *inspections;
	unsigned int n_inspections;
	/* No two claim the same protocol and port; with listeners, zones[node.zone] exists and is
	 * a port's address or inside a port's connected subnet. */
	struct cfg_listener *listeners;
	unsigned int n_listeners;
};

/*
 * Load and validate path. Returns 0 and a config to free with config_free(), or a negative
 * errno with a one-line message "FILE:LINE: KEY: problem" in err (for a missing file:
 * "FILE: strerror"). On error *out is untouched and nothing is leaked.
 */
int config_load(const char *path, struct config **out, char *err, size_t errlen);
/* The same from a YAML string; name stands in for the file name in messages. */
int config_load_string(const char *yaml, size_t len, const char *name, struct config **out,
		       char *err, size_t errlen);
void config_free(struct config *cfg);

/* Lookups by name; return the index or -1. */
int config_port_index(const struct config *cfg, const char *name);
int config_group_index(const struct config *cfg, const char *name);

/* The rule for host addresses (targets, next hops, ...): not 0.x.x.x, multicast, 240/4, ::,
 * ff00::/8. The daemon and the dataplane protocol apply the same rule. */
int config_addr_is_unicast(const struct cfg_addr *a);

/*
 * Reload classes: what a changed key needs when sluiced re-reads the config (docs/daemon.md
 * "Target set: config and API"). Each key's class stands in its row of the section's key table
 * (cfg_*.c), so a new key declares it once and the daemon's reload check follows.
 */
enum cfg_reload {
	CFG_RELOAD_RESTART = 0, /* the dataplanes read it at start: a reload that changes it is
				 * refused ("needs a restart") */
	CFG_RELOAD_LIVE,	/* the daemon's own, applied by the reload */
	CFG_RELOAD_RECHECK,	/* a health check setting: applied, the target's checks restart */
	CFG_RELOAD_UNCHECKED,	/* read by sluice-dp at start; a reload neither refuses nor
				 * pushes a change (it takes effect at the dataplane's restart) */
};

/* The sections whose keys config_key_changed() compares. */
enum cfg_section {
	CFG_SEC_NODE = 0, /* struct cfg_node */
	CFG_SEC_PORT,	  /* struct cfg_port */
	CFG_SEC_GROUP,	  /* struct cfg_group, with its health_check keys */
	CFG_SEC_DAEMON,	  /* struct cfg_daemon (announce: one key) */
};

/*
 * The first key of section sec whose reload class is cls and whose value differs between a and
 * b (both of the section's struct), or NULL when none does.
 */
const char *config_key_changed(enum cfg_section sec, const void *a, const void *b,
			       enum cfg_reload cls);

const char *config_state_name(enum cfg_target_state s);
int config_state_parse(const char *s, enum cfg_target_state *out);

#endif /* SL_CONFIG_H */
