#!/usr/bin/env bash
# run_ai_build.sh - the seed's launcher for the pxOS AI build system, now a
# thin menu over the pxos binary.
#
#   ./run_ai_build.sh                 a menu
#   ./run_ai_build.sh --auto [ARGS]   automated build (pxos auto ARGS)
#   ./run_ai_build.sh --demo          the LLM learning demo (pxos bridge --demo)
#   ./run_ai_build.sh --interactive   interactive generation (pxos gen --interactive)
#
# Environment: PXOS_BIN (a pxos binary to use; default: build ./bin/pxos from
# this checkout when it is missing or older than the sources), PXOS_DIR (a
# pxOS directory to use; default: the workspace pxos finds, as every pxos
# command does, from the current directory up), and pxos's own
# PXOS_LLM_URL, PXOS_MODEL, PXOS_API_KEY.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# With PXOS_DIR, every command names it; without, pxos uses its workspace.
dir_flag=() in_flag=() scen_flag=()
if [[ -n "${PXOS_DIR:-}" ]]; then
	dir_flag=(--pxos-dir "$PXOS_DIR")
	in_flag=(-i "$PXOS_DIR/pxos_commands.txt" -o pxos.img --bin pxos.bin)
	scen_flag=(pxos.img --scenario "$PXOS_DIR/scenarios")
fi

pxos_bin() {
	if [[ -n "${PXOS_BIN:-}" ]]; then
		echo "$PXOS_BIN"
		return
	fi
	local bin="$here/bin/pxos"
	if [[ ! -x "$bin" ]] || [[ -n "$(find "$here/cmd" "$here/internal" "$here/pxos-v1.0" "$here/knowledge" -newer "$bin" -type f -print -quit 2>/dev/null)" ]]; then
		echo "building $bin ..." >&2
		(cd "$here" && go build -o "$bin" ./cmd/pxos) >&2
	fi
	echo "$bin"
}

# The options are checked, and --help answered, before pxos is resolved:
# help needs no Go toolchain and no build.
usage() { sed -n '2,${/^#/!q;s/^# \{0,1\}//;p;}' "$0"; }
case "${1:-}" in
--auto|--demo|--interactive|"") ;;
-h|--help) usage; exit 0 ;;
*) echo "run_ai_build.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
esac

PXOS=$(pxos_bin)

run() {
	echo "+ pxos $*" >&2
	"$PXOS" "$@"
}

automated() { run auto ${dir_flag[@]+"${dir_flag[@]}"} "$@"; }
demo() { run bridge --demo "$@"; }
interactive() { run gen --interactive ${dir_flag[@]+"${dir_flag[@]}"} "$@"; }
build_only() { run build ${in_flag[@]+"${in_flag[@]}"}; }
test_only() {
	if [[ -n "${PXOS_DIR:-}" && ! -f pxos.img ]]; then build_only; fi
	run test ${scen_flag[@]+"${scen_flag[@]}"} --backend emu
}

case "${1:-}" in
--auto) shift; automated "$@"; exit ;;
--demo) shift; demo "$@"; exit ;;
--interactive) shift; interactive "$@"; exit ;;
esac

while true; do
	cat <<'MENU'

pxOS AI build system
  1) automated build      (pxos auto)
  2) learning demo        (pxos bridge --demo)
  3) interactive generation (pxos gen --interactive)
  4) build only           (pxos build)
  5) test only            (pxos test)
  6) quit
MENU
	printf 'choice: '
	if ! read -r choice; then echo; exit 0; fi
	case "$choice" in
	1) automated || true ;;
	2) demo || true ;;
	3) interactive || true ;;
	4) build_only || true ;;
	5) test_only || true ;;
	6|q|quit|exit) exit 0 ;;
	*) echo "choose 1-6" ;;
	esac
done
