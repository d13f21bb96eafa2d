#!/bin/bash
# Unpacking hostile and honest layers: what escapes is refused and the host
# stays untouched; whiteouts work under a real overlay mount; metadata is
# kept.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/image.sh"
need_image_tools
plan 23

mk() { python3 "$(dirname "$0")/../helpers/mkarchive.py" "$TMP/$1.tar" "test/$1:1" "$1" "$CANARY"; }
CANARY="$TMP/canary"
mkdir -p "$CANARY" && echo original >"$CANARY/target"
snapshot() { find "$CANARY" -printf '%p %s %n %m\n' | sort; }
before=$(snapshot)

for c in absolute dotdot symlink-abs symlink-rel hardlink-abs hardlink-rel overlay-xattr; do
	mk $c
	out=$(ci load -i "$TMP/$c.tar" 2>&1)
	case $c in
	absolute) want="entry '$CANARY/pwned': refused: absolute path" ;;
	dotdot) want="refused: '\.\.' in the path" ;;
	symlink-*) want="entry '(link|rel)/pwned': refused: its path leads out of the layer through a symlink" ;;
	hardlink-abs) want="refused: absolute path" ;;
	hardlink-rel) want="refused: '\.\.' in the path" ;;
	overlay-xattr) want="refused: an overlay xattr" ;;
	esac
	like "$out" "$want" "a layer with an entry of kind $c is refused"
done
is "$(snapshot)" "$before" "the directory they aimed at is untouched"
is "$(ls "$STATE/lib/images/layers")" "" "no layer directory is left of them"
is "$(ls "$STATE/lib/images/tmp")" "" "nor any temporary one"

mk replace-symlink
ci load -i "$TMP/replace-symlink.tar" >/dev/null
ok $? "a file that replaces a symlink of the same layer loads"
d=$(layer_dirs test/replace-symlink:1)
is "$(cat "$d/t"):$(cat "$CANARY/target")" "mine:original" "it replaced the link and never wrote through it"

mk whiteouts
ci load -i "$TMP/whiteouts.tar" >/dev/null
mapfile -t dirs < <(layer_dirs test/whiteouts:1)
is "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "${dirs[1]}/d")" y \
	"an opaque directory gets trusted.overlay.opaque=y"
mkdir -p "$TMP/mnt"
seen=$(unshare -m sh -c 'mount --make-rprivate / && mount -t overlay overlay -o "lowerdir=$1:$2" "$3" && ls -A "$3" | tr "\n" " " && ls -A "$3/d" | tr "\n" " "' \
	sh "${dirs[1]}" "${dirs[0]}" "$TMP/mnt")
is "$seen" "d keep z " "under an overlay the deleted file is gone and the opaque dir shows only its own"
is "$(grep -c "$TMP/mnt" /proc/self/mountinfo)" 0 "the overlay stayed in its namespace"

mk root-entry
ci load -i "$TMP/root-entry.tar" >/dev/null
ok $? "a layer with an entry '/' for its root (umoci insert's) loads"
d=$(layer_dirs test/root-entry:1)
is "$(cat "$d/etc/app.conf")" app "... with its files"

mk metadata
ci load -i "$TMP/metadata.tar" >/dev/null
ok $? "the metadata layer loads"
d=$(layer_dirs test/metadata:1)
is "$(stat -c '%a %u:%g %Y' "$d/d/suid")" "4755 1000:2000 1200000000" "setuid bit, owner and mtime kept"
is "$(stat -c '%a %u:%g %Y' "$d/d")" "750 1000:1000 1100000000" "a directory's mode, owner and mtime kept"
is "$(stat -c '%h %i' "$d/d/hard")" "2 $(stat -c %i "$d/d/suid")" "a hard link is a hard link"
is "$(readlink "$d/d/sym"):$(stat -c '%F %t:%T %a' "$d/null"):$(stat -c %F "$d/fifo")" \
	"suid:character special file 1:3 666:fifo" "symlinks, devices and fifos kept"
is "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.note").decode(), os.getxattr(sys.argv[2], "security.capability").hex())' "$d/xattr" "$d/cap")" \
	"kept 0100000200200000000000000000000000000000" "xattrs and file capabilities kept"
