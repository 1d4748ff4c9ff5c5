#!/usr/bin/env bash
# Creates .venv/ and installs the locked, hash-checked dependencies plus the project itself.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

UV_VERSION=0.13.8
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || die "bulkqr needs Python 3.11 ($PYTHON is $("$PYTHON" --version 2>&1))"

[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
.venv/bin/uv pip sync -q --python .venv/bin/python --require-hashes requirements.lock
.venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
say "installed into .venv/"
