#!/bin/bash
# Every key of the native format has a default and a line in the README's
# configuration reference and in cinit(8), and the documented defaults are
# the ones cinit applies (issue 3): the tables, the man page and
# `cinit --check` are compared with one another.
. "$(dirname "$0")/../lib/tap.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
plan 12
cd "$ROOT" || exit 1

# readme_keys HEADING: "key<TAB>default" for each key of the table under
# that README heading; a row may name several keys. A default in backquotes
# is a value; one in words (none, cinit's) is not.
readme_keys() {
	awk -v h="$1" -F'|' '
		/^#+ / { on = ($0 == h); next }
		on && /^\| `/ {
			def = $3
			gsub(/^ +| +$/, "", def)
			n = split($2, k, ",")
			for (i = 1; i <= n; i++) {
				gsub(/[ `]/, "", k[i])
				print k[i] "\t" def
			}
		}' README.md
}

# man_keys HEADING: the same from the .TP entries under a .SS of cinit(8),
# with bold as backquotes.
man_keys() {
	awk -v h="$1" '
		/^\.S[HS] / { on = ($0 == ".SS " h); next }
		on && prev == ".TP" {
			line = $0
			def = line
			sub(/^.*\(default /, "", def)
			sub(/\)$/, "", def)
			sub(/ \(default .*$/, "", line)
			gsub(/\\fB|\\fR/, "`", def)
			gsub(/\\/, "", def)
			gsub(/\\fB|\\fR|\\/, "", line)
			n = split(line, k, ",")
			for (i = 1; i <= n; i++) {
				gsub(/ /, "", k[i])
				print k[i] "\t" def
			}
		}
		{ prev = $0 }' init/cinit.8
}

# printed_keys SECTION-REGEX FILE: the keys --check prints in sections whose
# header matches, rlimit_* folded into rlimit_RESOURCE as documented.
printed_keys() {
	"$CINIT" --check -c "$2" 2>/dev/null | awk -v re="$1" '
		/^\[/ { on = ($0 ~ re); next }
		on && / = / { k = $1; if (k ~ /^rlimit_/) k = "rlimit_RESOURCE"; print k }' | sort -u
}

keys_only() { cut -f1 | sort -u; }

readme_keys '### `[service:NAME]`' >"$TMP/readme.svc"
readme_keys '### `[cinit]`' >"$TMP/readme.cinit"
man_keys '[service:NAME]' >"$TMP/man.svc"
man_keys '[cinit]' >"$TMP/man.cinit"

# the service model of the design, as issue 3 lists it
for k in command user group directory environment umask restart exit_codes start_secs \
	start_retries backoff_min backoff_max backoff_reset stop_signal stop_timeout kill_group \
	depends ready type critical main stdout stderr; do
	echo "$k"
done | sort >"$TMP/model"
is "$(comm -23 "$TMP/model" <(keys_only <"$TMP/readme.svc") | tr '\n' ' ')" "" \
	"every key of the design's service model is in the README's [service:NAME] table"

# tests/configs/native/full.ini sets every key; what --check prints of it is
# what the loader accepts
printed_keys '^\[service:' tests/configs/native/full.ini >"$TMP/accepted.svc"
printed_keys '^\[cinit\]' tests/configs/native/full.ini >"$TMP/accepted.cinit"
is "$(comm -3 "$TMP/accepted.svc" <(keys_only <"$TMP/readme.svc") | tr -s '\t\n' '  ')" "" \
	"the README documents exactly the service keys cinit accepts"
is "$(comm -3 "$TMP/accepted.cinit" <(keys_only <"$TMP/readme.cinit") | tr -s '\t\n' '  ')" "" \
	"and exactly the [cinit] keys"
is "$(wc -l <"$TMP/readme.svc")" "$(grep -c . "$TMP/man.svc")" "the man page has as many service keys"
is "$(sort "$TMP/man.svc")" "$(sort "$TMP/readme.svc")" \
	"cinit(8) has every service key with the README's default"
is "$(sort "$TMP/man.cinit")" "$(sort "$TMP/readme.cinit")" \
	"cinit(8) has every [cinit] key with the README's default"

# A default written as a value is what --check prints for a service that
# sets nothing; one written in words (none, cinit's, inherited) is no key.
printf '[service:x]\ncommand = x\n' >"$TMP/min.ini"
"$CINIT" --check -c "$TMP/min.ini" >"$TMP/min.out" 2>"$TMP/min.err"
is $? 0 "a service with only a command is valid"
awk '/^\[service:x\]/ { on = 1; next } on && / = / { print $1 "\t" $3 }' "$TMP/min.out" |
	sort >"$TMP/min.svc"
awk '/^\[cinit\]/ { on = 1; next } /^$/ { on = 0 } on && / = / { print $1 "\t" $3 }' "$TMP/min.out" |
	sort >"$TMP/min.cinit"

# documented: "key<TAB>value" for each key whose default is a value
documented() { awk -F'\t' '$2 ~ /^`[^`]*`$/ { gsub(/`/, "", $2); print $1 "\t" $2 }' "$1" | sort; }
is "$(documented "$TMP/readme.svc" | tr '\t\n' '= ')" \
	"$(grep -v '^command	' "$TMP/min.svc" | tr '\t\n' '= ')" \
	"every service key with a default value prints that value, and no other key is printed"
is "$(documented "$TMP/readme.cinit" | tr '\t\n' '= ')" "$(tr '\t\n' '= ' <"$TMP/min.cinit")" \
	"every [cinit] key prints its documented default"
undocumented=$(awk -F'\t' '$2 !~ /`/ && $1 != "command" { print $1 }' "$TMP/readme.svc")
is "$(for k in $undocumented; do grep "^$k	" "$TMP/min.svc"; done)" "" \
	"keys whose default is none, inherited or cinit's are not printed when unset"
is "$(grep -c . "$TMP/readme.svc")" "$(sort -u "$TMP/readme.svc" | grep -c .)" \
	"no key is documented twice"
like "$(grep '^command	' "$TMP/readme.svc")" 'required' "command is documented as required"
