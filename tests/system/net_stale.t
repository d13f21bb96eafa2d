#!/bin/bash
# What a killed cspawn leaves of a container's network (veth, namespace
# pin, nft elements, lease) is removed by the next start of that name;
# restarts keep the namespace and the address; -p HOSTIP:... publishes on
# that address only. Inside the test's own namespaces (tests/lib/netns.sh).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools

plan 12

R=$TMP/root
make_rootfs "$R"
mkdir -p "$R/www" "$TMP/share"
echo "page" >"$R/www/index.html"
on_exit "clean_up_after '$R'"
need_netns || { echo "Bail out! cannot wire the test's namespaces"; exit 1; }

name=$(cname web)
"${HCS[@]}" --no-init --net bridge --name "$name" -p 127.0.0.1:8081:80 "$R" httpd -f -p 80 -h /www &
mon=$!
on_exit "kill -KILL $mon"
wait_cspawn_exec "$mon"
wait_until 20 fetch_is H "http://127.0.0.1:8081/" page
ok $? "-p 127.0.0.1:8081:80: the host reaches it on 127.0.0.1:8081"
[ -z "$(fetch O "http://$HOST_IP:8081/")" ]
ok $? "... and another machine does not reach it on the host's address"

ctr=$(ctr_pid "$mon")
{ kill -KILL "$mon" && wait "$mon"; } 2>/dev/null
wait_until 10 eval '! kill -0 '"$ctr"' 2>/dev/null'
ok $? "cspawn killed with SIGKILL: its container dies with it"
[ -n "$(net_leftovers)" ] && [ -e "$CSPAWN_ROOT/run/.net/$name/record" ]
ok $? "... and its network is left behind (veth, bridge, rules, record)"

err=$(hcs --no-init --net bridge --name "$name" -p 127.0.0.1:8081:80 "$R" \
	sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"' 2>&1)
is "$?" 0 "the next start of that name runs, on the same port"
like "$err" "10.88.0.2/16" "... with the address its lease kept"
check_no_net_leftovers
is "$(grep -c '^lease=' "$CSPAWN_ROOT/lib/networks/bridge")" 0 "... and no lease"

hcs --no-init --net bridge --restart on-failure:1 -v "$TMP/share:/share" "$R" \
	sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}" >> /share/addrs; exit 1' 2>/dev/null
is "$(uniq "$TMP/share/addrs" | wc -l):$(wc -l <"$TMP/share/addrs")" "1:2" \
	"--restart: the restarted container has the same address"
# Four at once: the lock gives each its own address, and all is undone.
# Each stays until all four have one (at most 10 s): one that ended first
# would free its address for a later one to take, rightly.
for i in 1 2 3 4; do
	timeout -s KILL 60 "${HCS[@]}" --no-init --net bridge -v "$TMP/share:/share" "$R" \
		sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}" > /share/par.'$i'
			n=0; while [ "$(ls /share | grep -c "^par\.")" -lt 4 ] && [ $n -lt 500 ]; do
				sleep 0.02; n=$((n + 1)); done' 2>>"$TMP/par.err" &
done
wait
is "$(cat "$TMP"/share/par.* | sort -u | wc -l)" 4 "four containers started at once get four addresses"
[ ! -s "$TMP/par.err" ] || sed 's/^/# /' "$TMP/par.err"
check_no_net_leftovers
check_no_leftovers
