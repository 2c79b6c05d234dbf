# shellcheck shell=bash
# Sourced by run.sh and by the targets that start fakes of their own (runme.sh: `. ../../fakes.sh`).
#   start_fake DIR NAME [ARGS...]  runs $FAKE_LITELLM on a free loopback port with ARGS, its output in
#                                  DIR/NAME.out and DIR/NAME.err; sets $url to its base URL
#   stop_fakes                     ends every fake started so far (the caller's EXIT trap)
fake_pids=()
start_fake() {
  local dir=$1 name=$2; shift 2
  "$FAKE_LITELLM" --port 0 "$@" >"$dir/$name.out" 2>"$dir/$name.err" &
  fake_pids+=($!)
  local _
  for _ in $(seq 1 100); do
    url=$(head -n 1 "$dir/$name.out" 2>/dev/null || true)
    case "$url" in http://*) return 0 ;; esac
    sleep 0.05
  done
  echo "fake-litellm ($name) did not start:" >&2; cat "$dir/$name.err" >&2; exit 1
}
stop_fakes() {
  local p
  for p in "${fake_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${fake_pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
