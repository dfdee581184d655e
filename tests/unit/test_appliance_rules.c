/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_appliance_rules.c - the appliance's rule list: every selector parses, every bad line is
 * refused with NAME:LINE, matching (first match wins, default pass, IPv4/IPv6 prefixes, port
 * ranges, families, fragments without ports), and the file loader.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appliance/rules.h"

#include "tests/unit/cu.h"

static struct rules *parse_ok(const char *text)
{
	char err[RULES_ERR_MAX] = "";
	struct rules *r = NULL;
	int rc = rules_parse(text, strlen(text), "t.rules", &r, err, sizeof(err));

	if (rc)
		fprintf(stderr, "unexpected error: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	return r;
}

/* The text must be refused with exactly "t.rules:LINE: " followed by something containing
 * `want`. */
static void parse_bad(const char *text, unsigned int line, const char *want)
{
	char err[RULES_ERR_MAX] = "", prefix[64];
	struct rules *r = NULL;
	int rc = rules_parse(text, strlen(text), "t.rules", &r, err, sizeof(err));

	snprintf(prefix, sizeof(prefix), "t.rules:%u: ", line);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, want))
		fprintf(stderr, "for \"%s\": got \"%s\", wanted %s...%s\n", text, err, prefix,
			want);
	rules_free(r);
}

static void good_lines_parse(void)
{
	struct rules *r = parse_ok("# a comment\n"
				   "\n"
				   "drop proto tcp src 10.0.0.0/8 dst 192.168.1.1 sport 1000-2000 "
				   "dport 22   # ssh\n"
				   "  pass\tproto udp dport 53\r\n"
				   "drop dst 2001:db8::/32 proto icmp6\n"
				   "pass proto any\n"
				   "drop src ::/0 dport 0-65535\n"
				   "drop proto icmp");
	const struct rules_rule *x;

	if (!r)
		return;
	CU_ASSERT_EQUAL(r->n, 6);
	x = &r->rule[0];
	CU_ASSERT_EQUAL(x->line, 3);
	CU_ASSERT_EQUAL(x->action, RULES_DROP);
	CU_ASSERT_EQUAL(x->flags,
			RULES_F_PROTO | RULES_F_SRC | RULES_F_DST | RULES_F_SPORT | RULES_F_DPORT);
	CU_ASSERT_EQUAL(x->proto, 6);
	CU_ASSERT_EQUAL(x->family, 4);
	CU_ASSERT_EQUAL(x->src_plen, 8);
	CU_ASSERT_EQUAL(x->dst_plen, 32);
	CU_ASSERT_EQUAL(x->src[0], 10);
	CU_ASSERT_EQUAL(x->sport_lo, 1000);
	CU_ASSERT_EQUAL(x->sport_hi, 2000);
	CU_ASSERT_EQUAL(x->dport_lo, 22);
	CU_ASSERT_EQUAL(x->dport_hi, 22);
	CU_ASSERT_STRING_EQUAL(
		x->text, "drop proto tcp src 10.0.0.0/8 dst 192.168.1.1 sport 1000-2000 dport 22");
	x = &r->rule[1];
	CU_ASSERT_EQUAL(x->line, 4);
	CU_ASSERT_EQUAL(x->action, RULES_PASS);
	CU_ASSERT_EQUAL(x->family, 0);
	CU_ASSERT_STRING_EQUAL(x->text, "pass proto udp dport 53");
	x = &r->rule[2];
	CU_ASSERT_EQUAL(x->family, 6);
	CU_ASSERT_EQUAL(x->proto, 58);
	CU_ASSERT_EQUAL(x->dst_plen, 32);
	x = &r->rule[3];
	CU_ASSERT_EQUAL(x->flags, 0); /* proto any: no protocol selector */
	x = &r->rule[4];
	CU_ASSERT_EQUAL(x->family, 6);
	CU_ASSERT_EQUAL(x->src_plen, 0);
	x = &r->rule[5];
	CU_ASSERT_EQUAL(x->line, 8);
	CU_ASSERT_EQUAL(x->family, 4);
	CU_ASSERT_EQUAL(x->proto, 1);
	rules_free(r);

	r = parse_ok("");
	CU_ASSERT_EQUAL(r ? r->n : 99, 0);
	rules_free(r);
	r = parse_ok("# only comments\n\n   \n#drop\n");
	CU_ASSERT_EQUAL(r ? r->n : 99, 0);
	rules_free(r);
}

