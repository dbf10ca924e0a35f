"""What both command lines (retail-edge, retail-hub) do around their handlers: run one, and
turn an error into one clear line and an exit code (0 ok, 2 usage/config, 1 runtime); and the
stop event that SIGTERM and SIGINT set for the commands that read a camera until stopped."""

from __future__ import annotations

import argparse
import inspect
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["run_command", "raising_parser", "stop_on_signals"]


def run_command(prog: str, build_parser: Callable[[], argparse.ArgumentParser], argv: list[str] | None,
                base_error: type[Exception], usage_errors: tuple[type[Exception], ...]) -> int:
    """Parse argv, call `args.run(args)`; `--debug` lets the traceback through."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except base_error as e:
        if "--debug" in argv:
            raise
        print(f"{prog}: {e}", file=sys.stderr)
        return 2 if isinstance(e, usage_errors) else 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader (head, less) went away: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def raising_parser(error: type[Exception]) -> type[argparse.ArgumentParser]:
    """An ArgumentParser class that raises `error` (exit 2 via run_command) instead of printing
    usage and calling sys.exit itself."""

    class Parser(argparse.ArgumentParser):
        def __init__(self, *args, **kwargs) -> None:
            # a command's description is its function's docstring, one example per line: kept as written
            if kwargs.get("description"):
                kwargs["description"] = inspect.cleandoc(kwargs["description"])
            kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
            super().__init__(*args, **kwargs)

        def error(self, message: str):  # type: ignore[override]
            raise error(message)

    return Parser


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event that SIGTERM or SIGINT sets, instead of killing the process, while the block runs.

    `count`, `preview`, `ar` and `run` on a live camera go on until they are stopped: by Ctrl-C,
    `timeout`, systemd or `docker stop`. With this they finish the frame in hand, close their
    video (an MP4 cut off by a kill has no index and does not play) and print their result.
    """
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            if handler is not None:  # None: a handler not installed from Python, which cannot be put back
                signal.signal(sig, handler)
