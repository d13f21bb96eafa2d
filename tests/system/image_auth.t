#!/bin/bash
# Registries that want credentials: TLS from a test CA with htpasswd basic
# auth (docker-registry itself), and the Bearer flow against a token
# endpoint (tests/helpers/regproxy.py); cspawn login, and docker-style auth
# files.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/image.sh"
need_image_tools
plan 15

make_layout "$TMP/oci" base
make_ca "$TMP/ca"
htpasswd -Bbc "$TMP/htpasswd" alice s3cret >/dev/null 2>&1
start_registry "$TMP/tls" tls "$TMP/ca" htpasswd "$TMP/htpasswd"
# skopeo takes any *.key of a cert dir for a client key: give it the CA alone.
mkdir -p "$TMP/trust" && cp "$TMP/ca/ca.crt" "$TMP/trust/"
skopeo copy -q --dest-cert-dir "$TMP/trust" --dest-creds alice:s3cret "oci:$TMP/oci:base" \
	"docker://$REG/secure/app:1"
ok $? "a TLS registry with htpasswd auth holds the image"

out=$(ci pull -q "$REG/secure/app:1" 2>&1)
like "$out" "certificate" "a registry whose CA is not trusted is refused"
mkdir -p "$STATE/lib/certs.d/$REG"
cp "$TMP/ca/ca.crt" "$STATE/lib/certs.d/$REG/ca.crt"
out=$(ci pull -q "$REG/secure/app:1" 2>&1)
like "$out" "$REG: authentication required \(cspawn login $REG\)" \
	"with <lib>/certs.d/HOST:PORT/ca.crt TLS works, and the missing login is named"
out=$(ci login -u alice -p wrong "$REG" 2>&1)
st=$?
is "$st" 1 "login with a wrong password fails"
like "$out" "HTTP 401" "and says the registry refused it"
out=$(echo s3cret | ci login -u alice --password-stdin "$REG")
is "$out" "Login Succeeded" "login with the right password"
is "$(stat -c %a "$STATE/lib/auth.json")" 600 "the auth file is private"
ci pull -q "$REG/secure/app:1" >/dev/null
ok $? "pull with the stored credentials"
ci tag "$REG/secure/app:1" "$REG/secure/copy:1" && ci push -q "$REG/secure/copy:1"
ok $? "push with them"
skopeo inspect --cert-dir "$TMP/trust" --creds alice:s3cret "docker://$REG/secure/copy:1" >/dev/null 2>&1
ok $? "skopeo finds what cspawn pushed"

mv "$STATE/lib/auth.json" "$TMP/docker-config.json"
ci rmi "$REG/secure/app:1" >/dev/null
ci pull -q --authfile "$TMP/docker-config.json" "$REG/secure/app:1" >/dev/null
ok $? "--authfile reads a docker-style auth file"
echo '{"auths": ' >"$TMP/broken.json"
out=$(ci pull -q --authfile "$TMP/broken.json" "$REG/secure/app:1" 2>&1)
like "$out" "auth file $TMP/broken.json: invalid JSON" "a broken auth file is named"

# Bearer: a token endpoint that wants basic credentials, in front of a
# plain registry.
start_registry "$TMP/plain"
skopeo copy -q --dest-tls-verify=false "oci:$TMP/oci:base" "docker://$REG/tok/app:1"
start_proxy bearer --token bob:pw
out=$(ci pull -q --insecure "$PROXY/tok/app:1" 2>&1)
like "$out" "the token server http://$PROXY/token answered 401" "without credentials the token server refuses"
printf '{"auths": {"%s": {"username": "bob", "password": "pw"}}}' "$PROXY" >"$TMP/bob.json"
ci pull -q --insecure --authfile "$TMP/bob.json" "$PROXY/tok/app:1" >/dev/null
ok $? "with them cspawn gets a token and pulls"
like "$(grep 'token issued' "$PROXY_LOG")" "service=regproxy scope=repository:tok/app:pull" \
	"the token was asked for the challenge's service and scope"
