"""MkDocs hooks: the site names the version it documents (the package's own, as `newsqa --version`),
and the Python API reference reads the package laid out as it is installed."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import newsqa

REPO = Path(__file__).resolve().parents[1]
API_LAYOUT = REPO / "build" / "api"  # mkdocs.yml: mkdocstrings' `paths`


def on_config(config, **kwargs):
    release = newsqa.__version__
    config.site_name = f"newsqa {release}"
    config.copyright = f"newsqa {release} · Apache-2.0 · built from the repository's docs/ and code"
    return config


def lay_out_package() -> None:
    """The repository maps bot/, index/, evals/ and prompts/ into one namespace (pyproject.toml's
    package-dir); mkdocstrings reads source folders, so it gets a copy laid out as installed."""
    mapping = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    shutil.rmtree(API_LAYOUT, ignore_errors=True)
    root = API_LAYOUT / "newsqa"
    # Copies, not links: griffe follows a linked __init__.py back to its folder and loses the rest.
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / mapping["newsqa"], root, ignore=skip)
    for package, folder in mapping.items():
        if package != "newsqa":
            shutil.copytree(REPO / folder, root / package.split(".", 1)[1], ignore=skip)


# When MkDocs loads this module, before any plugin's on_config: mkdocstrings settles its `paths` there
# and drops one that does not exist yet (as build/api does not on a fresh clone).
lay_out_package()
