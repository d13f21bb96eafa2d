#!/bin/bash
# Shutdown by priority (issue 17, item 2), as supervisord does it: with no
# dependencies in the file, programs stop in descending priority, one level
# at a time, each level waited for (up to its stopwaitsecs) before the next
# is signalled. Native depends keep their reverse-dependency order.
. "$(dirname "$0")/../lib/tap.sh"
plan 6

# prog NAME PRIORITY: records its TERM, takes half a second to exit, then
# records that it is done
prog() {
	cat <<EOF
[program:$1]
command=sh -c 'trap "echo $1 term >> $TMP/log; sleep 0.5; echo $1 done >> $TMP/log; exit 0" TERM; echo \$\$ > $TMP/$1.pid; while :; do sleep 0.05; done'
priority=$2
startsecs=0
EOF
}
{
	echo "[supervisord]"
	echo "nodaemon=true"
	prog db 10
	prog cache 10
	prog app 20
	prog web 30
} >"$TMP/levels.conf"
up() { for n in db cache app web; do [ -s "$TMP/$n.pid" ] || return 1; done; }

start_in_pidns "$TMP/levels.out" "$TMP/levels.err" "$CINIT" -c "$TMP/levels.conf"
wait_until 10 up
ok $? "four programs at three priorities are up"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 0 "SIGTERM: a clean shutdown"
is "$(head -3 "$TMP/log" | tr '\n' ' ')" "web term web done app term " \
	"the highest priority stops first and is waited for before the next level is told"
is "$(sed -n '4p' "$TMP/log")" "app done" "the middle level has exited before the lowest is signalled"
is "$(tail -4 "$TMP/log" | sort | tr '\n' ' ')" "cache done cache term db done db term " \
	"the two programs of the lowest level stop together, last"

# a level whose program ignores TERM holds the next one until its
# stopwaitsecs, then it is killed and the next level goes on
cat >"$TMP/stuck.conf" <<EOF
[supervisord]
nodaemon=true
[program:db]
command=sh -c 'trap "echo db term >> $TMP/stuck.log; exit 0" TERM; echo \$\$ > $TMP/db2.pid; while :; do sleep 0.05; done'
priority=1
[program:web]
command=sh -c 'trap "echo web ignores term >> $TMP/stuck.log" TERM; echo \$\$ > $TMP/web2.pid; while :; do sleep 0.05; done'
priority=2
stopwaitsecs=1
EOF
start_in_pidns "$TMP/stuck.out" "$TMP/stuck.err" "$CINIT" -c "$TMP/stuck.conf"
wait_until 10 test -s "$TMP/web2.pid" -a -s "$TMP/db2.pid"
kill -TERM "$NS_INIT"
ns_wait 20
is "$(tr '\n' ' ' <"$TMP/stuck.log")" "web ignores term db term " \
	"a program that outlives its stopwaitsecs is killed before the next level is signalled"
