# Sourced by the throughput benchmarks: 2 MiB hugepages for the ceiling runs.
#
# testpmd without hugepages is not the ports' ceiling: DPDK then keeps each mbuf inside one
# 4 KiB page (one mbuf a page, all at the same offset, so a burst's mbufs share a few L1
# sets), while sluice-hosted packs its pool (vnet_dpdk.c). With hugepages both pools are
# packed and the comparison is even. huge_reserve reserves pages for one process at a
# time on a private hugetlbfs mount under WORK and sets HUGE_EAL to the EAL memory
# arguments; huge_release gives back what it took. Needs root; returns 1 (and changes
# nothing) when the kernel does not give the pages. huge_both_modes runs a measurement
# in both memory modes, huge_one_mode in one (the fair one when it can).
HUGE_EAL="" huge_prev="" huge_dir=""
huge_reserve() { # WORK MIB
	local work=$1 mib=$2 want have
	[ -w /proc/sys/vm/nr_hugepages ] || return 1
	huge_prev=$(cat /proc/sys/vm/nr_hugepages)
	have=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	want=$((mib / 2 + 64))
	if [ "$have" -lt "$want" ]; then
		echo $((huge_prev + want - have)) >/proc/sys/vm/nr_hugepages 2>/dev/null || true
		have=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	fi
	huge_dir="$work/hugetlbfs"
	mkdir -p "$huge_dir"
	if [ "$have" -lt "$want" ] || ! mount -t hugetlbfs -o pagesize=2M none "$huge_dir" 2>/dev/null; then
		huge_release
		return 1
	fi
	HUGE_EAL="-m $mib --huge-dir $huge_dir --huge-unlink"
}
huge_release() {
	if [ -n "$huge_dir" ] && mountpoint -q "$huge_dir" 2>/dev/null; then
		umount "$huge_dir" || true
	fi
	[ -n "$huge_prev" ] && echo "$huge_prev" >/proc/sys/vm/nr_hugepages 2>/dev/null || true
	HUGE_EAL="" huge_prev="" huge_dir=""
}
# huge_both_modes WORK FUNC [TABLE]: FUNC WHAT EAL_MEMORY_ARGS, on hugepages (when had), then
# without; when the pages cannot be had, says so (and notes it under the results' TABLE)
huge_both_modes() {
	if huge_reserve "$1" 512; then
		"$2" "2 MiB hugepages, both pools packed: the ceiling" "$HUGE_EAL"
		huge_release
	else
		huge_none "${3:-}"
	fi
	"$2" "4 KiB pages (--no-huge): testpmd's pool one mbuf a page, sluice's packed, so not a fair ceiling" "--no-huge -m 512"
}
# huge_one_mode WORK FUNC [TABLE]: one of the two (sluice bench --quick): on hugepages when
# the kernel gives them, else without
huge_one_mode() {
	if huge_reserve "$1" 512; then
		"$2" "2 MiB hugepages, both pools packed: the ceiling" "$HUGE_EAL"
		huge_release
	else
		huge_none "${3:-}"
		"$2" "4 KiB pages (--no-huge): testpmd's pool one mbuf a page, sluice's packed, so not a fair ceiling" "--no-huge -m 512"
	fi
}
huge_none() { # [TABLE]
	echo "   (2 MiB hugepages could not be reserved here: no fair ceiling in this run)"
	[ -z "$1" ] || ! declare -F res_note >/dev/null ||
		res_note "$1" "2 MiB hugepages could not be reserved on this machine: no fair ceiling in this run."
}
