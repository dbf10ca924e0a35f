"""The hub's web app: dashboard pages, their JSON twins and the API, on the standard library's
ThreadingHTTPServer. Every asset ships in the package (hub/web/static); pages load nothing from
anywhere else, and the Content-Security-Policy header forbids it.

    page                      JSON twin
    /                         /api/chain                        chain: stores ranked
    /stores/{store_id}        /api/stores/{store_id}/dashboard  one store's day
    (API only, see /api/openapi.json and docs/API.md for the rest)

Errors are JSON: 400 for a bad parameter (naming it), 404 for an unknown store or path, 405 for
a method other than GET/HEAD (and PUT of a store model, when `allow_writes`); never a 500 for
anything a client sends.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import queue
import re
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

import sqlite_utils

from hub.reports.suppress import DEFAULT_K
from hub.store.db import open_db
from hub.web import api, views
from hub.web.params import BadRequest, NotFound, Query

__all__ = ["WebSettings", "HubWebApp", "make_server", "parse_http_address"]

log = logging.getLogger("retail_hub.web")
ASSET_VERSION = "1.0"
_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
_STORE = r"(?P<store_id>[a-z0-9-]{1,64})"
MAX_BODY = 64 * 1024  # a store model is a few hundred bytes


def parse_http_address(text: str) -> tuple[str, int]:
    """"HOST:PORT" → (host, port). Raises ValueError with the expected shape."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--http: expected HOST:PORT like 127.0.0.1:8080, got {text!r}")
    return host.strip("[]"), int(port)


@dataclass(frozen=True, slots=True)
class WebSettings:
    """Args:
        db_path: the hub database (created with its tables if missing).
        k: small-cell threshold: figures from fewer than k people are shown as "<k".
        clock: returns the current time (aware UTC); tests may pin it.
        poll_s: how often pages ask whether new data arrived, seconds.
        allow_writes: accept PUT /api/stores/{store_id}/model (`serve --api-writes`); off, the
            API is read-only.
    """

    db_path: Path
    k: int = DEFAULT_K
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    poll_s: float = 5.0
    allow_writes: bool = False


