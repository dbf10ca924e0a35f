"""retail-hub command line: parse, call one library function, format, map errors to exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from edge.cli_runner import raising_parser
from hub.errors import ConfigError, RetailHubError, StoreError

__all__ = ["main", "build_parser"]


_Parser = raising_parser(ConfigError)  # argparse errors are usage errors: exit 2, one line


def _broker(text: str, ca_file: Path | None = None):
    from dataclasses import replace

    from edge.delivery.broker import parse_broker_url

    try:
        address = parse_broker_url(text)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    if ca_file is not None:
        if not ca_file.is_file():
            raise ConfigError(f"--ca-file: no such file {str(ca_file)!r}; give the broker CA's certificate")
        address = replace(address, ca_file=str(ca_file))
    return address


def _time(text: str | None, field_name: str):
    from edge.windows.clock import parse_iso_z

    if text is None:
        return None
    try:
        return parse_iso_z(text)
    except ValueError:
        raise ConfigError(f"{field_name}: expected an ISO 8601 time like 2026-11-11T00:00:00Z, got {text!r}") from None


def run_serve(args: argparse.Namespace) -> int:
    """retail-hub serve --broker mqtt://127.0.0.1:1883 --db hub.db --http 127.0.0.1:8080 --tz Europe/Berlin

    Without --http only ingests; `--http` alone serves the dashboard on 127.0.0.1:8080.
    `--no-broker --http …` serves the dashboard of an existing database without ingesting.
    """
    import signal
    import threading

    from edge.logs import configure_logging

    configure_logging(args.log_format, debug=args.debug)
    if args.no_broker and not args.http:
        raise ConfigError("--no-broker needs --http HOST:PORT (there would be nothing to do)")
    if not args.no_broker and not args.broker:
        raise ConfigError("--broker is required (mqtt://HOST:PORT), unless --no-broker serves the dashboard only")
    broker = None if args.no_broker else _broker(args.broker, args.ca_file)
    address = _http_address(args.http) if args.http else None
    if args.api_writes and not address:
        raise ConfigError("--api-writes needs --http HOST:PORT (it lets the API change store models)")
    models = _read_models(args.stores) if args.stores else None  # a bad file stops here, before anything runs
    _set_default_tz(args.db, args.tz)
    if models:
        _load_models(args.db, models)
    log = logging.getLogger("retail_hub")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server = _start_web(args.db, address, args.k, args.api_writes) if address else None
    ingestor = None
    try:
        if broker is not None:
            from hub.ingest.subscriber import Ingestor, IngestSettings

            settings = IngestSettings(broker=broker, db_path=args.db, client_id=args.client_id,
                                      shared_group=args.group)
            ingestor = Ingestor(settings)
            ingestor.start()
            log.info("storing into %s; report: retail-hub report --db %s --store STORE", args.db, args.db)
        stop.wait()
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        if ingestor is not None:
            ingestor.stop()
    return 0


def _http_address(text: str) -> tuple[str, int]:
    from hub.web.app import parse_http_address

    try:
        return parse_http_address(text)
    except ValueError as e:
        raise ConfigError(str(e)) from None


def _set_default_tz(db_path: Path, tz: str | None) -> None:
    if tz is None:
        return
    from hub.store.db import open_db
    from hub.store.rollups import set_default_tz
    from hub.store.stores import parse_tz

    parse_tz(tz, "--tz")
    db = open_db(db_path)
    try:
        set_default_tz(db, tz)
    finally:
        db.close()


def _read_models(path: Path):
    from hub.occupancy.model_file import read_store_models

    return read_store_models(path)


def _load_models(db_path: Path, models) -> int:
    from hub.occupancy.models_db import put_models
    from hub.store.db import open_db

    db = open_db(db_path)
    try:
        days = put_models(db, models)
    finally:
        db.close()
    logging.getLogger("retail_hub").info("store models loaded: %s", ", ".join(sorted(models)))
    return days


def _start_web(db_path: Path, address: tuple[str, int], k: int, allow_writes: bool = False):
    from hub.web.app import WebSettings, make_server, serve_in_thread

    try:
        server = make_server(WebSettings(db_path=db_path, k=k, allow_writes=allow_writes), *address)
    except OSError as e:
        raise RetailHubError(f"--http: cannot listen on {address[0]}:{address[1]}: {e.strerror or e}; "
                             "pick a free port") from None
    serve_in_thread(server)
    logging.getLogger("retail_hub").info("dashboard on http://%s:%d/", *server.server_address[:2])
    return server


def _day_or_time(text: str | None, field_name: str):
    """A store-local date (YYYY-MM-DD) or an ISO 8601 time; None stays None."""
    import re
    from datetime import date

    if text is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise ConfigError(f"{field_name}: {text!r} is not a calendar date") from None
    try:
        return _time(text, field_name)
    except ConfigError:
        raise ConfigError(f"{field_name}: expected an ISO 8601 time like 2026-11-11T00:00:00Z or a store-local "
                          f"date like 2026-11-11, got {text!r}") from None


def run_report(args: argparse.Namespace) -> int:
    """retail-hub report --db hub.db --store s1 --from 2026-11-01 --to 2026-11-30 --format html > nov.html

    --from/--to take store-local dates (both days included) or ISO 8601 times ([from, to)).
    """
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from hub.reports.formats import render
    from hub.reports.report import build_report
    from hub.store.db import open_db
    from hub.store.rollups import create_rollup_tables, day_bounds
    from hub.store.stores import parse_tz, store_tz_name

    start, end = _day_or_time(args.from_, "--from"), _day_or_time(args.to, "--to")
    if args.tz:
        parse_tz(args.tz, "--tz")
    if args.k is not None and args.k < 1:
        raise ConfigError(f"--k: expected a whole number of people, at least 1; got {args.k}")
    db = open_db(args.db, create=False)
    create_rollup_tables(db)  # a database from before rollups gets them filled once
    zone = ZoneInfo(store_tz_name(db, args.store, args.tz))
    if isinstance(start, date):
        start = day_bounds(start, zone)[0]
    if isinstance(end, date):
        end = day_bounds(end, zone)[1]
    if start and end and end <= start:
        raise ConfigError("--to must be after --from")
    report = build_report(db, args.store, start, end, tz=args.tz, with_windows=args.format in ("json", "csv"),
                          now=datetime.now(UTC))
    print(render(report, args.format, args.k))
    return 0


def run_prune(args: argparse.Namespace) -> int:
    """retail-hub prune --db hub.db --days 90   (raw windows older than 90 days go; rollups stay)"""
    from datetime import UTC, datetime

    from hub.prune import prune
    from hub.store.db import open_db

    if args.days < 1:
        raise ConfigError(f"--days: keep at least 1 day of raw windows, got {args.days}")
    db = open_db(args.db, create=False)
    result = prune(db, datetime.now(UTC), args.days, is_dry_run=args.dry_run)
    verb = "would delete" if result.is_dry_run else "deleted"
    print(f"{verb} {result.windows} raw windows and {result.dead_letters} dead letters from before "
          f"{result.cutoff:%Y-%m-%dT%H:%M:%SZ}; hourly and daily rollups are kept")
    return 0


def run_stores_list(args: argparse.Namespace) -> int:
    """retail-hub stores list --db hub.db"""
    from hub.store.db import open_db
    from hub.store.queries import list_stores
    from hub.store.rollups import create_rollup_tables

    db = open_db(args.db, create=False)
    create_rollup_tables(db)
    print(f"{'store':<24} {'time zone':<24} {'cameras':>7}  last window end")
    for s in list_stores(db):
        print(f"{s.store_id:<24} {s.tz:<24} {s.cameras:>7}  {s.last_window_end or '–'}")
    return 0


def run_stores_set_tz(args: argparse.Namespace) -> int:
    """retail-hub stores set-tz --db hub.db s1 Europe/Berlin   (days of s1 are rebuilt in that zone)"""
    from hub.store.db import open_db
    from hub.store.rollups import create_rollup_tables, set_store_tz
    from hub.store.stores import parse_tz

    parse_tz(args.zone, "ZONE")
    db = open_db(args.db, create=False)
    create_rollup_tables(db)
    days = set_store_tz(db, args.store, args.zone)
    print(f"store {args.store}: time zone {args.zone}; {days} days rebuilt from the hourly rollups")
    return 0


def run_stores_load(args: argparse.Namespace) -> int:
    """retail-hub stores load --db hub.db stores.yaml   (--check: only validate the file)

    Each store's time zone, opening hours, entrances and drift settings (docs/OCCUPANCY.md);
    a store's model replaces the one it had, and its days are rebuilt if its zone changed.
    """
    models = _read_models(args.file)
    if args.check:
        print(f"{args.file}: valid; stores {', '.join(sorted(models))}")
        return 0
    if args.db is None:
        raise ConfigError("--db is required to load the models (or give --check to only validate the file)")
    days = _load_models(args.db, models)
    for store_id, m in sorted(models.items()):
        print(f"store {store_id}: {m.tz}, {len(m.entrances)} entrance{'s' * (len(m.entrances) != 1)}: "
              f"{', '.join(e.key for e in m.entrances)}")
    if days:
        print(f"{days} days rebuilt in the stores' new time zones")
    return 0


def run_config_push(args: argparse.Namespace) -> int:
    """retail-hub config push --broker mqtt://127.0.0.1:1883 --store s1 --camera front --file front.yaml"""
    from hub.remote_config import config_message, push_config

    topic, payload = config_message(args.store, args.camera, args.file)
    push_config(_broker(args.broker), topic, payload)
    print(f"published the configuration of {args.store}/{args.camera} on {topic} (retained); "
          f"the agent's answer: retail-hub config status --db DB --store {args.store}")
    return 0


