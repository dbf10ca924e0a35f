#!/usr/bin/env bash
# Install or upgrade the retail-edge agent on a store box (Debian 12 / Ubuntu 22.04+, as root).
# Safe to run again: every step checks first and only does what is missing or out of date; an
# existing /etc/retail-edge/edge.yaml is never touched.
#
#   sudo deploy/install-store-box.sh             # install or upgrade from this checkout
#   deploy/install-store-box.sh --dry-run        # print the steps, change nothing (no root needed)
#
# What it makes (docs/DEPLOY.md):
#   user retail-edge (system, no login, group video for USB cameras)
#   /opt/retail-edge/{src,models,venv}   the project, its models, a venv with it installed
#   /etc/retail-edge/                    root:retail-edge 0750; edge.yaml is yours to write
#   /var/lib/retail-edge/                retail-edge 0750: the outbox
#   /etc/systemd/system/retail-edge.service, enabled (started once edge.yaml exists)
set -euo pipefail

usage() {
  cat <<'EOF'
usage: install-store-box.sh [--dry-run] [--prefix DIR] [--src DIR] [--python PYTHON]

  --dry-run        print every step instead of running it; changes nothing
  --prefix DIR     install under DIR instead of / (images, tests); skips the user and systemctl
  --src DIR        the project checkout to install (default: the one holding this script)
  --python PYTHON  interpreter for the venv, 3.11 or 3.12 (default: python3.11, else python3)
EOF
}

DRY_RUN=0
PREFIX=""
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --prefix) PREFIX="${2:?--prefix needs a directory}"; shift ;;
    --src) SRC="${2:?--src needs a directory}"; shift ;;
    --python) PYTHON="${2:?--python needs an interpreter}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install-store-box.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
PREFIX="${PREFIX%/}"

USER_NAME=retail-edge
OPT="$PREFIX/opt/retail-edge"
ETC="$PREFIX/etc/retail-edge"
STATE="$PREFIX/var/lib/retail-edge"
UNIT_DIR="$PREFIX/etc/systemd/system"
UNIT=retail-edge.service

die() { echo "install-store-box.sh: $*" >&2; exit "${2:-1}"; }
step() { printf '\n== %s\n' "$*"; }
# Run a command, or with --dry-run only show it.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# --- 0. preconditions ------------------------------------------------------------------------------
if [ ! -f "$SRC/pyproject.toml" ] || [ ! -d "$SRC/edge" ]; then
  die "--src $SRC: not a retail-edge checkout (no pyproject.toml or edge/)" 2
fi
[ -f "$SRC/deploy/systemd/$UNIT" ] || die "$SRC/deploy/systemd/$UNIT is missing" 2
[ -d "$SRC/models" ] || die "$SRC/models is missing: the agent needs its model files" 2
if [ -z "$PREFIX" ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
  die "run as root (sudo $0), or see the steps with --dry-run" 2
fi
if [ -z "$PYTHON" ]; then
  PYTHON="$(command -v python3.11 || command -v python3 || true)"
fi
[ -n "$PYTHON" ] || die "no python3: apt-get install -y python3 python3-venv" 2
"$PYTHON" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)' \
  || die "$PYTHON is not Python 3.11 or 3.12: install python3.11 (and python3.11-venv)" 2
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null \
  || die "$PYTHON cannot make a venv: apt-get install -y python3-venv" 2
echo "installing $SRC into ${PREFIX:-/} with $PYTHON$([ "$DRY_RUN" = 1 ] && echo ' (dry run: nothing changes)')"

# Ownership only when installing for real on / (a --prefix install belongs to whoever runs it).
OWN_ROOT_GROUP=()
OWN_USER=()
if [ -z "$PREFIX" ]; then
  OWN_ROOT_GROUP=(-o root -g "$USER_NAME")
  OWN_USER=(-o "$USER_NAME" -g "$USER_NAME")
fi

# --- 1. the service user ---------------------------------------------------------------------------
step "1. user $USER_NAME"
if [ -n "$PREFIX" ]; then
  echo "skipped: --prefix given (the unit names User=$USER_NAME)"
elif getent passwd "$USER_NAME" >/dev/null; then
  echo "exists"
