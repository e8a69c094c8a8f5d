"""Summaries and reports of a run, and the comparison of two runs.

`summary.json` holds the overall figures (with 95% bootstrap intervals under `intervals`), the
latency per stage, the abstention confusion matrix and the breakdowns by question type and
source; `summary.md` is the same as Markdown tables; `report.html` is self-contained (tables and
matplotlib plots embedded as PNG).
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from newsqa.errors import NewsqaError
from newsqa.evals.metrics import bootstrap_interval, mean, percentile, risk_coverage

# Mean metrics, in the order reports show them, with how to read them.
METRICS = {
    "em": "exact match of the short answer (answerable questions)",
    "f1": "token F1 of the short answer",
    "containment": "a right answer appears in the full answer",
    "answer_in_passages": "a right answer appears in the passages the search returned",
    "answer_in_evidence": "a right answer appears in the evidence given to the LLM",
    "evidence_tokens": "evidence size in tokens",
    "answer_in_evidence_with_titles": "a right answer appears in the evidence or in its titles the LLM read",
    "evidence_tokens_with_titles": "evidence size in tokens, with the article titles the LLM read",
    "hit_at_1": "gold evidence in the first retrieved passage",
    "hit_at_k": "gold evidence in any retrieved passage",
    "mrr": "mean reciprocal rank of the first gold passage",
    "abstained_unanswerable": "unanswerable questions answered \"I don't know\" (higher is better)",
    "false_abstain": "answerable questions answered \"I don't know\" (lower is better)",
    "answered_precision": "answers given that are right (containment, EM or F1 >= 0.5)",
    "answered_right": "answerable questions answered right",
    "cited_share": "answer sentences with a citation",
    "citation_recall": "sentences whose citations support them (ALCE)",
    "citation_precision": "citations that are not irrelevant (ALCE)",
}
BREAKDOWN_METRICS = ("em", "f1", "containment", "answer_in_passages", "answer_in_evidence", "false_abstain",
                     "abstained_unanswerable")


def _values(rows: list[dict], metric: str) -> list[float]:
    return [r["metrics"][metric] for r in rows if "metrics" in r and r["metrics"].get(metric) is not None]


def _stage_latency(rows: list[dict]) -> dict[str, dict[str, float | None]]:
    stages: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        for stage, seconds in (r.get("answer") or {}).get("timings", {}).items():
            stages[stage].append(seconds)
    return {stage: {"p50": percentile(v, 50), "p95": percentile(v, 95)} for stage, v in stages.items()}


def _breakdown(rows: list[dict], key: str) -> dict[str, dict]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[str(r.get(key) or "–")].append(r)
    return {name: {"n": len(g), **{m: mean(_values(g, m)) for m in BREAKDOWN_METRICS}}
            for name, g in sorted(groups.items(), key=lambda kv: -len(kv[1]))}


def confidence(row: dict) -> float:
    """The confidence an answer is ranked by on the risk–coverage curve: the question's closeness
    to its best evidence sentence (Answer.relevance), the measure `answer.min_relevance` puts a
    floor under; the same measure for every pipeline (evals/pipelines.py)."""
    return float((row.get("answer") or {}).get("relevance") or 0.0)


def _risk_coverage(scored: list[dict]) -> dict:
    given = [(confidence(r), bool(r["metrics"]["answered_precision"]), bool(r["metrics"]["answerable"]))
             for r in scored if not r["metrics"]["abstained"]]
    return risk_coverage(given, sum(1 for r in scored if r["metrics"]["answerable"]))


def summarize(rows: list[dict], config: dict | None = None) -> dict:
    """The overall figures of a run's result lines."""
    scored = [r for r in rows if "metrics" in r]
    latencies = _values(scored, "latency_s")
    matrix = {f"{'answerable' if a else 'unanswerable'}_{'abstained' if b else 'answered'}":
              sum(1 for r in scored if r["metrics"]["answerable"] == a and r["metrics"]["abstained"] == b)
              for a in (True, False) for b in (True, False)}
    summary = {
        "n": len(rows), "errors": len(rows) - len(scored),
        "answerable": sum(1 for r in scored if r["metrics"]["answerable"]),
        "unanswerable": sum(1 for r in scored if not r["metrics"]["answerable"]),
        **{m: mean(_values(scored, m)) for m in METRICS},
        "latency_p50_s": percentile(latencies, 50), "latency_p95_s": percentile(latencies, 95),
        "tokens_in": mean(_values(scored, "tokens_in")), "tokens_out": mean(_values(scored, "tokens_out")),
        "intervals": {m: bootstrap_interval(_values(scored, m)) for m in METRICS},
        "latency_by_stage": _stage_latency(scored),
        "abstention_matrix": matrix,
        "risk_coverage": _risk_coverage(scored),
        "by_type": _breakdown(scored, "type"),
        "by_source": _breakdown(scored, "source"),
        "config": config or {},
    }
    return summary


