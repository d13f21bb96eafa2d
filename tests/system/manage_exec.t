#!/bin/bash
# cspawn exec (issue 9, item 5; item 7 for -t): a process enters every
# namespace and the cgroup of a running container, with its capabilities,
# seccomp filter, no_new_privs and user, sees no descriptor and no cwd of
# the host's, and passes its exit status and cspawn's signals through; -t
# gives it a terminal of the container's own devpts.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 40

chmod 755 "$TMP" # for the root of a user namespace
R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"
printf 'not a program\n' >"$R/bin/notexec"
chmod 644 "$R/bin/notexec"

id=$(run_d --name web -e FROM_RUN=yes "$R" sh -c 'echo $$ >/tmp/pid1; while :; do sleep 0.05; done')
is $? 0 "a detached container runs"
running() { [ -s "$R/tmp/pid1" ]; }
wait_until 10 running

is "$(csm exec web echo hello)" hello "exec: the command's output"
csm exec web sh -c 'exit 7'
is $? 7 "... and its exit code"
out=$(csm exec web nosuch 2>&1)
is $? 127 "a missing command: 127"
like "$out" "nosuch.*No such file" "... saying which"
out=$(csm exec web /bin/notexec 2>&1)
is $? 126 "a file that cannot be executed: 126"
like "$out" "notexec.*Permission denied" "... saying why"

# the same namespaces, cgroup and privileges as PID 1, seen from inside
same() { csm exec web sh -c "[ \"\$($1 /proc/self/$2)\" = \"\$($1 /proc/1/$2)\" ] && echo same"; }
for ns in pid mnt net ipc uts cgroup user; do
	is "$(same readlink ns/$ns)" same "the $ns namespace is PID 1's"
done
is "$(same cat cgroup)" same "the cgroup is PID 1's"
status_lines() { grep -E '^(Cap|NoNewPrivs|Seccomp)' "$1"; }
host_pid1=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])' \
	< <(csm inspect web))
cg=$(csm inspect web | python3 -c 'import json,sys; c=json.load(sys.stdin)[0]["Cgroup"]; print(len(c["Paths"]) > 0, sys.argv[1] in map(str, c["Pids"]))' "$host_pid1")
is "$cg" "True True" "inspect: the cgroup's paths, and its pids with PID 1's"
is "$(csm exec web grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status)" \
	"$(status_lines "/proc/$host_pid1/status")" "capabilities, no_new_privs and seccomp are PID 1's"
is "$(csm exec web sh -c 'cat /proc/1/cmdline | tr "\0" " "')" \
	"$(tr '\0' ' ' <"/proc/$host_pid1/cmdline")" "... and its /proc is the container's (PID 1 is the container's)"

# no descriptor and no cwd of the host's (CVE-2024-21626 class)
mkdir -p "$TMP/hostcwd"
# (3 is ls's own descriptor of the directory it lists)
fds=$(cd "$TMP/hostcwd" && exec 7<"$TMP" 8>"$TMP/f" && csm exec web ls /proc/self/fd | tr "\n" " "
	csm exec web readlink /proc/self/cwd)
is "$fds" "0 1 2 3 /" "only 0, 1 and 2 reach it, and its cwd is the container's root"
is "$(csm exec web cat /proc/self/status | grep ^Uid | tr -s '\t' ' ')" "Uid: 0 0 0 0" "as the container's user by default"
is "$(csm exec -u app -w /tmp web sh -c 'id -un; id -G; pwd')" "$(printf 'app\n1000 2000\n/tmp')" \
	"-u and -w: the user with its groups, in that directory"
is "$(csm exec -e FOO=bar -e FROM_RUN=over web sh -c 'echo $FOO $FROM_RUN $PATH')" \
	"bar over /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	"-e adds and overrides the container's environment"
is "$(csm exec web sh -c 'echo $FROM_RUN')" yes "... which it has otherwise"

# stdin only with -i
is "$(echo piped | csm exec web cat)" "" "without -i, stdin is empty"
is "$(echo piped | csm exec -i web cat)" piped "-i: stdin reaches it"

# -d: returns at once, the process runs on
csm exec -d web sh -c 'sleep 0.2; echo done >/tmp/detached'
is $? 0 "-d returns 0"
detached() { [ -s "$R/tmp/detached" ]; }
wait_until 10 detached
ok $? "... and the process runs on after it"

# signals to cspawn exec reach the process
# (not through timeout(1), which would signal the test's process group too)
"$CSPAWN" exec web sh -c 'trap "exit 5" TERM; echo ready >/tmp/trap; while :; do sleep 0.05; done' &
ex=$!
trapped() { [ -s "$R/tmp/trap" ]; }
wait_until 10 trapped
kill -TERM $ex
wait_bounded $ex 10
is $? 5 "SIGTERM to cspawn exec reaches the process, whose status comes back"

# a terminal of the container's own devpts, with a terminal the test made
ptyrun() { timeout -s KILL 30 python3 "$(dirname "$0")/../helpers/ptyrun.py" "$@"; }
tty_out=$(ptyrun 33 99 -- "$CSPAWN" exec -it web sh -c 'tty; stty size; test -t 0 && echo interactive')
like "$tty_out" "^/dev/pts/[0-9]+" "-t: a terminal ..."
like "$tty_out" "33 99" "... with the size of cspawn's own"
like "$tty_out" "interactive" "... as its stdin"
is "$(csm exec web sh -c 'ls /dev/pts/ | grep -v ptmx | wc -l')" 0 "... from the container's devpts (none is left in it)"
ptyrun 24 80 --stty-before "$TMP/before" --stty-after "$TMP/after" -- "$CSPAWN" exec -it web true >/dev/null
is "$(cat "$TMP/after")" "$(cat "$TMP/before")" "the terminal's modes are restored after -it"
like "$(cat "$TMP/before")" . "... (which were read)"

# a container with a user namespace: the process is in it, as its root
uid=$(run_d --name u --userns "$R" sh -c 'while :; do sleep 0.05; done')
is "$(csm exec u sh -c 'cat /proc/self/uid_map | tr -s " "; id -u; [ "$(readlink /proc/self/ns/user)" = "$(readlink /proc/1/ns/user)" ] && echo same')" \
	"$(csm exec u sh -c 'cat /proc/1/uid_map | tr -s " "'; printf '0\nsame')" \
	"--userns: the process shares PID 1's user namespace and mapping, as root in it"
csm rm -f u >/dev/null

# cinit's control socket from the host (issue 12, item 5)
cat >"$TMP/two.ini" <<'INI'
[service:alpha]
command = sh -c 'while :; do sleep 1; done'
[service:beta]
command = sh -c 'while :; do sleep 1; done'
INI
run_d --name sup -c "$TMP/two.ini" "$R" >/dev/null
both_up() { [ "$(csm exec sup cinit ctl status 2>/dev/null | grep -c RUNNING)" = 2 ]; }
wait_until 10 both_up
ok $? "exec NAME cinit ctl status: the container's services, from the host"
like "$(csm exec sup cinit ctl status alpha)" "^alpha +RUNNING +pid [0-9]+" "... one by name"
csm rm -f sup >/dev/null

# refusals
out=$(csm exec nosuchctr true 2>&1)
is "$?:$out" "125:cspawn: no such container: nosuchctr" "no such container: 125"
csm stop -t 1 web >/dev/null
out=$(csm exec web true 2>&1)
is "$?:$out" "125:cspawn: container web is not running" "a stopped container: 125, said so"
csm rm web >/dev/null
check_no_leftovers
