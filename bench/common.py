"""Helpers shared by the benchmarks: the machine description, data loading, table output."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("NEWSQA_SHARED_DATA", REPO.parent / "shared" / "data"))
RTQA_2025 = DATA / "realtimeqa" / "2025"


def rtqa_day(text: str) -> float:
    """Unix seconds (UTC) of a RealTime QA date, written 2025/01/03 or 2025-01-03 (the data has both)."""
    return datetime.fromisoformat(text[:10].replace("/", "-")).replace(tzinfo=timezone.utc).timestamp()


def article_pieces(chars: int = 800) -> list[tuple[str, str, float]]:
    """(title and a piece of its text, outlet (the URL's host), published in unix seconds or -1)
    of every piece of about `chars` characters of RealTime QA 2025's articles, each article once."""
    from urllib.parse import urlparse

    found, seen = [], set()
    for path in sorted(RTQA_2025.glob("*_gcs.jsonl")):
        for line in path.read_text().splitlines():
            for result in json.loads(line).get("search_result") or []:
                if result["url"] in seen or not result.get("text"):
                    continue
                seen.add(result["url"])
                try:
                    published = rtqa_day(result["publish_date"])
                except (TypeError, ValueError):
                    published = -1.0
                text = result["text"]
                found += [(f"{result['title']}\n{text[s:s + chars]}", urlparse(result["url"]).netloc, published)
                          for s in range(0, len(text), chars)]
    return found


def rtqa_questions(n: int) -> list[tuple[str, float]]:
    """(question, its date in unix seconds) of n RealTime QA 2025 questions spread over the year."""
    found = []
    for path in sorted(RTQA_2025.glob("*_qa.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            found.append((row["question_sentence"], rtqa_day(row["question_date"])))
    return found[:: max(len(found) // n, 1)][:n]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import torch

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GiB RAM, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, torch {torch.__version__} (CPU, {torch.get_num_threads()} threads); "
        f"run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_env(**settings: str) -> dict[str, str]:
    """A benchmark's child process's environment: offline, no tokenizer threads, and `settings`."""
    return dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", **settings)


def run_child(module: str, *args: str) -> dict:
    """Run `python bench/<module>.py args` in its own process (own peak RSS); its last line is JSON."""
    out = subprocess.run(
        [sys.executable, str(REPO / "bench" / f"{module}.py"), *args],
        capture_output=True, text=True, env=child_env(), cwd=REPO,
    )
    if out.returncode != 0:
        raise SystemExit(f"{module} {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


NEWSQA = str(Path(sys.executable).with_name("newsqa"))


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def per_question(out: Path, key: str) -> dict[str, float]:
    """One metric of a finished run, by question id."""
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]
    return {r["id"]: r["metrics"][key] for r in rows}


def run_eval(out: Path, *args: str, settings: dict[str, str] | None = None, via: list[str] | None = None) -> dict:
    """`newsqa eval run ARGS --out OUT` (resumable) with `settings` (NEWSQA_* variables) in its
    environment; the run's summary. `via`: the command that runs newsqa instead (a study's own
    child, which changes one part of newsqa before it starts)."""
    subprocess.run([*(via or [NEWSQA]), "eval", "run", *args, "--out", str(out)], env=child_env(**(settings or {})),
                   check=True, stdout=subprocess.DEVNULL)
    return summary(out)


def results_folder() -> Path:
    """Where a table is saved: beside the script that made it, so the benchmarks' tables go to
    bench/results and the studies' (bench/studies/) to bench/studies/results."""
    script = Path(sys.argv[0]).resolve().parent
    studies = REPO / "bench" / "studies"
    return studies / "results" if script == studies else REPO / "bench" / "results"


def write_table(name: str, title: str, header: list[str], rows: list[list[str]], notes: list[str]) -> str:
    lines = [f"# {title}", "", f"Machine: {machine()}", ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += [""] + [f"- {n}" for n in notes] + [""]
    text = "\n".join(lines)
    path = results_folder() / f"{name}.md"
    path.write_text(text)
    print(text)
    print(f"saved {path.relative_to(REPO)}")
    return text
