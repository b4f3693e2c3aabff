"""The README stays true: every setting is documented, and the two commands are the Makefile's."""

from __future__ import annotations

import re

from assistant.settings import PROJECT_ROOT, describe_settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")


def test_readme_documents_every_setting_with_its_default() -> None:
    for env, default, _ in describe_settings():
        row = re.search(rf"^\| `{re.escape(env)}` \| `([^`]*)` \|", README, re.MULTILINE)
        assert row, f"{env} is missing from the README's settings table"
        assert row.group(1) == default, f"{env}: README says {row.group(1)!r}, code says {default!r}"


def test_readme_shows_the_two_commands_and_the_makefile_has_them() -> None:
    assert "make run" in README and "make test" in README
    for target in ("install", "run", "index", "test", "eval", "bench", "lint"):
        assert re.search(rf"^{target}:", MAKEFILE, re.MULTILINE), f"Makefile has no `{target}` target"


def test_ci_runs_the_readmes_test_command() -> None:
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
