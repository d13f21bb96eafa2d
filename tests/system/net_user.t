#!/bin/bash
# User networks: create, ls, inspect, rm (overlaps refused, naming the
# other network); containers on one reach each other by name, and every
# member's /etc/hosts follows as others join and leave; --dns,
# --dns-search, --add-host and the host's resolv.conf with its loopback
# servers replaced. Inside the test's own namespaces (tests/lib/netns.sh).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools
need_static_cinit

plan 29

R=$TMP/root
make_rootfs "$R"
mkdir -p "$R/www"
echo "page of db" >"$R/www/index.html"
on_exit "clean_up_after '$R'"
need_netns || { echo "Bail out! cannot wire the test's namespaces"; exit 1; }

is "$(H "$CSPAWN" network create app --subnet 10.90.0.0/24)" app "network create NAME --subnet"
err=$(H "$CSPAWN" network create other --subnet 10.90.0.128/25 2>&1)
like "$?:$err" "^1:.*--subnet 10.90.0.128/25 overlaps network app \(10.90.0.0/24\)" "an overlapping subnet is refused, naming the network"
err=$(H "$CSPAWN" network create big --subnet 10.0.0.0/8 2>&1)
like "$err" "overlaps network (bridge|app)" "... also when the new one holds an existing one"
err=$(H "$CSPAWN" network create app 2>&1)
like "$?:$err" "^1:.*network app already exists" "a name in use is refused"
err=$(H "$CSPAWN" network create bridge 2>&1)
like "$err" "network name 'bridge' is reserved" "the default's name is reserved"
err=$(H "$CSPAWN" network create spare --subnet 10.91.0.1/24 2>&1)
like "$err" "--subnet '10.91.0.1/24': expected an IPv4 network" "host bits in --subnet are refused"
H "$CSPAWN" network create spare >/dev/null
ls=$(H "$CSPAWN" network ls)
like "$ls" "^NAME.*
bridge +cspawn0 +10.88.0.0/16 +10.88.0.1 +0
app +cspawn1 +10.90.0.0/24 +10.90.0.1 +0
spare +cspawn2 +10.89.0.0/24 +10.89.0.1 +0$" "network ls: the default first, then by name; a default subnet from 10.89.0.0/16"
is "$(H "$CSPAWN" network rm spare)" spare "network rm of an unused network"
is "$(H "$CSPAWN" network ls -q | tr '\n' ' ')" "bridge app " "... and it is gone"

db=$(cname db)
web=$(cname web)
"${HCS[@]}" --net app --name "$db" "$R" httpd -f -p 80 -h /www &
dbmon=$!
on_exit "kill -KILL $dbmon"
wait_cspawn_exec "$dbmon"
db_hosts() { cat "/proc/$(ctr_pid "$dbmon")/root/etc/hosts" 2>/dev/null; }
wait_until 20 eval 'db_hosts | grep -q "^10.90.0.2	$db$"'
ok $? "db's /etc/hosts (as it sees it) names itself at 10.90.0.2, the first free address"

inspect=$(H "$CSPAWN" network inspect app)
like "$inspect" '"subnet": "10.90.0.0/24"' "network inspect: JSON with the subnet"
like "$inspect" "\"name\": \"$db\", \"ip\": \"10.90.0.2\"" "... and the containers with their addresses"
err=$(H "$CSPAWN" network rm app 2>&1)
like "$?:$err" "^1:.*network app is in use by container $db" "network rm of a network in use is refused, naming a container"

# web joins: it reaches db by name, and db's hosts file learns web's name.
mkfifo "$TMP/go"
"${HCS[@]}" --no-init --net app --name "$web" --hostname www --dns 192.0.2.53 \
	--dns-search example.test --add-host gw.example.test:192.0.2.1 -v "$TMP/go:/go" "$R" sh -c '
	wget -q -O - http://'"$db"'/ > /tmp/got; cat /etc/hosts /etc/resolv.conf /etc/hostname > /tmp/files
	read x < /go' >/dev/null 2>&1 &
webmon=$!
on_exit "kill -KILL $webmon"
wait_cspawn_exec "$webmon"
web_file() { cat "/proc/$(ctr_pid "$webmon")/root/tmp/$1" 2>/dev/null; }
wait_until 20 eval 'web_file files | grep -q www'
is "$(web_file got)" "page of db" "a container reaches another on its network by name"
files=$(web_file files)
like "$files" "10.90.0.3	$web www" "its /etc/hosts: its own address, name and --hostname"
like "$files" "10.90.0.2	$db" "... db's"
like "$files" "192.0.2.1	gw.example.test" "... and --add-host"
like "$files" "nameserver 192.0.2.53" "--dns is the nameserver of its resolv.conf"
like "$files" "search example.test" "... and --dns-search its search list"
[[ "$(echo "$files" | grep nameserver)" != *127.* ]]
ok $? "... with no loopback nameserver"
wait_until 10 eval 'db_hosts | grep -q "^10.90.0.3	$web www$"'
ok $? "db's /etc/hosts, same inode as bound, now names web"
timeout 10 sh -c 'echo >"$0"' "$TMP/go"
wait_bounded "$webmon" 20
wait_until 10 eval '! db_hosts | grep -q "$web"'
ok $? "... and forgets it once web is gone"

# The host's resolv.conf, as containers get it: loopback servers dropped,
# and Docker's public defaults when nothing else is left.
printf 'nameserver 127.0.0.1\nnameserver 192.0.2.53\nsearch corp.test\noptions ndots:2\n' >"$TMP/resolv.mixed"
printf 'nameserver 127.0.0.1\n' >"$TMP/resolv.local"
with_resolv() {
	H unshare --mount sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$1" \
		timeout -s KILL 60 "${CS[@]}" --no-init --net app "$R" cat /etc/resolv.conf
}
got=$(with_resolv "$TMP/resolv.mixed" | grep -v '^#' | tr '\n' ' ')
is "$got" "nameserver 192.0.2.53 search corp.test options ndots:2 " "the host's resolv.conf without its loopback nameserver"
got=$(with_resolv "$TMP/resolv.local" | grep -v '^#' | tr '\n' ' ')
is "$got" "nameserver 8.8.8.8 nameserver 8.8.4.4 " "only loopback nameservers: public defaults instead"

kill -TERM "$dbmon"
wait_bounded "$dbmon" 20
is $? 143 "db ends with SIGTERM's code"
is "$(H "$CSPAWN" network rm app)" app "network rm once no container uses it"
check_no_net_leftovers
ls "$CSPAWN_ROOT/run/.net" 2>/dev/null | grep -q .
ok $((!$?)) "no attachment is left in the runtime state"
check_no_leftovers
