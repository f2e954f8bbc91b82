/* Every app: the registry of the hosted launcher, the tests and the benchmarks. */
#include "app.h"

extern const struct app_def app_l2fwd;
extern const struct app_def app_fw;

const struct app_def *const app_registry[] = {
	&app_l2fwd,
	&app_fw,
	NULL,
};
