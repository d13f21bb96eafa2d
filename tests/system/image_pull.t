#!/bin/bash
# cspawn pull against Debian's docker-registry on loopback: OCI and Docker
# v2 schema 2 manifests, gzip and zstd layers, manifest lists by platform,
# plain HTTP only for registries named insecure, digests verified.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/image.sh"
need_image_tools
plan 24

start_registry "$TMP/reg"
make_layout "$TMP/oci" base
ok $? "a two-layer busybox image built with umoci"
push_layout "$TMP/oci" base "$REG/test/oci:1" &&
	push_layout "$TMP/oci" base "$REG/test/docker:1" --format v2s2 &&
	push_layout "$TMP/oci" base "$REG/test/zstd:1" --dest-compress-format zstd
ok $? "pushed by skopeo as OCI, Docker v2s2 and zstd"

out=$(ci pull "$REG/test/oci:1" 2>&1)
st=$?
is "$st" 1 "pull from a plain-HTTP registry not named insecure fails"
like "$out" "https://$REG/v2/test/oci/manifests/1" "the message names the HTTPS URL it tried"

out=$(ci pull --insecure "$REG/test/oci:1" 2>"$TMP/err")
ok $? "pull --insecure of the OCI image"
like "$out" '^sha256:[0-9a-f]{64}$' "pull prints the image id"
id=$out
is "$(grep -c ': unpacked' "$TMP/err")" 2 "one line per layer when stderr is no terminal"
mapfile -t dirs < <(layer_dirs "$REG/test/oci:1")
is "${#dirs[@]}" 2 "two layer directories"
is "$(cat "${dirs[0]}/hello")" hello "the lower layer has /hello"
is "$(stat -c '%F %t:%T' "${dirs[1]}/hello")" "character special file 0:0" \
	"the upper layer's whiteout of /hello is an overlay whiteout"
is "$(inspect_field "$REG/test/oci:1" '" ".join(i["Config"]["Entrypoint"] + i["Config"]["Cmd"])')" \
	"/bin/sh -c echo hi" "inspect shows the image config"

out=$(ci pull --insecure "$REG/test/oci:1" 2>&1)
like "$out" "already present" "a second pull fetches nothing"

out=$(ci pull --insecure "$REG/test/docker:1" 2>/dev/null)
ok $? "pull of the Docker v2 schema 2 image"
mt=$(curl -s -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
	"http://$REG/v2/test/docker/manifests/1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["mediaType"])')
is "$mt" application/vnd.docker.distribution.manifest.v2+json "the registry holds it as Docker v2s2"
is "$out" "$id" "the same config, so the same image id"

ci pull --insecure "$REG/test/zstd:1" >/dev/null 2>&1
ok $? "pull of the zstd-compressed image"
mapfile -t zdirs < <(layer_dirs "$REG/test/zstd:1")
is "${zdirs[*]}" "${dirs[*]}" "zstd and gzip layers of the same tar share their directories"

# A manifest list: this machine's platform and an arm64 one, its
# manifests pushed into the repository first (a registry wants their blobs).
push_layout "$TMP/oci" base "$REG/test/multi:amd" &&
	push_layout "$TMP/oci" base "$REG/test/multi:arm" --format v2s2
manifest_of() { # manifest_of TAG ACCEPT: its digest and size, as the registry has it
	curl -sI -H "Accept: $2" "http://$REG/v2/test/multi/manifests/$1" |
		awk -F': ' 'tolower($1) == "docker-content-digest" { d = $2 }
			tolower($1) == "content-length" { n = $2 } END { print d, n }' | tr -d '\r'
}
read -r d_amd n_amd < <(manifest_of amd application/vnd.oci.image.manifest.v1+json)
read -r d_arm n_arm < <(manifest_of arm application/vnd.docker.distribution.manifest.v2+json)
m_amd=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/test/multi/manifests/amd")
arch=$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')
printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"%s","size":%s,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"%s","os":"linux"}}]}' \
	"$d_arm" "$n_arm" "$d_amd" "$n_amd" "$arch" |
	curl -s -X PUT -H 'Content-Type: application/vnd.docker.distribution.manifest.list.v2+json' \
		--data-binary @- "http://$REG/v2/test/multi/manifests/1"
ok $? "a manifest list for two platforms"
ci pull -q --insecure "$REG/test/multi:1" >/dev/null
is "$(inspect_field "$REG/test/multi:1" 'i["Manifest"]')" "$d_amd" "pull picks this machine's platform"
ci pull -q --insecure --platform linux/arm64 "$REG/test/multi:1" >/dev/null
is "$(inspect_field "$REG/test/multi:1" 'i["Manifest"]')" "$d_arm" "--platform linux/arm64 picks the other"
out=$(ci pull -q --insecure --platform linux/s390x "$REG/test/multi:1" 2>&1)
like "$out" "no image for platform linux/s390x" "a platform the list lacks is named in the error"

# The insecure-registries file instead of the flag.
mkdir -p "$STATE/lib" && echo "$REG" >"$STATE/lib/insecure-registries"
ci pull -q "$REG/test/oci:1" >/dev/null
ok $? "a registry listed in <lib>/insecure-registries is spoken to over HTTP"
rm "$STATE/lib/insecure-registries"

# A blob the registry serves with the wrong content is refused.
blob=$(ci image inspect "$REG/test/oci:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["RootFS"]["diff_ids"][0])')
ci rmi "$REG/test/oci:1" "$REG/test/docker:1" "$REG/test/zstd:1" "$REG/test/multi:1" >/dev/null
layer=$(python3 -c 'import json,sys; m=json.loads(sys.argv[1]); print(m["layers"][0]["digest"][7:])' "$m_amd")
data=$(find "$TMP/reg/data" -path "*/blobs/sha256/*/$layer/data")
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2] ^= 1; open(p,"wb").write(b)' "$data"
out=$(ci pull -q --insecure "$REG/test/oci:1" 2>&1)
like "$out" "the blob hashes to sha256:" "a corrupted blob is refused"
left=$(find "$STATE/lib/images/blobs" "$STATE/lib/images/layers" "$STATE/lib/images/tmp" \( -name "*$layer*" -o -path "$STATE/lib/images/tmp/*" \) -print)
is "$left" "" "and leaves nothing behind under its name or in tmp"
