# Helpers for the networking tests. Source after tap.sh and rootfs.sh.
# Nothing here touches the machine's own interfaces, routes or ruleset: the
# test gets two network namespaces of its own, named after its pid, which
# are removed at exit:
#   NS_HOST  plays the host: cspawn runs there (through H), with an uplink
#            192.0.2.1/24 (TEST-NET-1, a documentation range) and lo up
#   NS_OUT   plays another machine (through O) at 192.0.2.2/24
# All cspawn state goes under $TMP/state (CSPAWN_ROOT).
#   H CMD...        runs CMD in NS_HOST;  O CMD...: in NS_OUT
#   HX, OX          the same as command lines, for `"${HX[@]}" CMD &`
#   HCS=(...)       cspawn in NS_HOST, marked like CS, for `"${HCS[@]}" ... &`
#   hcs ARGS...     the same, bounded, in the foreground
#   net_leftovers   links and nft tables left in NS_HOST (empty: nothing)
#   ctr_pid MON     the container's PID 1 as the host sees it (child of MON)

NS_HOST="nt$$-host"
NS_OUT="nt$$-out"
HOST_IP=192.0.2.1
OUT_IP=192.0.2.2
export CSPAWN_ROOT="$TMP/state"

# As command lines too, for `"${HX[@]}" CMD &`: $! is then CMD itself.
HX=(nsenter --net="/run/netns/$NS_HOST" --)
OX=(nsenter --net="/run/netns/$NS_OUT" --)
H() { "${HX[@]}" "$@"; }
O() { "${OX[@]}" "$@"; }
HCS=("${HX[@]}" "${CS[@]}")
hcs() { timeout -s KILL 60 "${HCS[@]}" "$@"; }

net_teardown() {
	kill_marked
	ip netns del "$NS_HOST" 2>/dev/null
	ip netns del "$NS_OUT" 2>/dev/null
	return 0
}

need_netns() {
	if ! ip netns add "$NS_HOST" || ! ip netns add "$NS_OUT"; then
		echo "Bail out! cannot create network namespaces $NS_HOST and $NS_OUT"
		net_teardown
		exit 1
	fi
	on_exit net_teardown
	ip -n "$NS_HOST" link add uplink type veth peer name uplink netns "$NS_OUT" &&
		ip -n "$NS_HOST" addr add "$HOST_IP/24" dev uplink &&
		ip -n "$NS_OUT" addr add "$OUT_IP/24" dev uplink &&
		for _ns in "$NS_HOST" "$NS_OUT"; do
			ip -n "$_ns" link set lo up && ip -n "$_ns" link set uplink up || return 1
		done
}

# What the test's containers left in NS_HOST: any link but lo and the
# uplink (bridges, veths), and any nft table (the namespace starts empty).
net_leftovers() {
	H ip -o link show | awk -F': ' '$2 != "lo" && $2 !~ /^uplink@/ {print "link: " $2}'
	H nft list tables | sed 's/^/nft: /'
}
no_net_leftovers() { [ -z "$(net_leftovers)" ]; }

check_no_net_leftovers() {
	wait_until 5 no_net_leftovers
	_st=$?
	ok $_st "nothing of the containers left in the namespace (ip link, nft list ruleset)"
	[ $_st -eq 0 ] || net_leftovers | sed 's/^/#   /'
}

# listening PORT: something in NS_HOST listens on TCP PORT.
listening() { [ -n "$(H ss -Htln "sport = :$1")" ]; }

ctr_pid() { awk '{print $1}' "/proc/$1/task/$1/children" 2>/dev/null; }

# fetch NS URL: the page, or nothing; bounded.
# (busybox wget -T crashes in Debian 12: timeout bounds it instead)
fetch() { "$1" timeout 5 "$BUSYBOX" wget -q -O - "$2" 2>/dev/null; }
fetch_is() { [ "$(fetch "$1" "$2")" = "$3" ]; }
