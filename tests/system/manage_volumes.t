#!/bin/bash
# Volumes (issue 9, item 8): -v NAME:CTR uses <lib>/volumes/NAME/_data,
# made on first use and filled from the root's content there (owners,
# modes, xattrs and hard links kept, the merged view of layers, symlinks
# resolved inside the root); it outlives rm. -v CTR makes an anonymous
# volume, which rm -v (and the end of a foreground run) removes. volume create, ls, inspect, rm and
# prune; rm of a volume in use is refused, naming the container (one whose
# record is broken too: its spec names its volumes, until rm -f [-v]).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 54

chmod 755 "$TMP" # for the root of a user namespace
R=$TMP/root
make_rootfs "$R"
mkdir -p "$R/data/sub"
echo seed >"$R/data/seed"
chown 1000:2000 "$R/data/seed"
chmod 0640 "$R/data/seed"
chmod 0750 "$R/data/sub"
chown 1000:1000 "$R/data"
on_exit "clean_up_after '$R'"
VOLS=$CSPAWN_ROOT/lib/volumes

# first use: made and filled from the root
out=$(cs -v data1:/data "$R" sh -c 'ls -ln /data | sed 1d | awk "{print \$1, \$3, \$4, \$9}" | tr "\n" " "' 2>&1)
is "$out" "-rw-r----- 1000 2000 seed drwxr-x--- 0 0 sub " \
	"first use: the root's /data copied in, owners and modes kept"
is "$(stat -c '%u:%g %a' "$VOLS/data1/_data")" "1000:1000 755" \
	"... the volume's root takes the owner and mode of the root's directory"
ok "$(test -f "$VOLS/data1/volume.json"; echo $?)" "... its record is in <lib>/volumes/NAME"

# write in one container, rm it, the same bytes in a new one
id=$(run_d --name writer -v data1:/data "$R" sh -c 'head -c 65536 /dev/urandom >/data/blob && md5sum /data/blob >/data/sum.txt && sleep 1000')
wait_until 10 test -s "$VOLS/data1/_data/sum.txt"
ok $? "a detached container writes into the volume"
written=$(cut -d' ' -f1 "$VOLS/data1/_data/sum.txt")
csm rm -f writer >/dev/null
is "$?" 0 "rm of the container"
ok "$(test -d "$VOLS/data1/_data"; echo $?)" "... the named volume outlives it"
id=$(run_d --name reader -v data1:/data "$R" sh -c 'md5sum /data/blob; sleep 1000')
wait_until 10 eval 'csm logs reader 2>/dev/null | grep -q blob'
is "$(csm logs reader 2>/dev/null | cut -d' ' -f1)" "$written" "a new container reads the same bytes"

# a volume that holds something is not filled again
echo other >"$R/data/seed"
is "$(cs -v data1:/data "$R" cat /data/seed 2>&1)" seed "a volume with content is not filled again"
echo seed >"$R/data/seed"

# layers: the merged view, whiteouts hiding what they hide
L=$TMP/layer
mkdir -p "$L/data"
echo c >"$L/data/c"
mknod "$L/data/seed" c 0 0
is "$(cs --layer "$L" -v layered:/data "$R" ls /data 2>&1 | tr '\n' ' ')" "c sub " \
	"with --layer: filled from the merged root (a layer's file in, a whited-out one not)"
ok "$(grep -qs "$TMP" /proc/self/mountinfo; test $? -ne 0; echo $?)" "... with nothing mounted on the host"

