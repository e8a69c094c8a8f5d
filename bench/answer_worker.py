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
    from bot.answer import AskRequest
    from bot.ask import Answerer
    from bot.config import Settings
    from index import load

    settings = Settings(home=home, llm="local")
    answerer = Answerer(settings)
    answerer.index.ingest(load(spec["articles"], settings.fetch))
    answerer.llm("local")  # load the model before timing
    results = []
    for q in spec["questions"]:
        first = []
        start = time.perf_counter()
        request = AskRequest(question=q["question"], as_of=datetime.fromisoformat(q["as_of"]))
        answer = answerer.ask(request, on_token=lambda t: first or first.append(time.perf_counter()))
        total = time.perf_counter() - start
        results.append({"id": q["id"], "answer": answer.answer, "abstained": answer.abstained,
                        "first_token_s": (first[0] - start) if first else total, "total_s": total,
                        "tokens_in": answer.tokens_in})
    return results


def run_tutorial(home: Path, spec: dict) -> list[dict]:
    """The LangChain tutorial RAG chain: RecursiveCharacterTextSplitter(1000, 200), the same
    embedding model, Chroma similarity search k=4, the "stuff" prompt, the same LLM."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    import prompts
    from bot.llm import make_llm, ProviderSettings
    from index import Article, IndexSettings, load
    from index.embeddings import resolve_model_path

    articles = [a for a in load(spec["articles"], IndexSettings().fetch) if isinstance(a, Article)]
    docs = [Document(page_content=a.text, metadata={"title": a.title}) for a in articles]
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    embeddings = HuggingFaceEmbeddings(model_name=resolve_model_path("all-MiniLM-L6-v2"))
    store = Chroma.from_documents(splits, embeddings, persist_directory=str(home / "tutorial"))
    retriever = store.as_retriever(search_kwargs={"k": 4})
    chat = make_llm("local", ProviderSettings(), max_tokens=160).chat
    chain = prompts.load("tutorial_rag") | chat
    chat.invoke("Hello")  # load the model before timing
    results = []
    for q in spec["questions"]:
        start = time.perf_counter()
        context = "\n\n".join(d.page_content for d in retriever.invoke(q["question"]))
        text, first = "", None
        for chunk in chain.stream({"question": q["question"], "context": context}):
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
