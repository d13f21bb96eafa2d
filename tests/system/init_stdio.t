#!/bin/bash
# A 0, 1 or 2 that cinit was started without must not become a descriptor of
# cinit's own, handed to the command as its stdin or stdout: cinit gives it
# /dev/null (it looks only when its first descriptor lands there).
. "$(dirname "$0")/../lib/tap.sh"
plan 6

# fd_of_child CLOSE N: starts cinit -- sleep in a pid namespace without the
# descriptors that CLOSE (redirections such as <&-) closes, and sets FD to
# what the command's descriptor N is, read from outside; then ends it.
fd_of_child() {
	start_in_pidns "$TMP/out" "$TMP/err" "$HELPERS/closefds" sh -c \
		"exec $1; exec '$CINIT' -- sleep 600"
	wait_until 10 _child_known
	FD=$(readlink "/proc/$CHILD/fd/$2")
	kill -TERM "$NS_INIT"
	ns_wait 10
}
_child_known() {
	CHILD=$(awk '{print $1}' "/proc/$NS_INIT/task/$NS_INIT/children" 2>/dev/null)
	[ -n "$CHILD" ] && [ "$(readlink "/proc/$CHILD/exe")" = "$(readlink -f "$(command -v sleep)")" ]
}

fd_of_child '<&-' 0
is "$FD" /dev/null "started with 0 closed, the command's stdin is /dev/null"
is "$NS_STATUS" 143 "and cinit ran it as usual"
fd_of_child '>&-' 1
is "$FD" /dev/null "started with 1 closed, the command's stdout is /dev/null"
fd_of_child '<&- >&-' 1
is "$FD" /dev/null "with 0 and 1 closed, stdout is /dev/null"
fd_of_child '<&- >&-' 0
is "$FD" /dev/null "and so is stdin"
# childinfo lists its descriptors on stdout, so only stdin is closed here
in_pidns "$HELPERS/closefds" sh -c "exec <&-; exec '$CINIT' -- '$HELPERS/childinfo'" \
	>"$TMP/info" 2>&1
is "$(grep fds: "$TMP/info")" "fds: 0 1 2" "no descriptor of cinit's own reaches the command"
