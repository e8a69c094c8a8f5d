"""`newsqa doctor` as a user runs it: a verdict a line, the fix when a check fails, exit code 1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, free_port

from newsqa.bot.config import load_settings
from newsqa.bot.cpu_kernels import choose_kernels, cpu_flags, installed_kernels
from newsqa.bot.doctor import check_default_model_files, check_generation, check_lock, check_store, read_lock
from newsqa.bot.model_files import DEFAULT_SIZE, default_model_path

NEWSQA = str(Path(sys.executable).with_name("newsqa"))


def doctor(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSQA_", "DISCORD_"))}
    environ.update(NEWSQA_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="250", **env)
    return subprocess.run([NEWSQA, "doctor", *args], capture_output=True, text=True, env=environ, timeout=600)


def lines(run: subprocess.CompletedProcess) -> dict[str, str]:
    """Check name → its whole line."""
    found = {}
    for line in run.stdout.splitlines():
        found[line[len("FAIL  "):].split(":", 1)[0]] = line  # every verdict is 4 characters wide
    return found


@pytest.mark.slow
def test_a_ready_machine_passes_every_check(tmp_path: Path):
    run = doctor(tmp_path / "home", "--llm", "test")
    assert run.returncode == 0, run.stdout + run.stderr
    by_name = lines(run)
    assert by_name["python"].startswith("ok    python: 3.")
    assert by_name["versions"].startswith("ok    versions: all ") and "requirements.lock" in by_name["versions"]
    assert by_name["torch"].endswith("CPU build")
    build = choose_kernels(cpu_flags(), installed_kernels())
    assert by_name["llama.cpp"].startswith(f"ok    llama.cpp: {build} build, CPU kernels AVX AVX2 FMA F16C BMI2")
    assert by_name["llama.cpp"].endswith(", no AMX")
    assert by_name["data directory"].startswith("ok ")
    assert by_name["chroma"].startswith("ok    chroma: embedded at ")
    assert by_name["discord"] == "skip  discord: not configured"
    assert by_name["embedding model"].startswith(
        "ok    embedding model: all-MiniLM-L6-v2 loads offline (onnx, 384 dimensions")
    assert by_name["default LLM files"].startswith("ok    default LLM files: qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
    generated = r"ok    LLM \(test\): generated (['\"]).+\1 in [0-9.]+ s \(load included\)"
    assert re.fullmatch(generated, by_name["LLM (test)"])


def test_failures_are_named_with_their_fix_and_exit_1(tmp_path: Path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    run = doctor(not_a_dir / "home", "--no-generate", NEWSQA_DISCORD__GUILD_IDS="[1]")
    assert run.returncode == 1
    by_name = lines(run)
    assert by_name["data directory"].startswith(f"FAIL  data directory: {not_a_dir / 'home'} is not writable")
    assert by_name["data directory"].endswith("— fix: set NEWSQA_HOME (or --home) to a writable directory")
    assert by_name["discord"] == ("FAIL  discord: Discord is configured but no token is set — fix: export "
                                  "DISCORD_TOKEN=… (or discord.token in the config file)")
    assert "LLM (local)" not in by_name  # --no-generate
    assert run.stderr.strip().endswith("checks failed")


def test_a_chroma_server_that_is_down_is_named(tmp_path: Path):
    port = free_port()
    run = doctor(tmp_path / "home", "--no-generate", "--discord", NEWSQA_CHROMA__MODE="server",
                 NEWSQA_CHROMA__PORT=str(port), DISCORD_TOKEN="secret-token-value")
    assert run.returncode == 1
    by_name = lines(run)
    assert by_name["chroma"].startswith(f"FAIL  chroma: cannot reach the Chroma server at http://localhost:{port}")
    assert by_name["chroma"].endswith("— fix: start the Chroma server, or set chroma.mode = \"embedded\"")
    assert by_name["discord"] == "ok    discord: token set (not shown)"
    assert "secret-token-value" not in run.stdout + run.stderr


def test_the_milvus_engine_is_checked_where_it_is_configured(tmp_path: Path):
    fine = check_store(load_settings(home=tmp_path / "home", engine="milvus"))
    assert fine.line() == (f"ok    milvus: milvus-lite file at {tmp_path / 'home' / 'milvus.db'} opens "
                           "(collection not created yet)")
    port = free_port()
    down = check_store(load_settings(home=tmp_path / "home", engine="milvus",
                                     milvus={"uri": f"http://127.0.0.1:{port}", "token": "secret-token-value"}))
    assert down.line().startswith(f"FAIL  milvus: cannot reach the Milvus server at http://127.0.0.1:{port}: ")
    assert down.line().endswith("— fix: start the Milvus server, or leave milvus.uri empty for a milvus-lite file")
    assert "secret-token-value" not in down.line()


def test_an_llm_that_crashes_is_reported_with_its_signal(tmp_path: Path):
    settings = load_settings(home=tmp_path, llm="local")
    crash = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"  # what the AMX kernels did
    check = check_generation(settings, program=crash)
    assert check.ok is False
    assert check.line().startswith("FAIL  LLM (local): crashed with SIGSEGV while generating")
    assert "NEWSQA_REBUILD_LLAMA=1 make setup" in check.line()
    assert check_generation(load_settings(home=tmp_path, llm="none")).ok is None


def test_versions_that_differ_from_the_lock_are_listed(tmp_path: Path):
    assert len(read_lock(REPO / "requirements.lock")) > 100
    lock = tmp_path / "requirements.lock"
    lock.write_text("chromadb==0.0.1 \\\n    --hash=sha256:00\nno-such-package-here==1.0 \\\n    --hash=sha256:00\n")
    check = check_lock(lock)
    assert check.ok is False
    assert check.detail.startswith("2 of 2 differ from the lock: chromadb ")
    assert "(lock 0.0.1)" in check.detail and "no-such-package-here missing (lock 1.0)" in check.detail
    assert check.fix.startswith("make setup")


@pytest.mark.slow
def test_a_corrupted_model_file_fails_its_sha256_and_is_joined_again(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("NEWSQA_MODEL_CACHE", str(tmp_path))
    path = default_model_path()
    with path.open("r+b") as f:  # one byte flipped; the "verified" marker still says all is well
        f.seek(DEFAULT_SIZE // 2)
        byte = f.read(1)
        f.seek(DEFAULT_SIZE // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    check = check_default_model_files()
    assert check.ok is False and "fails its sha256 check" in check.detail
    assert check_default_model_files().ok is True  # joined anew from the packages
