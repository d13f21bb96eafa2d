#!/bin/bash
# Where cinit finds its configuration (issue 3): -c FILE, CINIT_CONFIG, and
# /etc/cinit.ini when it exists and no command is given; a broken file
# starts nothing and exits 2.
. "$(dirname "$0")/../lib/tap.sh"
plan 11

cat >"$TMP/app.ini" <<EOF
[service:app]
command = sh -c 'echo started > $TMP/started; exit 5'
main = yes
EOF
in_pidns "$CINIT" -c "$TMP/app.ini" 2>/dev/null
is $? 5 "-c FILE runs the file's services"
rm -f "$TMP/started"
CINIT_CONFIG="$TMP/app.ini" in_pidns "$CINIT" 2>/dev/null
is $? 5 "CINIT_CONFIG names the file"

# /etc/cinit.ini, in a private mount namespace with a tmpfs over /etc so the
# host's /etc is not touched.
rm -f "$TMP/started"
unshare --mount --pid --fork --mount-proc --kill-child sh -c \
	"mount -t tmpfs none /etc && cp '$TMP/app.ini' /etc/cinit.ini && exec '$CINIT'" 2>/dev/null
is $? 5 "with no command, /etc/cinit.ini is run"
file_has "$TMP/started" started
ok $? "and its service started"

unshare --mount --pid --fork --mount-proc --kill-child sh -c \
	"mount -t tmpfs none /etc && cp '$TMP/app.ini' /etc/cinit.ini && exec '$CINIT' -- sh -c 'exit 6'" 2>/dev/null
is $? 6 "a command wins over /etc/cinit.ini"

printf '[service:bad]\ncommand = "unterminated\n' >"$TMP/bad.ini"
printf '[service:x]\ncommand = touch %s/never\n' "$TMP" >>"$TMP/bad.ini"
in_pidns "$CINIT" -c "$TMP/bad.ini" 2>"$TMP/err"
is $? 2 "a broken file exits 2"
! test -e "$TMP/never"
ok $? "and nothing from it starts"

# Errors between services: found after every file is read, and still
# before anything starts.
cat >"$TMP/cross.ini" <<EOF
[service:a]
command = touch $TMP/never
depends = b
[service:b]
command = touch $TMP/never
depends = a
[service:c]
command = touch $TMP/never
depends = ghost
[service:c]
command = touch $TMP/never
EOF
# bounded, so that a file that wrongly loads fails instead of running on
timeout 20 unshare --pid --fork --mount-proc --kill-child "$CINIT" -c "$TMP/cross.ini" 2>"$TMP/cross.err"
is $? 2 "a dependency cycle, a missing dependency and a duplicate name exit 2"
! test -e "$TMP/never"
ok $? "and nothing starts"
is "$(grep -c "^$TMP/cross.ini:[0-9]*: \[service:[bc]\] " "$TMP/cross.err")" 3 \
	"each error names the file, the line and the section"
like "$(cat "$TMP/cross.err")" "cross.ini:6: \[service:b\] depends: expected no dependency cycle, got a -> b -> a" \
	"the cycle is named at its depends line"