def _fmt(value, interval=None) -> str:
    if value is None:
        return "–"
    text = f"{value:.3f}" if abs(value) < 10 else f"{value:,.0f}"
    if interval:
        lo, hi = interval
        text += f" [{lo:.3f}, {hi:.3f}]" if abs(value) < 10 else f" [{lo:,.0f}, {hi:,.0f}]"
    return text


def overall_table(summary: dict) -> list[list[str]]:
    rows = [[m, _fmt(summary[m], summary["intervals"].get(m)), METRICS[m]] for m in METRICS]
    rows.append(["latency p50 / p95 s", f"{_fmt(summary['latency_p50_s'])} / {_fmt(summary['latency_p95_s'])}",
                 "whole answer"])
    rows.append(["tokens in / out", f"{_fmt(summary['tokens_in'])} / {_fmt(summary['tokens_out'])}",
                 "mean per question"])
    return rows


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def _breakdown_rows(groups: dict) -> list[list[str]]:
    return [[name, str(g["n"]), *(_fmt(g[m]) for m in BREAKDOWN_METRICS)] for name, g in groups.items()]


def to_markdown(summary: dict) -> str:
    c = summary["config"]
    parts = [f"# Evaluation: {c.get('set', '?')} — {c.get('pipeline', '?')} with {c.get('llm', '?')}", "",
             f"{summary['n']} questions ({summary['answerable']} answerable, {summary['unanswerable']} unanswerable, "
             f"{summary['errors']} errors); judge: {c.get('judge', '?')}. "
             "Figures are means with 95% bootstrap intervals.",
             "", _markdown_table(["metric", "value", "meaning"], overall_table(summary)), "",
             "## Latency by stage (s)", "",
             _markdown_table(["stage", "p50", "p95"], [[s, _fmt(v["p50"]), _fmt(v["p95"])]
                                                       for s, v in summary["latency_by_stage"].items()]), "",
             "## Abstention", "",
             _markdown_table(["", "answered", "abstained"], [
                 ["answerable", str(summary["abstention_matrix"]["answerable_answered"]),
                  str(summary["abstention_matrix"]["answerable_abstained"])],
                 ["unanswerable", str(summary["abstention_matrix"]["unanswerable_answered"]),
                  str(summary["abstention_matrix"]["unanswerable_abstained"])]]), ""]
    parts += ["## Risk–coverage", "", risk_coverage_note(summary["risk_coverage"]), "",
              _markdown_table(["confidence at least", "answers", "coverage", "precision"],
                              risk_coverage_rows(summary["risk_coverage"])), ""]
    for title, key in (("By question type", "by_type"), ("By source", "by_source")):
        parts += [f"## {title}", "", _markdown_table(["group", "n", *BREAKDOWN_METRICS],
                                                     _breakdown_rows(summary[key])), ""]
    return "\n".join(parts)


def risk_coverage_note(rc: dict) -> str:
    """One line: the area and the coverage at the precision target, with the floor that gives it."""
    floor = rc.get("floor_at_target")
    at = (f"coverage at precision {rc['precision_target']:.2f}: {rc['coverage_at_target']:.3f}"
          + (f" (confidence at least {floor:.2f})" if floor is not None else " (no floor reaches it)"))
    return (f"Answers ranked by confidence (the question's closeness to its best evidence sentence); "
            f"area under precision–coverage {rc['area']:.3f}; {at}.")


