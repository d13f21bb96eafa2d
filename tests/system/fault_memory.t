#!/bin/bash
# Faults of a small host (issue 14), memory: a service that allocates past
# --memory is killed by the OOM killer and restarted by cinit; cinit itself
# is never the victim (oom_score_adj -1000, its services at 0); the other
# service runs on untouched; inspect and ps report the OOM kills.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 11

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"
mkdir -p "$TMP/data"
# hog: 64 MiB in one buffer (dd fills what it reads), twice; then it rests
cat >"$TMP/cinit.ini" <<'EOF2'
[service:hog]
command = sh -c 'echo run >> /data/hog.runs; [ $(wc -l < /data/hog.runs) -ge 3 ] && exec sleep 600; exec dd if=/dev/zero of=/dev/null bs=64M count=1'
restart = always
start_secs = 0
backoff_min = 10ms
[service:steady]
command = sh -c 'echo $$ > /data/steady.pid; exec sleep 600'
restart = always
EOF2

id=$(run_d --name mem --memory 32m -v "$TMP/data:/data" -c "$TMP/cinit.ini" "$R")
is $? 0 "run -d --memory 32m with a service that allocates 64 MiB"
pid1=$(csm inspect mem | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])')
lines() { [ "$(wc -l 2>/dev/null <"$1")" = "$2" ]; }
wait_until 30 lines "$TMP/data/hog.runs" 3
ok $? "the hog was killed and restarted twice"
csm logs mem >"$TMP/logs" 2>&1
like "$(cat "$TMP/logs")" "hog: killed by signal KILL" "cinit saw the kernel's KILL"
is "$(csm inspect mem | python3 -c 'import json,sys; s = json.load(sys.stdin)[0]["State"]; print(s["Status"], s["Pid"])')" \
	"running $pid1" "cinit survived: the container runs, with the same PID 1"
# Lowering a score takes CAP_SYS_RESOURCE, which a host that is itself a
# container may lack; cspawn then leaves cinit's as it is.
if [ $(($(printf '%d' "0x$(awk '/^CapEff/ {print $2}' /proc/self/status)") >> 24 & 1)) = 1 ]; then
	is "$(cat "/proc/$pid1/oom_score_adj")" -1000 "cinit's oom_score_adj is -1000: never the victim"
else
	skip "this host has no CAP_SYS_RESOURCE: nobody may lower an oom_score_adj"
fi
steady=$(cat "$TMP/data/steady.pid")
is "$(csm exec mem cat /proc/$steady/oom_score_adj 2>&1)" 0 "its services start at 0"
is "$(csm exec mem sh -c 'cat /proc/self/oom_score_adj' 2>&1)" 0 "so do exec'd processes"
ok "$(csm exec mem kill -0 "$steady" >/dev/null 2>&1; echo $?)" "the other service ran on untouched"
json=$(csm inspect mem)
is "$(printf '%s' "$json" | python3 -c 'import json,sys; s = json.load(sys.stdin)[0]["State"]; print(s["OOMKilled"], s["OOMKills"])' 2>&1)" \
	"True 2" "inspect: OOMKilled, and the count of OOM kills"
like "$(csm ps)" "Up .*\(2 OOM kills\) +mem" "ps says so"
csm rm -f mem >/dev/null
check_no_leftovers
