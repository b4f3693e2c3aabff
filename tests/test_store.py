"""The Chroma index: incremental sync, fingerprints, corruption handling, no default embedding function."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.chunk import chunk_corpus
from assistant.embed import HashEmbeddings
from assistant.errors import IndexCorruptedError, IndexError_
from assistant.ingest import load_corpus
from assistant.records import Chunk
from assistant.settings import PROJECT_ROOT, Settings, load_settings
from assistant.store import MARKER_FILE, VectorIndex, fingerprint, remove_local_index

CORPUS_DIR = PROJECT_ROOT / "corpus"
SELF_MANAGEMENT = "cluneal-self-management.txt"


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A private copy of the corpus the test may edit."""
    return Path(shutil.copytree(CORPUS_DIR, tmp_path / "corpus"))


@pytest.fixture
def settings(tmp_path: Path, corpus_dir: Path) -> Settings:
    return load_settings(environ={}, embedder="fake", index_dir=tmp_path / "index", corpus_dir=corpus_dir)


def chunks_of(corpus_dir: Path) -> list[Chunk]:
    return chunk_corpus(load_corpus(corpus_dir))


def open_index(settings: Settings) -> tuple[VectorIndex, HashEmbeddings]:
    embedder = HashEmbeddings()
    return VectorIndex(settings, embedder, embedder.name), embedder


def stored_ids(index: VectorIndex) -> set[str]:
    return set(index.collection.get(include=[])["ids"])


def embedded(embedder: HashEmbeddings) -> int:
    return sum(embedder.calls)


def test_first_sync_embeds_every_chunk_once(settings: Settings, corpus_dir: Path) -> None:
    chunks = chunks_of(corpus_dir)
    index, embedder = open_index(settings)
    report = index.sync(chunks)
    assert (report.added, report.updated, report.removed, report.unchanged) == (len(chunks), 0, 0, 0)
    assert embedded(embedder) == len(chunks)
    assert stored_ids(index) == {c.chunk_id for c in chunks}
    assert "added" in report.summary()


def test_second_sync_embeds_nothing(settings: Settings, corpus_dir: Path) -> None:
    chunks = chunks_of(corpus_dir)
    index, embedder = open_index(settings)
    index.sync(chunks)
    embedder.calls.clear()
    report = index.sync(chunks)
    assert embedded(embedder) == 0
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, len(chunks))


def test_sync_after_reopening_the_index_embeds_nothing(settings: Settings, corpus_dir: Path) -> None:
    chunks = chunks_of(corpus_dir)
    open_index(settings)[0].sync(chunks)
    index, embedder = open_index(settings)
    assert index.is_current(chunks)
    assert index.sync(chunks).added == 0
    assert embedded(embedder) == 0


def test_changing_one_document_re_embeds_only_its_changed_chunks(
    settings: Settings, corpus_dir: Path
) -> None:
    before = chunks_of(corpus_dir)
    index, embedder = open_index(settings)
    index.sync(before)
    path = corpus_dir / SELF_MANAGEMENT
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("for 15 to 20 minutes", "for 10 to 15 minutes"), encoding="utf-8")
    after = chunks_of(corpus_dir)
    old_ids, new_ids = {c.chunk_id for c in before}, {c.chunk_id for c in after}
    assert 1 <= len(new_ids - old_ids) <= 3
    embedder.calls.clear()
    report = index.sync(after)
    assert embedded(embedder) == len(new_ids - old_ids)
    assert report.added == len(new_ids - old_ids)
    assert report.removed == len(old_ids - new_ids)
    assert stored_ids(index) == new_ids
    texts = index.collection.get(ids=sorted(new_ids - old_ids), include=["documents"])["documents"]
    assert any("10 to 15 minutes" in t for t in texts)


