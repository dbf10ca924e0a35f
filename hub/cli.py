"""retail-hub command line: parse, call one library function, format, map errors to exit codes."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from hub.errors import ConfigError, RetailHubError, StoreError

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]
        raise ConfigError(message)


def _broker(text: str):
    from edge.delivery.broker import parse_broker_url

    try:
        return parse_broker_url(text)
    except ValueError as e:
        raise ConfigError(str(e)) from None


def _time(text: str | None, field_name: str):
    from edge.windows.clock import parse_iso_z

    if text is None:
        return None
    try:
        return parse_iso_z(text)
    except ValueError:
        raise ConfigError(f"{field_name}: expected an ISO 8601 time like 2026-11-11T00:00:00Z, got {text!r}") from None


def run_serve(args: argparse.Namespace) -> int:
    """retail-hub serve --broker mqtt://127.0.0.1:1883 --db hub.db"""
    import signal
    import threading

    from hub.ingest.subscriber import Ingestor, IngestSettings

    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    settings = IngestSettings(broker=_broker(args.broker), db_path=args.db, client_id=args.client_id,
                              shared_group=args.group)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    ingestor = Ingestor(settings)
    ingestor.start()
    logging.getLogger("retail_hub").info("storing into %s; report: retail-hub report --db %s --store STORE",
                                         args.db, args.db)
    try:
        stop.wait()
    finally:
        ingestor.stop()
    return 0


def run_report(args: argparse.Namespace) -> int:
    """retail-hub report --db hub.db --store s1 --from 2026-11-11T00:00:00Z --format json"""
    from hub.reports.formats import render
    from hub.reports.report import build_report
    from hub.store.db import open_db

    start, end = _time(args.from_, "--from"), _time(args.to, "--to")
    if start and end and end <= start:
        raise ConfigError("--to must be after --from")
    db = open_db(args.db, create=False)
    print(render(build_report(db, args.store, start, end), args.format))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from hub.reports.formats import FORMATS

    parser = _Parser(prog="retail-hub", description="Store hub: ingest aggregates, store, report.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("serve", help="subscribe to every store's metrics and store them", description=run_serve.__doc__)
    p.add_argument("--broker", required=True, help="mqtt://HOST:PORT or mqtts://HOST:PORT")
    p.add_argument("--db", required=True, type=Path, help="SQLite database file (created if missing)")
    p.add_argument("--client-id", default="retail-hub", help="MQTT client id: names the persistent session")
    p.add_argument("--group", help="share the load with other hub workers through $share/GROUP/… "
                                   "(give each worker its own --client-id)")
    p.set_defaults(run=run_serve)

    p = sub.add_parser("report", help="totals and per-window rows of one store", description=run_report.__doc__)
    p.add_argument("--db", required=True, type=Path, help="hub database")
    p.add_argument("--store", required=True, help="store id")
    p.add_argument("--from", dest="from_", help="first window start (ISO 8601, UTC if no offset)")
    p.add_argument("--to", help="end (exclusive) of window starts")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(run=run_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except RetailHubError as e:
        if debug:
            raise
        print(f"retail-hub: {e}", file=sys.stderr)
        return 2 if isinstance(e, (ConfigError, StoreError)) else 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
