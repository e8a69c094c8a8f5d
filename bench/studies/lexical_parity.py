"""The Chroma path's lexical index, tantivy (since this study) against the bm25s snapshot it replaced,
on what reaches the model (not a test): each week range runs through `newsqa eval run
--retrieval-only` (the whole answer path without the LLM, learned ranker on) twice, same questions,
same as_of, same cached index: once as newsqa is, once in a child process whose lexical leg is a
bm25s snapshot of the same manifest searched as newsqa searched it before (k1 1.5, the same words,
the same filters). The learned ranker was trained on bm25s's scores; its model is unchanged here.

Weeks: the dev weeks (the issue asks for the same first 8 passages there "within a question or
two"), and the test weeks beside them. Prints a Markdown table and saves it to
bench/studies/results/lexical_parity.md.

Run: .venv/bin/python bench/studies/lexical_parity.py [--weeks FIRST:LAST ...] [--runs DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import RTQA_2025, per_question, run_eval, write_table  # noqa: E402

WEEKS = ["2025-01-03:2025-02-21", "2025-03-07:2025-04-25", "2025-06-06:2025-06-27"]
METRICS = [("answer_in_passages", "answer in the 8 passages"),
           ("answer_in_evidence_with_titles", "in evidence with titles"), ("hit_at_k", "gold snippet in the passages")]


def bm25s_child(argv: list[str]) -> None:
    """`newsqa ARGV` with the lexical leg a bm25s snapshot of the manifest, as newsqa had it."""
    import bm25s
    import numpy as np

    from newsqa.cli import main
    from newsqa.index import lexical, words
    from newsqa.index.chunking import article_of

    snapshots: dict[int, tuple] = {}

    def search(self, query, limit, filters):
        manifest = self.manifest
        if id(manifest) not in snapshots:  # the eval's index does not change while it runs
            _, rows = manifest.lexical_corpus()
            retriever = bm25s.BM25()
            retriever.index(words.tokenize([r.words for r in rows]), show_progress=False)
            snapshots[id(manifest)] = (retriever, [r.chunk_id for r in rows],
                                       np.array([(r.source or "").lower() for r in rows]),
                                       np.array([np.nan if r.published is None else r.published for r in rows]),
                                       np.array([article_of(r.chunk_id) for r in rows]))
        retriever, ids, sources, published, articles = snapshots[id(manifest)]
        [tokens] = words.tokenize([query])
        if not tokens:
            return []
        keep = np.ones(len(ids), dtype=bool)
        if filters.sources or filters.carried:
            keep &= np.isin(sources, [s.lower() for s in filters.sources]) | np.isin(articles, list(filters.carried))
        with np.errstate(invalid="ignore"):
            if filters.since:
                keep &= published >= filters.since.timestamp()
            if filters.until:
                keep &= published <= filters.until.timestamp()
            if filters.as_of:
                keep &= np.isnan(published) | (published <= filters.as_of.timestamp())
        mask = None if keep.all() else keep.astype(np.float32)
        docs, scores = retriever.retrieve([tokens], k=min(limit, len(ids)), show_progress=False, n_threads=1,
                                          weight_mask=mask)
        return [(ids[d], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    lexical.LexicalIndex.search = search
    sys.argv = ["newsqa", *argv]
    main()


def main() -> None:
    if sys.argv[1:2] == ["--bm25s-child"]:
        return bm25s_child(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weeks", nargs="+", default=WEEKS)
    parser.add_argument("--runs", type=Path, default=Path("eval-runs/lexical"))
    args = parser.parse_args()
    rows = []
    for weeks in args.weeks:
        first, last = weeks.split(":")
        kind = "test" if weeks == "2025-06-06:2025-06-27" else "dev"
        common = [str(RTQA_2025), "--from", first, "--to", last, "--retrieval-only", "--fresh"]
        outs = {"bm25s": args.runs / f"{first}-{last}-bm25s", "tantivy": args.runs / f"{first}-{last}-tantivy"}
        found = {"bm25s": run_eval(outs["bm25s"], *common, via=[sys.executable, __file__, "--bm25s-child"]),
                 "tantivy": run_eval(outs["tantivy"], *common)}
        before, after = (per_question(outs[arm], "answer_in_passages") for arm in ("bm25s", "tantivy"))
        lost = sum(1 for q in before if before[q] and not after.get(q))
        gained = sum(1 for q in after if after[q] and not before.get(q))
        for arm, name in (("bm25s", "bm25s snapshot (before)"), ("tantivy", "tantivy (now)")):
            s = found[arm]
            rows.append([f"{first} to {last} ({kind}, {s['n']} questions)", name,
                         *(f"{s[key]:.3f}" for key, _ in METRICS),
                         f"{s['latency_by_stage']['search']['p50'] * 1000:.0f}",
                         f"{gained} / {lost}" if arm == "tantivy" else ""])
            print(rows[-1], flush=True)
    write_table("lexical_parity", "The lexical index: tantivy against the bm25s snapshot it replaced",
                ["weeks", "lexical index", *(label for _, label in METRICS), "search p50 ms",
                 "answer in the 8 passages: questions gained / lost"], rows, [
                    "Each row a `newsqa eval run --retrieval-only` of RealTime QA 2025 (plain variant) with the "
                    "learned ranker (index/models/ranker.txt, trained on the dev weeks with bm25s's scores), as of "
                    "each question's date, on the same cached index; the bm25s row swaps only the lexical leg.",
                    "BM25 constants: bm25s k1 1.5, b 0.75; tantivy k1 1.2, b 0.75 (fixed in tantivy), passage "
                    "lengths kept in one byte. Both scores without the (k1 + 1) factor.",
                    f"Command: .venv/bin/python bench/studies/lexical_parity.py --weeks {' '.join(args.weeks)}",
                ])


if __name__ == "__main__":
    main()
