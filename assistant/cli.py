"""Command line: ``python -m assistant index|ask|status`` (wiring only; logic lives in the stages)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from assistant.errors import AssistantError, InputError
from assistant.records import Answer
from assistant.settings import describe_settings, load_settings

log = logging.getLogger("assistant")


def _parser() -> argparse.ArgumentParser:
    settings_help = "\n".join(f"  {env:32} {desc}" for env, _, desc in describe_settings())
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Cluneal Assistant: answers from the clinic's documents, with citations.",
        epilog=f"Settings (environment variables):\n{settings_help}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    index = sub.add_parser("index", help="build or update the search index incrementally")
    index.add_argument("--rebuild", action="store_true", help="delete the index and build it anew")
    ask = sub.add_parser("ask", help="answer a question")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--json", action="store_true", help="print one JSON object (logs go to stderr)")
    ask.add_argument("--batch", type=Path, help="JSON Lines file: {id, question, history} per line")
    ask.add_argument("--history", help="JSON list of earlier turns, for a single question")
    sub.add_parser("status", help="show the index status")
    return parser


def format_answer(result: Answer) -> str:
    """The readable form of an answer: text, then numbered sources."""
    lines = [result.answer]
    if result.citations:
        lines.append("\nSources:")
        for c in result.citations:
            where = f" — {c.section}" if c.section else ""
            lines.append(f"[{c.n}] {c.title}{where}")
            lines.append(f"    “{c.text}”")
    return "\n".join(lines)


def _batch(assistant: Any, path: Path, out: TextIO) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot read batch file {path}: {exc.strerror}.") from exc
    with handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            count += 1
            record: dict[str, Any] = {"id": None}
            try:
                item = json.loads(line)
                if not isinstance(item, dict):
                    raise InputError("each line must be a JSON object")
                record["id"] = item.get("id")
                if not isinstance(record["id"], str):
                    raise InputError('"id" must be a string')
                record.update(assistant.ask(item.get("question"), item.get("history", [])).to_json())
            except json.JSONDecodeError as exc:
                record["error"] = f"line {line_no}: not valid JSON ({exc.msg})."
            except AssistantError as exc:
                record["error"] = f"line {line_no}: {exc}"
            print(json.dumps(record, ensure_ascii=False), file=out, flush=True)
    return count, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(
            level=settings.log_level.upper(), stream=sys.stderr, format="%(levelname)s %(message)s"
        )
        logging.getLogger("httpx").setLevel(logging.WARNING)
        if args.command == "index":
            from assistant.pipeline import build_index

            report = build_index(settings, rebuild=args.rebuild)
            print(f"Index up to date: {report.summary()}.", file=sys.stderr)
            return 0
        if args.command == "status":
            from assistant.embed import MODEL_NAME, HashEmbeddings
            from assistant.store import VectorIndex

            # Reading the status needs no model: the fake embedder only opens the collection.
            status = VectorIndex(settings, HashEmbeddings(), MODEL_NAME).status()
            print(json.dumps(dataclasses.asdict(status) if status else None, indent=2))
            return 0
        from assistant.pipeline import Assistant

        if args.batch is None and args.question is None:
            raise InputError("Give a question, or --batch FILE.")
        if args.batch is None and not args.question.strip():
            raise InputError("The question is empty: please type a question.")
        history = json.loads(args.history) if args.history else []
        assistant = Assistant(settings)
        if args.batch is not None:
            count, seconds = _batch(assistant, args.batch, sys.stdout)
            rate = count / seconds if seconds else 0.0
            print(f"{count} questions in {seconds:.1f}s ({rate:.1f}/s).", file=sys.stderr)
            return 0
        result = assistant.ask(args.question, history)
        print(json.dumps(result.to_json(), ensure_ascii=False) if args.json else format_answer(result))
        return 0
    except json.JSONDecodeError as exc:
        return _fail(f"--history is not valid JSON ({exc.msg}).", args)
    except AssistantError as exc:
        return _fail(str(exc), args)


def _fail(message: str, args: argparse.Namespace) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": message}))
    print(f"error: {message}", file=sys.stderr)
    return 2
