"""The documentation as a reader meets it: the site builds offline and strictly, loads nothing from
another host, has no broken internal link, renders with navigation and search in a real headless
browser, and every Python and shell example of the README and the docs runs as written.

An example is a ```python or ```bash block. The line before it may say how to run it:
`<!-- example: skip — REASON -->` (needs Discord, the network, or hours),
`<!-- example: service PORT -->` (a server: started in the background, ready when
http://127.0.0.1:PORT/healthz answers 200, stopped after the page's last example), or
`<!-- example: exit N -->` (the exit code the page says it ends with). A page's
examples run in order, in one working directory that holds `samples/`, `.venv` and `../shared`
as the repository's root does, with a data directory of their own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import REPO, SHARED_DATA, free_port

VENV_BIN = Path(sys.executable).parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
FENCE = re.compile(r"(?:<!-- example: (?P<mark>.*?) -->\n)?```(?P<lang>\w+)\n(?P<code>.*?)```", re.S)


def examples(page: Path) -> list[tuple[str, str, str]]:
    """(language, code, mark) of every fenced block of a page, in order."""
    return [(m["lang"], m["code"], m["mark"] or "") for m in FENCE.finditer(page.read_text(encoding="utf-8"))]


def page_id(page: Path) -> str:
    return str(page.relative_to(REPO))


# --- the site ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    build = subprocess.run([str(VENV_BIN / "mkdocs"), "build", "--strict", "--site-dir", str(out)],
                           cwd=REPO, capture_output=True, text=True, env=env)
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr[-4000:]}"
    return out


class Refs(HTMLParser):
    """The references a page loads (src, stylesheets) and links to (href), and its element ids."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if "src" in a:
            self.loads.append(a["src"])
        if tag == "link" and "href" in a:
            self.loads.append(a["href"])
        elif "href" in a:
            self.links.append(a["href"])


def parsed(path: Path) -> Refs:
    refs = Refs()
    refs.feed(path.read_text(encoding="utf-8"))
    return refs


def test_the_site_loads_nothing_from_another_host(site):
    for page in site.rglob("*.html"):
        for ref in parsed(page).loads:
            assert not re.match(r"^(https?:)?//", ref), f"{page.relative_to(site)} loads {ref}"
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"(@import|url\()\s*['\"]?(https?:)?//", text), f"{sheet.name} loads from another host"
    assert not any("fonts.googleapis" in p.read_text(encoding="utf-8") for p in site.rglob("*.html"))


def test_no_internal_link_is_broken(site):
    pages = {page: parsed(page) for page in site.rglob("*.html")}
    broken = []
    for page, refs in pages.items():
        for ref in refs.links + refs.loads:
            parts = urlsplit(ref)
            if parts.scheme or ref.startswith(("//", "mailto:")):
                continue
            base = site if parts.path.startswith("/") else page.parent  # 404.html links from the root
            target = (base / unquote(parts.path).lstrip("/")).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} → {ref}")
            elif parts.fragment and target in pages and parts.fragment not in pages[target].ids:
                if not parts.fragment.startswith("__"):  # the theme's own targets (#__search, #__drawer)
                    broken.append(f"{page.relative_to(site)} → {ref} (no such anchor)")
    assert not broken, "\n".join(broken[:30])


def test_the_readme_links_into_files_that_exist():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)]+)\)", text):
        if not re.match(r"^[a-z]+:", target):
            assert (REPO / target.split("#")[0]).exists(), f"README links to {target}, which does not exist"


def test_the_readme_is_short_and_keeps_the_quick_start():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    quick = text.split("## Quick start", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in quick.strip().splitlines()] == ["make demo", "make test"]


