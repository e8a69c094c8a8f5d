"""The Python API as a program uses it: answering as a LangChain Runnable. (The examples of
docs/guides/python.md run as written in tests/test_docs.py.)"""

from __future__ import annotations

import pytest
from conftest import SAMPLES
from langchain_core.callbacks import BaseCallbackHandler

from newsqa import Answer, Answerer, AskRequest, NewsIndex, Settings, load


@pytest.fixture(scope="module")
def answerer(tmp_path_factory) -> Answerer:
    settings = Settings(home=tmp_path_factory.mktemp("api") / "home", llm="test")
    index = NewsIndex(settings)
    index.ingest(load([str(SAMPLES)], settings.fetch))
    return Answerer(settings, index)


class Steps(BaseCallbackHandler):
    """Records every run a RunnableConfig's callbacks are told of."""

    def __init__(self) -> None:
        self.chains: list[str] = []
        self.retrievers: list[str] = []
        self.chat_models = 0
        self.tokens: list[str] = []
        self.ended: list[object] = []

    def on_chain_start(self, serialized, inputs, **kwargs) -> None:
        self.chains.append(kwargs.get("name") or "")

    def on_chain_end(self, outputs, **kwargs) -> None:
        self.ended.append(outputs)

    def on_retriever_start(self, serialized, query, **kwargs) -> None:
        self.retrievers.append(kwargs.get("name") or query)

    def on_chat_model_start(self, serialized, messages, **kwargs) -> None:
        self.chat_models += 1

    def on_llm_new_token(self, token, **kwargs) -> None:
        self.tokens.append(token)


def test_callbacks_reach_condense_retrieval_prompt_and_llm(answerer: Answerer):
    steps = Steps()
    request = AskRequest(question="When does work on it begin?",
                         history=[{"question": "How much will the Ferris Street bridge cost?",
                                   "answer": "It will cost $48 million [1]."}])
    answer = answerer.invoke(request, config={"callbacks": [steps], "run_name": "bridge question"})
    assert steps.chains[0] == "bridge question"
    for step in ("condense", "evidence", "check", "ChatPromptTemplate"):
        assert step in steps.chains, steps.chains
    assert steps.retrievers == ["NewsRetriever"]
    generated = bool(answer.draft)  # past the relevance floor, the answer prompt went to the model too
    assert steps.chat_models == 1 + generated and steps.chains.count("ChatPromptTemplate") == 1 + generated
    assert isinstance(steps.ended[-1], Answer) and steps.ended[-1].question == "When does work on it begin?"


def test_invoke_batch_and_stream_give_the_same_answers(answerer: Answerer):
    questions = ["Who will start in goal for Millbrook Rovers?", "How much will the Ferris Street bridge cost?"]
    one_by_one = [answerer.invoke(q) for q in questions]
    batched = answerer.batch([AskRequest(question=q) for q in questions])
    assert [a.question for a in batched] == questions
    assert [a.answer for a in batched] == [a.answer for a in one_by_one]  # greedy decoding: the same text

    steps = Steps()
    snapshots = list(answerer.stream({"question": questions[0]}, config={"callbacks": [steps]}))
    *partial, final = snapshots
    assert partial and all(s.partial and not s.citations for s in partial)
    drafts = [s.draft for s in partial]
    assert all(later.startswith(earlier) for earlier, later in zip(drafts, drafts[1:]))
    assert not final.partial and final.answer == one_by_one[0].answer and final.draft.startswith(drafts[-1].strip())
    assert steps.tokens and "".join(steps.tokens).strip() == final.draft  # LangChain's own token callbacks
    assert steps.ended[-1] == final  # the run ends with the checked answer


def test_errors_reach_the_caller_as_newsqa_errors(answerer: Answerer, tmp_path):
    from newsqa import BadQuery, EmptyIndex

    with pytest.raises(BadQuery, match="empty"):
        answerer.invoke("   ")
    empty = Answerer(Settings(home=tmp_path / "empty", llm="none"))
    with pytest.raises(EmptyIndex, match="newsqa ingest"):
        empty.invoke("Anything?")
    results = answerer.batch(["   ", "Who will start in goal for Millbrook Rovers?"], return_exceptions=True)
    assert isinstance(results[0], BadQuery) and isinstance(results[1], Answer)
