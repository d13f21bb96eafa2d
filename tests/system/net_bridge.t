#!/bin/bash
# The default network: `--net bridge` gives a container eth0 on cspawn0
# with an address of 10.88.0.0/16 and a route out through masquerade;
# -p publishes a port both to other machines (DNAT on the host's address)
# and to the host itself on 127.0.0.1; clashes are refused before the
# container starts; everything goes when it ends. All of it inside network
# namespaces of the test's own (tests/lib/netns.sh).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools
need_static_cinit

plan 22

R=$TMP/root
make_rootfs "$R"
mkdir -p "$R/www" "$TMP/outside"
echo "page of web" >"$R/www/index.html"
echo "page outside" >"$TMP/outside/index.html"
on_exit "clean_up_after '$R'"
need_netns || { echo "Bail out! cannot wire the test's namespaces"; exit 1; }
host_forward_before=$(cat /proc/sys/net/ipv4/ip_forward)

# Another machine serving a page, for the way out.
"${OX[@]}" "$BUSYBOX" httpd -f -p 8000 -h "$TMP/outside" &
outside=$!
on_exit "kill -KILL $outside"

web=$(cname web)
"${HCS[@]}" --net bridge --name "$web" -p 8080:80 -p 80 "$R" httpd -f -p 80 -h /www &
mon=$!
on_exit "kill -KILL $mon"
wait_cspawn_exec "$mon"

wait_until 20 fetch_is H "http://127.0.0.1:8080/" "page of web"
ok $? "-p 8080:80: the host itself reaches the container on 127.0.0.1:8080"
is "$(fetch O "http://$HOST_IP:8080/")" "page of web" \
	"... and another machine on the host's address (DNAT)"

ports=$(H "$CSPAWN" port "$web")
like "$ports" "^80/tcp -> 0.0.0.0:8080" "cspawn port lists 80/tcp -> 0.0.0.0:8080"
chosen=$(H "$CSPAWN" port "$web" 80 | sed -n '2s/^0.0.0.0://p')
[ -n "$chosen" ] && [ "$chosen" -gt 0 ] && [ "$chosen" != 8080 ]
ok $? "-p 80: a free host port was chosen ($chosen)"
is "$(fetch H "http://127.0.0.1:$chosen/")" "page of web" "... and it reaches the container"

# A second container: its view of the network, the files, the way out.
probe=$(hcs --net bridge --no-init --name "$(cname probe)" "$R" sh -c '
	ip -4 -o addr show eth0 | awk "{print \$4}"
	ip route | awk "/^default/ {print \$3}"
	cat /etc/hostname
	grep -c "^10.88.0.3	" /etc/hosts
	timeout 5 wget -q -O - http://'"$OUT_IP"':8000/' 2>&1)
is "$(echo "$probe" | sed -n 1p)" "10.88.0.3/16" "the next container gets the next address, eth0 10.88.0.3/16"
is "$(echo "$probe" | sed -n 2p)" "10.88.0.1" "... its default route goes through the bridge's address"
is "$(echo "$probe" | sed -n 3p)" "$(cname probe)" "... /etc/hostname holds its name"
is "$(echo "$probe" | sed -n 4p)" "1" "... /etc/hosts its address and name"
is "$(echo "$probe" | sed -n 5p)" "page outside" "... and it reaches another machine (masquerade)"
is "$(H cat /proc/sys/net/ipv4/ip_forward)" 1 "ip_forward is on in the namespace cspawn ran in"
is "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_forward_before" "... and as it was in the machine's own"

err=$(hcs --net bridge --no-init --ip 10.88.0.2 "$R" true 2>&1)
like "$?:$err" "^125:.*--ip 10.88.0.2: already in use by container $web" "--ip of another container: 125, naming it"
err=$(hcs --net bridge --no-init --ip 10.89.0.2 "$R" true 2>&1)
like "$?:$err" "^125:.*--ip 10.89.0.2: not a free host address of network bridge" "--ip outside the subnet: refused"
err=$(hcs --net bridge --no-init -p 8080:80 "$R" echo started 2>&1)
like "$?:$err" "^125:.*host port 8080/tcp is already published by container $web" "a port another container publishes: 125, naming it"
"${HX[@]}" "$BUSYBOX" nc -l -p 9090 </dev/null >/dev/null &
listener=$!
on_exit "kill -KILL $listener"
wait_until 5 listening 9090
err=$(hcs --net bridge --no-init -p 9090:80 "$R" echo started 2>&1)
like "$?:$err" "^125:.*port 9090/tcp is not free on the host \(bind 0.0.0.0:9090\): Address already in use" \
	"a port in use on the host: 125 before the container starts"
[[ "$err" != *started* ]]
ok $? "... and the container never ran"
{ kill -KILL "$listener" && wait "$listener"; } 2>/dev/null
err=$(hcs --net bridge --no-init -p 80000 "$R" true 2>&1)
like "$?:$err" "^125:.*-p '80000': expected" "a bad -p: 125, with the syntax"

kill -TERM "$mon"
wait_bounded "$mon" 20
is $? 143 "the container ends with SIGTERM's code"
check_no_net_leftovers
is "$(grep -c '^lease=' "$CSPAWN_ROOT/lib/networks/bridge")" 0 "its lease is released"
check_no_leftovers
