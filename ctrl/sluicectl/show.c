/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show.c - how sluicectl prints each reply of sluiced (sluicectl.h, docs/daemon.md): aligned tables
 * with a header row, "-" for a missing value, and a few "LABEL value" lines.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctrl/sluicectl/sluicectl.h"

/* ---- the replies ----------------------------------------------------------------------- */

static void ctl_dataplane_list(json_t *list)
{
	ctl_listing("socket connected state dataplane >generation last_sync last_error", list, 0);
}

void ctl_show_dataplanes(json_t *r, const void *arg)
{
	(void)arg;
	ctl_dataplane_list(json_object_get(r, "dataplanes"));
}

void ctl_show_status(json_t *r, const void *arg)
{
	json_t *up = json_object_get(r, "uptime_s"), *dps = json_object_get(r, "dataplanes");
	char buf[64];
	size_t i, n = 0;
	json_t *dp;

	(void)arg;
	ctl_field(12, "version", ctl_get_str(r, "version", buf, sizeof(buf)));
	ctl_field(12, "config", ctl_get_str(r, "config", buf, sizeof(buf)));
	if (json_is_number(up))
		ctl_fmt_dur(json_number_value(up), 0, buf, sizeof(buf));
	ctl_field(12, "uptime", json_is_number(up) ? buf : NULL);
	ctl_field(12, "zone", ctl_get_str(r, "zone", buf, sizeof(buf)));
	if (!json_is_array(dps)) {
		ctl_field(12, "dataplanes", ctl_str(dps, buf, sizeof(buf)));
		return;
	}
	json_array_foreach(dps, i, dp)
	{
		n += json_is_true(json_object_get(dp, "connected"));
	}
	printf("dataplanes  %zu of %zu connected\n", n, json_array_size(dps));
	if (json_array_size(dps)) {
		putchar('\n');
		ctl_dataplane_list(dps);
	}
}

void ctl_show_targets(json_t *r, const void *arg)
{
	(void)arg;
	ctl_listing(
		"group id address >port zone >weight state LAST-CHECK=check reason last_failure",
		json_object_get(r, "targets"), 0);
}

/* "firewalls/fw-c registered: initial" */
void ctl_show_target_op(json_t *r, const void *arg)
{
	json_t *tg = json_object_get(r, "target");
	const char *done = arg;
	const char *g = json_string_value(json_object_get(tg, "group"));
	const char *id = json_string_value(json_object_get(tg, "id"));
	const char *st = json_string_value(json_object_get(tg, "state"));
	json_t *left = json_object_get(tg, "drain_remaining_s");

	printf("%s/%s %s: %s", g ? g : "?", id ? id : "?", done, st ? st : "-");
	if (json_is_number(left)) {
		char d[32];

		ctl_fmt_dur(json_number_value(left), 0, d, sizeof(d));
		printf(" (%s left)", d);
	}
	putchar('\n');
}

void ctl_show_flows(json_t *r, const void *arg)
{
	json_t *flows = json_object_get(r, "flows"), *sess = json_object_get(r, "sessions");
	json_t *total = json_object_get(r, "total");
	size_t nf = json_array_size(flows), ns = json_array_size(sess);
	const char *dp = json_string_value(json_object_get(r, "dataplane"));

	(void)arg;
	if (nf)
		ctl_listing("group target proto src >sport dst >dport >IDLE=idle_s", flows, 0);
	if (ns) {
		if (nf)
			putchar('\n');
		ctl_listing("listener group target proto client >cport vip >vport target_address "
			    ">tport >IDLE=idle_s",
			    sess, 0);
	}
	if (nf + ns)
		putchar('\n');
	printf("%zu flow%s, %zu session%s", nf, nf == 1 ? "" : "s", ns, ns == 1 ? "" : "s");
	if (json_is_integer(total) && (size_t)json_integer_value(total) > nf + ns)
		printf(" (of %" JSON_INTEGER_FORMAT "; raise --limit to see more)",
		       json_integer_value(total));
	else if (json_is_true(json_object_get(r, "truncated")))
		printf(" (truncated; raise --limit to see more)");
	if (dp)
		printf(" on dataplane %s", dp);
	putchar('\n');
}

