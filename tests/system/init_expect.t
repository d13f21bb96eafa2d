#!/bin/bash
# -e as tini's own exit code test has it (issue 17, item 3): for every code
# 0..255, `-e CODE` makes that exit 0, and the 255 other codes given as
# -e each leave it as it is. Any number of -e is taken, repeats included.
. "$(dirname "$0")/../lib/tap.sh"
plan 4

inclusive_bad=""
exclusive_bad=""
for code in $(seq 0 255); do
	"$CINIT" -e "$code" -- sh -c "exit $code" >/dev/null 2>&1
	st=$?
	[ "$st" = 0 ] || inclusive_bad="$inclusive_bad $code:$st"
	others=()
	for x in $(seq 0 255); do [ "$x" = "$code" ] || others+=(-e "$x"); done
	"$CINIT" "${others[@]}" sh -c "exit $code" >/dev/null 2>&1
	st=$?
	[ "$st" = "$code" ] || exclusive_bad="$exclusive_bad $code:$st"
done
is "$inclusive_bad" "" "-e CODE turns each of the 256 codes into 0"
is "$exclusive_bad" "" "the 255 other codes as -e leave each code as it is"

many=()
for x in $(seq 1 300); do many+=(-e 7); done
"$CINIT" "${many[@]}" -e 9 -- sh -c "exit 9" >/dev/null 2>&1
is $? 0 "300 repeats of one code and another code after them are all taken"
CINIT_EXPECT=$(seq -s, 1 255) "$CINIT" -- sh -c "exit 200" >/dev/null 2>&1
is $? 0 "CINIT_EXPECT takes every code too"
