#!/bin/bash
# An image's config Volumes (issues 9 and 11): each path gets an anonymous
# volume unless a -v covers it; rm -v removes those of a detached run, and
# a foreground run's go at its end.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/image.sh"
need_root_tools
need_static_cinit
need_image_tools

plan 7

on_exit "clean_up_after '$TMP'"
load_layout_image
ok $? "an OCI layout (its config has Volumes: /data) loaded into the store"
name=$IMAGE
VOLS=$CSPAWN_ROOT/lib/volumes
vols_of() { csm inspect "$1" | python3 -c '
import json, sys
for v in json.load(sys.stdin)[0]["Config"].get("volumes", []):
    print(v["destination"], "anonymous" if v["anonymous"] else v["name"])'; }

run_d --name img "$name" -c 'sleep 1000' >/dev/null
is "$(vols_of img)" "/data anonymous" "run -d IMAGE: an anonymous volume at the image's /data"
anon=$(csm inspect img | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Config"]["volumes"][0]["name"])')
csm rm -f -v img >/dev/null
ok "$(test ! -e "$VOLS/$anon"; echo $?)" "rm -v removes it"
run_d --name img2 -v mine:/data "$name" -c 'sleep 1000' >/dev/null
is "$(vols_of img2)" "/data mine" "-v NAME:/data covers the image's volume: no anonymous one"
csm rm -f -v img2 >/dev/null
is "$(ls "$VOLS")" mine "... and rm -v keeps the named one"
csm volume rm mine >/dev/null
cs "$name" -c 'test -d /data' >/dev/null 2>&1
is "$(ls -A "$VOLS")" "" "a foreground run of the image: its anonymous volume goes at its end"

check_no_leftovers