# hard links stay links; xattrs (user.*, security.capability) are copied
mkdir -p "$R/linked/sub" "$L/linked"
echo one >"$R/linked/f"
ln "$R/linked/f" "$R/linked/sub/g"
echo two >"$L/linked/h"
ln "$L/linked/h" "$L/linked/h2"
xattrs() { python3 -c '
import os, sys
for p in sys.argv[1:]:
    print(" ".join(f"{k}={os.getxattr(p, k, follow_symlinks=False).hex()}" for k in sorted(os.listxattr(p, follow_symlinks=False))))' "$@"; }
# cap_net_bind_service+ep, as setcap writes it (VFS_CAP_REVISION_2)
python3 -c '
import os, struct, sys
os.setxattr(sys.argv[1] + "/f", "user.note", b"kept")
os.setxattr(sys.argv[1] + "/sub", "user.dir", b"d")
os.setxattr(sys.argv[1] + "/f", "security.capability", struct.pack("<5I", 0x02000001, 1 << 10, 0, 0, 0))
os.setxattr(sys.argv[2] + "/h", "user.layer", b"l")' "$R/linked" "$L/linked"
cs -v links:/linked "$R" true >/dev/null 2>&1
V=$VOLS/links/_data
is "$(stat -c %i "$V/f") $(stat -c %h "$V/f")" "$(stat -c %i "$V/sub/g") 2" \
	"a file with two names in the root: one file with two names in the volume"
is "$(xattrs "$V/f" "$V/sub")" "$(xattrs "$R/linked/f" "$R/linked/sub")" \
	"... its xattrs copied: user.* on files and directories, security.capability"
cs --layer "$L" -v llinks:/linked "$R" true >/dev/null 2>&1
V=$VOLS/llinks/_data
is "$(stat -c %i "$V/h") $(stat -c %h "$V/h")" "$(stat -c %i "$V/h2") 2" \
	"with --layer: the merged view's hard links stay links"
is "$(xattrs "$V/h" "$V/f")" "$(xattrs "$L/linked/h" "$R/linked/f")" "... and its xattrs are copied"
csm volume rm links llinks >/dev/null

# a fill cut short is done again, not taken as the volume's content: a
# file of the root whose read fails (/proc/PID/mem at 0: EIO) stops it
mkdir -p "$R/half"
for i in 1 2 3 4; do echo "$i" >"$R/half/f$i"; done
echo whole >"$R/half/mem"
mount --bind "/proc/$$/mem" "$R/half/mem"
on_exit "umount '$R/half/mem' 2>/dev/null"
like "$(cs -v half:/half "$R" true 2>&1)" "reading mem: Input/output error \\(filling volume half" \
	"a fill that fails partway fails the run, naming the volume"
ok "$(test -e "$VOLS/half/.filling"; echo $?)" "... and its mark stays"
umount "$R/half/mem"
is "$(cs -v half:/half "$R" cat /half/f1 /half/f2 /half/f3 /half/f4 /half/mem 2>&1 | tr '\n' ' ')" \
	"1 2 3 4 whole " "the next use fills it again, whole"
csm volume rm half >/dev/null

# --userns: a new volume still the host's root's is the container's root's
mkdir "$R/empty"
is "$(cs --userns -v uvol:/empty "$R" sh -c 'echo w >/empty/f && cat /empty/f' 2>&1)" w \
	"--userns: the container's root writes into a new empty volume"
ok "$(test "$(stat -c %u "$VOLS/uvol/_data")" -ne 0; echo $?)" "... which belongs to its mapped root on the host"
csm volume rm uvol >/dev/null

# a symlink at the path is resolved inside the root, never the host's
R2=$TMP/root2
make_rootfs "$R2"
ln -s /etc "$R2/data"
cs -v sym:/data "$R2" true >/dev/null 2>&1
ok "$(grep -q '^app:x:1000' "$VOLS/sym/_data/passwd" && test ! -e "$VOLS/sym/_data/os-release"; echo $?)" \
	"a root whose /data links to /etc: its own /etc is copied, not the host's"
csm volume rm layered sym >/dev/null

# in use: refused, naming the container, running or not
csm volume rm data1 >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "1:cspawn: volume data1 is in use by container reader (${id:0:12})" \
	"volume rm of a volume a running container uses: refused, naming it"
csm stop -t 1 reader >/dev/null
like "$(csm volume rm data1 2>&1)" "in use by container reader" "... and when it is stopped"
csm rm reader >/dev/null
is "$(csm volume rm data1)" data1 "once the container is gone, volume rm removes it"
ok "$(test ! -e "$VOLS/data1"; echo $?)" "... its directory is gone"

# a foreground run holds its volumes
"${CS[@]}" -v held:/data "$R" sh -c 'echo up >/data/up; sleep 1000' >/dev/null 2>&1 &
fg=$!
wait_until 10 test -s "$VOLS/held/_data/up"
like "$(csm volume rm held 2>&1)" "volume held is in use by a container being started or running in the foreground" \
	"volume rm of a volume a foreground run uses: refused"
kill -KILL $fg
wait_bounded $fg 10 >/dev/null 2>&1
kill_marked
is "$(csm volume rm held 2>&1)" held "... and removed once that run is gone"

# a foreground run SIGKILLed leaves its anonymous volume unheld and marked
# (.run): the next command that takes the store's lock removes it
"${CS[@]}" -v /killed "$R" sh -c 'echo up >/killed/up; sleep 1000' >/dev/null 2>&1 &
fg=$!
wait_until 10 eval 'ls "$VOLS"/*/_data/up >/dev/null 2>&1'
killed=$(ls "$VOLS")
{ kill -KILL $fg && wait_bounded $fg 10; } >/dev/null 2>&1 # not bash's "Killed"
kill_marked
ok "$(test -e "$VOLS/$killed/.run"; echo $?)" "a SIGKILLed foreground run leaves its anonymous volume behind"
is "$(csm volume ls -q)" "" "... which the next command (volume ls) reclaims"
run_d --name taken "$R" sleep 1000 >/dev/null
"${CS[@]}" -d --name taken -v /failed "$R" true >/dev/null 2>&1
is "$(ls -A "$VOLS")" "" "a run -d that fails (its name is taken): its anonymous volume goes"
csm rm -f taken >/dev/null

# anonymous volumes: -v CTR; rm -v removes them, not the named ones
id=$(run_d --name anon -v /scratch -v keep:/data "$R" sh -c 'echo x >/scratch/x; sleep 1000')
anon=$(csm inspect anon | python3 -c '
import json, sys
for v in json.load(sys.stdin)[0]["Config"]["volumes"]:
    if v["anonymous"]: print(v["name"])')
like "$anon" '^[0-9a-f]{64}$' "-v CTR: an anonymous volume, named by 64 hex digits"
wait_until 10 test -s "$VOLS/$anon/_data/x"
ok $? "... mounted at CTR"
csm rm -f -v anon >/dev/null
ok "$(test ! -e "$VOLS/$anon"; echo $?)" "rm -v removes the anonymous volume"
ok "$(test -d "$VOLS/keep/_data"; echo $?)" "... and keeps the named one"
out=$(cs -v /fgscratch "$R" true 2>&1 | grep -v 'removing what a killed cspawn')
is "$out$(ls "$VOLS" | grep -vx keep)" "" "a foreground run's anonymous volume goes at its end, silently"

# volume create, ls, inspect
is "$(csm volume create --label team=ops made)" made "volume create NAME prints its name"
is "$(csm volume create made)" made "... and again: the same volume, as docker's"
is "$(csm volume inspect made | python3 -c 'import json,sys; v=json.load(sys.stdin)[0]; print(v["Labels"]["team"], v["Driver"], v["Mountpoint"])')" \
	"ops local $VOLS/made/_data" "volume inspect: labels, driver, mountpoint"
is "$(csm volume ls -q | tr '\n' ' ')" "keep made " "volume ls -q: the names"
gen=$(csm volume create 2>/dev/null)
like "$gen" '^[0-9a-f]{64}$' "volume create without a name: a generated one"
csm volume rm "$gen" >/dev/null

# --print-spec makes nothing
out=$(cs --print-spec -v printed:/data "$R" true | python3 -c '
import json, sys
print([m["source"] for m in json.load(sys.stdin)["mounts"] if m["destination"] == "/data"][0])')
is "$out:$(test -e "$VOLS/printed"; echo $?)" "$VOLS/printed/_data:1" "--print-spec: the volume's path, and no volume made"

# names are checked
like "$(csm volume create x 2>&1)" "volume name 'x': use 2 to 64 letters" "a one-letter name is refused"
like "$(csm volume create 'a$b' 2>&1)" "volume name 'a\\\$b'" "... and one with a '\$'"
like "$(cs -v 'a$b:/data' "$R" true 2>&1)" "-v 'a\\\$b:/data': a volume's name is 2 to 64" \
	"-v with a bad volume name is refused"
like "$(cs -v 'rel/dir:/data' "$R" true 2>&1)" "expected /HOST/PATH:/CONTAINER/PATH" \
	"-v with a relative host path is refused"

# a broken record: named, the others listed, and it can be removed
mkdir -p "$VOLS/broken/_data"
echo '{half' >"$VOLS/broken/volume.json"
out=$(csm volume ls 2>&1)
like "$out" "broken volume record: .*broken/volume.json" "a corrupt volume record is named"
like "$out" "local +made" "... and the others are still listed"
is "$(csm volume rm broken 2>&1)" broken "... and it can be removed"

# a container's broken record: its spec still names its volumes, which it
# holds until rm -f; rm -f -v takes its anonymous ones too
id=$(run_d --name brk -v bkeep:/data -v /banon "$R" sleep 1000)
banon=$(csm inspect brk | python3 -c '
import json, sys
print([v["name"] for v in json.load(sys.stdin)[0]["Config"]["volumes"] if v["anonymous"]][0])')
echo '{half' >"$CSPAWN_ROOT/lib/containers/$id/container.json"
is "$(csm volume rm bkeep 2>&1)" "cspawn: volume bkeep is in use by container ${id:0:12}, whose record is broken" \
	"volume rm of a volume a container with a broken record uses: refused"
csm rm -f -v "${id:0:12}" >/dev/null 2>&1
ok "$(test ! -e "$VOLS/$banon"; echo $?)" "rm -f -v of the broken record removes its anonymous volume"
is "$(csm volume rm bkeep 2>&1)" bkeep "... and releases its named one: volume rm removes it"

# prune: unused anonymous volumes; -a the named ones too, not those in use
id=$(run_d --name user -v keep:/data "$R" sleep 1000)
run_d --name anon2 -v /tmpdata "$R" true >/dev/null
csm wait anon2 >/dev/null
csm rm anon2 >/dev/null
csm volume prune >/dev/null
is "$(csm volume ls -q | tr '\n' ' ')" "keep made " "volume prune: the unused anonymous volume goes"
csm volume prune -a >/dev/null
is "$(csm volume ls -q | tr '\n' ' ')" "keep " "volume prune -a: unused named ones too, not one in use"
csm rm -f user >/dev/null
csm volume rm keep >/dev/null
is "$(ls -A "$VOLS")" "" "every volume gone"

check_no_leftovers
