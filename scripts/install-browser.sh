#!/usr/bin/env bash
# Install Debian's Chromium and chromedriver for the browser tests (tests/web/test_browser.py).
# Does nothing when /usr/bin/chromium and /usr/bin/chromedriver are already there. Needs root for apt-get.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    echo "chromium and chromedriver are installed: $(/usr/bin/chromium --version)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-browser.sh: root is needed to run apt-get; rerun with sudo" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y chromium chromium-driver
/usr/bin/chromium --version
