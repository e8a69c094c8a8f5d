"""One pipeline of the answer benchmark, in its own process; prints a JSON line of results.

Usage: answer_worker.py {newsqa|tutorial} HOME QUESTIONS.json
QUESTIONS.json: {"articles": [paths], "questions": [{id, question, answers, answerable, as_of}]}
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import peak_rss_mb  # noqa: E402


def contains(text: str, answers: list[str]) -> bool:
    return any(a.lower() in text.lower() for a in answers)


def run_newsqa(home: Path, spec: dict) -> list[dict]:
    from newsqa import Answerer, AskRequest, Settings, load

    settings = Settings(home=home, llm="local")
    answerer = Answerer(settings)
    answerer.index.ingest(load(spec["articles"], settings.fetch))
    answerer.warm_up()  # load the models before timing
    results = []
    for q in spec["questions"]:
        first = []
        start = time.perf_counter()
        request = AskRequest(question=q["question"], as_of=datetime.fromisoformat(q["as_of"]))
        for answer in answerer.stream(request):
            if answer.partial and not first:
                first.append(time.perf_counter())
        total = time.perf_counter() - start
        results.append({"id": q["id"], "answer": answer.answer, "abstained": answer.abstained,
                        "first_token_s": (first[0] - start) if first else total, "total_s": total,
                        "tokens_in": answer.tokens_in})
    return results


def run_tutorial(home: Path, spec: dict) -> list[dict]:
    """The LangChain tutorial RAG chain: RecursiveCharacterTextSplitter(1000, 200), the same
    embedding model, Chroma similarity search k=4, the "stuff" prompt, the same LLM."""
    from newsqa import Article, load, make_llm
    from newsqa.bot.llm import ProviderSettings
    from newsqa.evals.baseline import TutorialRAG
    from newsqa.index import IndexSettings

    articles = [a for a in load(spec["articles"], IndexSettings().fetch) if isinstance(a, Article)]
    rag = TutorialRAG(home / "tutorial", "all-MiniLM-L6-v2")
    rag.add(articles)
    chat = make_llm("local", ProviderSettings(), max_tokens=160).chat
    chain = rag.chain(chat)
    chat.invoke("Hello")  # load the model before timing
    results = []
    for q in spec["questions"]:
        start = time.perf_counter()
        inputs = rag.inputs(q["question"], rag.retrieve(q["question"]))
        text, first = "", None
        for chunk in chain.stream(inputs):
            if chunk.content and first is None:
                first = time.perf_counter()
            text += str(chunk.content)
        total = time.perf_counter() - start
        results.append({"id": q["id"], "answer": text.strip(), "abstained": "don't know" in text.lower(),
                        "first_token_s": (first or start + total) - start, "total_s": total})
    return results


if __name__ == "__main__":
    kind, home, spec_path = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    spec = json.loads(spec_path.read_text())
    results = {"newsqa": run_newsqa, "tutorial": run_tutorial}[kind](home, spec)
    print(json.dumps({"results": results, "peak_rss_mb": peak_rss_mb()}))
