"""Server mode: the same code indexes and queries through a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.chunk import chunk_corpus
from assistant.embed import HashEmbeddings
from assistant.errors import IndexError_
from assistant.ingest import load_corpus
from assistant.settings import PROJECT_ROOT, Settings, load_settings
from assistant.store import VectorIndex

CHROMA = Path(sys.executable).with_name("chroma")
STARTUP_TIMEOUT_S = 60.0
CORPUS_DIR = PROJECT_ROOT / "corpus"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ChromaServer:
    port: int
    log: Path

    def settings(self, tmp_path: Path, collection: str) -> Settings:
        return load_settings(
            environ={},
            chroma_host="127.0.0.1",
            chroma_port=self.port,
            embedder="fake",
            collection=collection,
            index_dir=tmp_path / "unused-index",
            audit_log=tmp_path / "audit.jsonl",
        )


def _heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """A real Chroma server on a free loopback port, stopped after the module's tests."""
    if not CHROMA.exists():
        pytest.fail(f"{CHROMA} not found: run `make install`")
    tmp = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = tmp / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [str(CHROMA), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(tmp / "data")],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={"PATH": str(CHROMA.parent), "ANONYMIZED_TELEMETRY": "False", "HOME": str(tmp)},
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _heartbeat(port):
            if process.poll() is not None or time.monotonic() > deadline:
                state = f"exited with {process.returncode}" if process.poll() is not None else "timed out"
                pytest.fail(f"chroma server {state} on port {port}; log:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield ChromaServer(port, log)
    finally:
        _stop(process)


@pytest.mark.slow
@pytest.mark.server
def test_index_sync_and_search_through_a_chroma_server(chroma_server: ChromaServer, tmp_path: Path) -> None:
    settings = chroma_server.settings(tmp_path, "sync-test")
    chunks = chunk_corpus(load_corpus(CORPUS_DIR))
    embedder = HashEmbeddings()
    index = VectorIndex(settings, embedder, embedder.name)
    assert index.location == f"chroma server http://127.0.0.1:{chroma_server.port}"
    assert index.sync(chunks).added == len(chunks)

    reopened_embedder = HashEmbeddings()
    reopened = VectorIndex(settings, reopened_embedder, reopened_embedder.name)
    assert reopened.is_current(chunks)
    assert reopened.sync(chunks).added == 0
    assert sum(reopened_embedder.calls) == 0

    target = next(c for c in chunks if "Is it common in runners?" in c.text)
    hits = reopened.search(reopened_embedder.embed_query(target.embedding_text()), 3)
    assert hits[0][0] == target.chunk_id
    assert not settings.index_dir.exists(), "server mode must not write a local index"


@pytest.mark.slow
@pytest.mark.server
def test_assistant_answers_through_a_chroma_server(chroma_server: ChromaServer, tmp_path: Path) -> None:
    from assistant.pipeline import Assistant

    assistant = Assistant(chroma_server.settings(tmp_path, "assistant-test"), progress=False)
    status = assistant.status()
    assert status is not None and status.chunks == len(assistant.corpus.chunks)
    assert "chroma server" in status.location
    result = assistant.ask("Is cluneal nerve entrapment the same as sciatica?")
    assert not result.abstained
    assert result.citations
    texts = {d.doc_id: d.text for d in assistant.corpus.documents}
    for citation in result.citations:
        assert citation.text in texts[citation.source]
    assert any("sciatica" in c.text.lower() for c in result.citations)


@pytest.mark.slow
@pytest.mark.server
def test_rebuild_against_a_server_clears_and_re_embeds(chroma_server: ChromaServer, tmp_path: Path) -> None:
    from assistant.pipeline import build_index

    settings = chroma_server.settings(tmp_path, "rebuild-test")
    first = build_index(settings, progress=False)
    assert first.added > 0
    assert build_index(settings, progress=False).added == 0
    assert build_index(settings, rebuild=True, progress=False).added == first.added


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings(environ={}, chroma_host="127.0.0.1", chroma_port=free_port(), embedder="fake")
    embedder = HashEmbeddings()
    with pytest.raises(IndexError_) as info:
        VectorIndex(settings, embedder, embedder.name)
    message = str(info.value)
    assert "Cannot reach the Chroma server" in message
    assert "CHROMA_HOST" in message
