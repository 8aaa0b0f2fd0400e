#!/usr/bin/env bash
# A real link for the split runtime: the mobile, the edge and the cloud in network
# namespaces of their own (pd-mobile, pd-edge, pd-cloud), joined by veth pairs, with tc
# shaping the mobile-edge link (both ways) and the edge-cloud link. Needs root.
#
#   scripts/testbed.sh up [--wireless RATE] [--wireless-delay MS] [--wired RATE] [--wired-delay MS]
#   scripts/testbed.sh exec mobile|edge|cloud CMD...   run CMD inside a namespace
#   scripts/testbed.sh down
#
# RATE as tc takes it (74mbit, 1gbit); a delay needs the kernel's netem. Addresses (the project's own test hosts, inside
# these namespaces only): mobile 10.77.1.1, edge 10.77.1.2 (to the mobile) and 10.77.2.1
# (to the cloud), cloud 10.77.2.2. Defaults: 74mbit wireless, 1gbit wired, no delay.
set -euo pipefail
# PD_TESTBED_PREFIX names the namespaces and links (default pd), so two testbeds can coexist
prefix=${PD_TESTBED_PREFIX:-pd}
ns() { echo "$prefix-$1"; }

shape() { # NS DEV RATE DELAY_MS
    local args=(rate "$3" burst 32kbit latency 400ms)
    if [ "$4" != 0 ]; then
        if ! ip netns exec "$1" tc qdisc replace dev "$2" root handle 1: netem delay "${4}ms" 2>/dev/null; then
            echo "testbed: this kernel has no netem (CONFIG_NET_SCH_NETEM), so no link delay; rates still work" >&2
            exit 2
        fi
        ip netns exec "$1" tc qdisc replace dev "$2" parent 1: handle 2: tbf "${args[@]}"
    else
        ip netns exec "$1" tc qdisc replace dev "$2" root tbf "${args[@]}"
    fi
}

up() {
    local wireless=74mbit wired=1gbit wdelay=0 cdelay=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --wireless) wireless=$2; shift 2 ;;
            --wireless-delay) wdelay=$2; shift 2 ;;
            --wired) wired=$2; shift 2 ;;
            --wired-delay) cdelay=$2; shift 2 ;;
            *) echo "testbed: unknown option $1" >&2; exit 2 ;;
        esac
    done
    down 2>/dev/null || true
    for t in mobile edge cloud; do
        ip netns add "$(ns $t)"
        ip netns exec "$(ns $t)" ip link set lo up
    done
    ip link add $prefix-m0 type veth peer name $prefix-e0
    ip link add $prefix-e1 type veth peer name $prefix-c0
    ip link set $prefix-m0 netns "$(ns mobile)"
    ip link set $prefix-e0 netns "$(ns edge)"
    ip link set $prefix-e1 netns "$(ns edge)"
    ip link set $prefix-c0 netns "$(ns cloud)"
    ip netns exec "$(ns mobile)" ip addr add 10.77.1.1/24 dev $prefix-m0
    ip netns exec "$(ns edge)" ip addr add 10.77.1.2/24 dev $prefix-e0
    ip netns exec "$(ns edge)" ip addr add 10.77.2.1/24 dev $prefix-e1
    ip netns exec "$(ns cloud)" ip addr add 10.77.2.2/24 dev $prefix-c0
    for pair in mobile:$prefix-m0 edge:$prefix-e0 edge:$prefix-e1 cloud:$prefix-c0; do
        ip netns exec "$(ns ${pair%%:*})" ip link set "${pair##*:}" up
    done
    # the mobile reaches the cloud through the edge, as in the cost model
    ip netns exec "$(ns mobile)" ip route add 10.77.2.0/24 via 10.77.1.2
    ip netns exec "$(ns cloud)" ip route add 10.77.1.0/24 via 10.77.2.1
    ip netns exec "$(ns edge)" sysctl -qw net.ipv4.ip_forward=1
    shape "$(ns mobile)" $prefix-m0 "$wireless" "$wdelay"
    shape "$(ns edge)" $prefix-e0 "$wireless" "$wdelay"
    shape "$(ns edge)" $prefix-e1 "$wired" "$cdelay"
    shape "$(ns cloud)" $prefix-c0 "$wired" "$cdelay"
    echo "testbed up: mobile 10.77.1.1 <-${wireless}, ${wdelay} ms-> edge 10.77.1.2 / 10.77.2.1 <-${wired}, ${cdelay} ms-> cloud 10.77.2.2"
}

down() {
    for t in mobile edge cloud; do
        ip netns del "$(ns $t)" 2>/dev/null || true
    done
}

case "${1:-}" in
    up) shift; up "$@" ;;
    down) down ;;
    exec)
        [ $# -ge 3 ] || { echo "usage: testbed.sh exec mobile|edge|cloud CMD..." >&2; exit 2; }
        t=$2; shift 2
        exec ip netns exec "$(ns "$t")" "$@" ;;
    *) echo "usage: testbed.sh up [options] | exec TIER CMD... | down" >&2; exit 2 ;;
esac
