"""Calibration of the citation check's thresholds and of the relevance floor, on data (not a test).

Both replay what evaluation runs recorded, so no LLM is asked again:
- thresholds: every combination of the support thresholds (`answer.support_*`) re-checks
  (a) the hand-labelled claims of evals/labels/citation_support.jsonl (how many supported ones it
  keeps, how many unsupported ones it lets through) and (b) every draft answer of the given runs
  against the evidence it was written from (F1 and EM of the short answer, containment, answers
  withdrawn), as `newsqa ask` would with those thresholds.
- floor: for each candidate `answer.min_relevance`, the questions it would have refused before the
  LLM: right answers lost (answerable questions) against unanswerable questions refused.

Run: .venv/bin/python bench/studies/calibrate.py --runs eval-runs/RTQA eval-runs/RTQA-NOTA
(runs made by `newsqa eval` with an LLM; their answers hold the drafts and the evidence).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import write_table  # noqa: E402
from bench.judge_agreement import LABELS, corpus_texts  # noqa: E402

# Labelled after the thresholds were chosen, from other answers: a check that the choice holds.
HELD_OUT = LABELS.with_name("citation_support_heldout.jsonl")

OVERLAP = [0.5, 0.6, 0.7, 0.8]
OVERLAP_WITH_SIMILARITY = [0.3, 0.4, 0.5]
SIMILARITY = [0.5, 0.6, 0.7]
ANSWER_OVERLAP = [0.0, 0.5, 0.67, 1.0]
FLOORS = [0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]


class CachedEmbedder:
    """The embedder with its vectors kept: every threshold combination re-checks the same texts."""

    def __init__(self, embedder) -> None:
        self.embedder, self.vectors = embedder, {}

    def encode(self, texts: list[str]):
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.embedder.encode(missing)))
        return np.stack([self.vectors[t] for t in texts])


def evidence_of(lines: list[dict], published: dict | None = None, passages: dict[str, str] | None = None):
    """The Evidence an answer was written from, rebuilt from its recorded lines (numbered by article);
    `published` gives articles their dates (article id → datetime), `passages` the text of their
    retrieved passages (article id → text)."""
    from newsqa.bot.evidence import Evidence, EvidenceSentence, EvidenceSource

    sources: dict[str, EvidenceSource] = {}
    for line in sorted(lines, key=lambda e: e["label"]):
        src = sources.get(line["article_id"])
        if src is None:
            src = sources[line["article_id"]] = EvidenceSource(
                n=len(sources) + 1, article_id=line["article_id"], title=line["title"], source=None,
                url=line.get("url"), published=(published or {}).get(line["article_id"]),
                passages=(passages or {}).get(line["article_id"], ""))
        src.sentences.append(EvidenceSentence(line["label"], line["text"], line["start"], line["end"],
                                              line["chunk_id"], 0.0, None))
    return Evidence(list(sources.values()), 0.0, 0, dict(passages or {}))


def labelled_sources(path: Path, texts: dict[str, str],
                     questions: dict[str, str]) -> list[tuple[str, object, bool, str]]:
    """(claim, the evidence its citation pointed to, hand label, question) for every labelled case."""
    from newsqa.bot.evidence import EvidenceSentence, EvidenceSource

    cases = [json.loads(line) for line in path.read_text().splitlines()]
    out = []
    for case in (c for c in cases if c["label"] is not None):
        sentences = [EvidenceSentence(i + 1, texts[r["article_id"]][r["start"]:r["end"]], r["start"], r["end"], "",
                                      0, None)
                     for i, r in enumerate(case["premise"])]
        out.append((case["claim"], EvidenceSource(1, "", "", None, None, None, sentences), bool(case["label"]),
                    questions.get(case["question_id"], "")))
    return out


def read_runs(runs: list[Path]) -> list[dict]:
    """The answered questions of the run folders (a question that failed has no answer)."""
    from newsqa.evals.runner import read_results

    return [row for run in runs for row in read_results(run) if row.get("answer")]


def replay(checker, rows: list[dict]) -> dict[str, float]:
    """The run's answers as they would be with this checker: F1, EM, containment, withdrawn."""
    from newsqa.evals.metrics import contains_answer, exact_match, token_f1

    f1 = em = contained = withdrawn = answered = n = 0
    for row in rows:
        answer, gold = row["answer"], row["gold"]
        if not gold["answerable"] or not answer.get("draft"):
            continue
        verified = checker.check(answer["draft"], evidence_of(answer["evidence"]), answer["standalone_question"])
        n += 1
        f1 += token_f1(verified.short_answer, gold["answers"])
        em += exact_match(verified.short_answer, gold["answers"])
        contained += contains_answer(verified.answer, gold["answers"])
        withdrawn += verified.abstained and not answer["draft"].lower().startswith("i don")
        answered += not verified.abstained
    return {"questions": n, "f1": f1 / n, "em": em / n, "containment": contained / n,
            "withdrawn": withdrawn, "answered": answered}


