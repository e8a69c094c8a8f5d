"""Answer benchmark (not a test): newsqa's `ask` beside the LangChain tutorial RAG chain, both
with the default local model and the same embedding model, each in its own process.

Question sets: the seed article's 11 questions, and one RealTime QA 2025 week (questions asked
as of their question_date over that week's search-result articles; the right choice's text is
the answer). Reports answer containment, abstentions, latency p50/p95 (first token, total) and
peak RSS, prints a Markdown table and saves it to bench/results/answer.md.

Run: .venv/bin/python bench/answer_bench.py [--week 20250103]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.answer_worker import contains  # noqa: E402
from bench.common import DATA, RTQA_2025, child_env, run_child, write_table  # noqa: E402
from newsqa.index.article import parse_published  # noqa: E402


def seed_set() -> dict:
    questions = [json.loads(line) for line in (DATA / "seed" / "questions.jsonl").read_text().splitlines()]
    now = datetime.now(timezone.utc).isoformat()
    return {"articles": [str(DATA / "seed" / "000_3b616b78461cf240.txt")],
            "questions": [{**q, "as_of": now} for q in questions]}


def rtqa_set(week: str) -> dict:
    questions = []
    for line in (RTQA_2025 / f"{week}_qa.jsonl").read_text().splitlines():
        q = json.loads(line)
        if q["question_sentence"].rstrip(" ?.").lower().endswith("except"):
            continue
        date = parse_published(q["question_date"])
        questions.append({"id": q["question_id"], "question": q["question_sentence"],
                          "answers": [q["choices"][int(i)] for i in q["answer"]], "answerable": True,
                          "as_of": date.replace(hour=23, minute=59).isoformat()})
    return {"articles": [str(RTQA_2025 / f"{week}_gcs.jsonl")], "questions": questions}


def ask_cli_rss_mb(home: Path, question: str) -> float:
    """Peak RSS of one `newsqa ask` command (its own process) over an index built before."""
    env = child_env(NEWSQA_HOME=str(home))
    proc = subprocess.Popen([str(Path(sys.executable).with_name("newsqa")), "ask", question],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"newsqa ask failed with status {status}")
    return usage.ru_maxrss / 1024


def score(spec: dict, run: dict) -> dict:
    by_id = {q["id"]: q for q in spec["questions"]}
    rows = run["results"]
    answerable = [r for r in rows if by_id[r["id"]]["answerable"]]
    unanswerable = [r for r in rows if not by_id[r["id"]]["answerable"]]
    total = [r["total_s"] for r in rows]
    first = [r["first_token_s"] for r in rows]
    return {
        "n": len(rows),
        "containment": sum(contains(r["answer"], by_id[r["id"]]["answers"]) for r in answerable)
        / max(len(answerable), 1),
        "answerable": len(answerable),
        "abstained_answerable": sum(r["abstained"] for r in answerable),
        "abstained_unanswerable": sum(r["abstained"] for r in unanswerable),
        "unanswerable": len(unanswerable),
        "first_p50": float(np.percentile(first, 50)), "first_p95": float(np.percentile(first, 95)),
        "total_p50": float(np.percentile(total, 50)), "total_p95": float(np.percentile(total, 95)),
        "rss": run["peak_rss_mb"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--week", default="20250103")
    parser.add_argument("--table", default="answer",
                        help="saved as bench/results/TABLE.md (another name for a variant of the settings)")
    args = parser.parse_args()
    sets = {"seed": seed_set(), f"RealTime QA {args.week}": rtqa_set(args.week)}
    rows, scores, cli_rss = [], {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, spec in sets.items():
            spec_path = tmp / f"{len(scores)}.json"
            spec_path.write_text(json.dumps(spec))
            for kind in ("newsqa", "tutorial"):
                home = tmp / f"{kind}-{len(scores)}"
                run = run_child("answer_worker", kind, str(home), str(spec_path))
                s = scores[(name, kind)] = score(spec, run)
                if kind == "newsqa":
                    cli_rss[name] = ask_cli_rss_mb(home, spec["questions"][0]["question"])
                (tmp / f"{kind}-{len(scores)}.json").write_text(json.dumps(run))
                rows.append([name, "newsqa ask" if kind == "newsqa" else "LangChain tutorial chain",
                             str(s["n"]), f"{s['containment']:.2f}",
                             f"{s['abstained_answerable']}/{s['answerable']}",
                             f"{s['abstained_unanswerable']}/{s['unanswerable']}" if s["unanswerable"] else "–",
                             f"{s['first_p50']:.1f} / {s['first_p95']:.1f}",
                             f"{s['total_p50']:.1f} / {s['total_p95']:.1f}", f"{s['rss']:,.0f}"])
    notes = []
    for name in sets:
        n, t = scores[(name, "newsqa")], scores[(name, "tutorial")]
        notes.append(f"{name}: p50 total latency newsqa / tutorial = {n['total_p50'] / t['total_p50']:.2f} "
                     f"(target <= 0.5); containment {n['containment']:.2f} vs {t['containment']:.2f} "
                     "(target: equal or better).")
        notes.append(f"{name}: peak RSS of one `newsqa ask` command over that index: {cli_rss[name]:,.0f} MB "
                     "(target <= 2.5 GB = 2,560 MB).")
    notes += [
        "Containment: a right answer's text appears in the answer (case-insensitive); for RealTime QA, the "
        "right choice's text, which the generated answer must state word for word.",
        "Abstained: the answer is \"I don't know\" (answerable: a miss; unanswerable: right).",
        "Latency in seconds, model loaded beforehand; llama.cpp reuses the cached prompt prefix between questions.",
        "Peak RSS column: the whole benchmark process, which also ingested the articles (embedding model, "
        "Chroma, the 1.5B model).",
        "Settings from the environment: " + (" ".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                                                      if k.startswith("NEWSQA_") and k != "NEWSQA_HOME")
                                             or "none (the defaults)"),
        "Command: .venv/bin/python bench/answer_bench.py"
        + (f" --table {args.table}" if args.table != "answer" else ""),
    ]
    write_table(args.table, "Answer benchmark: newsqa vs the LangChain tutorial RAG chain (local 1.5B model)",
                ["question set", "pipeline", "questions", "containment", "abstained (answerable)",
                 "abstained (unanswerable)", "first token p50 / p95 s", "total p50 / p95 s", "peak RSS MB"],
                rows, notes)


if __name__ == "__main__":
    main()
