# Shared by the RADIUS interoperability tests. Source it first thing:
#
#   source "$(dirname "$0")/lib.sh" "$0" "$@"
#
# It re-runs the test in a network namespace of its own (loopback only), so that its ports clash
# with nothing and its servers reach nothing else; makes a work directory, the working directory
# from then on, removed on exit; and stops, by process id, every server the test adds to `pids`.
# `pass NAME` and `fail NAME` report one case each; `finish` prints the count and sets the status.

if [ -z "${_NIMBUS_IN_NETNS:-}" ]; then
  script=$1
  shift
  exec unshare -n env _NIMBUS_IN_NETNS=1 bash "$script" "$@"
fi
ip link set lo up

work=$(mktemp -d "/tmp/nimbus-$(basename "$1" .sh).XXXXXX")
chmod 755 "$work"  # the FreeRADIUS tests run their server as the freerad user
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

failures=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }
finish() {
  echo "$failures failure(s)"
  [ "$failures" -eq 0 ]
}
