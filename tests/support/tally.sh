# Sourced by the shell tests: a scratch directory removed on exit ($tmp), and the tally of
# checks: ok counts one passed, bad NAME... one failed (and says which); tally_end NAME
# prints the counts and returns non-zero if any failed.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
tally_end() {
    echo "$1$pass passed, $fail failed"
    [ "$fail" = 0 ]
}
