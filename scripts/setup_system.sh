#!/usr/bin/env bash
# Install the Debian / Raspberry Pi OS packages the assistant needs, only if missing.
set -euo pipefail

PACKAGES=(
  python3 python3-venv python3-dev    # the virtual environment
  build-essential cmake ninja-build   # llama-cpp-python builds from source
  libportaudio2                       # sounddevice
  espeak-ng                           # test voices
  pulseaudio pulseaudio-utils libasound2-plugins  # null-sink audio for tests without a sound card
  alsa-utils                          # arecord/aplay to find devices on a Pi
)

case "$(uname -m)" in
  aarch64|armv7l)  # Raspberry Pi OS: gpiozero's pin library for the Pi 5 (and 4)
    apt-cache show python3-lgpio >/dev/null 2>&1 && PACKAGES+=(python3-lgpio) ;;
esac

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: system packages present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "setup: missing system packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "setup: installing system packages: ${missing[*]}"
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
