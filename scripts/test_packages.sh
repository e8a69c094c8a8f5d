#!/usr/bin/env bash
# What the tests need beyond the virtual environment: Debian's chromium and its driver, for the
# test of the web page in a real headless browser (Playwright's and Selenium's own browser
# downloads are not used). Installed with apt-get when missing and run as root; otherwise named.
set -euo pipefail
say() { echo "test packages: $*" >&2; }
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    say "install these first: ${missing[*]} (on Debian/Ubuntu: sudo apt-get install ${missing[*]})"
    exit 1
fi
