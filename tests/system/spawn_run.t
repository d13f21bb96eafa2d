#!/bin/bash
# cspawn runs a command in new namespaces and passes its exit code through;
# its own failures are 125 with a message naming the step.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools

plan 35

R=$TMP/root
make_rootfs "$R"
mkdir -p "$TMP/share"
on_exit "clean_up_after '$R'"

cs --no-init "$R" true
is $? 0 "true: exit 0"
cs --no-init "$R" sh -c 'exit 3'
is $? 3 "the command's exit code passes through"

err=$(cs --no-init "$R" no-such-command 2>&1)
is $? 127 "a command that is not there: 127"
like "$err" "exec no-such-command: No such file or directory" "... and the message names it"

err=$(cs --no-init "$TMP/missing" true 2>&1)
is $? 125 "a missing root: 125"
like "$err" "ROOTFS $TMP/missing: No such file or directory" "... naming the root and the reason"

err=$(cs --bogus "$R" true 2>&1)
is $? 125 "an unknown flag: 125"
like "$err" "unknown option.*--bogus" "... named on stderr"
like "$err" "usage: cspawn" "... with the usage"
err=$(cs --memory lots "$R" true 2>&1)
like "$err" "--memory 'lots'" "a bad value is named"
err=$(cs --init /nonexistent/cinit "$R" true 2>&1)
is $? 125 "a missing cinit: 125"
# A mount the kernel refuses (the options reach it unchecked) and a cgroup
# that cannot be made: 125, naming the step and the reason.
err=$(cs --no-init --tmpfs /x:size=lots "$R" true 2>&1)
like "$?:$err" "^125:cspawn: .*: mounting tmpfs on /x: mount option size=lots: Invalid argument" "a mount that fails: 125, named"
err=$(CSPAWN_CGROUP_ROOT=$TMP/no-cgroups cs --no-init "$R" true 2>&1)
like "$?:$err" "^125:cspawn: .*: creating cgroup $TMP/no-cgroups/cspawn: No such file or directory" \
	"a cgroup that cannot be made: 125, named"

# Descriptors: the container gets stdin, stdout and stderr, nothing of
# cspawn's (its lock, its pipes) or of cspawn's caller (fd 7 here).
# A child of PID 1's shell shows what the container started with (the shell's
# own descriptors come and go as it sets up pipes and redirections).
# It is looked at once it has exec'd sleep: the shell's fork holds the
# shell's own until then.
is "$(cs --no-init "$R" sh -c 'sleep 30 & i=0; until [ "$(tr "\0" " " </proc/$!/cmdline)" = "sleep 30 " ] || [ $i -gt 500 ]; do i=$((i+1)); done; ls /proc/$!/fd | tr "\n" " "; kill $!' 7</dev/null)" "0 1 2 " \
	"no descriptor but 0, 1 and 2 reaches the container"

# Started with SIGCHLD ignored (a parent may leave it so across exec): the
# kernel must not reap the container behind cspawn's back.
timeout -s KILL 10 bash -c 'trap "" CHLD; exec "$0" "$@"' "${CS[@]}" --no-init "$R" sh -c 'exit 3'
is $? 3 "started with SIGCHLD ignored: the exit code still passes through"

# Killed by a signal from outside: 128+N.
"${CS[@]}" --no-init --name "$(cname killed)" -v "$TMP/share:/share" "$R" \
	sh -c 'echo up > /share/up; while :; do sleep 1; done' &
mon=$!
wait_until 5 test -e "$TMP/share/up"
init=$(pgrep -P "$mon")
kill -KILL "$init"
wait_bounded $mon
is $? 137 "PID 1 killed by SIGKILL: 137"

ns=$(cs --no-init "$R" sh -c 'echo $$; for n in pid mnt uts ipc net cgroup; do readlink /proc/self/ns/$n; done')
is "$(echo "$ns" | head -1)" 1 "the command is PID 1 of a new pid namespace"
same=0
for n in pid mnt uts ipc net cgroup; do
	echo "$ns" | grep -qx "$(readlink /proc/self/ns/$n)" && same=$((same + 1))
done
is $same 0 "pid, mount, uts, ipc, net and cgroup namespaces are all new"

is "$(cs --no-init --name "$(cname host)" "$R" hostname)" "$(cname host)" "the hostname is the name"
is "$(cs --no-init --hostname box "$R" hostname)" box "--hostname"
like "$(cs --no-init "$R" hostname)" '^cspawn-[0-9]+-[0-9a-f]{4}$' "a generated name"

env=$(FROM_HOST=yes cs --no-init -e A=1 -e FROM_HOST -e PATH=/bin -e UNSET_ONE "$R" env)
like "$env" '^A=1$' "-e KEY=VAL"
like "$env" '^FROM_HOST=yes$' "-e KEY passes the caller's value"
like "$env" '^PATH=/bin$' "-e overrides a default"
like "$env" '^HOME=/root$' "HOME from the root's passwd"

is "$(cs --no-init -w /work/dir "$R" pwd)" /work/dir "-w creates and enters the directory"
rmdir "$R/work/dir" "$R/work"

is "$(cs --no-init -u app "$R" id)" "uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)" \
	"-u NAME: ids and groups from the root's /etc"
is "$(cs --no-init -u 1234:2000 "$R" sh -c 'echo $(id -u):$(id -g)')" 1234:2000 "-u UID:GID"
err=$(cs --no-init -u nosuchuser "$R" id 2>&1)
like "$err" "user 'nosuchuser' not found in /etc/passwd" "-u with an unknown name fails, named"

# The image's /etc/passwd is the image's to choose: a FIFO there must not
# hang cspawn (whose signals are blocked while its child starts).
F=$TMP/fifo-root
make_rootfs "$F"
rm "$F/etc/passwd"
mkfifo "$F/etc/passwd"
err=$(timeout -s KILL 10 "$CSPAWN" --net none "${INIT[@]}" --no-init "$F" true 2>&1)
is "$?" 125 "a FIFO as the image's /etc/passwd: 125, not a hang"
like "$err" "/etc/passwd: not a regular file" "... saying why"

is "$(cs --no-init "$R" sh -c 'ls /sys/class/net; cat /sys/class/net/lo/operstate')" "lo
unknown" "--net none (default): only lo"
like "$(cs --no-init "$R" ip -o link show lo)" "<LOOPBACK,UP" "... and lo is up"
is "$(cs --no-init --net host "$R" ls /sys/class/net | sort)" "$(ls /sys/class/net | sort)" \
	"--net host: the host's interfaces"

check_no_leftovers
