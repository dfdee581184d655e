/* SPDX-License-Identifier: BSD-3-Clause */
/* counters.c - the appliance's counters as JSON (/stats, --stats-json) and as text at exit. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "appliance/appliance.h"
#include "appliance/reflect.h"

static const unsigned int counters_reasons[] = {
#define SL_X(r) r,
	REFLECT_REASONS(SL_X)
#undef SL_X
};
#define COUNTERS_NREASONS (sizeof(counters_reasons) / sizeof(counters_reasons[0]))

static uint64_t counters_malformed_total(const struct appl *a)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < COUNTERS_NREASONS; i++)
		n += a->c.malformed[counters_reasons[i]];
	return n;
}

json_t *counters_json(const struct appl *a)
{
	json_t *o, *mal, *rules, *r;
	const struct rules_rule *x;
	unsigned int i;

	o = json_object();
	mal = json_object();
	rules = json_array();
	if (!o || !mal || !rules)
		goto fail;
	for (i = 0; i < COUNTERS_NREASONS; i++) {
		if (json_object_set_new(
			    mal, reflect_reason_name(counters_reasons[i]),
			    json_integer((json_int_t)a->c.malformed[counters_reasons[i]])))
			goto fail;
	}
	for (i = 0; a->rules && i < a->rules->n; i++) {
		x = &a->rules->rule[i];
		r = json_pack("{s:i, s:s, s:s, s:I}", "line", (int)x->line, "rule", x->text,
			      "action", rules_action_name(x->action), "hits", (json_int_t)x->hits);
		if (!r || json_array_append_new(rules, r))
			goto fail;
	}
	if (json_object_set_new(o, "name", json_string(a->name)) ||
	    json_object_set_new(o, "healthy", json_boolean(!a->failed)) ||
	    json_object_set_new(o, "received", json_integer((json_int_t)a->c.received)) ||
	    json_object_set_new(o, "returned", json_integer((json_int_t)a->c.returned)) ||
	    json_object_set_new(o, "dropped_by_rule",
				json_integer((json_int_t)a->c.dropped_rule)) ||
	    json_object_set_new(o, "malformed_total",
				json_integer((json_int_t)counters_malformed_total(a))) ||
	    json_object_set_new(o, "delay_overflow",
				json_integer((json_int_t)a->c.delay_overflow)) ||
	    json_object_set_new(o, "delay_queued", json_integer((json_int_t)a->q.count)) ||
	    json_object_set_new(o, "send_errors", json_integer((json_int_t)a->c.send_errors)) ||
	    json_object_set_new(o, "blackholed", json_integer((json_int_t)a->c.blackholed)) ||
	    json_object_set_new(o, "blackhole", json_boolean(a->blackhole)))
		goto fail;
	if (json_object_set_new(o, "malformed", mal)) {
		mal = NULL;
		goto fail;
	}
	mal = NULL;
	if (json_object_set_new(o, "rules", rules)) {
		rules = NULL;
		goto fail;
	}
	return o;
fail:
	json_decref(mal);
	json_decref(rules);
	json_decref(o);
	return NULL;
}

int counters_write(const struct appl *a, const char *path)
{
	char tmp[4096];
	json_t *o;
	int rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	o = counters_json(a);
	if (!o)
		return -ENOMEM;
	rc = json_dump_file(o, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) ? -EIO : 0;
	json_decref(o);
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

void counters_print(const struct appl *a, FILE *f)
{
	const struct rules_rule *x;
	unsigned int i;

	fprintf(f,
		"sluice-appliance %s: received %llu, returned %llu, dropped by rule %llu, "
		"malformed %llu, delay overflow %llu, still delayed %u, send errors %llu, "
		"blackholed %llu\n",
		a->name, (unsigned long long)a->c.received, (unsigned long long)a->c.returned,
		(unsigned long long)a->c.dropped_rule,
		(unsigned long long)counters_malformed_total(a),
		(unsigned long long)a->c.delay_overflow, a->q.count,
		(unsigned long long)a->c.send_errors, (unsigned long long)a->c.blackholed);
	for (i = 0; i < COUNTERS_NREASONS; i++) {
		if (a->c.malformed[counters_reasons[i]])
			fprintf(f, "  malformed %s: %llu\n",
				reflect_reason_name(counters_reasons[i]),
				(unsigned long long)a->c.malformed[counters_reasons[i]]);
	}
	for (i = 0; a->rules && i < a->rules->n; i++) {
		x = &a->rules->rule[i];
		fprintf(f, "  rule line %u \"%s\": %llu hits\n", x->line, x->text,
			(unsigned long long)x->hits);
	}
	fflush(f);
}