/* A NAME COUNT table of an object of counters: non-zero ones unless all. */
static void ctl_named_counts(json_t *obj, const char *header, const char *none, int all)
{
	struct table *t = ctl_table();
	const char *k;
	json_t *v;
	char buf[64];

	ctl_col(t, header, TABLE_LEFT);
	ctl_col(t, "COUNT", TABLE_RIGHT);
	json_object_foreach(obj, k, v)
	{
		if (!all && json_is_number(v) && json_number_value(v) == 0)
			continue;
		ctl_row(t);
		ctl_cell(t, k);
		ctl_cell(t, ctl_str(v, buf, sizeof(buf)));
	}
	if (table_rows(t))
		ctl_print(t);
	else {
		printf("%s\n", none);
		table_free(t);
	}
}

void ctl_show_counters(json_t *r, const void *arg)
{
	static const char port_cols[] = ">rx_packets >rx_bytes >tx_packets >tx_bytes";
	/* returns: geneve groups, what the passive data-path check weighs */
	static const char target_cols[] = "state >packets >bytes >new_flows >returns >active_flows";
	json_t *st = json_object_get(r, "stats"), *v, *tg;
	const char *dp = json_string_value(json_object_get(r, "dataplane"));
	const char *k, *id;
	struct table *t;
	char b1[64], b2[64];
	const int *all = arg;

	printf("dataplane %s: active flows %s, NLB sessions %s\n\n", dp ? dp : "-",
	       ctl_get_str(st, "flows_active", b1, sizeof(b1)) ?: "-",
	       ctl_get_str(st, "nlb_sessions", b2, sizeof(b2)) ?: "-");
	t = ctl_table();
	ctl_col(t, "PORT", TABLE_LEFT);
	ctl_spec_cols(t, port_cols);
	json_object_foreach(json_object_get(st, "ports"), k, v)
	{
		ctl_row(t);
		ctl_cell(t, k);
		ctl_spec_cells(t, port_cols, v);
	}
	ctl_print(t);
	putchar('\n');
	ctl_named_counts(json_object_get(st, "drops"), "DROP", "no drops", *all);
	putchar('\n');
	ctl_named_counts(json_object_get(st, "events"), "EVENT", "no events", *all);
	if (!json_object_size(json_object_get(st, "targets")))
		return;
	putchar('\n');
	t = ctl_table();
	ctl_col(t, "GROUP", TABLE_LEFT);
	ctl_col(t, "TARGET", TABLE_LEFT);
	ctl_spec_cols(t, target_cols);
	json_object_foreach(json_object_get(st, "targets"), k, v)
	{
		json_object_foreach(v, id, tg)
		{
			ctl_row(t);
			ctl_cell(t, k);
			ctl_cell(t, id);
			ctl_spec_cells(t, target_cols, tg);
		}
	}
	ctl_print(t);
}

/* Where the counters of a listing came from (its "dataplane" member, null: none connected). */
static void ctl_counters_source(json_t *r)
{
	json_t *dp = json_object_get(r, "dataplane");

	if (json_is_string(dp))
		printf("\ncounters from dataplane %s\n", json_string_value(dp));
	else if (dp)
		printf("\nno dataplane connected: no counters\n");
}

void ctl_show_listeners(json_t *r, const void *arg)
{
	(void)arg;
	ctl_listing("name protocol >port group inspect", json_object_get(r, "listeners"), 1);
	ctl_counters_source(r);
}

/* Per chain group counters of the attachments ({"GROUP": {"packets": n, ...}}), if any. */
static void ctl_chain_counters(json_t *list)
{
	json_t *keys = json_array(), *a, *g;
	struct table *t = ctl_table();
	const char *gname;
	size_t i;

	if (!keys)
		ctl_oom();
	json_array_foreach(list, i, a)
	{
		json_object_foreach(json_object_get(a, "counters"), gname, g)
		{
			ctl_keys_add(keys, g);
		}
	}
	ctl_col(t, "ATTACHMENT", TABLE_LEFT);
	ctl_col(t, "GROUP", TABLE_LEFT);
	ctl_key_cols(t, keys);
	json_array_foreach(list, i, a)
	{
		json_object_foreach(json_object_get(a, "counters"), gname, g)
		{
			if (!json_is_object(g))
				continue;
			ctl_row(t);
			ctl_cellv(t, a, "name");
			ctl_cell(t, gname);
			ctl_key_cells(t, keys, g);
		}
	}
	if (table_rows(t)) {
		putchar('\n');
		ctl_print(t);
	} else {
		table_free(t);
	}
	json_decref(keys);
}

