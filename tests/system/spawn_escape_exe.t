#!/bin/bash
# CVE-2019-5736 class: an image whose entrypoint is a script starting
# "#!/proc/self/exe", with its own glibc loader and an /etc/ld.so.preload,
# tries to run the host's cspawn inside with the image's libraries, keep a
# descriptor on it, and open it for writing once the host's cspawn (the
# monitor, which the attacker can get rid of) no longer runs. The host
# binary must stay as it was, in every mode (issue 16, item 1).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

modes=("--no-init" "" "--userns --no-init" "--userns")
plan $((${#modes[@]} * 4 + 2 * 3 + 1))

# The attack overwrites the binary that runs as the monitor: a copy.
chmod 755 "$TMP"
mkdir -p "$TMP/bin"
COPY=$TMP/bin/cspawn
cp "$CSPAWN" "$COPY"
cp "$STATIC_CINIT" "$TMP/bin/cinit" # the cinit beside it, found as in an install
cp "$(dirname "$(readlink -f "$CSPAWN")")/cspawn-monitor" "$TMP/bin/" # and the monitor's
sum=$(sha256sum <"$COPY")

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"
# What the image brings: the loader and libraries the host's cspawn needs.
for lib in $(ldd "$COPY" | grep -oE '/[^ ]+'); do
	mkdir -p "$R$(dirname "$lib")"
	cp -L "$lib" "$R$lib"
done
cp "$HELPERS/exe_attack.so" "$R/evil.so"
echo /evil.so >"$R/etc/ld.so.preload"
printf '#!/proc/self/exe --version\n' >"$R/entry.sh"
chmod 755 "$R/entry.sh"
OUT=$TMP/out
mkdir -p "$OUT" "$R/out"
chmod 777 "$OUT"

settled() { [ -e "$OUT/loaded" ] || ! kill -0 "$1" 2>/dev/null; }
decided() { [ -e "$OUT/wrote" ] || [ -e "$OUT/refused" ]; }

n=0
for mode in "${modes[@]}"; do
	n=$((n + 1))
	rm -f "$OUT"/*
	# shellcheck disable=SC2086
	"$COPY" --net none -e "SPAWN_MARK=$SPAWN_MARK" -e ASAN_OPTIONS=verify_asan_link_order=0 \
		--name "$(cname exe$n)" $mode -v "$OUT:/out" "$R" /entry.sh \
		>"$TMP/run.out" 2>&1 &
	mon=$!
	wait_until 20 settled $mon
	if [ -e "$OUT/loaded" ]; then
		# The attacker's PID 1 is on its own now; the monitor goes (the
		# attacker can kill it: same process group, before item 4).
		kill -KILL $mon 2>/dev/null
		wait $mon 2>/dev/null
		wait_until 40 decided
	else
		wait_bounded $mon 20
	fi
	# Either the attack ran, or the entrypoint's interpreter was cinit
	# (static: no loader, no preload), which printed its version.
	ok "$(test -e "$OUT/loaded" || grep -q '^cinit ' "$TMP/run.out"; echo $?)" \
		"${mode:-default}: the image's #!/proc/self/exe entrypoint ran"
	is "$(sha256sum <"$COPY")" "$sum" "${mode:-default}: the host's cspawn is unchanged"
	ok "$(test ! -e "$OUT/wrote"; echo $?)" "... nothing inside opened it for writing"
	ok "$(test ! -e "$OUT/loaded"; echo $?)" "... and no process inside ran it with the image's libraries"
	[ -e "$OUT/loaded" ] && diag "$(cat "$OUT"/* 2>/dev/null)"
	kill_marked
	cp "$CSPAWN" "$COPY"
done
# cspawn exec: the process it starts in a running container is as far
# from the host's binary (spawn/exec.h); the host's cspawn here is the one
# that runs exec, and waits outside while the entrypoint runs.
for mode in "" "--userns"; do
	rm -f "$OUT"/*
	# shellcheck disable=SC2086
	id=$(CSPAWN=$COPY run_d --name "exec${mode:+-userns}" $mode -v "$OUT:/out" "$R" \
		sh -c 'while :; do sleep 0.05; done')
	timeout -s KILL 30 "$COPY" exec "$id" /entry.sh >"$TMP/run.out" 2>&1
	ok "$(test -e "$OUT/loaded" || grep -q '^cinit ' "$TMP/run.out"; echo $?)" \
		"exec ${mode:-default}: the #!/proc/self/exe script ran"
	is "$(sha256sum <"$COPY")" "$sum" "exec ${mode:-default}: the host's cspawn is unchanged"
	ok "$(test ! -e "$OUT/loaded"; echo $?)" "... and no process inside ran it with the image's libraries"
	[ -e "$OUT/loaded" ] && diag "$(cat "$OUT"/* 2>/dev/null)"
	csm rm -f "$id" >/dev/null
	cp "$CSPAWN" "$COPY"
done
check_no_leftovers
