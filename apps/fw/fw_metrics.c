/* The fw appliance's Prometheus metrics (metrics.h): its chains and counted rules, the
 * connection table, the fragments and, as a router, its interfaces and answers. */
#include "fw_app.h"
#include "metrics.h"
#include "mx_engines.h"

#include <stdatomic.h>
#include <string.h>

void fw_metrics(void *state, struct mx_out *o)
{
	if (o->full)
		return;
	struct fw_app *a = state;
	const struct fwa_conf *c = atomic_load(&a->active);
	mx_fw_rules(o, c->rs);
	mx_conntrack(o, a->ct);
	mx_fragments(o, a->router ? a->rtr.frag : a->frag);
	if (a->router)
		mx_router_answers(o, &a->rtr, a->rejected);
	mx_family(o, "sluice_fw_log_lines_total", "counter", "Log lines, by whether they were written.");
	mx_sample(o, "sluice_fw_log_lines_total", "written=\"yes\"", a->log.logged);
	mx_sample(o, "sluice_fw_log_lines_total", "written=\"over_rate\"", a->log.suppressed);
}
