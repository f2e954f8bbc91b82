# Shared by the end-to-end tests: boots an image with NICs on Unix datagram sockets (QEMU's
# dgram netdev), feeds captures through them with sluice-feed, stops it with Ctrl-C.
# Source it after setting: root (source tree), build (build dir), image, work (temp dir).
boot="$root/tools/qemu-boot"
feed="$build/tools/feed/sluice-feed"
hosted="$build/hosted/sluice-hosted"
pcapdiff="$build/tools/pcapdiff"
export SLUICE_ACCEL=tcg
pass=0 failed=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; }

# image_start NAME NICS MACHINE DEVICE [QEMU-ARGS...]: NIC i is $work/NAME.qI (QEMU's end)
# (NAME: letters, digits and _)
# and $work/NAME.fI (ours); the console goes to $work/NAME.console, Ctrl-C via $work/NAME.in.
image_start() {
	local name=$1 nics=$2 machine=$3 device=$4; shift 4
	local args=() i
	for ((i = 0; i < nics; i++)); do
		rm -f "$work/$name.q$i"
		args+=(-netdev "dgram,id=n$i,local.type=unix,local.path=$work/$name.q$i,remote.type=unix,remote.path=$work/$name.f$i"
			-device "$device,netdev=n$i")
	done
	mkfifo "$work/$name.in"
	"$boot" "$image" --machine "$machine" --mem 8M -- "${args[@]}" "$@" <"$work/$name.in" >"$work/$name.console" 2>&1 &
	eval "pid_$name=$!"
	exec {fd}>"$work/$name.in"
	eval "fd_$name=$fd"
	for ((i = 0; i < 600; i++)); do
		grep -q "running on" "$work/$name.console" && return 0
		kill -0 "$(eval echo \$pid_$name)" 2>/dev/null || break
		sleep 0.1
	done
	echo "image $name did not reach 'running on':"; sed 's/^/    /' "$work/$name.console"
	return 1
}

# image_stop NAME: Ctrl-C, then the image's exit status
image_stop() {
	local name=$1 fd pid rc
	fd=$(eval echo \$fd_$name) pid=$(eval echo \$pid_$name)
	printf '\003' >&"$fd"
	local i
	for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill "$pid" 2>/dev/null
	wait "$pid"; rc=$?
	eval "exec $fd>&-"
	return "$rc"
}

# through NAME FROM TO IN.pcap LABEL: feeds IN into NIC FROM, collects NIC TO, and compares
# with the hosted l2fwd on the same capture (image == hosted)
through() {
	local name=$1 from=$2 to=$3 in=$4 label=$5
	local want="$work/want.pcap"
	rm -f "$want"
	if [ "$from" = 0 ]; then
		"$hosted" l2fwd --quiet --port "pcap:rx=$in" --port "pcap:tx=$want" >"$work/hosted.log" 2>&1
	else
		"$hosted" l2fwd --quiet --port "pcap:tx=$want" --port "pcap:rx=$in" >"$work/hosted.log" 2>&1
	fi
	# empty records cannot cross a socket netdev (the sock backend counts them, unsent)
	tshark -r "$want" -Y 'frame.cap_len > 0' -F pcap -w "$want.nonempty" 2>/dev/null && mv "$want.nonempty" "$want"
	feed_compare "$name" "$from" "$to" "$in" "$want" "$label" 20
}

# feed_compare NAME FROM TO IN.pcap WANT.pcap LABEL SETTLE: feeds IN into NIC FROM until
# as many frames as WANT holds came out of NIC TO, and compares them with WANT
feed_compare() {
	local name=$1 from=$2 to=$3 in=$4 want=$5 label=$6 settle=$7 out="$work/out.pcap" expect
	rm -f "$out"
	expect=$(capinfos -M -c "$want" | awk '/Number of packets/ { print $NF }')
	if ! timeout 600 "$feed" --send "sock:bind=$work/$name.f$from,peer=$work/$name.q$from" \
		--recv "sock:bind=$work/$name.f$to,peer=$work/$name.q$to" --in "$in" --out "$out" \
		--expect "$expect" --idle 60 --settle "$settle" >"$work/feed.log" 2>&1; then
		fail "$label: nic$from -> nic$to"; sed 's/^/    /' "$work/feed.log"
		return
	fi
	if "$pcapdiff" "$want" "$out" >"$work/diff.log" 2>&1; then
		ok "$label: nic$from -> nic$to, $(grep -m1 "sent" "$work/feed.log" | sed 's/sluice-feed: //'), image == hosted"
	else
		fail "$label: nic$from -> nic$to differs from the hosted run"; head -40 "$work/diff.log" | sed 's/^/    /'
	fi
}
