# shellcheck shell=bash
# Debian's Chromium for the browser tests, SOURCED by .ci/run before the tests.
#
# Playwright drives /usr/bin/chromium (its own browser download does not work here). Where that file is
# missing it installs the `chromium` package with apt-get (root, or sudo). Being sourced under
# `set -euo pipefail`, it never fails the run: when Chromium cannot be installed it says why and the
# browser tests skip with that reason.

_edx_chromium_setup() {
  [ -x /usr/bin/chromium ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "chromium.sh: neither root nor sudo: cannot install chromium" >&2; return 1; }
    sudo="sudo"
  fi
  command -v apt-get >/dev/null || { echo "chromium.sh: apt-get is missing: cannot install chromium" >&2; return 1; }
  echo "+ apt-get install chromium"
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null 2>&1 || return 1
  [ -x /usr/bin/chromium ]
}

if ! _edx_chromium_setup; then
  echo "chromium.sh: Chromium is not available: the browser tests are skipped" >&2
fi
unset -f _edx_chromium_setup