def test_the_reference_pages_are_generated_from_the_code(site):
    from newsqa import Settings

    settings = (site / "reference" / "settings" / "index.html").read_text(encoding="utf-8")
    for section, model in Settings.model_fields.items():
        annotation = model.annotation
        names = [f"{section}.{key}" for key in getattr(annotation, "model_fields", {})] or [section]
        for name in names:
            assert f"<code>{name}</code>" in settings, f"setting {name} missing from the settings reference"
    cli = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    for command in ("newsqa ingest", "newsqa ask", "newsqa eval run", "newsqa serve", "--version", "--as-of"):
        assert command in cli
    http = (site / "reference" / "http" / "index.html").read_text(encoding="utf-8")
    assert "/v1/chat/completions" in http and "AskRequest" in http
    assert json.loads((site / "reference" / "openapi.json").read_text())["paths"]["/ask"]
    python = (site / "reference" / "python" / "index.html").read_text(encoding="utf-8")
    assert 'id="newsqa.bot.ask.Answerer"' in python and "load_settings" in python


def test_every_setting_says_what_it_does():
    from newsqa import Settings

    def fields(model, prefix=""):
        for name, field in model.model_fields.items():
            sub = field.annotation
            if isinstance(sub, type) and hasattr(sub, "model_fields"):
                yield from fields(sub, f"{prefix}{name}.")
            yield f"{prefix}{name}", field.description

    missing = [name for name, description in fields(Settings) if not description]
    assert not missing, f"settings without a docstring: {missing}"


def test_every_result_page_names_its_machine_and_command(site):
    tables = list((site / "numbers" / "results").rglob("index.html"))
    assert len(tables) > 30
    for page in tables:
        if page.parent.name == "results":
            continue
        text = page.read_text(encoding="utf-8")
        assert "Machine:" in text and "Command" in text, f"{page.parent.name}: no machine or command"