def test_deleting_a_document_removes_its_chunks(settings: Settings, corpus_dir: Path) -> None:
    index, embedder = open_index(settings)
    index.sync(chunks_of(corpus_dir))
    (corpus_dir / SELF_MANAGEMENT).unlink()
    after = chunks_of(corpus_dir)
    embedder.calls.clear()
    report = index.sync(after)
    assert embedded(embedder) == 0
    assert report.removed > 0 and report.added == 0
    assert stored_ids(index) == {c.chunk_id for c in after}
    metadatas = index.collection.get(include=["metadatas"])["metadatas"]
    assert "cluneal-self-management" not in {m["doc_id"] for m in metadatas}


def test_adding_a_document_embeds_only_its_chunks(settings: Settings, corpus_dir: Path) -> None:
    index, embedder = open_index(settings)
    before = chunks_of(corpus_dir)
    index.sync(before)
    (corpus_dir / "sitting-tips.md").write_text(
        "# Sitting Tips\n\nTake the wallet out of your back pocket before you sit.\n\n"
        "## Cushions\n\nA cushion with a cut-out keeps pressure off the tender spot.\n",
        encoding="utf-8",
    )
    after = chunks_of(corpus_dir)
    added = [c for c in after if c.doc_id == "sitting-tips"]
    assert added
    embedder.calls.clear()
    report = index.sync(after)
    assert embedded(embedder) == len(added)
    assert (report.added, report.removed, report.unchanged) == (len(added), 0, len(before))


def test_moved_chunk_gets_its_metadata_refreshed_without_re_embedding(
    settings: Settings, corpus_dir: Path
) -> None:
    index, embedder = open_index(settings)
    index.sync(chunks_of(corpus_dir))
    manifest = corpus_dir / "manifest.json"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("Common Symptoms", "Symptoms"), encoding="utf-8"
    )
    after = chunks_of(corpus_dir)
    embedder.calls.clear()
    report = index.sync(after)
    assert embedded(embedder) == 0
    assert report.updated == sum(c.doc_id == "scne-common-symptoms" for c in after)
    got = index.collection.get(where={"doc_id": "scne-common-symptoms"}, include=["metadatas"])
    assert {m["title"] for m in got["metadatas"]} == {"Superior Cluneal Nerve Entrapment: Symptoms"}


def test_index_records_model_and_fingerprint(settings: Settings, corpus_dir: Path) -> None:
    chunks = chunks_of(corpus_dir)
    index, embedder = open_index(settings)
    assert index.status() is None
    assert not index.is_current(chunks)
    index.sync(chunks)
    status = index.status()
    assert status is not None
    assert status.chunks == len(chunks)
    assert status.embedding_model == embedder.name
    assert status.fingerprint == fingerprint(chunks, embedder.name)
    assert status.location == str(settings.index_dir)
    assert status.built_at


def test_fingerprint_changes_with_content_model_and_metadata(corpus_dir: Path) -> None:
    chunks = chunks_of(corpus_dir)
    base = fingerprint(chunks, "model-a")
    assert fingerprint(list(reversed(chunks)), "model-a") == base  # order does not matter
    assert fingerprint(chunks, "model-b") != base
    assert fingerprint(chunks[:-1], "model-a") != base
    first = chunks[0]
    retitled = Chunk(
        first.chunk_id, first.doc_id, "Other", first.section, first.text, first.start, first.end, 1
    )
    assert fingerprint([retitled, *chunks[1:]], "model-a") != base


def test_is_current_turns_false_when_the_corpus_changes(settings: Settings, corpus_dir: Path) -> None:
    index, _ = open_index(settings)
    index.sync(chunks_of(corpus_dir))
    (corpus_dir / SELF_MANAGEMENT).unlink()
    assert not index.is_current(chunks_of(corpus_dir))


def test_a_different_embedding_model_re_embeds_everything(settings: Settings, corpus_dir: Path) -> None:
    chunks = chunks_of(corpus_dir)
    open_index(settings)[0].sync(chunks)
    embedder = HashEmbeddings()
    index = VectorIndex(settings, embedder, "another/model")
    assert not index.is_current(chunks)
    index.sync(chunks)
    assert embedded(embedder) == len(chunks)
    assert index.status() is not None and index.status().embedding_model == "another/model"  # type: ignore[union-attr]


