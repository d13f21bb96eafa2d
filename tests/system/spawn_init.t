#!/bin/bash
# cinit as the container's PID 1: the binary beside cspawn (or --init),
# bind-mounted read-only; -c runs a host config; an image's /etc/cinit.ini
# runs when no command is given.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools

need_static_cinit

plan 15

R=$TMP/root
L=$TMP/layer
make_rootfs "$R"
mkdir -p "$L/etc"
on_exit "clean_up_after '$R'"

is "$(cs "${INIT[@]}" "$R" sh -c 'cat /proc/1/comm; readlink /proc/1/exe')" "cinit
/dev/.cspawn/cinit" "PID 1 is cinit, from cspawn's own /dev, not the root"
like "$(cs "${INIT[@]}" "$R" ps -o pid,args)" "1 cinit -- ps -o pid,args" "... running the command through --"
cs "${INIT[@]}" "$R" sh -c 'exit 6'
is $? 6 "the command's exit code passes through cinit"
cs "${INIT[@]}" "$R" sh -c 'kill -KILL $$'
is $? 137 "a command killed by SIGKILL: 128+9"
is "$(echo 'echo from-stdin' | cs "${INIT[@]}" "$R")" from-stdin "no command: /bin/sh"

sum=$(md5sum <"$STATIC_CINIT")
like "$(cs "${INIT[@]}" "$R" grep ' /dev/.cspawn/cinit ' /proc/mounts)" " ro,nosuid,nodev" \
	"cinit is bound read-only (nothing inside can write the host's binary)"
like "$(cs "${INIT[@]}" "$R" sh -c 'echo x >> /proc/1/exe' 2>&1)" "can't create /proc/1/exe" \
	"... not even through /proc/1/exe"
is "$(md5sum <"$STATIC_CINIT")" "$sum" "the host's cinit is unchanged"
ok "$(test ! -e "$R/dev/.cspawn" && test ! -e "$R/.cinit"; echo $?)" "nothing was written into the root"

cp "$STATIC_CINIT" "$TMP/my-cinit"
echo "trailing bytes make this copy unique" >>"$TMP/my-cinit"
is "$(cs --init "$TMP/my-cinit" "$R" md5sum /proc/1/exe | cut -d' ' -f1)" \
	"$(md5sum <"$TMP/my-cinit" | cut -d' ' -f1)" "--init PATH: that binary is PID 1"

cat >"$TMP/host.ini" <<'INI'
[service:hello]
command = sh -c "echo hello from the host config; exit 3"
main = yes
stdout = inherit
INI
out=$(cd "$TMP" && cs "${INIT[@]}" -c host.ini "$R" 2>/dev/null)
is "$?:$out" "3:hello from the host config" "-c FILE: cinit runs the host's config"

cat >"$L/etc/cinit.ini" <<'INI'
[service:image]
command = echo hello from the image
main = yes
stdout = inherit
INI
is "$(cs "${INIT[@]}" --layer "$L" "$R" 2>/dev/null)" "hello from the image" \
	"no command and an /etc/cinit.ini in the root: cinit runs it"

# A supervisord.conf inside the root, named the way images do (issue 17,
# item 6): no copy on the host, no command.
mkdir -p "$L/etc/supervisor"
cat >"$L/etc/supervisor/supervisord.conf" <<'INI'
[supervisord]
nodaemon=true
[program:hello]
command=sh -c "echo hello from supervisord.conf; kill -TERM 1"
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
autorestart=false
INI
is "$(cs "${INIT[@]}" -e CINIT_CONFIG=/etc/supervisor/supervisord.conf --layer "$L" "$R" 2>/dev/null)" \
	"hello from supervisord.conf" "-e CINIT_CONFIG=PATH and no command: cinit runs that config of the root"

err=$(cs --no-init -c "$TMP/host.ini" "$R" 2>&1)
like "$?:$err" "^125:.*-c needs cinit" "-c with --no-init is refused"

check_no_leftovers
