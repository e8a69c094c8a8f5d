# Sourced by setup.sh and test_packages.sh (after they define `say`): install_missing PACKAGE...
# installs Debian packages with apt-get when run as root, or names them and fails otherwise.
install_missing() {
    [ "$#" -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing $* with apt-get"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        say "install these first: $* (on Debian/Ubuntu: sudo apt-get install $*)"
        exit 1
    fi
}
