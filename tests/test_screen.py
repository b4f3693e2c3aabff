"""The learned red-flag screen: its contract, its neighbour veto, and its place after the rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant import screen as sc
from assistant.embed import DIMENSIONS, HashEmbeddings
from assistant.errors import ConfigError
from assistant.screen import RedFlagScreen, screen_features, screen_texts

FAKE = HashEmbeddings()
RED_WORDS = "zorbly quenched vantric"  # words no rule knows, standing for a red flag's meaning
CALM_WORDS = "cushion stretch walking"


def embed(texts: list[str]) -> np.ndarray:
    return FAKE.embed_array(texts)


def _screen(examples_red: int = 5, threshold: float = 0.5, emergency: float = -5.0) -> RedFlagScreen:
    """A screen whose red head fires on RED_WORDS, with ``examples_red`` of 5 examples red."""
    prototype = screen_features(embed(screen_texts(RED_WORDS)))
    red = np.concatenate([prototype * 40.0, [-20.0]])  # about 1 for RED_WORDS, about 0 for others
    heads = {
        "red": red,
        "emergency": np.concatenate([np.zeros(len(prototype)), [emergency]]),
        "self_harm": np.concatenate([np.zeros(len(prototype)), [-5.0]]),
    }
    examples = embed([RED_WORDS, f"{RED_WORDS} now", f"very {RED_WORDS}", CALM_WORDS, "heat pad"])
    labels = np.array([i < examples_red for i in range(5)])
    order = np.argsort(~labels, kind="stable")  # red examples first, then calm ones
    return RedFlagScreen(heads, threshold, FAKE.name, examples[order], labels)


def test_one_sentence_is_screened_as_itself() -> None:
    assert screen_texts("my bum hurts when I sit") == ["my bum hurts when I sit"]


def test_a_long_message_is_screened_whole_and_sentence_by_sentence() -> None:
    message = "Booked physio for Tuesday. I sit a lot at work. Also I can't feel the loo paper."
    texts = screen_texts(message)
    assert texts[0] == message
    assert texts[1:] == [
        "Booked physio for Tuesday.",
        "I sit a lot at work.",
        "Also I can't feel the loo paper.",
    ]


def test_very_long_messages_are_screened_on_their_first_sentences() -> None:
    message = " ".join(f"Sentence number {i} is here." for i in range(40))
    assert len(screen_texts(message)) == 1 + sc.MAX_SENTENCES


def test_features_keep_the_message_and_the_strongest_sentence_values() -> None:
    vectors = np.array([[0.1, 0.2], [0.9, -1.0], [0.0, 0.5]])
    assert screen_features(vectors).tolist() == [0.1, 0.2, 0.9, 0.5]
    single = np.array([[0.3, 0.4]])
    assert screen_features(single).tolist() == [0.3, 0.4, 0.3, 0.4]


def test_a_message_like_the_red_examples_is_escalated() -> None:
    verdict = _screen().check(RED_WORDS, embed)
    assert verdict.red > 0.9
    assert verdict.red_neighbours == 5
    assert (verdict.level, verdict.category) == ("urgent", sc.CATEGORY)


def test_a_calm_message_stays_routine() -> None:
    verdict = _screen().check(CALM_WORDS, embed)
    assert verdict.red < 0.5
    assert verdict.level == "routine"


def test_neighbours_that_are_mostly_calm_veto_a_high_probability() -> None:
    # Only 3 of the 5 nearest examples are red flags: fewer than MIN_RED_NEIGHBOURS.
    verdict = _screen(examples_red=3).check(RED_WORDS, embed)
    assert verdict.red > 0.9
    assert verdict.red_neighbours == 3 < sc.MIN_RED_NEIGHBOURS
    assert verdict.level == "routine"


def test_the_emergency_head_chooses_the_level() -> None:
    assert _screen(emergency=5.0).check(RED_WORDS, embed).level == "emergency"


def test_the_self_harm_head_chooses_the_crisis_reason() -> None:
    screen = _screen()
    heads = dict(screen.weights)
    heads["self_harm"] = heads["self_harm"].copy()
    heads["self_harm"][-1] = 5.0
    suicidal = RedFlagScreen(heads, screen.threshold, screen.model, screen.examples, screen.example_red)
    assert suicidal.check(RED_WORDS, embed).category == "self_harm"


def test_weights_for_another_embedding_size_are_refused() -> None:
    screen = _screen()
    with pytest.raises(ConfigError, match="another embedding model"):
        screen.check(RED_WORDS, lambda texts: np.ones((len(texts), 8), np.float32))


def _write(tmp_path: Path, **changes: Any) -> tuple[Path, Path]:
    size = DIMENSIONS * 2 + 1
    model = {"model": "m", "threshold": 0.5, "weights": {h: [0.0] * size for h in sc.HEADS}} | changes
    path = tmp_path / "screen.json"
    path.write_text(json.dumps(model))
    examples = tmp_path / "examples.npz"
    np.savez(examples, vectors=np.zeros((6, DIMENSIONS), np.float16), red=np.zeros(6, bool))
    return path, examples


def test_a_well_formed_weights_file_loads(tmp_path: Path) -> None:
    screen = RedFlagScreen.load(*_write(tmp_path))
    assert screen.model == "m"
    assert screen.examples.dtype == np.float32


@pytest.mark.parametrize(
    "changes",
    [
        {"threshold": 1.5},
        {"weights": {"red": [0.0] * 3, "emergency": [0.0] * 3, "self_harm": [0.0] * 3}},
        {"weights": {"red": [0.0]}},
    ],
)
def test_a_malformed_weights_file_is_a_clear_config_error(tmp_path: Path, changes: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="red-flag screen"):
        RedFlagScreen.load(*_write(tmp_path, **changes))


def test_a_missing_weights_file_is_a_clear_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        RedFlagScreen.load(tmp_path / "none.json", tmp_path / "none.npz")


def test_the_bundled_screen_is_for_minilm_and_records_its_held_out_figures() -> None:
    screen = RedFlagScreen.load()
    assert screen.model == "sentence-transformers/all-MiniLM-L6-v2"
    assert screen.examples.shape[1] == DIMENSIONS
    assert screen.example_red.any() and not screen.example_red.all()
    held_out = screen.about["leave_one_batch_out"]
    assert {"sensitivity", "calm_kept", "ordinary_flagged"} <= held_out.keys()


def test_the_screen_is_off_under_another_embedder(fake_assistant: Any) -> None:
    assert fake_assistant.screen is None


def test_the_screen_escalates_what_the_rules_miss_and_says_it_cannot_be_sure(fake_assistant: Any) -> None:
    question = f"Quick one about my {RED_WORDS} and which exercises help?"
    assert fake_assistant.guard.check(question).level == "routine"
    try:
        fake_assistant.screen = _screen()
        answer = fake_assistant.ask(question)
        calm = fake_assistant.ask("hello!")
    finally:
        fake_assistant.screen = None
    assert answer.triage == "urgent"
    assert answer.abstained and not answer.citations
    assert answer.triage_rules == [sc.RULE_ID]
    assert "may be a warning sign" in answer.answer
    assert calm.triage == "routine"  # small talk is not screened


def test_the_rules_come_first(fake_assistant: Any) -> None:
    message = "I suddenly can't control my bladder"
    try:
        fake_assistant.screen = _screen()
        answer = fake_assistant.ask(message)
    finally:
        fake_assistant.screen = None
    assert answer.triage == "emergency"
    assert sc.RULE_ID not in answer.triage_rules


def test_the_screen_can_be_switched_off(tmp_path: Path, fake_assistant: Any) -> None:
    from assistant.pipeline import Assistant

    settings = fake_assistant.settings.replace(redflag_screen=False, embedder="fake")
    assert Assistant(settings, progress=False).screen is None


def test_embeddings_are_reused_between_the_screen_and_the_answer(fake_assistant: Any) -> None:
    fake_assistant.embed_many(["how long does a nerve block last"])
    calls = len(fake_assistant.embeddings.calls)
    fake_assistant.embed("how long does a nerve block last")
    assert len(fake_assistant.embeddings.calls) == calls


@pytest.mark.slow
@pytest.mark.parametrize(
    ("message", "routine"),
    [
        ("my waterworks have just stopped since this morning and my belly feels tight and full", False),
        ("I've been saving up my pills and I've written letters to my kids", False),
        ("which cushion is best for sitting at my desk with this buttock pain?", True),
        ("can I still go running with cluneal nerve entrapment?", True),
    ],
)
def test_the_bundled_screen_reads_meaning(real_assistant: Any, message: str, routine: bool) -> None:
    verdict = real_assistant.screen.check(message, real_assistant.embed_many)
    assert (verdict.level == "routine") is routine
