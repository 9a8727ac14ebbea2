#!/usr/bin/env bash
# Installs everything the counter and its tests need, idempotently: Debian packages (only the missing
# ones), a virtualenv in .venv, the package with its dev extras. A second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(pcscd vsmartcard-vpcd libpcsclite-dev swig chromium fonts-noto-cjk fonts-ipafont-gothic opensc
  libpango-1.0-0 libpangoft2-1.0-0)  # pango: WeasyPrint, the printed manual (issue 16)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# The exact versions CI tested: requirements.lock (hashes checked; bash scripts/update-lock.sh renews it).
# The stamp covers the lock and pyproject.toml, so a second run with neither changed takes seconds.
stamp=.venv/.installed-$(cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || echo "setup: warning: requirements.lock was resolved for Python 3.11" >&2
  .venv/bin/pip install -q --require-hashes -r requirements.lock
  # The project itself from this checkout, built with the pinned setuptools (no unpinned download).
  .venv/bin/pip install -q --no-deps --no-build-isolation -e .
  # Like pip-sync: what the lock no longer names leaves the virtualenv.
  extra=$(.venv/bin/python scripts/lock_extras.py requirements.lock)
  if [ -n "$extra" ]; then
    # shellcheck disable=SC2086
    .venv/bin/pip uninstall -q -y $extra
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi
