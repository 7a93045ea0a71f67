#!/usr/bin/env bash
# Prove the README's set-up (`make demo`) on arm64: a Debian 12 (bookworm) arm64 root, run under
# qemu-user emulation as a Raspberry Pi 4 (QEMU_CPU=cortex-a72), installs everything from the
# committed tree of this repo and answers the bundled spoken question.
#
#   sudo bash scripts/arm64_check.sh [ROOT_DIR]      (default ROOT_DIR: /var/tmp/pi-arm64-root)
#
# Needs root, ~6 GB of disk in ROOT_DIR and network access to the Debian mirror that apt already
# uses on this host and to PyPI. Every step is idempotent: a second run reuses the root, the
# installed system packages and the venv (ARM64_FRESH=1 wipes the app copy and its venv first).
# Measured on a shared 2-core host (load 13-22): root and system packages ~17 min, the
# cross-built llama.cpp wheel 56 min, pip in the root 12 min, model + ask 9 min; a second run
# ~3 min (the ask alone). The emulated llama.cpp compile managed 8 of 178 objects in 13 min
# there (hours); an earlier full run on a quieter host took ~32 min. Emulated times say nothing about
# a Pi's speed. Mounts are undone on exit; the root stays for the next run.
#
# Environment: ARM64_FRESH=1 (reinstall the app and venv), QEMU_CPU (default cortex-a72),
#   ARM64_NICE (default 10), ARM64_MIRROR (override the mirror read from apt's sources),
#   ARM64_LLAMA=emulated|cross: how llama-cpp-python is compiled. emulated (default): by
#     `make` inside the root, as on a Pi (GGML_NATIVE=ON), hours when the host is busy; cross:
#     on the host with Debian's aarch64 cross GCC 12 (the same compiler version as the root's)
#     into a wheel that the root's pip then takes through PIP_FIND_LINKS, minutes.
#   ARM64_LLAMA_ARCH: the -march of the cross build (default armv8-a+crc, a Pi 4's Cortex-A72).
#   ARM64_CPUINFO_FOR_BUILD=1: bind the Pi 4 /proc/cpuinfo before the compile too (gcc's
#     -mcpu=native then finds cortex-a72, as on a Pi 4; with the x86 text it finds nothing and
#     silently builds for generic armv8-a).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(git -C "$SCRIPT_DIR/.." rev-parse --show-toplevel)
ROOT=$(realpath -m "${1:-/var/tmp/pi-arm64-root}")
APP=/root/pi-voice-assistant                 # the repo's path inside the root
WHEELS=/opt/arm64-check-wheels               # the cross-built llama-cpp-python wheel, in the root
LLAMA_MODE=${ARM64_LLAMA:-emulated}
case "$LLAMA_MODE" in emulated|cross) ;; *) echo "ARM64_LLAMA must be emulated or cross" >&2; exit 2 ;; esac
NICE=(nice -n "${ARM64_NICE:-10}")
export QEMU_CPU=${QEMU_CPU:-cortex-a72}      # a Pi 4's core: instructions it lacks fail here too
STATE=$(mktemp -d /tmp/arm64_check.XXXXXX)   # timings, the mount list, the demo's output
MOUNTS=$STATE/mounts                         # mounted by this run, undone in reverse on exit
STEPS=$STATE/steps                           # one line per finished step
RESULT=$STATE/result                         # what `assistant ask` did
: > "$MOUNTS"; : > "$STEPS"; echo "not run" > "$RESULT"

[ "$(id -u)" -eq 0 ] || { echo "arm64_check: run as root (debootstrap, chroot, mount)" >&2; exit 1; }

log() { printf '[arm64_check %s] %s\n' "$(date +%T)" "$*"; }

# step NAME COMMAND...: run one step, record its duration and status for the summary.
step() {
  local name=$1; shift
  local t0 t1 rc
  log "== $name"
  echo "$name" > "$STATE/current"
  t0=$(date +%s%N)
  # A subshell outside any || keeps `set -e` in force inside the step's functions.
  set +e; ( set -e; "$@" ); rc=$?; set -e
  t1=$(date +%s%N)
  printf '%-34s %8.1f s  %s\n' "$name" "$(( (t1 - t0) / 1000000 ))e-3" \
    "$([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)")" >> "$STEPS"
  rm -f "$STATE/current"
  if [ $rc -ne 0 ]; then
    log "step '$name' failed with exit status $rc"
    grep -q '^not run$' "$RESULT" && echo "not run: the set-up failed at step '$name'" > "$RESULT"
    exit $rc
  fi
}

