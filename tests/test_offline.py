"""Offline always: the real model loads, indexes and answers with the network blocked."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.settings import PROJECT_ROOT, load_settings


def test_network_recorder_sees_blocked_attempts(network_attempts: list[Any]) -> None:
    # The offline proof below is only as good as this recorder.
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(RuntimeError, match="blocked"),
    ):
        sock.connect(("192.0.2.1", 443))
    with pytest.raises(OSError, match="blocked"):
        socket.getaddrinfo("huggingface.co", 443)
    assert network_attempts == [("192.0.2.1", 443), ("dns", "huggingface.co")]


def test_importing_embed_sets_hub_offline_mode() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"}}
    code = (
        "import os, assistant.embed; print(os.environ['HF_HUB_OFFLINE'], os.environ['TRANSFORMERS_OFFLINE'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "1"]


def test_hub_offline_mode_is_set_in_this_process() -> None:
    import assistant.embed  # noqa: F401

    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert os.environ.get("TRANSFORMERS_OFFLINE") == "1"


def test_bundled_model_files_are_on_disk() -> None:
    from assistant.embed import model_path

    path = model_path()
    assert (path / "tokenizer.json").is_file()
    assert any(path.glob("*.safetensors")) or any(path.glob("*.bin")) or any(path.rglob("*.safetensors"))


@pytest.mark.slow
def test_real_model_indexes_and_answers_with_the_network_blocked(
    tmp_path: Path, network_attempts: list[Any]
) -> None:
    from assistant.embed import DIMENSIONS, MODEL_NAME, MiniLMEmbeddings
    from assistant.pipeline import Assistant

    model = MiniLMEmbeddings()
    vectors = model.embed_array(
        ["cluneal nerve block", "a trapped nerve over the hip bone", "chocolate cake"]
    )
    assert vectors.shape == (3, DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]

    settings = load_settings(environ={}, index_dir=tmp_path / "index", audit_log=tmp_path / "audit.jsonl")
    assistant = Assistant(settings, embeddings=model, progress=False)
    status = assistant.status()
    assert status is not None and status.embedding_model == MODEL_NAME
    assert status.chunks == len(assistant.corpus.chunks)

    result = assistant.ask("Will cutting the nerve cause numbness?")
    assert not result.abstained
    assert result.citations
    assert any("numb" in c.text.lower() for c in result.citations)
    assert network_attempts == []


@pytest.mark.slow
def test_numpy_blas_is_kept_single_threaded_once_the_model_is_loaded(real_assistant: Any) -> None:
    # numpy's busy-waiting BLAS threads slowed the query embedding five-fold at p95 (bench/).
    from threadpoolctl import threadpool_info

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