def thresholds_table(rows: list[dict], embedder, command: str) -> None:
    from newsqa.bot.verify import CheckSettings, CitationChecker

    texts = corpus_texts({f for path in (LABELS, HELD_OUT) for c in map(json.loads, path.read_text().splitlines())
                          for f in c["corpus"]})
    questions = {r["id"]: r["answer"]["standalone_question"] for r in rows}
    labelled = labelled_sources(LABELS, texts, questions)
    held_out = labelled_sources(HELD_OUT, texts, questions)
    table = []
    for o, ows, s, ao in itertools.product(OVERLAP, OVERLAP_WITH_SIMILARITY, SIMILARITY, ANSWER_OVERLAP):
        if ows >= o:
            continue
        thresholds = CheckSettings(min_overlap=o, min_overlap_with_similarity=ows, min_similarity=s,
                                   min_answer_overlap=ao)
        checker = CitationChecker(embedder, thresholds)
        r = replay(checker, rows)
        table.append([f"{o} / {ows} / {s} / {ao}", *kept(checker, labelled), *kept(checker, held_out),
                      f"{r['f1']:.3f}", f"{r['em']:.3f}", f"{r['containment']:.3f}", str(r["withdrawn"])])
    write_table("calibrate_thresholds", "Citation check thresholds: hand labels and replayed answers",
                ["min_overlap / with_similarity / min_similarity / min_answer_overlap", "supported kept (hand)",
                 "unsupported kept (hand)", "supported kept (held out)", "unsupported kept (held out)",
                 "F1", "EM", "containment", "drafts withdrawn"], table,
                [f"Hand labels: {LABELS.name} (chosen on), {HELD_OUT.name} (labelled afterwards, from other "
                 f"answers). Replayed answers: {len([r for r in rows if r['gold']['answerable']])} "
                 "answerable questions of the runs given, each draft re-checked against its own evidence.",
                 f"Command: {command}"])


def kept(checker, labelled: list[tuple[str, object, bool, str]]) -> list[str]:
    """Supported and unsupported hand-labelled claims the checker keeps, as "kept/all"."""
    said = [(checker.support(claim, source, question=q)[0], label) for claim, source, label, q in labelled]
    return [f"{sum(k and g for k, g in said)}/{sum(g for _, g in said)}",
            f"{sum(k and not g for k, g in said)}/{sum(not g for _, g in said)}"]


def floor_table(rows: list[dict], command: str) -> None:
    from newsqa.evals.metrics import contains_answer

    right = [r for r in rows if r["gold"]["answerable"] and not r["answer"]["abstained"]
             and contains_answer(r["answer"]["answer"], r["gold"]["answers"])]
    unanswerable = [r for r in rows if not r["gold"]["answerable"]]
    answerable = [r for r in rows if r["gold"]["answerable"]]
    table = []
    for floor in FLOORS:
        lost = sum(r["answer"]["relevance"] < floor for r in right)
        refused = sum(r["answer"]["relevance"] < floor or r["answer"]["abstained"] for r in unanswerable)
        skipped = sum(r["answer"]["relevance"] < floor for r in answerable)
        table.append([f"{floor:.2f}", f"{lost}/{len(right)}", f"{skipped}/{len(answerable)}",
                      f"{refused}/{len(unanswerable)}"])
    write_table("calibrate_floor", "Relevance floor: right answers lost against unanswerable questions refused",
                ["min_relevance", "right answers lost", "answerable questions not asked", "unanswerable refused"],
                table,
                ["Right answer: the answer contains a gold answer. Unanswerable refused: below the floor, or "
                 "the answer abstained anyway.",
                 f"Command: {command}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["thresholds", "floor", "both"])
    parser.add_argument("--runs", nargs="+", required=True)
    args = parser.parse_args()
    rows = read_runs([Path(r) for r in args.runs])
    command = ".venv/bin/python bench/studies/calibrate.py {} --runs " + " ".join(args.runs)
    if args.what in ("floor", "both"):
        floor_table(rows, command.format("floor"))
    if args.what in ("thresholds", "both"):
        from newsqa.bot.config import Settings
        from newsqa.index.embeddings import Embedder

        settings = Settings()
        thresholds_table(rows, CachedEmbedder(Embedder(settings.embedding_model, settings.embedding_device)),
                         command.format("thresholds"))


if __name__ == "__main__":
    main()