static void bad_lines_give_file_and_line(void)
{
	char big[RULES_LINE_MAX + 10];

	parse_bad("allow proto tcp\n", 1, "expected an action");
	parse_bad("# c\ndrop proto sctp\n", 2, "proto: expected tcp, udp, icmp, icmp6 or any");
	parse_bad("pass\n\ndrop src 10.0.0.300\n", 3, "src: expected an IPv4 or IPv6 prefix");
	parse_bad("drop dst 10.0.0.0/33\n", 1, "bad prefix length (0..32)");
	parse_bad("drop dst 2001:db8::/129\n", 1, "bad prefix length (0..128)");
	parse_bad("drop dst 10.0.0.0/\n", 1, "bad prefix length");
	parse_bad("drop dst 10.0.0.0/8x\n", 1, "bad prefix length");
	parse_bad("drop src 10.0.0.1/8\n", 1, "host bits set past /8");
	parse_bad("drop src 2001:db8::1/64\n", 1, "host bits set past /64");
	parse_bad("drop sport 70000\n", 1, "sport: expected a port");
	parse_bad("drop dport 10-\n", 1, "dport: expected a port");
	parse_bad("drop dport -5\n", 1, "dport: expected a port");
	parse_bad("drop dport 5x\n", 1, "dport: expected a port");
	parse_bad("drop dport 20-10\n", 1, "empty range (20 > 10)");
	parse_bad("drop dport\n", 1, "dport: missing its value");
	parse_bad("drop proto tcp proto udp\n", 1, "proto given twice");
	parse_bad("drop proto any proto udp\n", 1, "proto given twice");
	parse_bad("drop src 10.0.0.0/8 src 10.0.0.0/8\n", 1, "src given twice");
	parse_bad("drop from 10.0.0.0/8\n", 1, "unknown selector \"from\"");
	parse_bad("drop src 10.0.0.0/8 dst ::1\n", 1, "src is IPv4 but dst is IPv6");
	parse_bad("drop proto icmp src 2001:db8::/32\n", 1, "proto icmp with an IPv6 prefix");
	parse_bad("drop dst 10.1.0.0/16 proto icmp6\n", 1, "proto icmp6 with an IPv4 prefix");
	parse_bad("drop proto icmp dport 5\n", 1, "sport/dport need proto tcp, udp or any");
	parse_bad("pass\ndrop proto tcp\x01\n", 2, "control character 0x01");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	parse_bad(big, 1, "line longer than");
}

static void too_many_rules_refused(void)
{
	size_t n = (RULES_MAX + 1) * 5, i;
	char *text = malloc(n + 1);

	if (!text)
		return;
	for (i = 0; i < RULES_MAX + 1; i++)
		memcpy(text + i * 5, "pass\n", 5);
	text[n] = '\0';
	parse_bad(text, RULES_MAX + 1, "more than");
	free(text);
}

/* A parsed inner packet, as rules_match sees it. */
static struct pkt_info pi_make(uint8_t family, const char *src, const char *dst, uint8_t proto,
			       uint16_t sport, uint16_t dport)
{
	struct pkt_info pi;

	memset(&pi, 0, sizeof(pi));
	pi.family = family;
	pi.proto = proto;
	inet_pton(family == 4 ? AF_INET : AF_INET6, src, pi.saddr);
	inet_pton(family == 4 ? AF_INET : AF_INET6, dst, pi.daddr);
	pi.sport = sport;
	pi.dport = dport;
	pi.flags = PKT_F_L4;
	return pi;
}