class HubWebApp:
    """Routes a GET to a view and answers JSON, a page, or a static asset."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        open_db(settings.db_path).close()  # create tables once, so every read finds them
        self._pool: queue.SimpleQueue[sqlite_utils.Database] = queue.SimpleQueue()
        static = resources.files("hub.web").joinpath("static")
        self._static = {p.name: p for p in static.iterdir() if p.is_file()}
        templates = resources.files("hub.web").joinpath("templates")
        self._templates = {p.name: Template(p.read_text("utf-8")) for p in templates.iterdir()
                           if p.name.endswith(".html")}
        self._spec = resources.files("hub.web").joinpath("static/openapi.json").read_bytes()
        now, k = self.now, lambda: self.settings.k
        self._routes: list[tuple[re.Pattern, Callable]] = [(re.compile(f"^{p}$"), fn) for p, fn in [
            (r"/", self._page_chain),
            (rf"/stores/{_STORE}", self._page_store),
            (r"/api/openapi\.json", lambda q, db: (200, "application/json", self._spec)),
            (r"/api/stores", lambda q, db: _done(q, views.stores_view(db))),
            (rf"/api/stores/{_STORE}", lambda q, db, store_id: _done(q, views.store_view(db, store_id, now()))),
            (rf"/api/stores/{_STORE}/dashboard", self._api_dashboard),
            (rf"/api/stores/{_STORE}/series", lambda q, db, store_id: api.series_view(db, store_id, q, now(), k())),
            (rf"/api/stores/{_STORE}/rollups", lambda q, db, store_id: api.rollups_view(db, store_id, q, now(), k())),
            (rf"/api/stores/{_STORE}/heatmap", lambda q, db, store_id: api.heatmap_view(db, store_id, q, now(), k())),
            (rf"/api/stores/{_STORE}/cameras", lambda q, db, store_id: api.cameras_view(db, store_id, q, now())),
            (rf"/api/stores/{_STORE}/health", lambda q, db, store_id: api.health_view(db, q, now(), store_id)),
            (rf"/api/stores/{_STORE}/model", lambda q, db, store_id: api.model_view(db, store_id, q)),
            (rf"/api/stores/{_STORE}/occupancy",
             lambda q, db, store_id: api.occupancy_view(db, store_id, q, now(), k())),
            (r"/api/chain", lambda q, db: _done(q, views.chain_view(db, now(), k()))),
            (r"/api/health", lambda q, db: api.health_view(db, q, now())),
            (r"/api/alerts", lambda q, db: api.alerts_view(db, q, now())),
            (r"/api/changes", self._api_changes),
        ]]

    @property
    def k(self) -> int:
        return self.settings.k

    def now(self) -> datetime:
        return self.settings.clock()

    # ---- connections: one per thread at a time, reused ----
    def _db(self) -> sqlite_utils.Database:
        try:
            return self._pool.get_nowait()
        except queue.Empty:
            db = open_db(self.settings.db_path, create=False)
            db.execute("PRAGMA query_only = 1")
            return db

    def handle(self, method: str, target: str, body: bytes = b"", content_type: str = "") -> tuple[int, str, bytes]:
        """(status, content type, body) for one request; never raises."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        if method == "PUT" and re.fullmatch(rf"/api/stores/{_STORE}/model", path):
            return self._put_model(path.split("/")[3], parts.query, body, content_type)
        if method not in ("GET", "HEAD"):
            return _error(405, "method_not_allowed", f"{method} is not supported: the API is read-only (GET), "
                                                     "except PUT /api/stores/{store_id}/model")
        if path.startswith("/static/"):
            return self._asset(path[len("/static/"):])
        for pattern, fn in self._routes:
            match = pattern.match(path)
            if not match:
                continue
            db = None
            try:
                q = Query(parts.query)
                db = self._db()
                result = fn(q, db=db, **match.groupdict())
            except BadRequest as e:
                return _error(400, "bad_request", str(e), e.parameter)
            except NotFound as e:
                return _error(404, "not_found", str(e))
            except sqlite3.OperationalError as e:
                log.warning("database busy or unavailable for %s: %s", path, e)
                return _error(503, "unavailable", "the database is busy; try again in a moment")
            except Exception:
                log.exception("error answering %s", target[:200])
                return _error(500, "internal", "the hub failed to answer; see its log")
            finally:
                if db is not None:
                    self._pool.put(db)
            if isinstance(result, tuple):
                return result
            return 200, "application/json", json.dumps(result, separators=(",", ":")).encode()
        return _error(404, "not_found", f"no page or API at {path[:200]}; see /api/openapi.json")

    def _put_model(self, store_id: str, query: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
        """Replace a store's model from a JSON body in the file's shape (docs/OCCUPANCY.md)."""
        from hub.errors import RetailHubError
        from hub.occupancy.model import model_to_dict, parse_store_model
        from hub.occupancy.models_db import put_model

        if not self.settings.allow_writes:
            return _error(405, "method_not_allowed", "store models are read-only here: start the hub with "
                                                     "`retail-hub serve --api-writes` to change them over the API")
        if query:
            return _error(400, "bad_request", "PUT /api/stores/{store_id}/model takes no query parameters")
        if content_type.split(";")[0].strip().lower() != "application/json":
            return _error(415, "unsupported_media_type", "send the model as Content-Type: application/json")
        try:
            raw = json.loads(body.decode("utf-8"))
            model = parse_store_model(store_id, raw, "model")
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            return _error(400, "bad_request", f"body: not valid JSON: {e}")
        except RetailHubError as e:
            return _error(400, "bad_request", str(e))
        db = None
        try:
            db = open_db(self.settings.db_path)
            days = put_model(db, model, self.now())
        except (sqlite3.OperationalError, RetailHubError) as e:
            log.warning("cannot store the model of %s: %s", store_id, e)
            return _error(503, "unavailable", "the database is busy; try again in a moment")
        finally:
            if db is not None:
                db.close()
        log.info("store %s: model replaced over the API (%d day rollups rebuilt)", store_id, days)
        doc = {"store_id": store_id, "model": model_to_dict(model), "days_rebuilt": days}
        return 200, "application/json", json.dumps(doc).encode()

    def _asset(self, name: str) -> tuple[int, str, bytes]:
        item = self._static.get(name)
        if item is None:
            return _error(404, "not_found", f"no static file {name[:100]!r}")
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith("javascript"):
            ctype += "; charset=utf-8"
        return 200, ctype, item.read_bytes()

    def _page(self, template: str, **values: str) -> tuple[int, str, bytes]:
        values = {"v": ASSET_VERSION, "poll_ms": str(int(self.settings.poll_s * 1000)), "k": str(self.k), **values}
        body = self._templates["base.html"].substitute(
            content=self._templates[template].substitute(values), **values)
        return 200, "text/html; charset=utf-8", body.encode()

    def _page_chain(self, q: Query, db) -> tuple[int, str, bytes]:
        q.finish()
        return self._page("chain.html", title="Stores", json_url="/api/chain", store_id="")

    def _page_store(self, q: Query, db, store_id: str) -> tuple[int, str, bytes]:
        day = q.date("date")
        q.finish()
        store = views.store_or_404(db, store_id)
        json_url = f"/api/stores/{store_id}/dashboard" + (f"?date={day.isoformat()}" if day else "")
        return self._page("store.html", title=f"{_html(store.name)} · store", json_url=json_url, store_id=store_id)

    def _api_dashboard(self, q: Query, db, store_id: str) -> dict:
        day = q.date("date")
        q.finish()
        return views.dashboard_view(db, store_id, day, self.now(), self.k)

    def _api_changes(self, q: Query, db) -> dict:
        from hub.store.queries import change_token

        store_id = q.text_id("store")
        q.finish()
        return {"token": change_token(db, store_id)}


def _done(q: Query, doc: dict) -> dict:
    q.finish()
    return doc


def _html(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def _error(status: int, code: str, message: str, parameter: str | None = None) -> tuple[int, str, bytes]:
    doc = {"error": code, "message": message}
    if parameter:
        doc["parameter"] = parameter
    return status, "application/json", json.dumps(doc).encode()


class _Handler(BaseHTTPRequestHandler):
    server_version = "retail-hub"
    protocol_version = "HTTP/1.1"

    def _answer(self, method: str) -> None:
        app: HubWebApp = self.server.app  # type: ignore[attr-defined]
        body = b""
        if method == "PUT":
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                self._send(*_error(413, "too_large", f"the body must be 0–{MAX_BODY} bytes with a Content-Length"))
                self.close_connection = True
                return
            body = self.rfile.read(length)
        self._send(*app.handle(method, self.path, body, self.headers.get("Content-Type") or ""), method=method)

    def _send(self, status: int, ctype: str, body: bytes, method: str = "GET") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "max-age=3600" if self.path.startswith("/static/") else "no-store")
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer("HEAD")

    def _refuse(self) -> None:
        self._answer(self.command)

    def do_PUT(self) -> None:  # noqa: N802
        self._answer("PUT")

    do_POST = do_DELETE = do_PATCH = do_OPTIONS = _refuse  # noqa: N815

    def log_message(self, fmt: str, *args) -> None:
        log.debug("%s %s", self.address_string(), fmt % args)


def make_server(settings: WebSettings, host: str, port: int) -> ThreadingHTTPServer:
    """A ready server (call serve_forever() in a thread; shutdown() to stop). Raises OSError."""
    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    server.app = HubWebApp(settings)  # type: ignore[attr-defined]
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    return thread
