/* Every app: the registry of the hosted launcher, the tests and the benchmarks. */
#include "app.h"
#include "mgmt.h"

extern const struct app_def app_l2fwd;
extern const struct app_def app_fw;
extern const struct app_def app_nat;
extern const struct app_def app_lb;
extern const struct app_def app_httpd;
extern const struct app_def app_pktgen;

const struct app_def *const app_registry[] = {
	&app_l2fwd,
	&app_fw,
	&app_nat,
	&app_lb,
	&app_httpd,
	&app_pktgen,
	NULL,
};

/* the management plane (mgmt.h): the hosted launcher carries it */
const struct mg_impl *const app_mgmt = &mg_impl;