summary() {
  local rc=$?
  set +e
  tac "$MOUNTS" | while IFS= read -r m; do
    umount -R "$m" 2>/dev/null || umount -R -l "$m" 2>/dev/null || echo "could not unmount $m"
  done
  echo
  echo "=== arm64 check summary (QEMU_CPU=$QEMU_CPU, llama.cpp $LLAMA_MODE, root $ROOT, repo $(git -C "$REPO" rev-parse --short HEAD))"
  printf '%-34s %10s  %s\n' step duration status
  cat "$STEPS"
  [ -f "$STATE/current" ] && printf '%-34s %10s  %s\n' "$(cat "$STATE/current")" "-" "interrupted"
  echo "assistant ask: $(cat "$RESULT")"
  rm -rf "$STATE"
  exit $rc
}
trap summary EXIT
trap 'exit 130' INT TERM

in_root() {  # run a command inside the root with a clean environment (plus pip's PIP_* settings)
  local envs=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
              LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive QEMU_CPU="$QEMU_CPU"
              CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)")
  local v
  for v in $(compgen -e | grep '^PIP_' || true); do
    [ "$v" = PIP_FIND_LINKS ] || envs+=("$v=${!v}")
  done
  # find-links: the host's, plus the cross-built wheel's folder in cross mode
  local links=${PIP_FIND_LINKS:-}
  [ "$LLAMA_MODE" = cross ] && links="${links:+$links }$WHEELS"
  [ -n "$links" ] && envs+=("PIP_FIND_LINKS=$links")
  chroot "$ROOT" /usr/bin/env -i "${envs[@]}" "$@"
}

mount_once() {  # mount_once TARGET MOUNT-ARGS...: mount unless TARGET already is a mount point
  local target=$1; shift
  mountpoint -q "$target" && return 0
  mount "$@" "$target"
  echo "$target" >> "$MOUNTS"
}

