/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * commands.c - sluicectl's commands (sluicectl.h): one table of them (name, synopsis, options,
 * handler, the printer of the reply), --help generated from it, and main(). A handler checks
 * its arguments (a usage error sends nothing), builds the request and runs it (conn.c).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctrl/sluicectl/sluicectl.h"

static const struct ctl_cmd ctl_cmds[];

static void ctl_help(FILE *f)
{
	unsigned int i;

	fputs("sluicectl - control the sluice gateway daemon (sluiced) through its API socket\n"
	      "\n"
	      "SYNOPSIS\n"
	      "  sluicectl [--socket PATH] [--json] [--timeout S] COMMAND [ARGS] [OPTIONS]\n"
	      "  sluicectl --help | help [COMMAND]\n"
	      "  sluicectl --version\n"
	      "\n"
	      "COMMANDS\n",
	      f);
	for (i = 0; ctl_cmds[i].name; i++) {
		fprintf(f, "  %s%s%s\n", ctl_cmds[i].name, *ctl_cmds[i].args ? " " : "",
			ctl_cmds[i].args);
		ctl_wrap(f, ctl_cmds[i].what, 6);
	}
	fputs("\n"
	      "GLOBAL OPTIONS (before the command; also accepted after it)\n"
	      "  -s, --socket PATH   the daemon's API socket (default: $SLUICE_SOCKET, else\n"
	      "                      " CTL_DEFAULT_SOCKET ")\n"
	      "  -j, --json          print the daemon's reply as indented JSON, without its\n"
	      "                      \"v\" and \"id\" members, instead of tables\n"
	      "  -t, --timeout S     give up when no complete reply came within S seconds\n"
	      "                      (default 10; fractions allowed, at most 86400)\n"
	      "  -h, --help          this text\n"
	      "  -V, --version       print the version\n"
	      "\n"
	      "COMMAND OPTIONS\n"
	      "  register:  --zone Z     the target's zone (default: the node's zone)\n"
	      "             --port P     0-65535 (default 0); NLB groups: the target's port,\n"
	      "                          0 = the packet's destination port; GENEVE groups: 0\n"
	      "             --weight W   0-1000, 0 takes no new flows (default 1)\n"
	      "  flows:     --group G    only flows of group G\n"
	      "             --target T   only flows pinned to target T\n"
	      "             --limit N    at most N entries, flows and sessions together,\n"
	      "                          1-10000 (default 100)\n"
	      "             --dataplane SOCK\n"
	      "                          ask the dataplane with control socket SOCK\n"
	      "                          (default: the first connected one)\n"
	      "  counters:  --dataplane SOCK\n"
	      "                          as for flows\n"
	      "             --all        also list drop reasons and events that are zero\n"
	      "\n"
	      "  Names (groups, targets, zones) are 1-63 letters, digits and - _ . :\n"
	      "  ADDRESS is IPv4 (IPv6 for tcp/udp groups whose zone IP is IPv6). Arguments are\n"
	      "  checked before anything is sent.\n"
	      "\n"
	      "OUTPUT\n"
	      "  Aligned tables with a header row; \"-\" marks a missing value. LAST-CHECK\n"
	      "  of 'targets' reads \"pass 3ms 4s ago\": the result and latency of the last\n"
	      "  health check and how long ago it ran; REASON says why a target is not\n"
	      "  healthy (the failed check, deregistered, drained, zone not served), with the\n"
	      "  time left while draining; LAST-FAILURE is the last failed check's reason,\n"
	      "  kept after the target recovers. With --json the reply is printed as the daemon\n"
	      "  sent it, without \"v\" and \"id\" (docs/daemon.md lists its members);\n"
	      "  errors still go to stderr.\n"
	      "\n"
	      "ENVIRONMENT\n"
	      "  SLUICE_SOCKET       the API socket when --socket is not given\n"
	      "\n"
	      "EXIT STATUS\n"
	      "  0  success\n"
	      "  1  the daemon refused the request (its message is printed on stderr), or its\n"
	      "     reply could not be understood\n"
	      "  2  usage error: unknown command or option, bad or missing argument\n"
	      "     (nothing was sent)\n"
	      "  3  the daemon could not be reached, closed the connection or did not answer\n"
	      "     within --timeout\n"
	      "\n"
	      "EXAMPLES\n"
	      "  sluicectl status\n"
	      "  sluicectl targets firewalls\n"
	      "  sluicectl register firewalls fw-c 192.168.50.13 --zone az1 --weight 2\n"
	      "  sluicectl drain firewalls fw-a; sluicectl undrain firewalls fw-a\n"
	      "  sluicectl deregister firewalls fw-c\n"
	      "  sluicectl flows --group firewalls --limit 20\n"
	      "  sluicectl counters --all\n"
	      "  sluicectl node drain; sluicectl node undrain\n"
	      "  sluicectl --json targets | jq '.targets[] | select(.state != \"healthy\")'\n"
	      "  SLUICE_SOCKET=/tmp/sluiced.sock sluicectl reload\n"
	      "\n"
	      "SEE ALSO\n"
	      "  sluiced(8), docs/daemon.md\n",
	      f);
}

