#!/usr/bin/env bash
# Creates .venv/ and installs the locked, hash-checked dependencies plus the project itself.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

UV_VERSION=0.13.8
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || die "bulkqr needs Python 3.11 ($PYTHON is $("$PYTHON" --version 2>&1))"

# Branded codes: cairo draws PDF/EPS, DejaVu is the frame's font, pdftoppm checks PDFs in tests.
# unzip: tests check the gateway's ZIPs with a reader other than Python's.
if ! { fc-list 2>/dev/null | grep -q "DejaVu Sans:style=Bold" && command -v pdftoppm \
       >/dev/null && command -v unzip >/dev/null && ldconfig -p | grep -q libcairo.so.2; }; then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    fonts-dejavu-core libcairo2 poppler-utils unzip >/dev/null \
    || die "apt-get install fonts-dejavu-core libcairo2 poppler-utils unzip failed"
fi

[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
.venv/bin/uv pip sync -q --python .venv/bin/python --require-hashes requirements.lock
.venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
say "installed into .venv/"
