"""`newsqa eval` end to end on the seed set: a real index, `none` and the small test model, the
LangChain baseline, resuming (also after kill -9), reports, and comparing runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

NEWSQA = str(Path(sys.executable).with_name("newsqa"))
SUMMARY_KEYS = {"n", "em", "f1", "containment", "answer_in_evidence", "evidence_tokens", "abstained_unanswerable",
                "false_abstain", "citation_recall", "citation_precision", "latency_p50_s", "latency_p95_s"}


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("eval") / "home"
    return dict(os.environ, NEWSQA_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="120")


@pytest.fixture(scope="module")
def seed(shared_data: Path) -> Path:
    return shared_data / "seed" / "questions.jsonl"


def newsqa(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([NEWSQA, *args], env=env, capture_output=True, text=True, timeout=900)
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


def results(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def none_run(env, seed, tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "seed-none"
    newsqa(env, "eval", str(seed), "--llm", "none", "--out", str(run))
    return run


def test_eval_with_none_writes_results_and_reports(none_run: Path):
    rows = results(none_run)
    assert len(rows) == 11 and len({r["id"] for r in rows}) == 11
    row = next(r for r in rows if r["id"] == "seed-2")
    assert row["gold"]["answers"] == ["900"] and "900" in row["answer"]["answer"]
    assert row["metrics"]["containment"] == 1.0 and row["metrics"]["answer_in_evidence"] == 1.0
    # The model reads each source's title above its lines: counted in the "with titles" figures.
    assert row["metrics"]["answer_in_evidence_with_titles"] == 1.0
    assert row["metrics"]["evidence_tokens_with_titles"] > row["metrics"]["evidence_tokens"] > 0
    summary = json.loads((none_run / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary)
    assert summary["n"] == 11 and summary["errors"] == 0
    assert summary["abstained_unanswerable"] == 1.0 and summary["false_abstain"] == 0.0
    lo, hi = summary["intervals"]["f1"]
    assert lo <= summary["f1"] <= hi
    assert set(summary["by_type"]) >= {"how many/much", "who"}
    assert summary["abstention_matrix"] == {"answerable_answered": 9, "answerable_abstained": 0,
                                            "unanswerable_answered": 0, "unanswerable_abstained": 2}
    assert "| containment |" in (none_run / "summary.md").read_text()
    # Risk–coverage over the answers' confidence (their relevance): every answer given is the last point.
    rc = summary["risk_coverage"]
    assert rc["curve"][-1]["answers"] == 9 and rc["curve"][-1]["coverage"] == 1.0
    given = {r["answer"]["relevance"] for r in rows if not r["answer"]["abstained"]}
    assert [p["confidence"] for p in rc["curve"]] == sorted(given, reverse=True)
    assert 0 < rc["area"] <= 1.0
    assert "## Risk–coverage" in (none_run / "summary.md").read_text()


def test_the_html_report_is_self_contained(none_run: Path):
    page = (none_run / "report.html").read_text()
    # by type, by source, latency, risk–coverage, abstention
    assert page.count("data:image/png;base64,") == 5
    assert "area under precision–coverage" in page
    assert "src='http" not in page and "<script" not in page
    assert "How many U.S. troops are stationed in Syria?" in page


def test_a_run_resumes_where_it_stopped(env, seed, tmp_path: Path):
    run = tmp_path / "resumed"
    newsqa(env, "eval", str(seed), "--llm", "none", "--limit", "4", "--out", str(run))
    first = results(run)
    assert len(first) == 4
    newsqa(env, "eval", str(seed), "--llm", "none", "--out", str(run))
    after = results(run)
    assert len(after) == 11 and after[:4] == first  # the first four were not asked again


def test_a_killed_run_continues(env, seed, tmp_path: Path):
    run = tmp_path / "killed"
    args = [NEWSQA, "eval", str(seed), "--llm", "test", "--out", str(run)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    while time.time() < deadline:
        path = run / "results.jsonl"
        if path.exists() and len(path.read_text().splitlines()) >= 3:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = len(results(run))
    assert 3 <= before < 11
    newsqa(env, "eval", str(seed), "--llm", "test", "--out", str(run))
    ids = [r["id"] for r in results(run)]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 11
    summary = json.loads((run / "summary.json").read_text())
    assert summary["n"] == 11 and summary["config"]["llm"] == "test"


def test_requirements_fail_a_run_with_one_line_each(env, seed, none_run: Path):
    # The run is complete: nothing is asked again, the summary is checked.
    done = newsqa(env, "eval", str(seed), "--llm", "none", "--out", str(none_run),
                  "--require", "containment>=0.85", "--require", "false_abstain<=0", check=False)
    assert done.returncode == 0, done.stderr
    done = newsqa(env, "eval", str(seed), "--llm", "none", "--out", str(none_run),
                  "--require", "em>=0.99", "--require", "latency_p95_s<=0.0001", check=False)
    assert done.returncode == 1
    summary = json.loads((none_run / "summary.json").read_text())
    assert f"regression: em is {summary['em']:.3f}; required >= 0.99" in done.stderr
    assert f"regression: latency_p95_s is {summary['latency_p95_s']:.3f}; required <= 0.0001" in done.stderr
    done = newsqa(env, "eval", str(seed), "--llm", "none", "--out", str(none_run), "--require", "em>0.5",
                  check=False)
    assert done.returncode == 2 and "METRIC>=VALUE" in done.stderr
    assert len(results(none_run)) == 11


def test_another_run_in_the_same_folder_is_refused(env, seed, none_run: Path):
    done = newsqa(env, "eval", str(seed), "--llm", "test", "--out", str(none_run), check=False)
    assert done.returncode == 2
    assert "holds another run (it differs in llm, settings)" in done.stderr or \
        "holds another run (it differs in llm)" in done.stderr
    assert "Traceback" not in done.stderr
    env = dict(env, NEWSQA_ANSWER__EVIDENCE_TOKENS="100")
    done = newsqa(env, "eval", str(seed), "--llm", "none", "--out", str(none_run), check=False)
    assert done.returncode == 2 and "differs in settings" in done.stderr
    assert len(results(none_run)) == 11  # nothing lost


def test_compare_prints_deltas_and_flipped_questions(env, seed, none_run: Path, tmp_path: Path):
    baseline = tmp_path / "baseline-none"
    newsqa(env, "eval", str(seed), "--llm", "none", "--pipeline", "langchain-baseline", "--out", str(baseline))
    summary = json.loads((baseline / "summary.json").read_text())
    assert summary["n"] == 11 and summary["cited_share"] == 0.0  # the tutorial chain cites nothing
    # newsqa's evidence settings do not shape the tutorial chain's answers: its run is the same run.
    again = newsqa(dict(env, NEWSQA_ANSWER__EVIDENCE_TOKENS="100"), "eval", str(seed), "--llm", "none",
                   "--pipeline", "langchain-baseline", "--out", str(baseline), check=False)
    assert again.returncode == 0, again.stderr
    again = newsqa(dict(env, NEWSQA_ANSWER__EXTRACTIVE_SENTENCES="1"), "eval", str(seed), "--llm", "none",
                   "--pipeline", "langchain-baseline", "--out", str(baseline), check=False)
    assert again.returncode == 2 and "differs in settings" in again.stderr
    assert summary["evidence_tokens"] > 500  # four 1,000-character chunks
    assert summary["evidence_tokens_with_titles"] == summary["evidence_tokens"]  # its prompt shows no titles
    # Its answers are ranked on the risk–coverage curve by the same measure as newsqa's: its answers
    # to the two unanswerable questions rank last.
    relevance = {r["id"]: r["answer"]["relevance"] for r in results(baseline)}
    assert max(relevance["seed-10"], relevance["seed-11"]) < min(v for k, v in relevance.items()
                                                                 if k not in ("seed-10", "seed-11"))
    assert summary["risk_coverage"]["curve"][-1]["answers"] == 11
    done = newsqa(env, "eval", "compare", str(none_run), str(baseline))
    assert "containment" in done.stdout and "flipped" in done.stdout
    compared = json.loads(newsqa(env, "eval", "compare", str(none_run), str(baseline), "--json").stdout)
    d = compared["deltas"]["cited_share"]
    assert d["a"] == 1.0 and d["b"] == 0.0 and d["delta"] == -1.0
    # Both unanswerable questions were refused by newsqa; the baseline answers everything.
    flipped = {q["id"] for q in compared["flipped"]}
    assert {"seed-10", "seed-11"} <= flipped


def test_retrieval_only_scores_the_evidence(env, seed, tmp_path: Path):
    run = tmp_path / "retrieval"
    newsqa(env, "eval", str(seed), "--retrieval-only", "--out", str(run))
    summary = json.loads((run / "summary.json").read_text())
    assert summary["config"]["llm"] == "none" and summary["answer_in_evidence"] >= 0.8


def test_bad_input_is_one_line(env, tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "Who?"}\nnot json\n')
    done = newsqa(env, "eval", str(bad), "--corpus", str(tmp_path), check=False)
    assert done.returncode == 2 and "bad.jsonl:2" in done.stderr and "Traceback" not in done.stderr
    done = newsqa(env, "eval", "compare", str(tmp_path), str(tmp_path), check=False)
    assert done.returncode == 2 and "not a run folder" in done.stderr


def test_questions_without_a_date_can_be_asked_as_of_a_fixed_day(env, seed, tmp_path: Path):
    # The smoke evaluation asks the seed set as of a fixed day: the model reads the date in its
    # prompt, so its answers then repeat from one day to the next.
    run = tmp_path / "dated"
    newsqa(env, "eval", str(seed), "--llm", "none", "--as-of", "2024-01-15", "--limit", "2", "--out", str(run))
    assert {r["as_of"][:10] for r in results(run)} == {"2024-01-15"}
    assert json.loads((run / "run.json").read_text())["identity"]["as_of"].startswith("2024-01-15")
    again = newsqa(env, "eval", str(seed), "--llm", "none", "--limit", "2", "--out", str(run), check=False)
    assert again.returncode != 0 and "differs in as_of" in again.stderr
    bad = newsqa(env, "eval", str(seed), "--llm", "none", "--as-of", "someday", "--out", str(tmp_path / "x"),
                 check=False)
    assert bad.returncode != 0 and "--as-of" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