def test_search_returns_the_nearest_chunk_with_cosine_similarity(
    settings: Settings, corpus_dir: Path
) -> None:
    chunks = chunks_of(corpus_dir)
    index, embedder = open_index(settings)
    assert index.search(embedder.embed_query("anything"), 3) == []
    index.sync(chunks)
    target = next(c for c in chunks if "Is it common in runners?" in c.text)
    hits = index.search(embedder.embed_query(target.embedding_text()), 3)
    assert hits[0][0] == target.chunk_id
    assert hits[0][1] == pytest.approx(1.0, abs=1e-4)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert len(index.search(embedder.embed_query("nerve"), 10_000)) == len(chunks)


def test_corrupted_index_raises_an_error_naming_the_rebuild_command(
    settings: Settings, corpus_dir: Path
) -> None:
    open_index(settings)[0].sync(chunks_of(corpus_dir))
    (settings.index_dir / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexCorruptedError) as info:
        open_index(settings)
    assert "python -m assistant index --rebuild" in str(info.value)
    assert str(settings.index_dir) in str(info.value)


def _corrupt_fresh_index(settings: Settings) -> None:
    settings.index_dir.mkdir(parents=True)
    (settings.index_dir / MARKER_FILE).touch()
    (settings.index_dir / "chroma.sqlite3").write_bytes(b"garbage" * 1000)


def test_index_can_be_rebuilt_in_process_after_a_corruption_error(
    settings: Settings, corpus_dir: Path
) -> None:
    # The web app or a script may hit the error and then rebuild without restarting.
    _corrupt_fresh_index(settings)
    with pytest.raises(IndexCorruptedError):
        open_index(settings)
    remove_local_index(settings.index_dir)
    index, _ = open_index(settings)
    assert index.sync(chunks_of(corpus_dir)).added > 0


def test_build_index_with_rebuild_fixes_a_corrupted_index(settings: Settings, corpus_dir: Path) -> None:
    from assistant.pipeline import build_index

    _corrupt_fresh_index(settings)
    with pytest.raises(IndexCorruptedError):
        build_index(settings, progress=False)
    report = build_index(settings, rebuild=True, progress=False)
    assert report.added == len(chunks_of(corpus_dir))
    index, _ = open_index(settings)
    assert index.is_current(chunks_of(corpus_dir))


def test_build_index_is_incremental(settings: Settings, corpus_dir: Path) -> None:
    from assistant.pipeline import build_index

    first = build_index(settings, progress=False)
    assert first.added == len(chunks_of(corpus_dir))
    assert build_index(settings, progress=False).added == 0


def test_remove_local_index_refuses_a_folder_that_is_not_an_index(tmp_path: Path) -> None:
    folder = tmp_path / "my-documents"
    folder.mkdir()
    (folder / "thesis.docx").write_text("precious", encoding="utf-8")
    with pytest.raises(IndexError_, match="does not look like an index"):
        remove_local_index(folder)
    assert (folder / "thesis.docx").exists()


def test_remove_local_index_deletes_an_index_folder_and_tolerates_a_missing_one(
    settings: Settings, corpus_dir: Path
) -> None:
    open_index(settings)[0].sync(chunks_of(corpus_dir)[:3])
    assert (settings.index_dir / MARKER_FILE).exists()
    remove_local_index(settings.index_dir)
    assert not settings.index_dir.exists()
    remove_local_index(settings.index_dir)  # nothing to do, no error


def test_remove_local_index_accepts_an_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    remove_local_index(folder)
    assert not folder.exists()


def test_chroma_default_embedding_function_never_runs(
    settings: Settings, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chromadb.utils import embedding_functions
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("Chroma's default embedding function was called (it downloads a model)")

    monkeypatch.setattr(embedding_functions.DefaultEmbeddingFunction, "__call__", forbidden)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "__call__", forbidden)
    chunks = chunks_of(corpus_dir)
    index, embedder = open_index(settings)
    index.sync(chunks)
    assert index.search(embedder.embed_query("nerve block"), 3)
    assert index._store.similarity_search("nerve block", k=2)