else
  run useradd --system --user-group --home-dir /var/lib/retail-edge --no-create-home \
    --shell /usr/sbin/nologin --comment "retail-edge agent" "$USER_NAME"
fi
if [ -z "$PREFIX" ] && getent group video >/dev/null; then
  if id -nG "$USER_NAME" 2>/dev/null | tr ' ' '\n' | grep -qx video; then
    echo "in group video"
  else
    run usermod -a -G video "$USER_NAME"
  fi
fi

# --- 2. directories --------------------------------------------------------------------------------
step "2. directories"
run install -d -m 0755 "$OPT"
run install -d -m 0750 "${OWN_ROOT_GROUP[@]}" "$ETC"
run install -d -m 0750 "${OWN_USER[@]}" "$STATE"

# --- 3. the project and its models -----------------------------------------------------------------
# Staged beside the old copy and swapped in, so a failed copy leaves the running version whole.
step "3. project files -> $OPT/src, models -> $OPT/models"
run rm -rf "$OPT/src.new" "$OPT/models.new"
run install -d -m 0755 "$OPT/src.new"
for item in pyproject.toml README.md edge hub docs; do
  if [ -e "$SRC/$item" ]; then
    run cp -R "$SRC/$item" "$OPT/src.new/"
  fi
done
# Not all of deploy/: deploy/secrets may hold a developer's keys.
run install -d -m 0755 "$OPT/src.new/deploy"
run cp -R "$SRC/deploy/systemd" "$SRC/deploy/examples" "$OPT/src.new/deploy/"
run cp -R "$SRC/models" "$OPT/models.new"
for name in src models; do
  run rm -rf "$OPT/$name.old"
  if [ -e "$OPT/$name" ]; then
    run mv "$OPT/$name" "$OPT/$name.old"
  fi
  run mv "$OPT/$name.new" "$OPT/$name"
  run rm -rf "$OPT/$name.old"
done

# --- 4. the venv -----------------------------------------------------------------------------------
step "4. venv $OPT/venv"
if [ -x "$OPT/venv/bin/python" ]; then
  echo "exists"
else
  run "$PYTHON" -m venv "$OPT/venv"
fi
# A local directory is always rebuilt and reinstalled; dependencies are upgraded only when the
# project's pins require it.
run "$OPT/venv/bin/pip" install --quiet --disable-pip-version-check "$OPT/src"
run rm -rf "$OPT/src/build" "$OPT/src/retail_edge.egg-info"
run "$OPT/venv/bin/retail-edge" --help

# --- 5. the configuration --------------------------------------------------------------------------
step "5. configuration $ETC/edge.yaml"
run install -m 0640 "${OWN_ROOT_GROUP[@]}" "$SRC/deploy/examples/edge.yaml" "$ETC/edge.yaml.example"
HAS_CONFIG=0
if [ -f "$ETC/edge.yaml" ]; then
  HAS_CONFIG=1
  echo "kept the existing edge.yaml"
else
  echo "no edge.yaml yet: write it from edge.yaml.example, or install the one"
  echo "'retail-hub provision-store STORE' made on the hub (docs/DEPLOY.md)"
fi

# --- 6. the systemd unit ---------------------------------------------------------------------------
step "6. $UNIT_DIR/$UNIT"
run install -d -m 0755 "$UNIT_DIR"
if cmp -s "$SRC/deploy/systemd/$UNIT" "$UNIT_DIR/$UNIT"; then
  echo "up to date"
else
  run install -m 0644 "$SRC/deploy/systemd/$UNIT" "$UNIT_DIR/$UNIT"
fi
if [ -n "$PREFIX" ]; then
  echo "skipped systemctl: --prefix given"
else
  run systemctl daemon-reload
  run systemctl enable "$UNIT"
  if [ "$HAS_CONFIG" = 1 ]; then
    run "$OPT/venv/bin/retail-edge" check --config "$ETC/edge.yaml" \
      || echo "warning: 'retail-edge check' failed (above); the agent starts anyway and buffers in its outbox"
    run systemctl restart "$UNIT"
  fi
fi

step "done"
if [ "$HAS_CONFIG" = 1 ]; then
  echo "running: journalctl -u retail-edge -f"
else
  echo "next: write $ETC/edge.yaml (root:$USER_NAME 0640) and ca.crt, then systemctl start retail-edge"
fi
