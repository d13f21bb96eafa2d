#!/bin/bash
# run IMAGE (issue 11, item 4): an image of the store as the root (its
# layers shared and never written, a writable layer on top), with docker's
# rules for its config: Entrypoint and Cmd (--entrypoint, a command given),
# Env under -e, User, WorkingDir; run -d of an image, which rmi then keeps.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/image.sh"
need_root_tools
need_static_cinit
need_image_tools

plan 18

on_exit "clean_up_after '$TMP'"
load_layout_image
ok $? "an OCI layout loaded into the store"
name=$IMAGE
diag "image: $name"

is "$(cs --net none "$name" 2>&1)" hi "no command: the image's Entrypoint with its Cmd"
is "$(cs --net none "$name" -c 'id -u; pwd; echo $FOO' 2>&1 | tr '\n' ' ')" "1000 /home/app bar " \
	"a command replaces Cmd, after the Entrypoint; the image's User, WorkingDir and Env"
is "$(cs --net none -u 0 -w / -e FOO=mine "$name" -c 'id -u; pwd; echo $FOO' 2>&1 | tr '\n' ' ')" \
	"0 / mine " "-u, -w and -e win over the image's"
is "$(cs --net none --entrypoint /bin/echo "$name" replaced 2>&1)" replaced \
	"--entrypoint replaces the Entrypoint (and drops Cmd)"
is "$(cs --net none -u 0 "$name" -c 'test -e /hello && echo hello; cat /two' 2>&1)" two \
	"the layers: the second's file there, the file it deleted gone"

layers=$(csm image inspect "$name" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)[0]["Layers"]))')
before=$(for l in $layers; do find "$l" -printf '%p %s %T@\n'; done | md5sum)
cs --net none -u 0 "$name" -c 'echo w > /written; rm /two' >/dev/null 2>&1
is "$(cs --net none -u 0 "$name" -c 'cat /written /two' 2>&1)" "cat: can't open '/written': No such file or directory
two" "a run's writes are its own writable layer's: the next run sees the image"
is "$(for l in $layers; do find "$l" -printf '%p %s %T@\n'; done | md5sum)" "$before" \
	"... and the image's layers are untouched"

out=$(cs --net none nosuchimage true 2>&1)
is $? 125 "an image that is not there: 125"
like "$out" "nosuchimage: no such directory, and no image of that name" "... said so"

# An image whose program is its supervisor's config: no Entrypoint, no
# Cmd, CINIT_CONFIG naming the file (docker's image would name the
# supervisor as its ENTRYPOINT).
mkdir -p "$TMP/cfg/etc"
printf '[service:hello]\ncommand = echo from the config\nmain = yes\nstdout = inherit\n' >"$TMP/cfg/etc/app.ini"
tar -C "$TMP/cfg" -cf "$TMP/cfg.tar" etc &&
	umoci raw add-layer --image "$TMP/layout:1" --tag cfg "$TMP/cfg.tar" >/dev/null 2>&1 &&
	umoci config --image "$TMP/layout:cfg" --clear config.entrypoint --clear config.cmd \
		--config.env CINIT_CONFIG=/etc/app.ini --config.user 0 >/dev/null 2>&1 &&
	csm load --oci "$TMP/layout:cfg" >/dev/null 2>&1
ok $? "an image with no command and CINIT_CONFIG loaded"
cfgname=localhost/layout:cfg
is "$(cs --net none "$cfgname" 2>/dev/null)" "from the config" \
	"... runs cinit on the config it names (its three layers make a lowerdir longer than the 255 bytes fsconfig takes)"
csm rmi "$cfgname" >/dev/null 2>&1

id=$(run_d --name app --label mine=1 "$name" -c 'trap "exit 0" TERM; while :; do sleep 0.05; done')
is $? 0 "run -d of an image"
like "$(csm ps)" "$name .* app" "ps shows the image"
is "$(csm inspect app | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)[0]["Config"]["labels"].items()))')" \
	"[('mine', '1'), ('org.test', 'yes')]" "labels: the image's and --label's"
like "$(csm rmi "$name" 2>&1)" "in use|used" "rmi of an image a container uses is refused"
csm rm -f app >/dev/null
csm rmi "$name" >/dev/null 2>&1
is "$(csm images -q 2>/dev/null | grep -c .)" 0 "... and allowed once the container is gone"
check_no_leftovers
