"""The distribution as users install it: one `newsqa` namespace, the layering contracts, the API."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

import newsqa


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    shutil.rmtree(REPO / "build", ignore_errors=True)  # setuptools' staging folder may hold removed modules
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-cache-dir", "-w", str(out),
                    str(REPO)], check=True, capture_output=True, text=True)
    (found,) = out.glob("newsqa-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory) -> Path:
    """The wheel installed on its own into a folder (its dependencies come from this environment)."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-cache-dir", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, text=True)
    return target


def test_the_wheel_installs_one_namespace(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"newsqa", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    for module in ("newsqa/__init__.py", "newsqa/cli.py", "newsqa/bot/ask.py", "newsqa/bot/discord/client.py",
                   "newsqa/index/newsindex.py", "newsqa/evals/runner.py", "newsqa/prompts/answer.user.txt",
                   "newsqa/server/app.py", "newsqa/server/static/index.html", "newsqa/server/static/app.js",
                   "newsqa/server/static/style.css"):
        assert module in names
    entry_points = zipfile.ZipFile(wheel).read(f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}"
                                               ".dist-info/entry_points.txt").decode()
    assert "newsqa = newsqa.cli:main" in entry_points


def test_a_project_with_its_own_bot_and_index_modules_still_imports_newsqa(installed: Path, tmp_path: Path):
    # A Discord project routinely has a bot.py; PyPI has packages named index, evals and prompts.
    for name in ("bot", "index", "evals", "prompts"):
        (tmp_path / f"{name}.py").write_text("raise SystemExit('the project shadowed this module')\n")
    code = "from newsqa.cli import main; from newsqa import Answerer, NewsIndex; print(NewsIndex.__module__)"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(installed)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "newsqa.index.newsindex"


def test_the_layering_contracts_hold(installed: Path, tmp_path: Path):
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), str(REPO / "pyproject.toml"), "--no-cache"], cwd=tmp_path,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(installed)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


def test_the_api_names_are_what_it_exports():
    assert sorted(newsqa.__all__) == sorted(newsqa._API)
    for name in newsqa.__all__:
        assert getattr(newsqa, name) is not None
    with pytest.raises(AttributeError):
        newsqa.not_a_name  # noqa: B018
    with pytest.raises(ImportError):
        from newsqa import not_a_name  # noqa: F401


def test_importing_the_index_does_not_load_the_answering_core():
    code = "import sys, newsqa.index; print(any(m.startswith('newsqa.bot') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