void ctl_show_attachments(json_t *r, const void *arg)
{
	json_t *list = json_object_get(r, "attachments");

	(void)arg;
	ctl_listing("name endpoint_id attachment_id from chain", list, 1);
	ctl_chain_counters(list);
	ctl_counters_source(r);
}

void ctl_show_reload(json_t *r, const void *arg)
{
	static const char *const lists[] = {"added", "removed", "changed"};
	unsigned int k, n = 0;
	json_t *v;
	size_t i;

	(void)arg;
	for (k = 0; k < 3; k++)
		json_array_foreach(json_object_get(r, lists[k]), i, v)
		{
			printf("%-7s  %s\n", lists[k], json_string_value(v) ?: "?");
			n++;
		}
	if (!n)
		printf("no changes\n");
}

static void ctl_condition(struct table *t, const char *name, int ok, const char *detail)
{
	ctl_row(t);
	ctl_cell(t, name);
	ctl_cell(t, ok ? "yes" : "no");
	ctl_cell(t, detail);
}

/* The node object (docs/daemon.md "Node states"): state, routes, then the conditions. */
void ctl_show_node(json_t *r, const void *arg)
{
	json_t *n = json_object_get(r, "node"), *cond = json_object_get(n, "conditions");
	json_t *since = json_object_get(n, "since_s"),
	       *rem = json_object_get(n, "drain_remaining_s");
	int failed = json_is_true(json_object_get(cond, "groups_failed"));
	int drained = json_is_true(json_object_get(cond, "drained"));
	int stopping = json_is_true(json_object_get(cond, "stopping"));
	char buf[160], dur[64], detail[512];
	struct table *t;
	const char *s;
	json_t *v;
	size_t i;

	(void)arg;
	ctl_field(13, "state", ctl_get_str(n, "state", buf, sizeof(buf)));
	s = ctl_get_str(n, "reason", buf, sizeof(buf));
	ctl_field(13, "reason", s && *s ? s : NULL);
	if (json_is_number(since)) {
		ctl_fmt_dur(json_number_value(since), 0, dur, sizeof(dur));
		strncat(dur, " ago", sizeof(dur) - strlen(dur) - 1);
		ctl_field(13, "since", dur);
	}
	if (json_is_number(rem)) {
		ctl_fmt_dur(json_number_value(rem), 0, dur, sizeof(dur));
		ctl_field(13, "drain left", dur);
	}
	ctl_field(13, "table", ctl_get_str(n, "table", buf, sizeof(buf)));
	ctl_field_list(12, "announced", json_object_get(n, "announced"));
	ctl_field_list(12, "routes", json_object_get(n, "routes"));
	ctl_field(13, "transitions", ctl_get_str(n, "transitions", buf, sizeof(buf)));
	putchar('\n');

	t = ctl_table();
	ctl_col(t, "CONDITION", TABLE_LEFT);
	ctl_col(t, "OK", TABLE_LEFT);
	ctl_col(t, "DETAIL", TABLE_LEFT);
	ctl_condition(t, "announce configured",
		      json_is_true(json_object_get(cond, "announce_configured")),
		      "daemon.announce");
	json_array_foreach(json_object_get(cond, "dataplanes"), i, v)
	{
		snprintf(buf, sizeof(buf), "dataplane %s",
			 json_string_value(json_object_get(v, "socket")) ?: "?");
		ctl_condition(t, buf, json_is_true(json_object_get(v, "ok")),
			      ctl_get_str(v, "reason", detail, sizeof(detail)));
	}
	s = ctl_get_str(cond, "min_healthy_targets", dur, sizeof(dur));
	snprintf(buf, sizeof(buf), "%s (min_healthy_targets %s)",
		 failed ? "all groups failed" : "not all failed", s ? s : "?");
	ctl_condition(t, "groups", !failed, buf);
	ctl_condition(t, "not drained", !drained, drained ? "sluicectl node undrain" : NULL);
	ctl_condition(t, "not stopping", !stopping, stopping ? "SIGTERM" : NULL);
	ctl_print(t);
}
