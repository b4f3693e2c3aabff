"""One settings object, read from the environment in one place (this module)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENV_PREFIX = "ASSISTANT_"


def _desc(text: str, env: str | None = None) -> dict[str, Any]:
    return {"description": text, "env": env}


@dataclass(kw_only=True, frozen=True)
class Settings:
    """Every setting of the assistant, with offline defaults that just work.

    Each field is read from the environment variable named in its metadata
    (``ASSISTANT_<FIELD>`` unless stated). Use :func:`load_settings` to build one.
    """

    corpus_dir: Path = field(
        default=PROJECT_ROOT / "corpus",
        metadata=_desc("Folder of trusted documents (.txt/.md) and manifest.json."),
    )
    index_dir: Path = field(
        default=PROJECT_ROOT / "index",
        metadata=_desc("Folder of the embedded Chroma index and caches (git-ignored)."),
    )
    collection: str = field(
        default="cluneal",
        metadata=_desc("Chroma collection name."),
    )
    chroma_host: str = field(
        default="",
        metadata=_desc("Chroma server host; when set, a server is used instead of index_dir.", "CHROMA_HOST"),
    )
    chroma_port: int = field(
        default=8000,
        metadata=_desc("Chroma server port (with CHROMA_HOST).", "CHROMA_PORT"),
    )
    embedder: str = field(
        default="minilm",
        metadata=_desc("Embedding backend: 'minilm' (bundled all-MiniLM-L6-v2) or 'fake' (tests)."),
    )
    top_k: int = field(
        default=6,
        metadata=_desc("Passages retrieved for an answer."),
    )
    retrieval_mode: str = field(
        default="reranked",
        metadata=_desc(
            "Retriever: 'reranked' (hybrid, then the learned reranker), 'hybrid' (BM25 + dense, fused), "
            "'bm25' or 'dense'."
        ),
    )
    max_answer_sentences: int = field(
        default=5,
        metadata=_desc("Most corpus sentences in an extractive answer, each from its own passage at first."),
    )
    max_answer_words: int = field(
        default=120,
        metadata=_desc(
            "Word budget of an extractive answer: sentences after the first two join only within it."
        ),
    )
    generator: str = field(
        default="extractive",
        metadata=_desc(
            "Answer backend: 'extractive' (no LLM), 'ollama/<model>' or 'openai/<model>' "
            "(any OpenAI-compatible server)."
        ),
    )
    llm_base_url: str = field(
        default="",
        metadata=_desc("Base URL of the Ollama or OpenAI-compatible server."),
    )
    llm_api_key: str = field(
        default="",
        metadata=_desc("API key for an OpenAI-compatible server (empty for local servers)."),
    )
    llm_timeout_s: float = field(
        default=20.0,
        metadata=_desc("Seconds before a generative backend is abandoned for the extractive answer."),
    )
    redflag_screen: bool = field(
        default=True,
        metadata=_desc(
            "Second look by the learned red-flag screen at messages the rules call routine (off: rules only)."
        ),
    )
    emergency_number_text: str = field(
        default="your local emergency number (911 in the US)",
        metadata=_desc("How the emergency number is named in urgent-care messages."),
    )
    audit_log: Path = field(
        default=PROJECT_ROOT / "audit" / "triage.jsonl",
        metadata=_desc("JSON Lines file where each escalation is recorded (time, level, rule ids)."),
    )
    audit_store_text: bool = field(
        default=False,
        metadata=_desc("Opt-in: also store the message text in the audit log (off for privacy)."),
    )
    frontdesk_password: str = field(
        default="",
        metadata=_desc("When set, the web app asks for login 'frontdesk' with this password."),
    )
    host: str = field(default="127.0.0.1", metadata=_desc("Web app host."))
    port: int = field(default=7860, metadata=_desc("Web app port."))
    log_level: str = field(default="INFO", metadata=_desc("Logging level (logs go to stderr)."))

    def __post_init__(self) -> None:
        if self.top_k <= 0:
            raise ConfigError(f"top_k must be greater than 0. Currently, top_k is {self.top_k}.")
        if self.retrieval_mode not in {"reranked", "hybrid", "bm25", "dense"}:
            raise ConfigError(
                "retrieval_mode must be one of 'reranked', 'hybrid', 'bm25', 'dense'. "
                f"Currently, it is {self.retrieval_mode!r}."
            )
        for name in ("chroma_port", "port"):
            value = getattr(self, name)
            if not 1 <= value <= 65535:
                raise ConfigError(f"{name} must be between 1 and 65535. Currently, {name} is {value}.")
        if self.llm_timeout_s <= 0:
            raise ConfigError(f"llm_timeout_s must be greater than 0. Currently, it is {self.llm_timeout_s}.")
        if self.embedder not in {"minilm", "fake"}:
            raise ConfigError(f"embedder must be 'minilm' or 'fake'. Currently, it is {self.embedder!r}.")
        if self.max_answer_words < 20:
            raise ConfigError(
                f"max_answer_words must be at least 20. Currently, it is {self.max_answer_words}."
            )
        if not 1 <= self.max_answer_sentences <= 10:
            raise ConfigError(
                "max_answer_sentences must be between 1 and 10. "
                f"Currently, it is {self.max_answer_sentences}."
            )
        provider, _, model = self.generator.partition("/")
        if not (self.generator == "extractive" or (provider in {"ollama", "openai"} and model)):
            raise ConfigError(
                "generator must be 'extractive', 'ollama/<model>' or 'openai/<model>'. "
                f"Currently, it is {self.generator!r}."
            )

    @property
    def uses_server(self) -> bool:
        """Whether the index lives on a Chroma server rather than in ``index_dir``."""
        return bool(self.chroma_host)

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed (validated again)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Settings(**values)


def env_name(field_name: str) -> str:
    """The environment variable that sets a field."""
    for f in fields(Settings):
        if f.name == field_name:
            return f.metadata.get("env") or ENV_PREFIX + field_name.upper()
    raise KeyError(field_name)


def _convert(name: str, kind: Any, raw: str) -> Any:
    kind_name = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    try:
        if "Path" in kind_name:
            return Path(raw).expanduser()
        if kind_name == "int":
            return int(raw)
        if kind_name == "float":
            return float(raw)
        if kind_name == "bool":
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
    except ValueError:
        raise ConfigError(f"{env_name(name)} must be a {kind_name}. Currently, it is {raw!r}.") from None
    return raw


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the settings from the environment (the only place it is read).

    Args:
        environ: Mapping to read instead of ``os.environ`` (tests).
        **overrides: Values that win over the environment (command-line flags).

    Returns:
        The validated settings.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = env.get(env_name(f.name))
        if raw is not None and raw != "":
            values[f.name] = _convert(f.name, f.type, raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


def describe_settings() -> list[tuple[str, str, str]]:
    """Rows of (environment variable, default, description) for docs and ``--help``."""
    rows = []
    for f in fields(Settings):
        default = f.default
        if isinstance(default, Path):
            with contextlib.suppress(ValueError):
                default = default.relative_to(PROJECT_ROOT)
        shown = str(default) if default != "" else "(empty)"
        rows.append((env_name(f.name), shown, f.metadata["description"]))
    return rows
