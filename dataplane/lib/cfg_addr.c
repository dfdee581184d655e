/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg_addr.c - addresses in the config: IPv4/IPv6 addresses and prefixes, the unicast rule,
 * lists of them, and MAC addresses.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dataplane/lib/cfg_priv.h"

const char *cfg_addr_str(const struct cfg_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* An address ("10.0.0.1", "2001:db8::1") or, with_plen, a prefix ("10.0.0.0/24"; bare = host). */
int cfg_parse_addr(struct cfg_parser *p, const yaml_node_t *n, const char *path, int fams,
		   int with_plen, struct cfg_addr *a)
{
	const char *what = fams == FAM4	  ? "IPv4 address"
			   : fams == FAM6 ? "IPv6 address"
					  : "IP address";
	const char *s, *slash, *c;
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned int max, plen = 0;
	size_t alen;
	int rc = cfg_scalar(p, n, path, &s);

	if (rc)
		return rc;
	slash = strchr(s, '/');
	if (slash && !with_plen)
		return cfg_fail(p, n, path,
				"expected an address without a prefix length, got \"%s\"", s);
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen >= sizeof(buf))
		goto bad;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(a, 0, sizeof(*a));
	if ((fams & FAM4) && inet_pton(AF_INET, buf, a->addr) == 1) {
		a->family = 4;
		max = 32;
	} else if ((fams & FAM6) && inet_pton(AF_INET6, buf, a->addr) == 1) {
		a->family = 6;
		max = 128;
	} else {
		goto bad;
	}
	a->plen = (uint8_t)max;
	if (!slash)
		return 0;
	if (!slash[1] || strlen(slash + 1) > 3)
		goto bad_plen;
	for (c = slash + 1; *c; c++) {
		if (*c < '0' || *c > '9')
			goto bad_plen;
		plen = plen * 10 + (unsigned int)(*c - '0');
	}
	if (plen > max)
		goto bad_plen;
	a->plen = (uint8_t)plen;
	return 0;
bad_plen:
	return cfg_fail(p, n, path, "bad prefix length in \"%s\" (0..%u)", s, max);
bad:
	return cfg_fail(p, n, path, "not an %s%s \"%s\"", what, with_plen ? " or prefix" : "", s);
}

int config_addr_is_unicast(const struct cfg_addr *a)
{
	static const uint8_t zero[16];

	if (a->family == 4)
		return a->addr[0] != 0 && a->addr[0] < 224;
	return memcmp(a->addr, zero, 16) && a->addr[0] != 0xff;
}

int cfg_parse_host(struct cfg_parser *p, const yaml_node_t *n, const char *path, int fams,
		   struct cfg_addr *a)
{
	char buf[INET6_ADDRSTRLEN];
	int rc = cfg_parse_addr(p, n, path, fams, 0, a);

	if (rc)
		return rc;
	if (!config_addr_is_unicast(a))
		return cfg_fail(p, n, path, "%s is not a unicast address",
				cfg_addr_str(a, buf, sizeof(buf)));
	return 0;
}

int cfg_addr_eq(const struct cfg_addr *a, const struct cfg_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16);
}

/* a (any plen) is inside net/plen. */
int cfg_addr_in(const struct cfg_addr *a, const struct cfg_addr *net, unsigned int plen)
{
	unsigned int full = plen / 8, rem = plen % 8;
	uint8_t mask;

	if (a->family != net->family)
		return 0;
	if (memcmp(a->addr, net->addr, full))
		return 0;
	if (!rem)
		return 1;
	mask = (uint8_t)(0xff << (8 - rem));
	return (a->addr[full] & mask) == (net->addr[full] & mask);
}

/* Host bits of a prefix are zero. */
int cfg_addr_is_network(const struct cfg_addr *a)
{
	unsigned int len = a->family == 4 ? 4 : 16, i;

	for (i = a->plen / 8; i < len; i++) {
		uint8_t host = i == a->plen / 8 ? (uint8_t)(0xff >> (a->plen % 8)) : 0xff;

		if (a->addr[i] & host)
			return 0;
	}
	return 1;
}

/* "02:00:00:00:00:01"; a unicast MAC. */
int cfg_parse_mac(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint8_t mac[6])
{
	const char *s;
	int i, rc = cfg_scalar(p, n, path, &s);

	if (rc)
		return rc;
	if (strlen(s) != 17)
		goto bad;
	for (i = 0; i < 6; i++) {
		int hi = cfg_hexval(s[3 * i]), lo = cfg_hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			goto bad;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1)
		return cfg_fail(p, n, path, "\"%s\" is a multicast MAC address", s);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return cfg_fail(p, n, path, "\"%s\" is not a usable MAC address", s);
	return 0;
bad:
	return cfg_fail(p, n, path, "not a MAC address \"%s\" (expected xx:xx:xx:xx:xx:xx)", s);
}

/* ---- address lists ---- */

int cfg_parse_addr_list(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			const char *what, unsigned int max, struct cfg_addr *out, unsigned int *n,
			cfg_addr_check_fn check, const void *ctx)
{
	char ip[CFG_PATH_MAX];
	unsigned int i;
	int rc = cfg_expect_seq(p, v, path);

	if (rc)
		return rc;
	if (cfg_seq_len(v) > max)
		return cfg_fail(p, v, path, "too many %s (%zu, at most %u)", what, cfg_seq_len(v),
				max);
	for (i = 0; i < cfg_seq_len(v); i++) {
		yaml_node_t *e = cfg_seq_item(p, v, i);

		cfg_path_idx(ip, path, i);
		rc = cfg_parse_addr(p, e, ip, FAM_ANY, 1, &out[i]);
		if (!rc)
			rc = check(p, e, ip, out, i, ctx);
		if (rc)
			return rc;
		(*n)++;
	}
	return 0;
}