/* status, listeners, attachments, dataplanes, reload: the op is the command, no arguments. */
static int cmd_simple(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	(void)a;
	return ctl_run(c, ctl_request(cmd->name), cmd->show, NULL);
}

static int cmd_targets(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	json_t *req;
	int rc;

	if (a->n_pos && (rc = ctl_check_name(cmd, "GROUP", a->pos[0])))
		return rc;
	req = ctl_request("targets");
	if (a->n_pos)
		ctl_set_str(req, "group", a->pos[0]);
	return ctl_run(c, req, cmd->show, NULL);
}

/* GROUP and ID of the target commands: 0 or a usage error. */
static int ctl_group_id(const struct ctl_cmd *cmd, struct ctl_args *a)
{
	int rc;

	if ((rc = ctl_check_name(cmd, "GROUP", a->pos[0])) ||
	    (rc = ctl_check_name(cmd, "ID", a->pos[1])))
		return rc;
	return 0;
}

/* A target request: op, group and target. */
static json_t *ctl_target_request(const char *op, struct ctl_args *a)
{
	json_t *req = ctl_request(op);

	ctl_set_str(req, "group", a->pos[0]);
	ctl_set_str(req, CTL_TARGET_MEMBER, a->pos[1]);
	return req;
}

static int cmd_register(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	struct in6_addr addr; /* IPv4 or IPv6: the daemon applies the group's rule */
	long p = 0, w = 1;
	json_t *req;
	int rc;

	if (a->n_pos < 3)
		return ctl_usage(cmd, "register: missing %s",
				 a->n_pos == 0	 ? "GROUP, ID and ADDRESS"
				 : a->n_pos == 1 ? "ID and ADDRESS"
						 : "ADDRESS");
	if ((rc = ctl_group_id(cmd, a)))
		return rc;
	if (inet_pton(AF_INET, a->pos[2], &addr) != 1 && inet_pton(AF_INET6, a->pos[2], &addr) != 1)
		return ctl_usage(cmd, "ADDRESS: not an IPv4 or IPv6 address '%s'", a->pos[2]);
	if (a->zone && (rc = ctl_check_name(cmd, "--zone", a->zone)))
		return rc;
	if (a->port && ctl_parse_long(a->port, 0, 65535, &p))
		return ctl_usage(cmd, "--port: expected an integer 0-65535, got '%s'", a->port);
	if (a->weight && ctl_parse_long(a->weight, 0, 1000, &w))
		return ctl_usage(cmd, "--weight: expected an integer 0-1000, got '%s'", a->weight);
	req = ctl_target_request("register", a);
	ctl_set_str(req, "address", a->pos[2]);
	if (a->zone)
		ctl_set_str(req, "zone", a->zone);
	if (a->port)
		ctl_set_int(req, "port", p);
	if (a->weight)
		ctl_set_int(req, "weight", w);
	return ctl_run(c, req, cmd->show, cmd->done);
}

