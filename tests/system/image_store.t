#!/bin/bash
# The store: names and rmi/tag/prune, readers of broken records, concurrent
# pulls that share layers, an interrupted pull, and push round trips.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/image.sh"
need_image_tools
plan 30

start_registry "$TMP/reg"
make_layout "$TMP/oci" base &&
	umoci unpack --image "$TMP/oci:base" "$TMP/b" >/dev/null &&
	head -c 4000000 /dev/urandom >"$TMP/b/rootfs/big" &&
	umoci repack --image "$TMP/oci:big" "$TMP/b" && rm -rf "$TMP/b" &&
	push_layout "$TMP/oci" base "$REG/test/base:1" &&
	push_layout "$TMP/oci" big "$REG/test/big:1"
ok $? "two images sharing two layers, pushed"

# Names.
ci pull -q --insecure "$REG/test/base:1" >/dev/null
ci tag "$REG/test/base:1" mine
ok $? "tag SOURCE TARGET"
is "$(ci images | awk 'NR > 1 { print $1 ":" $2 }' | sort | tr '\n' ' ')" \
	"$REG/test/base:1 mine:latest " "images lists both names, short names as docker shows them"
out=$(ci rmi mine)
is "$out" "Untagged: docker.io/library/mine:latest" "rmi of one of two names only untags"
id=$(inspect_field "$REG/test/base:1" 'i["Id"]')
ci tag "$id" other:1
out=$(ci rmi "${id:7:12}" 2>&1)
like "$out" "has 2 names: remove them one by one, or use -f" "rmi of an id with two names is refused"
out=$(ci rmi -f "${id:7:12}")
like "$out" "Deleted: $id" "rmi -f of the id deletes it"
is "$(ls "$STATE/lib/images/layers" | wc -l)" 0 "and its layers"

# Readers of broken records.
ci pull -q --insecure "$REG/test/base:1" >/dev/null
cp "$STATE/lib/images/index.json" "$TMP/index.json"
echo '{"images": {' >"$STATE/lib/images/index.json"
out=$(ci images 2>&1)
st=$?
is "$st" 1 "a corrupt index.json fails the command"
like "$out" "$STATE/lib/images/index.json: corrupt: invalid JSON at line" "and the message names the file"
cp "$TMP/index.json" "$STATE/lib/images/index.json"
cfg="$STATE/lib/images/blobs/sha256/${id#sha256:}"
cp "$cfg" "$TMP/cfg" && echo garbage >>"$cfg"
out=$(ci image inspect "$REG/test/base:1" 2>&1)
like "$out" "$cfg: corrupt: content hashes to" "a blob that no longer matches its digest is named"
cp "$TMP/cfg" "$cfg"
layer=$(layer_dirs "$REG/test/base:1" | sed -n 1p)
mv "$layer" "$TMP/moved"
out=$(ci image inspect "$REG/test/base:1" 2>&1)
like "$out" "layer directory $layer is missing" "a missing layer directory is named"
mv "$TMP/moved" "$layer"

# Two pulls at once of images sharing layers: each blob fetched once. The
# proxy holds blob downloads back a second, so the second pull meets the
# first one's locks.
ci rmi "$REG/test/base:1" >/dev/null
start_proxy slow --delay 1
"$CSPAWN" --root "$STATE" pull --insecure "$PROXY/test/big:1" >"$TMP/a.out" 2>"$TMP/a.err" &
a=$!
wait_until 10 grep -q 'GET /v2/test/big/blobs' "$PROXY_LOG"
"$CSPAWN" --root "$STATE" pull --insecure "$PROXY/test/base:1" >"$TMP/b.out" 2>"$TMP/b.err" &
b=$!
wait_bounded $a 30
st_a=$?
wait_bounded $b 30
st_b=$?
is "$st_a:$st_b" 0:0 "both pulls succeed"
like "$(cat "$TMP/b.err")" "waiting for another pull" "the second waits for layers the first is fetching"
dup=$(grep -o 'GET /v2/test/[a-z]*/blobs/sha256:[0-9a-f]*' "$PROXY_LOG" | sed 's|/v2/test/[a-z]*/|/|' | sort | uniq -d)
is "$dup" "" "no blob was fetched twice"
is "$(ls "$STATE/lib/images/layers" | wc -l)" 3 "three layer directories for the two images"

