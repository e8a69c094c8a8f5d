"""Helper process for the kill -9 test: ingests a generated corpus, printing after each batch."""

import sys
from pathlib import Path

from newsqa.index import Article, IndexSettings, NewsIndex


def corpus(version: str, n: int = 240) -> list[Article]:
    return [
        Article(
            title=f"Report {i}",
            text=" ".join(
                f"Report {i} ({version}) paragraph {p}: the river ferry {i} carried {i * p} people."
                for p in range(12)
            ),
            url=f"https://crash.example/{i}",
        )
        for i in range(n)
    ]


if __name__ == "__main__":
    home, version = Path(sys.argv[1]), sys.argv[2]
    settings = IndexSettings(home=home, write_batch_chunks=48)
    index = NewsIndex(settings)
    index.embedder  # load the model before announcing
    print("ready", flush=True)
    report = index.ingest(corpus(version), on_progress=lambda d, t, c: print(f"batch {d}/{t}", flush=True))
    print(f"done {report.added} {report.updated} {report.unchanged}", flush=True)
