#!/bin/bash
# CVE-2025-31133 class: whoever can rename entries of ROOTFS while a
# container starts (a host user owning an unpacked image, or another
# container with the image's directory as a volume) swaps ROOT/proc and
# ROOT/sys (and ROOT/dev) with empty directories in a loop. No start may then give a
# writable /proc/sys or an unmasked path: each one has every mask, or fails
# (issue 16, item 3).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

STARTS=${STARTS:-150}
plan 7

IMG=$TMP/img
R=$IMG/root
A=$TMP/attacker
make_rootfs "$R"
make_rootfs "$A"
mkdir "$R/decoy-proc" "$R/decoy-sys" "$R/decoy-dev"
cp "$HELPERS/maskprobe" "$R/bin/maskprobe"
cp "$HELPERS/swapper" "$A/bin/swapper"
on_exit "clean_up_after '$R'"
on_exit "touch '$TMP/stop'"

# What cspawn promises, for the paths this kernel has.
promises=()
for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do
	[ -e "$p" ] && promises+=("ro:$p")
done
for p in /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats \
	/proc/sched_debug; do
	[ -f "$p" ] && promises+=("file:$p")
done
for p in /proc/acpi /proc/asound /proc/scsi /sys/firmware /sys/devices/virtual/powercap; do
	[ -d "$p" ] && promises+=("dir:$p")
done
diag "promised: ${promises[*]}"

is "$(cs --no-init "$R" maskprobe "${promises[@]}" 2>&1)" ok "without an attacker every mask is there"

# starts N: starts N containers that probe, counting outcomes into
# $TMP/tally as "ok", "noproc", "failed" or "LEAK ...".
starts() {
	: >"$TMP/tally"
	for _i in $(seq "$1"); do
		_out=$(cs --no-init "$R" maskprobe "${promises[@]}" 2>/dev/null)
		_st=$?
		case $_st:$_out in
		0:* | 1:LEAK*) echo "$_out" >>"$TMP/tally" ;;
		*) echo "failed $_st" >>"$TMP/tally" ;;
		esac
	done
}
count() { grep -c "^$1" "$TMP/tally"; }
# The attacking container runs once its swapper (marked, like every
# process of this test's containers) is there.
swapper_up() { marked_pids | while read -r _p; do grep -qx swapper "/proc/$_p/comm" && echo up; done | grep -q up; }

# From the host.
rm -f "$TMP/stop"
"$HELPERS/swapper" "$TMP/stop" "$R/proc" "$R/decoy-proc" "$R/sys" "$R/decoy-sys" "$R/dev" "$R/decoy-dev" \
	>"$TMP/swapper.out" 2>&1 &
swp=$!
starts "$STARTS"
touch "$TMP/stop"
wait_bounded $swp 10
diag "host attacker: $(cat "$TMP/swapper.out"); ok $(count ok), noproc $(count noproc), failed $(count failed), leaks $(count LEAK)"
is "$(count LEAK)" 0 "a host user swapping /proc and /sys during $STARTS starts: no start leaks a mask"
grep -m3 '^LEAK' "$TMP/tally" | sed 's/^/#   /'
is "$(count failed)" "$(count 'failed 125')" "... a start that did not run failed with 125"
ok "$([ $(($(count ok) + $(count noproc))) -gt 0 ]; echo $?)" "... and some starts did run"

# From a second container that has the image's directory as a volume.
rm -f "$TMP/stop"
mkdir -p "$A/img"
"${CS[@]}" "${INIT[@]}" --no-init -v "$IMG:/img" -v "$TMP:/ctl" "$A" \
	swapper /ctl/stop /img/root/proc /img/root/decoy-proc /img/root/sys /img/root/decoy-sys \
	/img/root/dev /img/root/decoy-dev \
	>"$TMP/swapper.out" 2>&1 &
swp=$!
wait_until 10 swapper_up
starts "$STARTS"
touch "$TMP/stop"
wait_bounded $swp 10
diag "container attacker: $(cat "$TMP/swapper.out"); ok $(count ok), noproc $(count noproc), failed $(count failed), leaks $(count LEAK)"
is "$(count LEAK)" 0 "a container swapping the image's /proc and /sys during $STARTS starts: no leak"
grep -m3 '^LEAK' "$TMP/tally" | sed 's/^/#   /'
is "$(count failed)" "$(count 'failed 125')" "... a start that did not run failed with 125"

check_no_leftovers