def run_config_status(args: argparse.Namespace) -> int:
    """retail-hub config status --db hub.db --store s1"""
    from hub.store.db import open_db

    db = open_db(args.db, create=False)
    rows = db.execute("SELECT camera_id, state, at, errors FROM camera_configs WHERE store_id = ? ORDER BY camera_id",
                      [args.store]).fetchall()
    if not rows:
        print(f"store {args.store}: no camera has answered a configuration yet")
    for camera_id, state, at, errors in rows:
        print(f"{camera_id:<20} {state:<9} {at}  {'; '.join(json.loads(errors))}")
    return 0


def run_provision_store(args: argparse.Namespace) -> int:
    """retail-hub provision-store s1 --broker-url mqtts://hub.example.com:8883 --passwd-file /etc/mosquitto/passwd
       --ca-file /etc/mosquitto/certs/ca.crt --out ./s1"""
    from hub.occupancy.model_file import write_starter_model
    from hub.provision import provision_store
    from hub.store.stores import parse_tz

    parse_tz(args.tz, "--tz")
    out = args.out or Path(args.store)
    model_file = args.model_out or out.parent / f"{args.store}.stores.yaml"   # beside the bundle, not in it
    if model_file.resolve().parent == out.resolve():
        raise ConfigError("--model-out: keep the store model on the hub, outside the bundle copied to the store box")
    result = provision_store(args.store, args.passwd_file, args.out or Path(args.store), args.broker_url,
                             ca_file=args.ca_file, edge_ca_path=args.edge_ca_path, overwrite=args.overwrite)
    is_new = write_starter_model(args.store, model_file, args.tz)
    print(f"store {result.store_id}: broker user {result.username} added to {args.passwd_file}")
    print(f"edge configuration: {result.config_file} (mode 0600; copy it to the store box as /etc/retail-edge/edge.yaml"
          " and add its cameras)")
    print("reload the broker so it reads the new password: systemctl reload mosquitto")
    print(f"store model: {model_file} ({'written: edit its hours and entrances' if is_new else 'kept as it was'}), "
          f"then: retail-hub stores load --db DB {model_file}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from hub.reports.formats import FORMATS

    parser = _Parser(prog="retail-hub", description="Store hub: ingest aggregates, store, report.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--log-format", choices=("text", "json"), default="text",
                        help="logs on stderr: human-readable text (default) or JSON lines")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("serve", help="subscribe to every store's metrics and store them", description=run_serve.__doc__)
    p.add_argument("--broker", help="mqtt://HOST:PORT or mqtts://HOST:PORT")
    p.add_argument("--db", required=True, type=Path, help="SQLite database file (created if missing)")
    p.add_argument("--http", nargs="?", const="127.0.0.1:8080", metavar="HOST:PORT",
                   help="serve the dashboard and API (bare --http: 127.0.0.1:8080)")
    p.add_argument("--no-broker", action="store_true", help="dashboard only: do not ingest (needs --http)")
    p.add_argument("--tz", help="IANA time zone of stores without their own (default UTC); kept in the database")
    p.add_argument("--k", type=int, default=5, help="dashboard figures from fewer than K people show as <K (default 5)")
    p.add_argument("--ca-file", type=Path, help="CA certificate that signed the broker's (mqtts://)")
    p.add_argument("--client-id", default="retail-hub", help="MQTT client id: names the persistent session")
    p.add_argument("--group", help="share the load with other hub workers through $share/GROUP/… "
                                   "(give each worker its own --client-id)")
    p.add_argument("--stores", type=Path, metavar="FILE",
                   help="store models to load at start: hours, entrances (docs/OCCUPANCY.md)")
    p.add_argument("--api-writes", action="store_true",
                   help="let the API change store models (PUT /api/stores/ID/model); default read-only")
    p.set_defaults(run=run_serve)

    p = sub.add_parser("report", help="one store's figures over a period: days, cameras, lines, zones, mascots",
                       description=run_report.__doc__)
    p.add_argument("--db", required=True, type=Path, help="hub database")
    p.add_argument("--store", required=True, help="store id")
    p.add_argument("--from", dest="from_", help="first store-local day (2026-11-01) or time (ISO 8601, UTC)")
    p.add_argument("--to", help="last store-local day, included (2026-11-30), or end time, excluded")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--tz", help="time zone of the days when the store has none of its own (default: the hub's)")
    p.add_argument("--k", type=int, help="show figures from fewer than K people as <K (default: 5 for table and "
                                         "html; json and csv are exact unless given)")
    p.set_defaults(run=run_report)

    p = sub.add_parser("prune", help="delete raw windows older than N days (rollups are kept)",
                       description=run_prune.__doc__)
    p.add_argument("--db", required=True, type=Path, help="hub database")
    p.add_argument("--days", type=int, default=90, help="days of raw windows to keep (default 90)")
    p.add_argument("--dry-run", action="store_true", help="only count what would go")
    p.set_defaults(run=run_prune)

    p = sub.add_parser("provision-store", help="create a store's broker login and write its edge configuration",
                       description=run_provision_store.__doc__)
    p.add_argument("store", help="store id ([a-z0-9-], 1–64): also its broker user name")
    p.add_argument("--broker-url", required=True, help="the broker as the store box reaches it (mqtts://HOST:8883)")
    p.add_argument("--passwd-file", type=Path, default=Path("/etc/mosquitto/passwd"),
                   help="Mosquitto password file (default /etc/mosquitto/passwd)")
    p.add_argument("--ca-file", type=Path, help="the broker CA certificate, copied beside the edge configuration")
    p.add_argument("--edge-ca-path", help="where the CA will live on the store box (default /etc/retail-edge/ca.crt "
                                          "when --ca-file is given)")
    p.add_argument("--out", type=Path, help="folder for edge.yaml and ca.crt (default ./STORE)")
    p.add_argument("--overwrite", action="store_true", help="re-provision an existing store (new password)")
    p.add_argument("--model-out", type=Path,
                   help="the hub-side store-model file to start (default STORE.stores.yaml beside the --out folder; "
                        "an existing one is kept)")
    p.add_argument("--tz", default="UTC", help="the store's IANA time zone in that model (default UTC)")
    p.set_defaults(run=run_provision_store)

    p = sub.add_parser("config", help="publish a camera's configuration to its agent; see the answers")
    cfg = p.add_subparsers(dest="config_command", required=True, parser_class=_Parser)
    q = cfg.add_parser("push", help="validate a camera file and publish it (retained)",
                       description=run_config_push.__doc__)
    q.add_argument("--broker", required=True, help="mqtt://HOST:PORT or mqtts://HOST:PORT")
    q.add_argument("--store", required=True, help="store id")
    q.add_argument("--camera", required=True, help="camera id")
    q.add_argument("--file", required=True, type=Path, help="camera YAML: lines, zones, options (docs/CONFIG.md)")
    q.set_defaults(run=run_config_push)
    q = cfg.add_parser("status", help="each camera's last answer: applied or rejected",
                       description=run_config_status.__doc__)
    q.add_argument("--db", required=True, type=Path, help="hub database")
    q.add_argument("--store", required=True, help="store id")
    q.set_defaults(run=run_config_status)

    p = sub.add_parser("stores", help="list stores; set a store's time zone; load store models")
    stores = p.add_subparsers(dest="stores_command", required=True, parser_class=_Parser)
    q = stores.add_parser("list", help="stores with their time zone and cameras", description=run_stores_list.__doc__)
    q.add_argument("--db", required=True, type=Path, help="hub database")
    q.set_defaults(run=run_stores_list)
    q = stores.add_parser("set-tz", help="set a store's IANA time zone", description=run_stores_set_tz.__doc__)
    q.add_argument("--db", required=True, type=Path, help="hub database")
    q.add_argument("store", help="store id")
    q.add_argument("zone", help="IANA time zone, e.g. Europe/Berlin")
    q.set_defaults(run=run_stores_set_tz)
    q = stores.add_parser("load", help="validate and load store models (hours, entrances) from a YAML file",
                          description=run_stores_load.__doc__)
    q.add_argument("--db", type=Path, help="hub database")
    q.add_argument("--check", action="store_true", help="only validate the file")
    q.add_argument("file", type=Path, help="store-model YAML (docs/OCCUPANCY.md)")
    q.set_defaults(run=run_stores_load)
    return parser


def main(argv: list[str] | None = None) -> int:
    from edge.cli_runner import run_command

    return run_command("retail-hub", build_parser, argv, RetailHubError, (ConfigError, StoreError))


if __name__ == "__main__":
    sys.exit(main())
