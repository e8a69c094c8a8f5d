#!/usr/bin/env bash
# What the tests need beyond the virtual environment: Debian's chromium and its driver, for the
# test of the web page in a real headless browser (Playwright's and Selenium's own browser
# downloads are not used). Installed with apt-get when missing and run as root; otherwise named.
set -euo pipefail
say() { echo "test packages: $*" >&2; }
# shellcheck source=debian_packages.sh
. "$(dirname "$0")/debian_packages.sh"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
install_missing ${missing[@]+"${missing[@]}"}
