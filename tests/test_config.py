"""Configuration precedence: defaults < config file < NEWSQA_* environment < flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsqa.bot.config import load_settings
from newsqa.errors import NewsqaError


@pytest.fixture
def env(monkeypatch, tmp_path: Path):
    for name in ("NEWSQA_HOME", "NEWSQA_CONFIG", "NEWSQA_CHUNK_TOKENS", "NEWSQA_SEARCH__K",
                 "NEWSQA_CHROMA__MODE", "NEWSQA_CHROMA__PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEWSQA_HOME", str(tmp_path))
    return monkeypatch


def test_defaults(env, tmp_path: Path):
    s = load_settings()
    assert s.home == tmp_path and s.chunk_tokens == 160 and s.search.k == 8
    assert s.chroma.mode == "embedded" and s.chroma_path == tmp_path / "chroma"


def test_file_then_environment_then_flags(env, tmp_path: Path):
    (tmp_path / "config.toml").write_text(
        'chunk_tokens = 120\n[search]\nk = 5\nrrf_k = 30\n[chroma]\nmode = "server"\nport = 9000\n'
    )
    s = load_settings()
    assert (s.chunk_tokens, s.search.k, s.search.rrf_k, s.chroma.mode, s.chroma.port) == (120, 5, 30, "server", 9000)
    env.setenv("NEWSQA_CHUNK_TOKENS", "100")
    env.setenv("NEWSQA_CHROMA__PORT", "9100")
    s = load_settings()
    assert (s.chunk_tokens, s.chroma.port, s.chroma.mode) == (100, 9100, "server")
    s = load_settings(chunk_tokens=90, home=tmp_path / "other")
    assert (s.chunk_tokens, s.home) == (90, tmp_path / "other")


def test_explicit_config_file_and_errors(env, tmp_path: Path):
    path = tmp_path / "elsewhere.toml"
    path.write_text("[search]\nk = 3\n")
    env.setenv("NEWSQA_CONFIG", str(path))
    assert load_settings().search.k == 3
    path.write_text("[search]\nk = 'many'\n")
    with pytest.raises(NewsqaError, match=r"invalid configuration \(.*elsewhere.toml\): search.k: .* \(got 'many'\)"):
        load_settings()
    path.write_text("[search\n")
    with pytest.raises(NewsqaError, match=r"invalid configuration \(.*elsewhere.toml\): Expected ']'"):
        load_settings()
    env.setenv("NEWSQA_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(NewsqaError, match="does not exist"):
        load_settings()


def test_a_bad_value_names_where_it_came_from(env, tmp_path: Path):
    (tmp_path / "config.toml").write_text("[search]\nk = 4\n")
    env.setenv("NEWSQA_SEARCH__K", "many")
    with pytest.raises(NewsqaError, match=r"\(environment NEWSQA_SEARCH__K\): search.k: .* \(got 'many'\)"):
        load_settings()
    env.delenv("NEWSQA_SEARCH__K")
    with pytest.raises(NewsqaError, match=r"\(option chunk_tokens\): chunk_tokens: "):
        load_settings(chunk_tokens="lots")


def test_a_variable_that_is_not_json_is_named(env, tmp_path: Path):
    env.setenv("NEWSQA_WATCH__FEEDS", "https://example.org/feed.xml")  # a list wants JSON
    with pytest.raises(NewsqaError) as error:
        load_settings()
    assert str(error.value) == ("invalid configuration (environment NEWSQA_WATCH__FEEDS): not valid JSON "
                                "(got 'https://example.org/feed.xml')")
    env.setenv("NEWSQA_WATCH__FEEDS", '["https://example.org/feed.xml"]')
    assert load_settings().watch.feeds[0].url == "https://example.org/feed.xml"
