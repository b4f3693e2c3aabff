"""Settings: one object from the environment, typed, validated with messages that state the bad value."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.settings import PROJECT_ROOT, Settings, describe_settings, env_name, load_settings


def test_defaults_work_offline_with_project_folders() -> None:
    settings = load_settings(environ={})
    assert settings.corpus_dir == PROJECT_ROOT / "corpus"
    assert settings.index_dir == PROJECT_ROOT / "index"
    assert settings.embedder == "minilm"
    assert settings.generator == "extractive"
    assert settings.chroma_host == ""
    assert not settings.uses_server
    assert settings.host == "127.0.0.1"


def test_integers_floats_and_strings_are_parsed_from_the_environment() -> None:
    settings = load_settings(
        environ={
            "ASSISTANT_TOP_K": "8",
            "ASSISTANT_PORT": "9000",
            "ASSISTANT_LLM_TIMEOUT_S": "2.5",
            "ASSISTANT_RETRIEVAL_MODE": "bm25",
            "ASSISTANT_COLLECTION": "clinic",
        }
    )
    assert settings.top_k == 8
    assert settings.port == 9000
    assert settings.llm_timeout_s == 2.5
    assert settings.retrieval_mode == "bm25"
    assert settings.collection == "clinic"


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("true", True), ("YES", True), ("on", True)])
def test_true_booleans_are_parsed(raw: str, expected: bool) -> None:
    assert load_settings(environ={"ASSISTANT_AUDIT_STORE_TEXT": raw}).audit_store_text is expected


@pytest.mark.parametrize("raw", ["0", "false", "No", "off"])
def test_false_booleans_are_parsed(raw: str) -> None:
    assert load_settings(environ={"ASSISTANT_AUDIT_STORE_TEXT": raw}).audit_store_text is False


def test_paths_are_parsed_and_home_is_expanded(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"ASSISTANT_INDEX_DIR": str(tmp_path / "idx"), "ASSISTANT_CORPUS_DIR": "~/docs"}
    )
    assert settings.index_dir == tmp_path / "idx"
    assert settings.corpus_dir == Path.home() / "docs"
    assert isinstance(settings.corpus_dir, Path)


def test_chroma_host_switches_to_server_mode() -> None:
    settings = load_settings(environ={"CHROMA_HOST": "chroma.internal", "CHROMA_PORT": "8123"})
    assert settings.uses_server
    assert settings.chroma_host == "chroma.internal"
    assert settings.chroma_port == 8123


def test_empty_environment_values_fall_back_to_defaults() -> None:
    settings = load_settings(environ={"ASSISTANT_TOP_K": "", "CHROMA_HOST": ""})
    assert settings.top_k == 6
    assert not settings.uses_server


def test_overrides_win_over_the_environment_and_none_is_ignored() -> None:
    settings = load_settings(environ={"ASSISTANT_TOP_K": "8"}, top_k=3, embedder=None)
    assert settings.top_k == 3
    assert settings.embedder == "minilm"


def test_process_environment_is_read_when_no_mapping_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    assert load_settings().top_k == 7


def test_isolated_test_paths_come_from_the_environment(tmp_path: Path) -> None:
    # The autouse fixture points the index and audit log into this test's tmp_path.
    settings = load_settings()
    assert settings.index_dir == tmp_path / "index"
    assert settings.audit_log == tmp_path / "audit" / "triage.jsonl"


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("ASSISTANT_TOP_K", "five"),
        ("ASSISTANT_PORT", "80.5"),
        ("CHROMA_PORT", "http"),
        ("ASSISTANT_LLM_TIMEOUT_S", "soon"),
        ("ASSISTANT_AUDIT_STORE_TEXT", "maybe"),
    ],
)
def test_unparseable_value_error_names_the_variable_and_the_value(variable: str, raw: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ={variable: raw})
    assert variable in str(info.value)
    assert repr(raw) in str(info.value)


@pytest.mark.parametrize(
    ("overrides", "shown"),
    [
        ({"top_k": 0}, "top_k is 0"),
        ({"retrieval_mode": "semantic"}, "'semantic'"),
        ({"embedder": "openai"}, "'openai'"),
        ({"max_answer_sentences": 11}, "it is 11"),
        ({"max_answer_words": 5}, "it is 5"),
        ({"generator": "claude/x"}, "'claude/x'"),
    ],
)
def test_invalid_value_error_states_the_bad_value(overrides: dict[str, object], shown: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ={}, **overrides)
    assert shown in str(info.value)
    assert "Currently" in str(info.value)


@pytest.mark.parametrize("generator", ["extractive", "ollama/llama3", "openai/gpt-4o-mini"])
def test_valid_generators_are_accepted(generator: str) -> None:
    assert load_settings(environ={}, generator=generator).generator == generator


def test_invalid_value_from_the_environment_is_rejected_too() -> None:
    with pytest.raises(ConfigError, match="'keyword'"):
        load_settings(environ={"ASSISTANT_RETRIEVAL_MODE": "keyword"})


def test_settings_are_frozen_and_replace_revalidates() -> None:
    settings = load_settings(environ={})
    with pytest.raises(AttributeError):
        settings.top_k = 3  # type: ignore[misc]
    assert settings.replace(top_k=9).top_k == 9
    assert settings.top_k == 6
    with pytest.raises(ConfigError):
        settings.replace(top_k=-1)


def test_env_names_follow_the_prefix_except_chroma() -> None:
    assert env_name("top_k") == "ASSISTANT_TOP_K"
    assert env_name("chroma_host") == "CHROMA_HOST"
    assert env_name("chroma_port") == "CHROMA_PORT"
    with pytest.raises(KeyError):
        env_name("no_such_setting")


def test_describe_settings_covers_every_field_with_a_description() -> None:
    rows = describe_settings()
    names = [f.name for f in fields(Settings)]
    assert [env for env, _, _ in rows] == [env_name(n) for n in names]
    assert len({env for env, _, _ in rows}) == len(rows)
    for env, default, description in rows:
        assert description.strip(), env
        assert default is not None


def test_describe_settings_shows_project_paths_relative() -> None:
    defaults = {env: default for env, default, _ in describe_settings()}
    assert defaults["ASSISTANT_CORPUS_DIR"] == "corpus"
    assert defaults["ASSISTANT_INDEX_DIR"] == "index"
    assert defaults["ASSISTANT_TOP_K"] == "6"


@pytest.mark.parametrize("name", ["CHROMA_PORT", "ASSISTANT_PORT"])
@pytest.mark.parametrize("value", ["0", "70000", "-1"])
def test_out_of_range_ports_are_rejected_with_the_bad_value(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=value):
        load_settings(environ={name: value})


def test_non_positive_llm_timeout_is_rejected() -> None:
    with pytest.raises(ConfigError, match="llm_timeout_s"):
        load_settings(environ={"ASSISTANT_LLM_TIMEOUT_S": "0"})
