#!/bin/sh
# The external-engine tests' system package (tests/engines.py runs this when virtuoso-t is absent): Debian's
# Virtuoso open source. The package's own server is not used (the tests start virtuoso-t on loopback with a
# database of their own); the service the package installs is stopped and disabled. `oxigraph serve` comes
# from the pip package `oxigraph` (pyproject, test extra). Needs root and the Debian package archive.
set -e
if [ "$(id -u)" != 0 ]; then
  echo "setup_engines.sh: needs root to apt-get install virtuoso-opensource" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
# No service may start while installing (no init system here, and the tests run their own server).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y --no-install-recommends virtuoso-opensource \
  || { apt-get update && apt-get install -y --no-install-recommends virtuoso-opensource; }
