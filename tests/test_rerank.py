"""The learned reranker: its weights file, its features, its ordering, and its training code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.errors import ConfigError
from assistant.rerank import DEPTH, FEATURES, Reranker, RerankModel, load_model, ranked_order
from assistant.retrieve import HybridSearch
from evals.train_reranker import Query, fit_logistic, leave_one_batch_out, ranking_figures


def test_the_shipped_weights_name_known_features_and_record_held_out_figures() -> None:
    model = load_model()
    assert set(model.weights) <= set(FEATURES)
    figures = model.about["figures_within_candidates"]
    assert {"hybrid", "reranked_leave_one_batch_out"} <= set(figures)
    # The weights were kept because they rank batches they never saw better than fusion alone.
    held, hybrid = figures["reranked_leave_one_batch_out"], figures["hybrid"]
    assert held["mrr"] > hybrid["mrr"]


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        ("not json", "could not be read"),
        ('{"about": {}}', "could not be read"),
        ('{"weights": {"fused": 1.0, "vibes": 2.0}}', "unknown features ['vibes']"),
    ],
)
def test_a_broken_weights_file_is_a_clear_config_error(tmp_path: Path, content: str, shown: str) -> None:
    path = tmp_path / "reranker.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_model(path)
    assert shown in str(info.value)
    assert str(path) in str(info.value)


def test_a_missing_weights_file_says_how_to_recreate_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_model(tmp_path / "absent.json")
    assert "evals.train_reranker" in str(info.value)


def _candidates(assistant: Any, question: str) -> tuple[np.ndarray, list[Any]]:
    _, vector = assistant.embed_question(question)
    return vector, assistant.search.search(question, vector, DEPTH, "hybrid")


def test_features_are_compared_within_the_candidates(fake_assistant: Any) -> None:
    vector, candidates = _candidates(fake_assistant, "how long does a cluneal nerve block last")
    matrix = fake_assistant.search.reranker.features(
        "how long does a cluneal nerve block last", vector, candidates
    )
    assert matrix.shape == (len(candidates), len(FEATURES))
    assert np.allclose(matrix.mean(axis=0), 0.0, atol=1e-9)
    fused = matrix[:, FEATURES.index("fused")]
    assert list(fused) == sorted(fused, reverse=True), "hybrid candidates come best fused score first"


def test_the_model_decides_the_order(fake_assistant: Any) -> None:
    question = "what exercises help cluneal nerve pain"
    vector, candidates = _candidates(fake_assistant, question)
    assert not any("type" in p.ranks for p in candidates), "no question type: nothing is pinned"
    units, idf = fake_assistant.units, fake_assistant.idf
    as_fused = Reranker(units, idf, RerankModel({"fused": 1.0})).rerank(question, vector, candidates)
    assert as_fused == candidates
    against = Reranker(units, idf, RerankModel({"fused": -1.0})).rerank(question, vector, candidates)
    assert [p.chunk.chunk_id for p in against] == [p.chunk.chunk_id for p in reversed(candidates)]
    by_sentence = Reranker(units, idf, RerankModel({"sentence_dense": 1.0}))
    column = by_sentence.features(question, vector, candidates)[:, FEATURES.index("sentence_dense")]
    best = candidates[int(np.argmax(column))]
    assert by_sentence.rerank(question, vector, candidates)[0] is best


def test_reranked_is_the_default_and_returns_hybrid_candidates(fake_assistant: Any) -> None:
    question = "what exercises help cluneal nerve pain"
    assert fake_assistant.settings.retrieval_mode == "reranked"
    reranked = fake_assistant.retrieve(question, k=5)
    pool = {p.chunk.chunk_id for p in fake_assistant.retrieve(question, k=DEPTH, mode="hybrid")}
    assert len(reranked) == 5 and {p.chunk.chunk_id for p in reranked} <= pool


def test_reranked_mode_without_a_reranker_is_a_config_error(fake_assistant: Any) -> None:
    search = fake_assistant.search
    bare = HybridSearch(search.chunks, search.index, search.vectors)
    with pytest.raises(ConfigError, match="needs a reranker"):
        bare.search("buttock pain", np.zeros(search.vectors.shape[1]), 5, "reranked")


def test_logistic_fit_weighs_the_informative_feature() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + 0.3 * rng.normal(size=400) > 0).astype(float)
    w = fit_logistic(x, y)
    assert w[0] > 2.0 and abs(w[1]) < 0.5 * w[0]


def _query(batch: str, relevant_at: int, informative: bool) -> Query:
    n = 6
    features = np.zeros((n, 2))
    features[:, 0] = -np.arange(n)  # hybrid order
    if informative:
        features[relevant_at, 1] = 1.0
    relevant = np.zeros(n, dtype=bool)
    relevant[relevant_at] = True
    return Query(f"{batch}-{relevant_at}", batch, features, relevant)


def test_figures_and_cross_validation_measure_batches_left_out() -> None:
    queries = [_query(b, r, True) for b in ("a", "b", "c") for r in (0, 3, 5)]
    hybrid = ranking_figures(queries, None)
    assert hybrid["hit_at_1"] == pytest.approx(1 / 3)
    assert hybrid["mrr"] == pytest.approx((1 + 1 / 4 + 1 / 6) / 3)
    held = leave_one_batch_out(queries, l2=0.1)
    assert held["hit_at_1"] == pytest.approx(1.0), "the second feature marks the relevant passage"


def test_pinned_candidates_keep_their_place() -> None:
    assert ranked_order([0.1, 0.9, 0.5, 0.7]) == [1, 3, 2, 0]
    assert ranked_order([0.1, 0.9, 0.5, 0.7], pinned=[0]) == [0, 1, 3, 2]
    assert ranked_order([0.1, 0.9, 0.5, 0.7], pinned=[2]) == [1, 3, 2, 0]


def test_a_how_common_question_keeps_the_passages_of_its_form(fake_assistant: Any) -> None:
    question = "how common is cluneal nerve entrapment"
    vector, candidates = _candidates(fake_assistant, question)
    reranked = fake_assistant.search.reranker.rerank(question, vector, candidates)
    for position, passage in enumerate(candidates):
        if "type" in passage.ranks:
            assert reranked[position] is passage
