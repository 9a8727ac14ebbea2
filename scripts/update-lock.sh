#!/usr/bin/env bash
# Re-resolves requirements.lock, the exact versions (with hashes) that setup.sh, CI and station-install use.
#
#   bash scripts/update-lock.sh                          after editing dependencies in pyproject.toml:
#                                                        keeps every pin that still fits, adds what is new
#   bash scripts/update-lock.sh --upgrade                every package to its newest allowed version
#   bash scripts/update-lock.sh --upgrade-package NAME   one package (repeatable)
#
# Then `bash scripts/setup.sh` (it reinstalls when the lock changes), `make test`, and commit the lock.
# pip-tools runs from its own virtualenv (.venv-lock) so it never lands in the project's.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
tool=.venv-lock
if [ ! -x "$tool/bin/pip-compile" ]; then
  "$PY" -m venv "$tool"
  "$tool/bin/pip" install -q "pip-tools==7.6.2"
fi
# --all-build-deps: setuptools and wheel are pinned too, and the project is then built without
# fetching unpinned build tools (pip install --no-build-isolation in setup.sh).
# No index or find-links lines: those belong to the machine's pip configuration, not to the lock.
"$tool/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras --extra dev --all-build-deps \
  --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
  --output-file requirements.lock "$@" pyproject.toml
echo "update-lock: requirements.lock written ($(grep -c '^[a-z0-9]' requirements.lock) packages)"