def risk_coverage_rows(rc: dict, points: int = 10) -> list[list[str]]:
    """At most `points` points of the curve, evenly spread, the last one (every answer) included."""
    curve = rc["curve"]
    picked = sorted({round(i * (len(curve) - 1) / max(points - 1, 1)) for i in range(points)}) if curve else []
    return [[f"{curve[i]['confidence']:.3f}", str(curve[i]["answers"]), f"{curve[i]['coverage']:.3f}",
             f"{curve[i]['precision']:.3f}"] for i in picked]


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def _plots(summary: dict, rows: list[dict]) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots = []
    for title, key in (("Scores by question type", "by_type"), ("Scores by source", "by_source")):
        groups = dict(list(summary[key].items())[:12])
        fig, ax = plt.subplots(figsize=(8, 3.2))
        x = np.arange(len(groups))
        for i, metric in enumerate(("f1", "containment", "answer_in_evidence")):
            ax.bar(x + (i - 1) * 0.27, [g[metric] or 0 for g in groups.values()], 0.27, label=metric)
        ax.set_xticks(x, [f"{k} ({g['n']})" for k, g in groups.items()], rotation=30, ha="right", fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(title)
        ax.legend(fontsize=8)
        plots.append((title, _png(fig)))
        plt.close(fig)
    latencies = _values(rows, "latency_s")
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(latencies or [0], bins=20, color="#4a78b5")
    ax.set_xlabel("seconds per answer")
    ax.set_ylabel("questions")
    ax.set_title("Latency distribution")
    plots.append(("Latency distribution", _png(fig)))
    plt.close(fig)
    rc = summary["risk_coverage"]
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.plot([0] + [p["coverage"] for p in rc["curve"]], [1] + [p["precision"] for p in rc["curve"]],
            drawstyle="steps-post", color="#4a78b5")
    ax.axhline(rc["precision_target"], color="#999", linestyle=":", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage (answerable questions answered)")
    ax.set_ylabel("precision (answers right)")
    ax.set_title(f"Risk–coverage (area {rc['area']:.3f})")
    plots.append(("Risk–coverage", _png(fig)))
    plt.close(fig)
    m = summary["abstention_matrix"]
    grid = np.array([[m["answerable_answered"], m["answerable_abstained"]],
                     [m["unanswerable_answered"], m["unanswerable_abstained"]]])
    fig, ax = plt.subplots(figsize=(3.8, 3))
    ax.imshow(grid, cmap="Blues")
    for (i, j), value in np.ndenumerate(grid):
        ax.text(j, i, str(value), ha="center", va="center", fontsize=12)
    ax.set_xticks([0, 1], ["answered", "abstained"])
    ax.set_yticks([0, 1], ["answerable", "unanswerable"])
    ax.set_title("Abstention")
    plots.append(("Abstention confusion matrix", _png(fig)))
    plt.close(fig)
    return plots


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def to_html(summary: dict, rows: list[dict]) -> str:
    c = summary["config"]
    title = f"Evaluation: {c.get('set', '?')} — {c.get('pipeline', '?')} with {c.get('llm', '?')}"
    sections = [f"<h1>{html.escape(title)}</h1>",
                f"<p>{summary['n']} questions ({summary['answerable']} answerable, {summary['unanswerable']} "
                f"unanswerable, {summary['errors']} errors); judge {html.escape(str(c.get('judge')))}; "
                "means with 95% bootstrap intervals.</p>",
                _html_table(["metric", "value", "meaning"], overall_table(summary))]
    for name, png in _plots(summary, rows):
        title = html.escape(name)
        sections.append(f"<h2>{title}</h2><img alt='{title}' src='data:image/png;base64,{png}'>")
        if name == "Risk–coverage":
            rc = summary["risk_coverage"]
            sections += [f"<p>{html.escape(risk_coverage_note(rc))}</p>",
                         _html_table(["confidence at least", "answers", "coverage", "precision"],
                                     risk_coverage_rows(rc))]
    for name, key in (("By question type", "by_type"), ("By source", "by_source")):
        sections += [f"<h2>{name}</h2>", _html_table(["group", "n", *BREAKDOWN_METRICS], _breakdown_rows(summary[key]))]
    sections.append("<h2>Questions</h2>")
    sections.append(_html_table(["id", "question", "gold", "answer", "f1", "abstained"], [
        [r["id"], r["question"], " | ".join(r["gold"]["answers"]) or "(unanswerable)",
         r.get("error") or r["answer"]["answer"], _fmt(r.get("metrics", {}).get("f1")),
         str(r.get("metrics", {}).get("abstained", "–"))] for r in rows]))
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:1em 0;font-size:14px}"
             "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(sections)}</body></html>")