def test_the_version_is_one_everywhere(site):
    release = version("newsqa")
    shown = subprocess.run([str(VENV_BIN / "newsqa"), "--version"], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == f"newsqa {release}"
    assert f"## [{release}]" in (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"newsqa {release}" in (site / "index.html").read_text(encoding="utf-8")


# --- the site in a real browser ------------------------------------------------------------------
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


@pytest.fixture(scope="module")
def served_site(site):
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), partial(QuietFiles, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                    reason="Debian's chromium and chromium-driver are not installed (make test installs them)")
def test_the_site_renders_with_navigation_and_search(served_site, tmp_path):
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--window-size=1280,900", f"--user-data-dir={tmp_path}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        browser.get(served_site + "/")
        nav = [a.get_attribute("textContent").strip() for a in browser.find_elements(By.CSS_SELECTOR, "nav.md-nav a")]
        for entry in ("Install", "The Discord bot", "The citation check", "Settings", "HTTP API", "Architecture"):
            assert entry in nav, f"{entry!r} not in the navigation: {nav}"
        assert browser.find_element(By.TAG_NAME, "h1").text == "newsqa"

        browser.get(served_site + "/guides/discord/")
        assert browser.find_element(By.TAG_NAME, "h1").text == "The Discord bot"
        active = browser.find_element(By.CSS_SELECTOR, "nav.md-nav a.md-nav__link--active")
        assert active.get_attribute("textContent").strip() == "The Discord bot"

        browser.get(served_site + "/reference/settings/")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Settings reference"
        assert any(c.text == "check.lone_source_days" for c in browser.find_elements(By.CSS_SELECTOR, "td code"))

        # Search: the local index, searched in the page (nothing asked of another host).
        box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
        box.click()
        box.send_keys("intents")
        # The results are drawn again as the index answers: an item read mid-redraw is gone (stale),
        # so the wait reads them afresh until one names Discord.
        found = WebDriverWait(browser, 30, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda b: [r.text for r in b.find_elements(By.CSS_SELECTOR, ".md-search-result__item")
                       if "Discord" in r.text])
        assert found
    finally:
        browser.quit()


# --- the examples --------------------------------------------------------------------------------
RUNNER = """
import json, sys
blocks = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
for label, code in blocks:
    exec(compile(code, label, "exec"), namespace)
"""


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A working directory that looks like the repository's root to the examples."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "samples").symlink_to(REPO / "samples")
    (work / ".venv").symlink_to(VENV_BIN.parent)
    if SHARED_DATA.parent.exists():
        (tmp_path / "shared").symlink_to(SHARED_DATA.parent)
    return work


def example_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSQA_", "DISCORD_"))}
    return {**env, "NEWSQA_HOME": str(work.parent / "home"), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def wait_healthy(port: int, process: subprocess.Popen, timeout: float = 300) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the service example exited {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the service example did not answer on port {port} within {timeout} s")


RUNNABLE = [page for page in PAGES if any(lang in ("python", "bash") for lang, _, _ in examples(page))]


@pytest.mark.slow
@pytest.mark.parametrize("page", RUNNABLE, ids=page_id)
def test_the_examples_run_as_written(page, workdir):
    env = example_env(workdir)
    services: list[subprocess.Popen] = []
    python: list[tuple[str, str]] = []
    ran = 0
    try:
        for n, (lang, code, mark) in enumerate(examples(page), start=1):
            label = f"{page_id(page)} example {n}"
            if lang not in ("python", "bash") or mark.startswith("skip"):
                continue
            if "../shared" in code and not SHARED_DATA.exists():
                pytest.skip(f"{label} reads ../shared/data, which is absent")
            if lang == "python":  # a page's Python examples share one namespace, run together below
                python.append((label, code))
                continue
            run_python(python, workdir, env)
            python = []
            if mark.startswith("service"):
                port = int(mark.split()[1])
                services.append(subprocess.Popen(["bash", "-c", code], cwd=workdir, env=env, start_new_session=True,
                                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                wait_healthy(port, services[-1])
            else:
                expected = int(mark.split()[1]) if mark.startswith("exit") else 0
                done = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=workdir, env=env,
                                      capture_output=True, text=True, timeout=900)
                assert done.returncode == expected, f"{label} exited {done.returncode}:\n{code}\n{done.stderr[-3000:]}"
            ran += 1
        run_python(python, workdir, env)
        ran += len(python)
    finally:
        for service in services:
            os.killpg(service.pid, signal.SIGTERM)
            service.wait(timeout=30)
    if not ran:
        reasons = {mark for lang, _, mark in examples(page) if lang in ("python", "bash")}
        pytest.skip(f"{page_id(page)}: every example is marked {'; '.join(sorted(reasons))}")


def run_python(blocks: list[tuple[str, str]], workdir: Path, env: dict[str, str]) -> None:
    if not blocks:
        return
    done = subprocess.run([str(VENV_BIN / "python"), "-c", RUNNER], input=json.dumps(blocks), cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{blocks[0][0]}…{blocks[-1][0]} failed:\n{done.stderr[-3000:]}"


def test_the_config_file_examples_are_valid_settings(tmp_path, monkeypatch):
    from newsqa import load_settings

    found = 0
    for page in PAGES:
        for n, (lang, code, _) in enumerate(examples(page), start=1):
            if lang != "toml":
                continue
            tomllib.loads(code)
            path = tmp_path / f"{page.stem}-{n}.toml"
            path.write_text(code)
            monkeypatch.setenv("NEWSQA_CONFIG", str(path))
            load_settings(home=tmp_path / "home")  # raises NewsqaError naming the bad value
            found += 1
    assert found >= 2


@pytest.mark.slow
def test_make_demo_checks_the_machine_and_answers_with_a_citation(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSQA_", "MAKE"))}
    demo = subprocess.run(["make", "--no-print-directory", "demo", f"DEMO_HOME={tmp_path / 'home'}"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=1800)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "FAIL" not in demo.stdout
    answer = demo.stdout.rsplit("added 6", 1)[-1]
    assert "September" in answer and "[1]" in answer, answer
