# Shared by the tests that replay the real captures in $SLUICE_PCAP_DIR. Source it after
# setting build; it skips the test (exit 77) when the folder is not given, and sets:
#   dir       the captures' folder      hosted   sluice-hosted
#   work      a temp folder, removed at exit
#   linktype  link type per capture (path relative to dir) from index.tsv, when it has one
#   pass, failed, fail NAME WHY
# and shared_captures prints every capture's path, NUL-separated, sorted.
dir=${SLUICE_PCAP_DIR:-}
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
	echo "SKIP: SLUICE_PCAP_DIR is not set or not a folder (CI sets it to ../shared/pcaps); no real captures replayed"
	exit 77
fi
hosted="$build/hosted/sluice-hosted"
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-shared.XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0 failed=0
fail() { printf 'FAIL %s: %s\n' "$1" "$2"; failed=$((failed + 1)); }
declare -A linktype
if [ -f "$dir/index.tsv" ]; then
	while IFS=$'\t' read -r file _ _ lt _; do
		[ "$file" = file ] && continue
		linktype[$file]=$lt
	done <"$dir/index.tsv"
fi
shared_captures() {
	find "$dir" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -print0 | sort -z
}
