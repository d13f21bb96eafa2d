#!/bin/bash
# cspawn commit (issue 11, item 6): a container's writable layer becomes a
# new layer on its image (overlay whiteouts turned back into .wh. entries),
# with a new config and manifest; running the new image shows the change
# and the deletion, and the base image is untouched.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/image.sh"
need_root_tools
need_static_cinit
need_image_tools

plan 9

on_exit "clean_up_after '$TMP'"
load_layout_image
name=$IMAGE

run_d --name box -u 0 "$name" -c 'trap "exit 0" TERM; while :; do sleep 0.05; done' >/dev/null
is $? 0 "a container of the image runs"
csm exec -u 0 box sh -c 'echo changed >/added; rm /two; mkdir -p /d/e; echo x >/d/e/f'
csm stop -t 2 box >/dev/null
out=$(csm commit -m "a change" box localhost/committed:1)
is $? 0 "commit exits 0 ..."
like "$out" '^sha256:[0-9a-f]{64}$' "... and prints the new image's id"
like "$(csm images)" "localhost/committed +1" "the new image is listed under its tag"

got=$(cs --net none -u 0 localhost/committed:1 -c 'cat /added /d/e/f; test -e /two || echo no-two; test -e /hello || echo no-hello' 2>&1)
is "$got" "$(printf 'changed\nx\nno-two\nno-hello')" "the new image has the file, the directory, and not the deleted file"
is "$(cs --net none -u 0 "$name" -c 'test -e /added || echo no-added; cat /two' 2>&1)" "$(printf 'no-added\ntwo')" \
	"the base image is as it was"
like "$(csm image inspect localhost/committed:1)" '"Comment": "a change"' "the message is in its config"

R=$TMP/root
make_rootfs "$R"
run_d --name dir "$R" true >/dev/null
like "$(csm commit dir localhost/nope:1 2>&1)" "container dir was not made from an image" \
	"a container of a directory root: refused, said why"
csm rm -f box dir >/dev/null
csm rmi localhost/committed:1 "$name" >/dev/null 2>&1
check_no_leftovers
