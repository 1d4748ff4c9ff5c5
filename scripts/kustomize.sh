#!/usr/bin/env bash
# Runs kustomize with the given arguments, building it once from its Go module into the bin folder.
# (v5.8.2: the newest release whose module builds with Go 1.26; v5.8.3 needs Go 1.27.)
source "$(dirname "$0")/lib.sh"

VERSION=v5.8.2
EXE="$BIN/kustomize-$VERSION"

install() {
  [[ -x "$EXE" ]] && return 0
  require_go
  local minor
  minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
  (( minor >= 26 )) || die "kustomize $VERSION needs Go 1.26 or newer; this is $(go env GOVERSION)."
  say "building kustomize $VERSION (under a minute the first time)"
  # A private GOBIN per run: a concurrent build cannot move our binary away.
  local gobin
  gobin=$(mktemp -d "$BIN/.gobin-kustomize.XXXXXX")
  GOBIN="$gobin" go install "sigs.k8s.io/kustomize/kustomize/v5@$VERSION" \
    || { rm -rf "$gobin"; die "go install of kustomize $VERSION failed"; }
  mv "$gobin/kustomize" "$EXE"
  rm -rf "$gobin"
}

install
exec "$EXE" "$@"