# --- 1. host packages ----------------------------------------------------------------------
host_packages() {
  local need=()
  for p in qemu-user-static debootstrap binfmt-support; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && { log "host packages present"; return 0; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
}

# --- 2. binfmt_misc and the aarch64 handler --------------------------------------------------
binfmt() {
  local dir=/proc/sys/fs/binfmt_misc
  [ -e "$dir/register" ] || mount -t binfmt_misc binfmt_misc "$dir"
  if ! grep -q '^enabled' "$dir/qemu-aarch64" 2>/dev/null; then
    update-binfmts --enable qemu-aarch64 || update-binfmts --import qemu-aarch64
  fi
  grep -q '^enabled' "$dir/qemu-aarch64" || { log "no qemu-aarch64 binfmt handler"; return 1; }
  grep -q '^flags:.*F' "$dir/qemu-aarch64" \
    || log "warning: the aarch64 handler lacks the F flag; chroot needs the interpreter inside"
  sed -n 's/^interpreter /  interpreter: /p; s/^flags: /  flags: /p' "$dir/qemu-aarch64"
}

# --- 3. the Debian 12 arm64 root -----------------------------------------------------------
# The mirror apt uses here: the first source whose suites include plain "bookworm" (one-line
# sources.list or deb822 *.sources files; comments and other architectures skipped).
debian_mirror() {
  [ -n "${ARM64_MIRROR:-}" ] && { echo "$ARM64_MIRROR"; return; }
  python3 - <<'EOF'
import glob, re, sys
def one_line(path):
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.split("#", 1)[0].strip()
        m = re.match(r"deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
        if m and m.group(3) == "bookworm":
            opts = m.group(1) or ""
            a = re.search(r"arch=(\S+)", opts)
            if not a or "arm64" in a.group(1).split(","):
                yield m.group(2)
def deb822(path):
    for stanza in re.split(r"\n\s*\n", open(path, encoding="utf-8", errors="replace").read()):
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[0].isspace():
                continue
            k, v = line.split(":", 1)
            fields[k.strip().lower()] = v.split()
        if "deb" not in fields.get("types", []) or fields.get("enabled", ["yes"])[0] == "no":
            continue
        archs = fields.get("architectures")
        if archs and "arm64" not in archs:
            continue
        if "bookworm" in fields.get("suites", []):
            yield from fields.get("uris", [])
paths = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list"))
found = [u for p in paths if glob.os.path.exists(p) for u in one_line(p)]
found += [u for p in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")) for u in deb822(p)]
if not found:
    sys.exit("arm64_check: no apt source for bookworm in /etc/apt; set ARM64_MIRROR")
print(found[0])
EOF
}

build_root() {
  if [ -x "$ROOT/usr/bin/apt-get" ] && [ -f "$ROOT/.arm64_check_debootstrap_done" ]; then
    log "reusing the root at $ROOT"
    return 0
  fi
  local mirror
  mirror=$(debian_mirror)
  log "debootstrap --arch=arm64 bookworm $ROOT $mirror"
  mkdir -p "$ROOT"
  "${NICE[@]}" debootstrap --arch=arm64 bookworm "$ROOT" "$mirror"
  [ "$(chroot "$ROOT" uname -m)" = aarch64 ]
  touch "$ROOT/.arm64_check_debootstrap_done"
}

# --- 4. mounts, network and pip configuration ----------------------------------------------
mounts() {
  mount_once "$ROOT/proc" -t proc proc
  mount_once "$ROOT/sys" --rbind /sys
  mount --make-rslave "$ROOT/sys"
  mount_once "$ROOT/dev" --rbind /dev
  mount --make-rslave "$ROOT/dev"
  # Keep daemons (pulseaudio, ...) from being started by package scripts inside the root.
  printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
  chmod +x "$ROOT/usr/sbin/policy-rc.d"
}

copy_file() {  # copy_file PATH: the host file to the same path in the root
  local f=$1
  [ -f "$f" ] || return 0
  grep -qxF "$f" "$STATE/copied" 2>/dev/null && return 0
  echo "$f" >> "$STATE/copied"
  mkdir -p "$ROOT$(dirname "$f")"
  cp -L "$f" "$ROOT$f"
  log "  copied $f"
}

share_dir() {  # share_dir DIR: the host folder at the same path in the root (read-only bind)
  local d=$1
  [ -d "$d" ] || return 0
  grep -qxF "$d" "$STATE/copied" 2>/dev/null && return 0
  echo "$d" >> "$STATE/copied"
  mkdir -p "$ROOT$d"
  if ! mountpoint -q "$ROOT$d"; then
    mount --bind "$d" "$ROOT$d"; echo "$ROOT$d" >> "$MOUNTS"
    mount -o remount,bind,ro "$ROOT$d"
  fi
  log "  shared $d (read-only bind mount)"
}

share_path() {  # a value from pip's configuration: a file, a folder or a file:// URL
  local v=$1
  v=${v#file://}
  case "$v" in /*) ;; *) return 0 ;; esac   # remote URLs and bare names need nothing
  if [ -d "$v" ]; then share_dir "$v"; elif [ -f "$v" ]; then copy_file "$v"; fi
}

network_and_pip() {
  copy_file /etc/resolv.conf
  # apt: the host's sources whose keyrings the root also has (Debian's own); the root keeps
  # debootstrap's sources.list otherwise.
  local f kr ok=0
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    grep -qE '^[[:space:]]*(deb[[:space:]]|Types:)' "$f" || continue
    kr=$(sed -nE 's/^[[:space:]]*Signed-By:[[:space:]]*(\/[^[:space:]]+).*/\1/p; s/.*signed-by=(\/[^] ]+).*/\1/p' "$f" | head -1)
    if [ -n "$kr" ] && [ ! -f "$ROOT$kr" ]; then log "  skipped $f (keyring $kr not in the root)"; continue; fi
    if grep -qE 'Architectures:[[:space:]]*amd64[[:space:]]*$|arch=amd64[],]' "$f"; then
      log "  skipped $f (amd64 only)"; continue
    fi
    copy_file "$f"; ok=1
  done
  # Debootstrap's one-line sources.list would duplicate the host's deb822 file.
  if [ $ok -eq 1 ] && [ ! -f /etc/apt/sources.list ] && [ -f "$ROOT/etc/apt/sources.list" ]; then
    mv "$ROOT/etc/apt/sources.list" "$ROOT/etc/apt/sources.list.debootstrap"
  fi
  # pip: every configuration file, and every file or folder a setting names.
  local files=(/etc/pip.conf /etc/xdg/pip/pip.conf "$HOME/.config/pip/pip.conf" "$HOME/.pip/pip.conf")
  [ -n "${XDG_CONFIG_DIRS:-}" ] && for d in ${XDG_CONFIG_DIRS//:/ }; do files+=("$d/pip/pip.conf"); done
  [ -n "${PIP_CONFIG_FILE:-}" ] && [ "$PIP_CONFIG_FILE" != /dev/null ] && files+=("$PIP_CONFIG_FILE")
  for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    mkdir -p "$ROOT/root" "$(dirname "$ROOT${f/#$HOME//root}")"
    cp -L "$f" "$ROOT${f/#$HOME//root}"      # the user's files go to root's home in the root
    log "  copied $f"
  done
  local values
  values=$(python3 - "${files[@]}" <<'EOF'
import configparser, os, sys
KEYS = {"cert", "client-cert", "constraint", "constraints", "requirement", "find-links",
        "index-url", "extra-index-url", "build-constraint"}
vals = []
for path in sys.argv[1:]:
    if not os.path.isfile(path):
        continue
    cp = configparser.RawConfigParser()
    cp.read(path)
    for sec in cp.sections():
        for k, v in cp.items(sec):
            if k.replace("_", "-") in KEYS:
                vals += [(k.replace("_", "-"), x) for x in v.split()]
for k, v in os.environ.items():
    if k.startswith("PIP_") and k[4:].lower().replace("_", "-") in KEYS:
        vals += [(k[4:].lower().replace("_", "-"), x) for x in v.split()]
print("\n".join(f"{k} {v}" for k, v in dict.fromkeys(vals)))
EOF
  )
  local k v
  while read -r k v; do
    [ -n "$v" ] || continue
    # A local index (file:///x/simple) links its files relative to it (../../files/...):
    # share the folder that holds "simple".
    case "$k:$v" in *index-url:file://*/simple|*index-url:file://*/simple/) v=$(dirname "${v%/}") ;; esac
    share_path "$v"
  done <<<"$values"
  # certificate bundles named by the environment outside pip too
  for v in REQUESTS_CA_BUNDLE SSL_CERT_FILE CURL_CA_BUNDLE; do
    [ -n "${!v:-}" ] && share_path "${!v}"
  done
  return 0
}

# --- 5. the repo and its set-up inside the root -----------------------------------------------
root_tools() {
  local need=()
  for p in make git ca-certificates; do
    in_root dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && { log "make and git present in the root"; return 0; }
  in_root apt-get update -qq
  in_root "${NICE[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
}

copy_repo() {
  local dest=$ROOT$APP
  if [ "${ARM64_FRESH:-0}" = 1 ]; then rm -rf "$dest"; fi
  mkdir -p "$dest"
  # Replace the tracked tree, keep what the set-up made (.venv, built models) for reuse.
  find "$dest" -mindepth 1 -maxdepth 1 ! -name .venv ! -name models -exec rm -rf {} +
  git -C "$REPO" archive --format=tar HEAD | tar -x -C "$dest"
  log "copied $(git -C "$REPO" rev-parse --short HEAD) (git archive HEAD) to $APP"
  git -C "$REPO" diff --quiet HEAD || log "note: uncommitted changes in $REPO are not tested"
}

in_app() { in_root /bin/bash -c "cd $APP && $*"; }

# The cross build: llama-cpp-python's sdist compiled on the host for aarch64, tagged as the
# root's pip expects (py3-none-linux_aarch64), reused while its flags stay the same.
cross_llama() {
  local pin arch=${ARM64_LLAMA_ARCH:-armv8-a+crc} out=$ROOT$WHEELS tc=$STATE/aarch64.cmake
  pin=$(grep -iE '^llama[-_]cpp[-_]python==' "$ROOT$APP/requirements/lock.txt")
  mkdir -p "$out"
  if [ -f "$out/FLAGS" ] && [ "$(cat "$out/FLAGS")" = "$pin $arch" ] && ls "$out"/*.whl >/dev/null 2>&1; then
    log "reusing $(ls "$out"/*.whl) ($pin, -march=$arch)"; return 0
  fi
  local need=() p
  for p in g++-aarch64-linux-gnu cmake ninja-build; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi
  printf '%s\n' 'set(CMAKE_SYSTEM_NAME Linux)' 'set(CMAKE_SYSTEM_PROCESSOR aarch64)' \
    'set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)' 'set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)' \
    'set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)' 'set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)' \
    'set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)' 'set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)' \
    'set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)' > "$tc"
  rm -f "$out"/*.whl "$out/FLAGS"
  log "cross-compiling $pin for aarch64 (-march=$arch) on the host"
  _PYTHON_HOST_PLATFORM=linux-aarch64 CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    CMAKE_ARGS="-DCMAKE_TOOLCHAIN_FILE=$tc -DGGML_NATIVE=OFF -DGGML_CPU_ARM_ARCH=$arch" \
    "${NICE[@]}" python3 -m pip wheel --no-deps --no-binary llama-cpp-python \
      --no-cache-dir -w "$out" "$pin"
  local whl
  whl=$(ls "$out"/*.whl)
  case "$whl" in *linux_aarch64.whl) ;; *) log "unexpected wheel tag: $whl"; return 1 ;; esac
  # every shared library in it must be aarch64 code (ELF e_machine 183)
  python3 -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    libs = [n for n in z.namelist() if ".so" in n.rsplit("/", 1)[-1]]
    bad = [n for n in libs if z.read(n)[18:20] != b"\xb7\x00"]
print(f"{len(libs)} shared libraries, all aarch64" if libs and not bad else f"not aarch64: {bad}")
sys.exit(1 if bad or not libs else 0)' "$whl"
  echo "$pin $arch" > "$out/FLAGS"
}

# A Raspberry Pi 4's /proc/cpuinfo: qemu-user shows the x86 host's, which onnxruntime's cpuinfo
# parser cannot read (import onnxruntime segfaults). Bound over /proc/cpuinfo after the compile.
pi4_cpuinfo() {
  local n
  for n in 0 1 2 3; do
    printf 'processor\t: %s\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n' "$n"
    printf 'CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\n'
    printf 'CPU part\t: 0xd08\nCPU revision\t: 3\n\n'
  done
  printf 'Hardware\t: BCM2835\nRevision\t: c03114\nSerial\t\t: 10000000c0ffee42\n'
  printf 'Model\t\t: Raspberry Pi 4 Model B Rev 1.4\n'
}

pi_cpuinfo() {
  pi4_cpuinfo > "$STATE/cpuinfo"
  mount_once "$ROOT/proc/cpuinfo" --bind "$STATE/cpuinfo"
  in_root grep -m1 Model /proc/cpuinfo
}

demo() {
  rm -f "$ROOT$APP/reply.wav"
  local rc=0
  in_app "${NICE[*]} make demo" 2>&1 | tee "$STATE/demo.log" || rc=${PIPESTATUS[0]}
  local said reply wav="$ROOT$APP/reply.wav"
  said=$(sed -n 's/^you said: //p' "$STATE/demo.log" | tail -1)
  reply=$(sed -n 's/^reply: //p' "$STATE/demo.log" | tail -1)
  if [ $rc -eq 0 ] && [ -n "$said" ] && [ -n "$reply" ] \
     && { [ -s "$wav" ] || grep -q '^played ' "$STATE/demo.log"; }; then
    echo "ANSWERED (exit 0) - heard: \"$said\" - replied: \"$reply\" - $( [ -s "$wav" ] \
      && echo "reply.wav $(stat -c %s "$wav") bytes" || grep '^played ' "$STATE/demo.log")" > "$RESULT"
    return 0
  fi
  echo "NO ANSWER (make demo exit $rc, heard: \"$said\", reply: \"$reply\", reply.wav: $( \
    [ -s "$wav" ] && stat -c %s "$wav" || echo missing))" > "$RESULT"
  return 1
}

# The always-on daemon as a user runs it, on the arm64 wheels: the microWakeWord detector
# (TFLite), WebRTC echo cancellation in the simulated room, Whisper, llama.cpp and piper, one
# turn from "Hey Mycroft." plus the bundled question, read from a WAV file.
listen() {
  cat > "$ROOT/tmp/arm64_listen.sh" <<'SH'
set -e
rm -f /tmp/arm64-events.jsonl  # the event log appends: this run's events only
.venv/bin/python - <<'PY'
from assistant.audio.format import read_wav, write_wav
from assistant.models.loading import load_tts
from assistant.config.loader import load_config
from assistant_tools.speech import concat, piper_clip, silence
tts = load_tts(load_config("config.yaml"))
clip = concat(silence(0.5), piper_clip(tts, "Hey Mycroft."), silence(0.6),
              read_wav("assistant/data/question.wav"), silence(2.0))
write_wav("/tmp/arm64-mic.wav", clip)
PY
# Emulation runs Whisper 20-50x slower than a Pi: the time limits are raised, nothing else.
sed -e 's/^  echo_cancel: false/  echo_cancel: true/' -e 's/^  stt_s: .*/  stt_s: 600/' \
    -e 's/^  tts_s: .*/  tts_s: 600/' -e 's/^  timeout_s: .*/  timeout_s: 600/' config.yaml > /tmp/arm64-room.yaml
grep -q '^  stt_s: 600' /tmp/arm64-room.yaml && grep -q '^  echo_cancel: true' /tmp/arm64-room.yaml
.venv/bin/assistant --config /tmp/arm64-room.yaml run --mic /tmp/arm64-mic.wav \
  --speaker /tmp/arm64-answer.wav --room --turns 1 --events /tmp/arm64-events.jsonl
SH
  local rc=0
  in_app "${NICE[*]} bash /tmp/arm64_listen.sh" 2>&1 | tee "$STATE/listen.log" || rc=${PIPESTATUS[0]}
  local events=$ROOT/tmp/arm64-events.jsonl
  for type in ready wake transcript first_audio turn_done; do
    grep -q "\"type\": \"$type\"" "$events" 2>/dev/null || { echo "listen: no $type event (exit $rc)" >> "$RESULT"; return 1; }
  done
  echo "run: $(grep -o '"type": "wake"[^}]*' "$events" | head -1); $(grep -o '"type": "transcript"[^}]*' "$events" | head -1)" >> "$RESULT"
  return $rc
}

log "repo $REPO at $(git -C "$REPO" rev-parse --short HEAD), root $ROOT, QEMU_CPU=$QEMU_CPU, llama.cpp: $LLAMA_MODE"
step "1 host packages (apt-get)"         host_packages
step "2 binfmt_misc + aarch64 handler"   binfmt
step "3 debootstrap bookworm arm64"      build_root
step "4a mount /proc /sys /dev"          mounts
step "4b resolv.conf, apt + pip config"  network_and_pip
step "5a make + git in the root"         root_tools
step "5b copy the committed tree"        copy_repo
step "5c make system (apt packages)"     in_app "make system"
if [ "$LLAMA_MODE" = cross ]; then step "5d0 cross-build llama wheel (host)" cross_llama; fi
if [ "${ARM64_CPUINFO_FOR_BUILD:-0}" = 1 ]; then step "5e Pi 4 /proc/cpuinfo bind" pi_cpuinfo; fi
step "5d make .venv (pip$([ "$LLAMA_MODE" = emulated ] && echo ', llama.cpp'))" \
  in_app "${NICE[*]} make .venv/.installed"
if [ "${ARM64_CPUINFO_FOR_BUILD:-0}" != 1 ]; then step "5e Pi 4 /proc/cpuinfo bind" pi_cpuinfo; fi
step "5f make demo (model + ask)"        demo
step "5g run: wake word, echo cancellation, one turn" listen