static void matching_first_wins_default_pass(void)
{
	struct rules *r = parse_ok("pass proto tcp src 10.1.2.3 dport 22\n"
				   "drop proto tcp dport 20-23\n"
				   "drop src 10.128.0.0/9 proto udp\n"
				   "drop dst 2001:db8:1::/48 sport 1024-2047\n"
				   "drop proto icmp6\n"
				   "drop proto icmp dst 192.0.2.0/31\n");
	struct pkt_info pi;

	if (!r)
		return;
	pi = pi_make(4, "10.1.2.3", "10.9.9.9", 6, 40000, 22);
	CU_ASSERT_EQUAL(rules_match(r, &pi), 0); /* the earlier pass wins */
	pi = pi_make(4, "10.1.2.4", "10.9.9.9", 6, 40000, 22);
	CU_ASSERT_EQUAL(rules_match(r, &pi), 1);
	pi.dport = 20;
	CU_ASSERT_EQUAL(rules_match(r, &pi), 1);
	pi.dport = 23;
	CU_ASSERT_EQUAL(rules_match(r, &pi), 1);
	pi.dport = 24;
	CU_ASSERT_EQUAL(rules_match(r, &pi), -1);
	pi.dport = 19;
	CU_ASSERT_EQUAL(rules_match(r, &pi), -1);
	pi = pi_make(4, "10.1.2.4", "10.9.9.9", 17, 40000, 22); /* udp: not rule 1 */
	CU_ASSERT_EQUAL(rules_match(r, &pi), -1);
	pi = pi_make(4, "10.128.0.1", "10.9.9.9", 17, 1, 2);
	CU_ASSERT_EQUAL(rules_match(r, &pi), 2);
	pi = pi_make(4, "10.255.255.255", "10.9.9.9", 17, 1, 2);
	CU_ASSERT_EQUAL(rules_match(r, &pi), 2);
	pi = pi_make(4, "10.127.255.255", "10.9.9.9", 17, 1, 2); /* just outside /9 */
	CU_ASSERT_EQUAL(rules_match(r, &pi), -1);

	/* IPv6: /48 prefix and a source port range, any protocol with ports. */
	pi = pi_make(6, "2001:db8:9::1", "2001:db8:1:ffff::5", 17, 1024, 53);
	CU_ASSERT_EQUAL(rules_match(r, &pi), 3);
	pi.sport = 2047;
	CU_ASSERT_EQUAL(rules_match(r, &pi), 3);
	pi.sport = 2048;
	CU_ASSERT_EQUAL(rules_match(r, &pi), -1);
	pi = pi_make(6, "2001:db8:9::1", "2001:db8:2::5", 6, 1500, 53); /* other /48 */
	CU_ASSERT_EQUAL(rules_match(r, &pi), -1);
	/* A port rule does not match a packet without ports (ICMPv6 echo, later fragment). */
	pi = pi_make(6, "2001:db8:9::1", "2001:db8:1::5", 58, 1500, 1500);
	CU_ASSERT_EQUAL(rules_match(r, &pi), 4);
	pi = pi_make(6, "2001:db8:9::1", "2001:db8:1::5", 17, 1500, 53);
	pi.flags = PKT_F_FRAG | PKT_F_FRAG_LATER;
	CU_ASSERT_EQUAL(rules_match(r, &pi), -1);

	/* icmp is IPv4 protocol 1; /31 holds .0 and .1 only. */
	pi = pi_make(4, "10.0.0.1", "192.0.2.1", 1, 7, 7);
	CU_ASSERT_EQUAL(rules_match(r, &pi), 5);
	pi = pi_make(4, "10.0.0.1", "192.0.2.2", 1, 7, 7);
	CU_ASSERT_EQUAL(rules_match(r, &pi), -1);
	/* An IPv4-prefix rule never matches IPv6 (the address bytes would otherwise agree). */
	pi = pi_make(6, "a80::1", "::1", 17, 1, 2); /* 0x0a80... = 10.128.x */
	CU_ASSERT_EQUAL(rules_match(r, &pi), -1);
	rules_free(r);

	r = parse_ok("drop\n");
	pi = pi_make(6, "::1", "::2", 6, 1, 2);
	CU_ASSERT_EQUAL(r ? rules_match(r, &pi) : 99, 0); /* a bare action matches everything */
	rules_free(r);
	r = parse_ok("drop src 0.0.0.0/0\n");
	pi = pi_make(4, "203.0.113.9", "1.2.3.4", 50, 0, 0);
	CU_ASSERT_EQUAL(r ? rules_match(r, &pi) : 99, 0);
	rules_free(r);
}

static void load_reads_file_and_reports_errors(void)
{
	char path[] = "/tmp/sl-rules-XXXXXX", err[RULES_ERR_MAX], want[128];
	struct rules *r = NULL;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("pass proto udp\n# two\ndrop proto tcp dport 80\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(rules_load(path, &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r ? r->n : 0, 2);
	CU_ASSERT_EQUAL(r ? r->rule[1].line : 0, 3);
	rules_free(r);
	r = NULL;

	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("pass\npass\n\ndrop dport 99999\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(rules_load(path, &r, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: dport: expected a port", path);
	CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
	unlink(path);

	CU_ASSERT_EQUAL(rules_load(path, &r, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
}

static CU_TestInfo tests[] = {
	{"good_lines_parse", good_lines_parse},
	{"bad_lines_give_file_and_line", bad_lines_give_file_and_line},
	{"too_many_rules_refused", too_many_rules_refused},
	{"matching_first_wins_default_pass", matching_first_wins_default_pass},
	{"load_reads_file_and_reports_errors", load_reads_file_and_reports_errors},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("appliance_rules", tests);
}
