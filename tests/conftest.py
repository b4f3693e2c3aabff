"""Shared fixtures: isolated paths, no network, and assistants built once per session."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import PROJECT_ROOT, Settings, load_settings

CORPUS_DIR = PROJECT_ROOT / "corpus"


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host in {"localhost", ""} or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NetworkBlocked(RuntimeError):
    """A test tried to reach the network."""


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests need no network: any connection off this machine fails loudly."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family == socket.AF_UNIX or _is_loopback(address):
            return real_connect(self, address)
        raise NetworkBlocked(f"network access blocked in tests: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect)


@pytest.fixture
def network_attempts(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record every attempt to leave the machine, even one a library catches and ignores.

    The autouse guard already makes such connections fail; a hub client may swallow that
    failure and carry on from its cache, so the attempts themselves are what we check.
    """
    attempts: list[Any] = []
    guarded_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def recording_connect(self: socket.socket, address: Any) -> Any:
        if self.family != socket.AF_UNIX and not _is_loopback(address):
            attempts.append(address)
        return guarded_connect(self, address)

    def recording_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            attempts.append(("dns", host))
            raise OSError(f"name lookup blocked in tests: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", recording_connect)
    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)
    return attempts


@pytest.fixture(autouse=True)
def _isolate_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every user path points into the test's temp dir; nothing touches index/ or audit/."""
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSISTANT_AUDIT_LOG", str(tmp_path / "audit" / "triage.jsonl"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    for name in ("CHROMA_HOST", "ASSISTANT_GENERATOR", "ASSISTANT_EMBEDDER", "ASSISTANT_CORPUS_DIR"):
        monkeypatch.delenv(name, raising=False)


def session_settings(tmp: Path, **overrides: Any) -> Settings:
    """Settings for a session-scoped assistant, rooted in a temp dir."""
    return load_settings(
        environ={},
        index_dir=tmp / "index",
        audit_log=tmp / "audit.jsonl",
        corpus_dir=overrides.pop("corpus_dir", CORPUS_DIR),
        **overrides,
    )


@pytest.fixture(scope="session")
def fake_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An assistant on the real corpus with the deterministic fake embedder (fast)."""
    from assistant.pipeline import Assistant

    settings = session_settings(tmp_path_factory.mktemp("fake"), embedder="fake")
    yield Assistant(settings, progress=False)


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An assistant with the real bundled MiniLM model and a real Chroma index (slow to build)."""
    from assistant.pipeline import Assistant

    settings = session_settings(tmp_path_factory.mktemp("real"))
    yield Assistant(settings, progress=False)
