#!/usr/bin/env bash
# Install everything retail-edge needs on a fresh Debian/Ubuntu machine with Python 3.11.
# Idempotent: a second run only checks. Used by ./run-demo and ./run-tests (and so by CI).
#   scripts/setup.sh          runtime: mosquitto + the project in .venv
#   scripts/setup.sh --test   also what the tests need: chromium, GStreamer RTSP server, test extras
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0; [ "${1:-}" = "--test" ] && want_test=1

SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
debs=(mosquitto mosquitto-clients openssl python3-venv)
[ $want_test -eq 1 ] && debs+=(chromium gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-good
                               gstreamer1.0-plugins-bad gstreamer1.0-plugins-base gstreamer1.0-tools)
missing=()
for p in "${debs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The Debian package may start a system mosquitto on 1883; retail-edge never relies on it.

PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
"$PY" -c 'import sys; assert sys.version_info[:2] >= (3, 11), sys.version' \
  || { echo "setup: Python 3.11 is required (found $("$PY" --version))"; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
extra=""; [ $want_test -eq 1 ] && extra="[test]"
stamp=".venv/.installed$extra"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing the project into .venv (pip install -e .$extra)"
  # (grep drops the warnings some pip configurations print for every missing local index entry)
  .venv/bin/pip install -q --disable-pip-version-check -e ".$extra" 2>&1 | { grep -v '^WARNING: Location' || true; }
  if [ $want_test -eq 1 ]; then
    # bench peer (issue 3): Roboflow `trackers` declares opencv-python, which would overwrite the
    # contrib cv2 MediaPipe needs; its real needs (numpy, scipy, supervision…) are already here.
    .venv/bin/pip install -q --disable-pip-version-check --no-deps "trackers==2.6.1" 2>&1 | { grep -v '^WARNING: Location' || true; }
  fi
  # MediaPipe needs opencv-contrib-python; anything that pulled opencv-python (which also writes
  # cv2) would break it: remove it and restore the contrib wheel's files.
  if .venv/bin/pip show -q opencv-python >/dev/null 2>&1; then
    .venv/bin/pip uninstall -q -y opencv-python
    .venv/bin/pip install -q --force-reinstall --no-deps "$(.venv/bin/pip freeze | grep -i '^opencv-contrib-python==')" \
      2>&1 | { grep -v '^WARNING: Location' || true; }
  fi
  touch "$stamp"
fi
.venv/bin/python -c 'import cv2; cv2.xfeatures2d' \
  || { echo "setup: cv2 lacks its contrib modules (opencv-python installed beside opencv-contrib-python?)"; exit 1; }
