#!/usr/bin/env bash
# Installs Debian's chromium (once) for the browser tests and prints the binary's path.
source "$(dirname "$0")/lib.sh"

CHROMIUM=/usr/bin/chromium

if [[ ! -x "$CHROMIUM" ]]; then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  say "installing chromium from Debian's packages"
  $sudo apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core >/dev/null || die "apt-get install chromium failed"
fi
[[ -x "$CHROMIUM" ]] || die "$CHROMIUM is missing after the install"
# (Debian's launcher may complain about /dev/shm on stderr; only the version matters here.)
version=$("$CHROMIUM" --version 2>/dev/null) || die "$CHROMIUM does not run"
say "$version"
echo "$CHROMIUM"
