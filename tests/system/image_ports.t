#!/bin/bash
# run -P IMAGE (issue 11, item 4): every port of the image's ExposedPorts
# is published on a free host port, which `cspawn port` names and which
# answers. Inside network namespaces of the test's own (tests/lib/netns.sh).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/image.sh"
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools
need_static_cinit
need_image_tools

plan 5

on_exit "clean_up_after '$TMP'"
need_netns || { echo "Bail out! cannot wire the test's namespaces"; exit 1; }
make_layout "$TMP/layout" 1 >/dev/null 2>&1
H timeout -s KILL 60 "$CSPAWN" load --oci "$TMP/layout:1" >/dev/null 2>&1
ok $? "an image that exposes 80/tcp, loaded"
name=localhost/layout:1

id=$(H timeout -s KILL 60 "$CSPAWN" run -d --name web -u 0 -e "SPAWN_MARK=$SPAWN_MARK" "${INIT[@]}" \
	-P --entrypoint httpd "$name" -f -p 80 -h /)
is $? 0 "run -d -P"
echo "$id" >>"$TMP/ids"
port=$(H timeout -s KILL 60 "$CSPAWN" port web | sed -n 's|^80/tcp -> 0.0.0.0:\([0-9]*\)$|\1|p')
like "$port" '^[0-9]+$' "port: 80/tcp on a host port ($port)"
wait_until 20 fetch_is H "http://127.0.0.1:$port/two" two
ok $? "... which answers with the image's file"
H timeout -s KILL 60 "$CSPAWN" rm -f web >/dev/null
check_no_net_leftovers
