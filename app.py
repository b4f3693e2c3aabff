"""Start the web app: ``python app.py [--host HOST] [--port PORT]`` (wiring only; see assistant/ui.py)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from assistant.errors import AssistantError
from assistant.settings import load_settings

# Set before gradio is imported (assistant.ui imports it): no usage reports leave the machine.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"


def main(argv: list[str] | None = None) -> int:
    """Load the assistant once (building the index if missing), then serve the app."""
    defaults = load_settings()
    parser = argparse.ArgumentParser(prog="python app.py", description="Cluneal Assistant web app.")
    parser.add_argument("--host", default=defaults.host, help=f"default {defaults.host}")
    parser.add_argument("--port", type=int, default=defaults.port, help=f"default {defaults.port}")
    args = parser.parse_args(argv)
    settings = defaults.replace(host=args.host, port=args.port)
    logging.basicConfig(
        level=settings.log_level.upper(), stream=sys.stderr, format="%(levelname)s %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)

    from assistant import ui
    from assistant.pipeline import Assistant

    try:
        assistant = Assistant(settings, progress=True)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app = ui.build_app(assistant, settings)
    app.launch(
        server_name=settings.host, server_port=settings.port, share=False, **ui.launch_options(settings)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
