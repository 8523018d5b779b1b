#!/bin/sh
# The browser tests' system packages (tests/browser.py runs this when /usr/bin/chromium is absent):
# Debian's chromium (browsers cannot be downloaded here, so no `playwright install`) and a CJK font, so that
# the screenshots show the Chinese pages. Needs root and the Debian package archive.
set -e
if [ "$(id -u)" != 0 ]; then
  echo "setup_browser.sh: needs root to apt-get install chromium fonts-wqy-zenhei" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends chromium fonts-wqy-zenhei \
  || { apt-get update && apt-get install -y --no-install-recommends chromium fonts-wqy-zenhei; }
