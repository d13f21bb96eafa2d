#!/bin/bash
# cspawn load and save: docker-archive tars (as docker save and podman save
# write them), OCI archives and layouts (skopeo, umoci), and save's tar
# read back by skopeo and by cspawn load.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/image.sh"
need_image_tools
plan 21

make_layout "$TMP/oci" base
ok $? "a two-layer busybox image built with umoci"

out=$(ci load --oci "$TMP/oci:base")
is "$out" "Loaded image: localhost/oci:base" "load --oci DIR:TAG names the image localhost/DIR:TAG"
id=$(inspect_field localhost/oci:base 'i["Id"]')
mapfile -t dirs < <(layer_dirs localhost/oci:base)
is "$(cat "${dirs[0]}/hello")" hello "its layers are unpacked"

skopeo copy -q "oci:$TMP/oci:base" "docker-archive:$TMP/docker.tar:app/legacy:2" &&
	skopeo copy -q "oci:$TMP/oci:base" "oci-archive:$TMP/oci.tar:base"
ok $? "skopeo writes a docker archive and an OCI archive"
out=$(ci load -i "$TMP/docker.tar")
is "$out" "Loaded image: docker.io/app/legacy:2" "load -i of a docker archive takes its RepoTags"
is "$(inspect_field app/legacy:2 'i["Id"]')" "$id" "the same config, so the same id"
mapfile -t ldirs < <(layer_dirs app/legacy:2)
is "${ldirs[*]}" "${dirs[*]}" "its uncompressed layers share the directories of the gzip ones"

out=$(ci load <"$TMP/oci.tar")
is "$out" "Loaded image ID: $id" "load from standard input of a nameless OCI archive"

ci save -o "$TMP/saved.tar" app/legacy:2
ok $? "save -o FILE IMAGE"
tar -tf "$TMP/saved.tar" | sort >"$TMP/list"
ok "$(grep -cxE 'manifest.json|index.json|oci-layout' "$TMP/list" | grep -qx 3; echo $?)" \
	"the tar has manifest.json and an OCI layout"
skopeo inspect "docker-archive:$TMP/saved.tar" >"$TMP/inspect.json" 2>"$TMP/skopeo.err"
ok $? "skopeo reads it as a docker archive"
is "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["Layers"]))' "$TMP/inspect.json")" 2 \
	"with both layers"
skopeo copy -q "oci-archive:$TMP/saved.tar" "oci:$TMP/copy:x" 2>>"$TMP/skopeo.err"
ok $? "and as an OCI archive"
diag "$(cat "$TMP/skopeo.err")"

ci rmi app/legacy:2 localhost/oci:base >/dev/null
is "$(ci images -q)" "" "rmi removed every image"
is "$(ls "$STATE/lib/images/layers" "$STATE/lib/images/blobs/sha256")" "$(printf '%s\n\n%s' "$STATE/lib/images/blobs/sha256:" "$STATE/lib/images/layers:")" \
	"and with them every blob and layer"
out=$(ci load -i "$TMP/saved.tar")
is "$out" "Loaded image: docker.io/app/legacy:2" "what save wrote loads again"
# podman's own save and load, with a storage of this test's.
# podman's runtime files (its tmp_dir, /run/libpod by default) under the test's directory too
printf '[containers]\ndefault_ulimits = ["nofile=20000:20000"]\n[engine]\ntmp_dir = "%s"\n' \
	"$TMP/pm/tmp" >"$TMP/containers.conf"
pm() { CONTAINERS_CONF="$TMP/containers.conf" timeout 60 podman --root "$TMP/pm/storage" \
	--runroot "$TMP/pm/run" --storage-driver overlay "$@"; }
pm load -q -i "$TMP/docker.tar" >/dev/null &&
	pm save -q -o "$TMP/podman.tar" docker.io/app/legacy:2 &&
	pm save -q --format oci-archive -o "$TMP/podman-oci.tar" docker.io/app/legacy:2
ok $? "podman saves the image in its docker and OCI forms"
ci rmi app/legacy:2 >/dev/null
out=$(ci load -i "$TMP/podman.tar")$(ci load -i "$TMP/podman-oci.tar")
is "$out" "Loaded image: docker.io/app/legacy:2Loaded image: docker.io/app/legacy:2" \
	"cspawn loads both"
ci tag app/legacy:2 localhost/back:3 && ci save -o "$TMP/for-podman.tar" localhost/back:3 &&
	pm load -q -i "$TMP/for-podman.tar" >/dev/null
ok $? "podman loads what cspawn saved"
back=$(inspect_field localhost/back:3 'i["Id"]')
is "$(pm image inspect --format '{{.Id}}' localhost/back:3)" "${back#sha256:}" "as the same image"

out=$(ci load -i "$TMP/list" 2>&1)
like "$out" "cspawn load: .*list" "a file that is no image archive is refused, named"
