"""Local model files: joining the default model's parts, the sha256 check, GGUF checks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from newsqa.bot.model_files import (
    DEFAULT_SIZE,
    ModelFileError,
    check_gguf,
    default_model_path,
    join_parts,
    small_model_path,
)


def parts(tmp_path: Path) -> list[Path]:
    out = []
    for n, data in enumerate([b"GGUF" + b"a" * 10, b"b" * 7, b"c" * 3]):
        path = tmp_path / f"part{n}.bin"
        path.write_bytes(data)
        out.append(path)
    return out


def test_join_parts_checks_the_sha256(tmp_path: Path):
    files = parts(tmp_path)
    whole = b"".join(p.read_bytes() for p in files)
    target = tmp_path / "cache" / "model.gguf"
    join_parts(files, target, hashlib.sha256(whole).hexdigest(), len(whole))
    assert target.read_bytes() == whole


def test_a_corrupt_part_fails_with_the_fix_and_leaves_nothing(tmp_path: Path):
    files = parts(tmp_path)
    whole = b"".join(p.read_bytes() for p in files)
    files[1].write_bytes(b"x" * 7)  # same size, other bytes
    target = tmp_path / "cache" / "model.gguf"
    with pytest.raises(ModelFileError, match="fails its sha256 check.*pip install --force-reinstall"):
        join_parts(files, target, hashlib.sha256(whole).hexdigest(), len(whole))
    assert list(target.parent.iterdir()) == []


def test_default_and_small_models_are_ggufs():
    path = default_model_path()
    assert path.stat().st_size == DEFAULT_SIZE and check_gguf(path) == path
    assert check_gguf(small_model_path()).name == "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_check_gguf_refuses_other_files(tmp_path: Path):
    (tmp_path / "notes.gguf").write_text("not a model")
    with pytest.raises(ModelFileError, match="is not a GGUF model file"):
        check_gguf(tmp_path / "notes.gguf")
    with pytest.raises(ModelFileError, match="does not exist"):
        check_gguf(tmp_path / "missing.gguf")