# Layers are unpacked while their blobs download, the others' and their
# own; a pull killed half-way leaves nothing that a later one uses. The
# proxy stops the big layer's blob (its file /big, 4 MB of random bytes)
# half-way; the two lower ones come whole.
ci rmi "$PROXY/test/big:1" "$PROXY/test/base:1" >/dev/null
start_proxy stall --stall --stall-above 3000000
"$CSPAWN" --root "$STATE" pull --insecure "$PROXY/test/big:1" >/dev/null 2>&1 &
c=$!
wait_until 10 grep -q stalled "$PROXY_LOG"
ok $? "the proxy stops a blob half-way"
wait_until 10 sh -c "ls '$STATE/lib/images/tmp' | grep -q blob"
ok $? "the download sits under a temporary name"
wait_until 10 sh -c "[ \$(ls '$STATE/lib/images/layers' | wc -l) = 2 ]"
ok $? "the two layers whose blobs came whole are unpacked while the third downloads"
wait_until 10 sh -c "find '$STATE/lib/images/tmp' -name big -size +0 | grep -q ."
ok $? "the third is being unpacked from the half of its blob that came"
during=$(ls "$STATE/lib/images/layers")
kill -KILL $c
wait $c 2>/dev/null
ci pull -q --insecure "$REG/test/big:1" >/dev/null
ok $? "the next pull succeeds"
is "$(cat "$(layer_dirs "$REG/test/big:1" | sed -n 1p)/hello")" hello "and its layers are whole"
is "$during" "$(layer_dirs "$REG/test/big:1" | sed -n '1,2s|.*/||p' | sort)" \
	"the layers unpacked during the stall were the two lower ones, the stalled one had no directory"
ci image prune >/dev/null
is "$(ls "$STATE/lib/images/tmp")" "" "prune removes what the killed pull left"

# A layer unpacked while its blob downloads, from a blob that turns out
# not to hash to its digest: its first byte is changed in the registry,
# so that its unpacking fails at once, and the proxy trickles the blob,
# so that the download is still running then. The pull says what is
# wrong with the blob, and leaves nothing of it behind.
ci rmi "$REG/test/big:1" >/dev/null
big=$(python3 -c 'import json, sys; l = sys.argv[1]; i = json.load(open(l + "/index.json"))
d = [m["digest"][7:] for m in i["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == "big"][0]
print(json.load(open(l + "/blobs/sha256/" + d))["layers"][-1]["digest"][7:])' "$TMP/oci")
data=$(find "$TMP/reg/data" -path "*/blobs/sha256/*/$big/data")
flip() { python3 -c 'import sys; f = open(sys.argv[1], "r+b"); b = f.read(1); f.seek(0); f.write(bytes([b[0] ^ 0xff]))' "$data"; }
flip
start_proxy trickle --trickle
out=$(ci pull -q --insecure "$PROXY/test/big:1" 2>&1)
like "$out" "blobs/sha256:$big: the blob hashes to sha256:" "a blob whose layer was being unpacked is refused for its digest"
is "$(ls "$STATE/lib/images/tmp")" "" "and its unpacking left no temporary directory"
flip
ci pull -q --insecure "$REG/test/big:1" >/dev/null

# Push: a round trip through the registry.
ci tag "$REG/test/big:1" "$REG/test/round:2"
ci push -q --insecure "$REG/test/round:2"
ok $? "push to the registry"
before=$(inspect_field "$REG/test/big:1" 'i["Id"]')
ci rmi "$REG/test/big:1" "$REG/test/round:2" >/dev/null
is "$(ls "$STATE/lib/images/layers")" "" "removed locally"
ci pull -q --insecure "$REG/test/round:2" >/dev/null
is "$(inspect_field "$REG/test/round:2" 'i["Id"]')" "$before" "pulled back: the same image"
skopeo inspect --tls-verify=false "docker://$REG/test/round:2" >/dev/null 2>&1
ok $? "skopeo reads what cspawn pushed"
ci push --insecure "$REG/test/round:2" "$REG/other/copy:3" >/dev/null 2>&1 &&
	skopeo inspect --tls-verify=false "docker://$REG/other/copy:3" >/dev/null 2>&1
ok $? "push IMAGE DEST to another repository"