def write_reports(out: Path, rows: list[dict], config: dict) -> dict:
    summary = summarize(rows, config)
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    (out / "summary.md").write_text(to_markdown(summary))
    (out / "report.html").write_text(to_html(summary, rows))
    return summary


# --- thresholds that fail a run (the CI smoke evaluation) -------------------------------------
_REQUIREMENT = re.compile(r"^\s*([a-z_0-9]+)\s*(>=|<=)\s*([0-9.]+)\s*$")


def parse_requirement(text: str) -> tuple[str, str, float]:
    """'containment>=0.8' → ('containment', '>=', 0.8); a NewsqaError names what is wrong."""
    match = _REQUIREMENT.match(text)
    if not match:
        raise NewsqaError(f"--require {text!r}: write METRIC>=VALUE or METRIC<=VALUE, e.g. containment>=0.8")
    metric, op, value = match.groups()
    if metric not in METRICS and metric not in ("latency_p50_s", "latency_p95_s", "errors", "n"):
        raise NewsqaError(f"--require {text!r}: unknown metric {metric!r}")
    return metric, op, float(value)


def check_requirements(summary: dict, requirements: list[tuple[str, str, float]]) -> list[str]:
    """The requirements the summary fails, each as one line."""
    failures = []
    for metric, op, bound in requirements:
        value = summary.get(metric)
        ok = value is not None and (value >= bound if op == ">=" else value <= bound)
        if not ok:
            shown = "none" if value is None else f"{value:.3f}"
            failures.append(f"{metric} is {shown}; required {op} {bound:g}")
    return failures


# --- comparing two runs ------------------------------------------------------------------------
def _paired_delta(a: dict[str, float], b: dict[str, float], resamples: int = 1000, seed: int = 0):
    """Mean of B − A over the questions both have a value for, with its 95% interval."""
    common = sorted(set(a) & set(b))
    if not common:
        return None, None
    diffs = np.array([b[i] - a[i] for i in common])
    rng = np.random.default_rng(seed)
    means = diffs[rng.integers(0, len(diffs), size=(resamples, len(diffs)))].mean(axis=1)
    return float(diffs.mean()), (float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5)))


def _by_id(rows: list[dict], metric: str) -> dict[str, float]:
    return {r["id"]: r["metrics"][metric] for r in rows if "metrics" in r and r["metrics"].get(metric) is not None}


def compare(run_a: Path, run_b: Path) -> dict:
    """Per-metric deltas (B − A) over the questions both answered, with paired bootstrap
    intervals, and the questions whose outcome flipped."""
    from newsqa.evals.runner import read_results

    rows_a, rows_b = read_results(run_a), read_results(run_b)
    deltas = {}
    for metric in METRICS:
        a, b = _by_id(rows_a, metric), _by_id(rows_b, metric)
        delta, interval = _paired_delta(a, b)
        deltas[metric] = {"a": mean(list(a.values())), "b": mean(list(b.values())), "delta": delta,
                          "interval": interval, "paired": len(set(a) & set(b))}
    flipped = []
    b_rows = {r["id"]: r for r in rows_b if "metrics" in r}
    for ra in rows_a:
        rb = b_rows.get(ra["id"])
        if rb is None or "metrics" not in ra:
            continue
        ma, mb = ra["metrics"], rb["metrics"]
        key = "containment" if ma["answerable"] else "abstained_unanswerable"
        if ma[key] != mb[key]:
            flipped.append({"id": ra["id"], "question": ra["question"], "metric": key,
                            "a": ma[key], "b": mb[key],
                            "answer_a": ra["answer"]["answer"], "answer_b": rb["answer"]["answer"]})
    return {"deltas": deltas, "flipped": flipped}
