#!/bin/bash
# A detached container on the default network: its monitor attaches it at
# each start (same address across stop and start), its published port
# answers from the host and from another machine, and rm releases it all.
# Inside network namespaces of the test's own (tests/lib/netns.sh).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools
need_static_cinit

plan 11

R=$TMP/root
make_rootfs "$R"
mkdir -p "$R/www"
echo "page of web" >"$R/www/index.html"
on_exit "clean_up_after '$R'"
need_netns || { echo "Bail out! cannot wire the test's namespaces"; exit 1; }

hcsm() { H timeout -s KILL 60 "$CSPAWN" "$@"; }
ip_of() { H nsenter --net="$CSPAWN_ROOT/run/.net/web/netns" ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}'; }

id=$(H timeout -s KILL 60 "$CSPAWN" run -d --name web -e "SPAWN_MARK=$SPAWN_MARK" "${INIT[@]}" \
	-p 8080:80 "$R" httpd -f -p 80 -h /www)
is $? 0 "run -d on the default network"
echo "$id" >>"$TMP/ids"
wait_until 20 fetch_is H "http://127.0.0.1:8080/" "page of web"
ok $? "-p 8080:80 answers on the host's 127.0.0.1"
is "$(fetch O "http://$HOST_IP:8080/")" "page of web" "... and from another machine"
like "$(hcsm ps)" "0\.0\.0\.0:8080->80/tcp +web" "ps: the PORTS column"
is "$(hcsm ps --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Ports"])')" \
	"0.0.0.0:8080->80/tcp" "... and in ps --format json"
first=$(ip_of)
hcsm stop -t 2 web >/dev/null
ok "$(! fetch_is H "http://127.0.0.1:8080/" "page of web"; echo $?)" "stopped: the port is gone"
hcsm start web >/dev/null
wait_until 20 fetch_is H "http://127.0.0.1:8080/" "page of web"
ok $? "start: the port answers again"
is "$(ip_of)" "$first" "... with the same address ($first)"
hcsm rm -f web >/dev/null
is $? 0 "rm -f"
check_no_net_leftovers
check_no_leftovers
