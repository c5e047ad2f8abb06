"""The FAQ entry is picked for FAQ questions only, with a model of the pipeline that
uses the FAQ selector (tests/conftest.py), from the sentence-level features only; models
trained with token-level features still load."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.agent import Agent
from rasa.model_training import train_nlu
from rasa.shared.nlu.constants import TEXT
from rasa.utils.tensorflow.constants import SENTENCE, SEQUENCE
from rasa.utils.tensorflow.model_data import RasaModelData

from bot.nlu.faq_selector import FaqSelector
from bot.stack import PROJECT_DIR


@pytest.fixture(scope="module")
def agent(tensorflow_model_path: Path) -> Agent:
    return Agent.load(str(tensorflow_model_path))


@pytest.fixture(scope="module")
def parse(agent: Agent) -> Any:
    return lambda text: asyncio.run(agent.parse_message(text))


def _selector(agent: Agent) -> FaqSelector:
    assert agent.processor is not None
    nodes = agent.processor.graph_runner._instantiated_nodes  # type: ignore[attr-defined]
    return next(n._component for n in nodes.values() if isinstance(n._component, FaqSelector))


@pytest.mark.parametrize("text", ["배송 얼마나 걸려요?", "how long does shipping take"])
def test_an_faq_question_gets_its_entry(parse: Any, text: str) -> None:
    parsed = parse(text)
    assert parsed["intent"]["name"] == "faq"
    assert parsed["intent"]["full_retrieval_intent_name"] == "faq/shipping_time"
    picked = parsed["response_selector"]["faq"]["response"]
    assert picked["intent_response_key"] == "faq/shipping_time" and picked["confidence"] > 0.5


@pytest.mark.parametrize("text", ["안녕하세요", "thanks", "주문 상태 확인하고 싶어요"])
def test_other_messages_skip_the_selector(parse: Any, text: str) -> None:
    parsed = parse(text)
    assert parsed["intent"]["name"] != "faq"
    assert "response_selector" not in parsed


def test_the_selector_is_trained_on_sentence_level_features_only(agent: Agent) -> None:
    model = _selector(agent).model
    assert model is not None
    text_signature = model.data_signature[TEXT]
    assert SEQUENCE not in text_signature and text_signature[SENTENCE]
    names = [weight.name for weight in model.weights]
    assert any("/sparse_to_dense.text_sentence/" in name for name in names)
    assert not any("/sparse_to_dense.text_sequence/" in name for name in names)


@pytest.fixture(scope="module")
def model_with_token_features(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small selector trained as before it dropped the token-level features."""
    out = tmp_path_factory.mktemp("selector")
    project = yaml.safe_load((PROJECT_DIR / "config.yml").read_text(encoding="utf-8"))
    config = {
        "recipe": "default.v1",
        "language": "en",
        "assistant_id": "selector-test",
        "importers": project["importers"],
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "bot.nlu.faq_selector.FaqSelector", "epochs": 2, "random_seed": 1},
        ],
    }
    (out / "config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FaqSelector, "_reads_token_features", lambda self: True)
        trained = train_nlu(str(out / "config.yml"), str(PROJECT_DIR / "data"), str(out), "old")
    assert trained is not None
    return Path(trained)


def _rankings(agent: Agent, texts: list[str]) -> list[list[tuple[str, float]]]:
    async def parse_all() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    return [
        [
            (r["intent_response_key"], r["confidence"])
            for r in p["response_selector"]["default"]["ranking"]
        ]
        for p in asyncio.run(parse_all())
    ]


def test_token_features_never_reach_a_selector_without_a_transformer(
    model_with_token_features: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = Agent.load(str(model_with_token_features))
    model = _selector(agent).model
    assert model is not None and model.data_signature[TEXT][SEQUENCE]
    texts = ["how long does shipping take", "배송 얼마나 걸려요?", "can I pay by card"]
    rankings = _rankings(agent, texts)
    assert all(rankings)

    create_model_data = FaqSelector._create_model_data

    def without_token_features(self: FaqSelector, *args: Any, **kwargs: Any) -> RasaModelData:
        model_data = create_model_data(self, *args, **kwargs)
        for array in model_data.data[TEXT][SEQUENCE]:
            for row, matrix in enumerate(array):
                array[row] = matrix * 0
        return model_data

    monkeypatch.setattr(FaqSelector, "_create_model_data", without_token_features)
    assert _rankings(agent, texts) == rankings