/* deregister, drain, undrain: GROUP ID. */
static int cmd_target_op(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	int rc;

	if (a->n_pos < 2)
		return ctl_usage(cmd, "%s: missing %s", cmd->name,
				 a->n_pos ? "ID" : "GROUP and ID");
	if ((rc = ctl_group_id(cmd, a)))
		return rc;
	return ctl_run(c, ctl_target_request(cmd->name, a), cmd->show, cmd->done);
}

static int cmd_flows(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	long l = 0;
	json_t *req;
	int rc;

	if (a->group && (rc = ctl_check_name(cmd, "--group", a->group)))
		return rc;
	if (a->target && (rc = ctl_check_name(cmd, "--target", a->target)))
		return rc;
	if (a->limit && ctl_parse_long(a->limit, 1, CTL_FLOWS_MAX, &l))
		return ctl_usage(cmd, "--limit: expected an integer 1-%d, got '%s'", CTL_FLOWS_MAX,
				 a->limit);
	if (a->dataplane && (rc = ctl_check_path(cmd, "--dataplane", a->dataplane)))
		return rc;
	req = ctl_request("flows");
	if (a->limit)
		ctl_set_int(req, "limit", l);
	if (a->group)
		ctl_set_str(req, "group", a->group);
	if (a->target)
		ctl_set_str(req, "target", a->target);
	if (a->dataplane)
		ctl_set_str(req, "dataplane", a->dataplane);
	return ctl_run(c, req, cmd->show, NULL);
}

static int cmd_counters(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	json_t *req;
	int rc;

	if (a->dataplane && (rc = ctl_check_path(cmd, "--dataplane", a->dataplane)))
		return rc;
	req = ctl_request("counters");
	if (a->dataplane)
		ctl_set_str(req, "dataplane", a->dataplane);
	return ctl_run(c, req, cmd->show, &a->all);
}

/* node [drain | undrain] */
static int cmd_node(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	if (!a->n_pos)
		return ctl_run(c, ctl_request("node"), cmd->show, NULL);
	if (!strcmp(a->pos[0], "drain"))
		return ctl_run(c, ctl_request("node_drain"), cmd->show, NULL);
	if (!strcmp(a->pos[0], "undrain"))
		return ctl_run(c, ctl_request("node_undrain"), cmd->show, NULL);
	return ctl_usage(cmd, "node: unknown action '%s' (expected drain or undrain)", a->pos[0]);
}

static const struct ctl_cmd *ctl_find(const char *name)
{
	unsigned int i;

	for (i = 0; ctl_cmds[i].name; i++)
		if (!strcmp(ctl_cmds[i].name, name))
			return &ctl_cmds[i];
	return NULL;
}

static int cmd_help(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	const struct ctl_cmd *of;

	(void)c;
	if (!a->n_pos) {
		ctl_help(stdout);
		return CTL_EXIT_OK;
	}
	of = ctl_find(a->pos[0]);
	if (!of)
		return ctl_usage(cmd, "help: unknown command '%s'", a->pos[0]);
	ctl_synopsis(stdout, of);
	ctl_wrap(stdout, of->what, 0);
	return CTL_EXIT_OK;
}

