# shellcheck shell=bash
# Sourced by the benchmark scripts: writes their results for tools/bench/render.py.
#
# Each script prints its human output as before and, when BENCH_RESULTS names a file,
# appends its results to it, one record a line, fields separated by one tab (the format
# is described in full at the top of tools/bench/render.py):
#
#   res_table NAME TITLE               a table (NAME unique in the results directory)
#   res_cols NAME HEADER...            its column headers
#   res_row NAME VALUE...              one row ("-" for a value not had)
#   res_cmd NAME COMMAND               an exact command line that produced the table
#   res_note NAME TEXT                 a line under the table
#   res_hide NAME                      chart data only: no markdown table
#   res_skip NAME REASON               the table could not be measured here, and why
#   res_chart NAME FILE KIND X Y SERIES TITLE   a PNG chart of table NAME
#
# Without BENCH_RESULTS every res_* does nothing. Tabs and newlines in a field become
# spaces.
res() { # KIND FIELD...
	[ -n "${BENCH_RESULTS:-}" ] || return 0
	local f line="" sep=""
	for f in "$@"; do
		f=${f//$'\t'/ }
		f=${f//$'\n'/ }
		line+="$sep$f"
		sep=$'\t'
	done
	printf '%s\n' "$line" >>"$BENCH_RESULTS"
}
res_table() { res table "$@"; }
res_cols() { res cols "$@"; }
res_row() { res row "$@"; }
res_cmd() { res cmd "$@"; }
res_note() { res note "$@"; }
res_hide() { res hide "$@"; }
res_skip() { res skip "$@"; }
res_chart() { res chart "$@"; }
# res_mpps PPS: PPS (packets a second, an integer) as Mpps with 3 decimals
res_mpps() { awk -v v="${1:-0}" 'BEGIN { printf "%.3f", v / 1e6 }'; }
