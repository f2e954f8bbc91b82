# shellcheck shell=bash
# Sourced by the httpd benchmarks: wrk's report as numbers.
#
# wrk_summary FILE: wrk --latency's output in FILE as "REQS P50 P99 ERRORS": requests a
# second (whole), the median and 99th percentile latency in ms (3 decimals), and "ok" or
# wrk's error lines (Non-2xx, socket errors) joined with "; ".
wrk_summary() {
	awk '
	function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
	/^Requests\/sec:/ { r = $2 }
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/Non-2xx|Socket errors/ { err = err (err ? "; " : "") $0 }
	END { gsub(/ +/, " ", err); printf "%.0f %.3f %.3f %s\n", r, p50, p99, err ? err : "ok" }' "$1"
}