static const struct ctl_cmd ctl_cmds[] = {
	{"status", "", "daemon version, config file, uptime, zone and dataplane connections", 0, 0,
	 cmd_simple, ctl_show_status, NULL},
	{"targets", "[GROUP]",
	 "targets (of GROUP, or all) with address, zone, weight, state, last health check, why "
	 "one is not healthy and its last failed check",
	 0, 1, cmd_targets, ctl_show_targets, NULL},
	{"register", "GROUP ID ADDRESS [--zone Z] [--port P] [--weight W]",
	 "add a target to GROUP; it starts 'initial' ('unused' in a zone this node does not serve) "
	 "and is health-checked (kept until the daemon stops: add it to the config to keep it). "
	 "A draining target with this ID is registered again with the new values",
	 CTL_OPT_ZONE | CTL_OPT_PORT | CTL_OPT_WEIGHT, 3, cmd_register, ctl_show_target_op,
	 "registered"},
	{"deregister", "GROUP ID",
	 "take a target out of new flows; it drains and leaves the group after the "
	 "deregistration delay (again: no change)",
	 0, 2, cmd_target_op, ctl_show_target_op, "deregistered"},
	{"drain", "GROUP ID",
	 "take a target out of new flows (existing ones continue for the delay); kept in the "
	 "group (refused for a deregistered target)",
	 0, 2, cmd_target_op, ctl_show_target_op, "drained"},
	{"undrain", "GROUP ID",
	 "put a drained target back ('initial' or 'unused', health-checked again); refused for "
	 "any other target",
	 0, 2, cmd_target_op, ctl_show_target_op, "undrained"},
	{"flows", "[--group G] [--target T] [--limit N] [--dataplane SOCK]",
	 "pinned inspection flows and NLB sessions of a dataplane",
	 CTL_OPT_GROUP | CTL_OPT_TARGET | CTL_OPT_LIMIT | CTL_OPT_DATAPLANE, 0, cmd_flows,
	 ctl_show_flows, NULL},
	{"counters", "[--dataplane SOCK] [--all]",
	 "a dataplane's counters: ports, drops by reason, events, per target",
	 CTL_OPT_DATAPLANE | CTL_OPT_ALL, 0, cmd_counters, ctl_show_counters, NULL},
	{"listeners", "", "NLB listeners with their counters", 0, 0, cmd_simple, ctl_show_listeners,
	 NULL},
	{"attachments", "", "inspection attachments with their chains and counters", 0, 0,
	 cmd_simple, ctl_show_attachments, NULL},
	{"dataplanes", "", "the daemon's dataplane connections", 0, 0, cmd_simple,
	 ctl_show_dataplanes, NULL},
	{"node", "[drain | undrain]",
	 "the node's announcement: state (serving, draining, withdrawn), reason, routes and "
	 "conditions; drain withdraws the routes (the dataplanes keep forwarding), undrain "
	 "announces them again",
	 0, 1, cmd_node, ctl_show_node, NULL},
	{"reload", "",
	 "re-read the config file; prints the targets added, removed and changed (a bad file "
	 "changes nothing)",
	 0, 0, cmd_simple, ctl_show_reload, NULL},
	{"help", "[COMMAND]", "this text, or the synopsis of COMMAND", 0, 1, cmd_help, NULL, NULL},
	{NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"socket", required_argument, NULL, 's'},  {"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},	   {NULL, 0, NULL, 0},
	};
	struct ctl c = {.timeout = CTL_DEFAULT_TIMEOUT};
	const struct ctl_cmd *cmd;
	struct ctl_args a;
	int o, rc;

	opterr = 0;
	while ((o = getopt_long(argc, argv, "+:s:jt:hV", lo, NULL)) != -1) {
		if (ctl_global_opt(&c, o, optarg))
			continue;
		switch (o) {
		case 'h':
			ctl_help(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf("sluicectl %s\n", SL_VERSION);
			return CTL_EXIT_OK;
		case ':':
			return ctl_usage(NULL, "option '%s' needs a value", argv[optind - 1]);
		default:
			return ctl_bad_option(NULL, argv[optind - 1]);
		}
	}
	if (optind == argc)
		return ctl_usage(NULL, "no command (try 'sluicectl help')");
	cmd = ctl_find(argv[optind]);
	if (!cmd)
		return ctl_usage(NULL, "unknown command '%s'", argv[optind]);
	rc = ctl_parse(&c, cmd, argc - optind, argv + optind, &a);
	if (!rc)
		rc = cmd->run(&c, cmd, &a);
	return rc < 0 ? CTL_EXIT_OK : rc;
}
