/* l2fwd: forwards every frame from port 0 to port 1 and from port 1 to port 0, unchanged.
 * With one port it sends frames back out of the port they came in on. By default it parses
 * nothing, so it is the floor against which every other appliance's cost is measured; the
 * option "validate" puts the parse stage in front, which drops malformed frames by reason. */
#include "app.h"
#include "pkt_parse.h"

#include <stdio.h>
#include <string.h>

static void l2fwd_process(void *ctx, struct pkt_worker *w, struct pkt_buf **pkts, uint16_t n)
{
	(void)w;
	uint16_t flip = *(const uint16_t *)ctx;
	for (uint16_t i = 0; i < n; i++)
		pkt_fwd(pkts[i], pkts[i]->port ^ flip);
}

static const struct pkt_stage_def l2fwd_stage = {
	.name = "l2fwd",
	.process = l2fwd_process,
};

static const uint16_t flip_two = 1, flip_one = 0;

static int l2fwd_setup(struct pkt_pipeline *pipe, void **state, const struct app_env *env, char *err,
		       size_t errlen)
{
	const char *opts = env->opts;
	*state = NULL;
	bool validate = false;
	if (opts && *opts) {
		if (strcmp(opts, "validate") != 0) {
			snprintf(err, errlen, "l2fwd: unknown option '%s' (the only one is 'validate')", opts);
			return -1;
		}
		validate = true;
	}
	const uint16_t *flip = pipe->n_ports == 2 ? &flip_two : &flip_one;
	if ((validate && !pkt_pipe_add(pipe, &pkt_parse_stage, NULL)) ||
	    !pkt_pipe_add(pipe, &l2fwd_stage, (void *)flip)) {
		snprintf(err, errlen, "l2fwd: pipeline full");
		return -1;
	}
	return 0;
}

const struct app_def app_l2fwd = {
	.name = "l2fwd",
	.summary = "forward port 0 <-> port 1 unchanged (one port: back out the same port);\n"
		   "             option 'validate' drops malformed frames first",
	.min_ports = 1,
	.max_ports = 2,
	.setup = l2fwd_setup,
};
