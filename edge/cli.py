"""retail-edge command line: parse, call one library function, format, map errors to exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from edge.cli_runner import raising_parser, stop_on_signals
from edge.errors import ConfigError, RetailEdgeError, SourceError

__all__ = ["main", "build_parser"]


_Parser = raising_parser(ConfigError)  # argparse errors are usage errors: exit 2, one line


class ProgressBar:
    """A one-line progress bar on stderr, only when stderr is a terminal. A pass that reaches its
    total ends its line, so a log line or a second pass (count) starts on a line of its own."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._open = False  # a bar is on the current line

    def update(self, done: int, total: int | None) -> None:
        if not self.enabled or (done % 5 and done != total):
            return
        if total:
            filled = int(30 * done / total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} frames")
        else:
            sys.stderr.write(f"\r{done} frames")
        self._open = done != total
        if not self._open:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self._open:
            sys.stderr.write("\n")
            self._open = False


def run_count(args: argparse.Namespace) -> int:
    """retail-edge count --source clip.mp4 --line 0,300,768,300 --json
    retail-edge count --source clip.mp4 --config camera.yaml --json
    retail-edge count --source recording.mp4 --config camera.yaml --settle-first  (again at the settled auto size)"""
    from edge.counting import count
    from edge.frames.sources import parse_source

    setup_logging(args)  # what the detector decides on the way (AutoInputSize) reaches stderr
    config = _camera_config(args)
    spec = parse_source(args.source)  # a missing file is a usage error before the model loads
    if args.settle_first and spec.kind != "file":
        raise ConfigError("--settle-first: applies to a video file; a live source is counted once, as it comes")
    bar = ProgressBar(sys.stderr.isatty() and not args.no_progress)
    try:
        with stop_on_signals() as stop:
            result = count(args.source, config, on_progress=bar.update, max_frames=args.max_frames, stop=stop,
                           settle_first=args.settle_first)
    finally:
        bar.close()
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(f"in {result.in_count}  out {result.out_count}  "
              f"({result.frames} frames, {result.seconds:.1f} s of video, {result.fps:.1f} fps"
              f"{', counted again at the settled size' if result.passes > 1 else ''})")
        for z in result.zones:
            print(f"zone {z.zone_id}: entries {z.entries}  occupancy max {z.max} mean {z.mean:.2f}  "
                  f"median dwell {z.dwell.median_s if z.dwell.median_s is not None else '-'} s")
    return 0


def _camera_config(args: argparse.Namespace):
    """--line (one quick line) or --config FILE [--camera ID] → CameraConfig."""
    from edge.config import CameraConfig, load_camera_config, parse_line_arg

    if args.config is not None:
        return _seen_as_asked(load_camera_config(args.config, args.camera), args)
    if args.line is None:
        raise ConfigError("give --line X1,Y1,X2,Y2 or --config FILE")
    return _seen_as_asked(CameraConfig(lines=(parse_line_arg(args.line),)), args)


def _seen_as_asked(camera, args: argparse.Namespace):
    """The camera with the --view and --person-size flags applied (each None: as configured)."""
    from edge.config import with_person_size, with_view

    return with_person_size(with_view(camera, args.view), args.person_size)


def run_preview(args: argparse.Namespace) -> int:
    """retail-edge preview --source clip.mp4 --config camera.yaml --out annotated.mp4
    retail-edge preview --source clip.mp4 --config camera.yaml --snapshot-every 50 --out-dir shots/"""
    from edge.frames.sources import parse_source
    from edge.preview import preview

    setup_logging(args)
    config = _camera_config(args)
    parse_source(args.source)
    bar = ProgressBar(sys.stderr.isatty())
    try:
        with stop_on_signals() as stop:
            result = preview(args.source, config, out=args.out, out_dir=args.out_dir,
                             snapshot_every=args.snapshot_every, max_frames=args.max_frames,
                             on_progress=bar.update, stop=stop)
    finally:
        bar.close()
    print(json.dumps({"frames": result.frames, "written": [str(p) for p in result.written]}))
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {text!r}")
    return value


def _id_arg(field_name: str):
    def parse(text: str) -> str:
        from edge.protocol.topics import is_valid_id

        if not is_valid_id(text):
            raise argparse.ArgumentTypeError(f"{text!r}: use 1–64 lowercase letters, digits or '-'")
        return text

    parse.__name__ = field_name
    return parse


def run_agent_command(args: argparse.Namespace) -> int:
    """retail-edge run --config /etc/retail-edge/edge.yaml
    retail-edge run --source clip.mp4 --store s1 --camera door --broker mqtt://127.0.0.1:1883 --line 0,300,768,300"""
    from dataclasses import replace

    from edge.agent import run_agent, settings_from_args, settings_from_config
    from edge.config import load_config
    from edge.windows.clock import parse_iso_z

    setup_logging(args)
    start = None
    if args.start:
        try:
            start = parse_iso_z(args.start)
        except ValueError:
            hint = "expected an ISO 8601 time like 2026-11-11T09:00:00Z"
            raise ConfigError(f"--start: {hint}, got {args.start!r}") from None
    overrides = dict(broker_url=args.broker, window_s=args.window, start=start, outbox_path=args.outbox,
                     agent_id=args.agent_id, max_frames=args.max_frames)
    if args.config:
        settings = settings_from_config(load_config(args.config), **overrides)
    else:
        missing = [f"--{n}" for n in ("source", "store", "camera", "broker", "line") if getattr(args, n) is None]
        if missing:
            raise ConfigError(f"give --config FILE, or all of --source --store --camera --broker --line "
                              f"(missing {' '.join(missing)})")
        settings = settings_from_args(args.source, args.store, args.camera, args.line, **overrides,
                                      mascots_dir=args.mascots)
    if args.view or args.person_size is not None:
        settings = replace(settings, cameras=tuple(_seen_as_asked(c, args) for c in settings.cameras))
    with stop_on_signals() as stop:
        result = run_agent(settings, stop)
    print(json.dumps({"frames": result.frames, "windows": result.windows, "pending": result.pending}))
    return 1 if result.failed_cameras else 0


def run_check(args: argparse.Namespace) -> int:
    """retail-edge check --config /etc/retail-edge/edge.yaml"""
    from edge.check import run_checks
    from edge.config import load_config

    config = load_config(args.config)
    print(f"PASS  config         {args.config}: store {config.store_id}, {len(config.cameras)} cameras")
    results = run_checks(config)
    for r in results:
        print(f"{'PASS' if r.ok else 'FAIL'}  {r.item:<14} {r.detail}")
    failed = sum(not r.ok for r in results)
    print(f"{len(results) + 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


def run_mascots_detect(args: argparse.Namespace) -> int:
    """retail-edge mascots detect --mascots media/mascots --images photos/ --json"""
    from edge.mascots.images import FRAME_SUFFIXES, detect_images

    images = errors = 0
    for result in detect_images(args.mascots, args.images, max_pixels=args.max_pixels):
        images += 1
        errors += result.error is not None
        if args.json:
            print(json.dumps(result.to_json()), flush=True)
        elif result.error is not None:
            print(f"{result.image}: error: {result.error}", flush=True)
        else:
            found = ", ".join(f"{d.mascot_id} ({d.score:.2f})" for d in result.detections) or "no mascot"
            print(f"{result.image}: {found}", flush=True)
    # stdout stays one line per image; what an operator should know goes to stderr
    if not images:
        print(f"retail-edge: no images in {args.images} (looked for {' '.join(FRAME_SUFFIXES)})", file=sys.stderr)
    elif errors:
        print(f"retail-edge: {errors} of {images} images could not be read (see their error entries)", file=sys.stderr)
    return 0


def run_ar(args: argparse.Namespace) -> int:
    """retail-edge ar --source store.mp4 --mascots media/mascots --out screen.mp4"""
    from edge.frames.sources import parse_source
    from edge.mascots.ar import render_ar

    parse_source(args.source)
    bar = ProgressBar(sys.stderr.isatty())
    try:
        with stop_on_signals() as stop:
            result = render_ar(args.source, args.mascots, args.out, detect_every=args.detect_every,
                               max_pixels=args.max_pixels, max_frames=args.max_frames,
                               on_progress=lambda n: bar.update(n, None), stop=stop)
    finally:
        bar.close()
    print(json.dumps({"frames": result.frames, "mascots_seen": list(result.mascots_seen),
                      "frames_with_overlay": result.frames_with_overlay, "faces_blurred": result.faces_blurred,
                      "out": str(result.out_path)}))
    return 0


def setup_logging(args: argparse.Namespace) -> None:
    from edge.logs import configure_logging

    configure_logging(args.log_format, debug=args.debug)


def _add_geometry_args(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--line", help="one counting line X1,Y1,X2,Y2 in pixels")
    group.add_argument("--config", type=Path, help="camera or agent YAML file with lines and zones (docs/CONFIG.md)")
    p.add_argument("--camera", type=_id_arg("camera"), help="with an agent file of several cameras: which one")
    _add_view_args(p)


def _add_view_args(p: argparse.ArgumentParser) -> None:
    from edge.config import VIEWS

    p.add_argument("--view", choices=VIEWS, default=None,
                   help="angled (a person model; default) or top-down (a ceiling camera looking straight down); "
                        "overrides the config's view and sets its anchor")
    p.add_argument("--person-size", type=_person_size, default=None,
                   help="top-down view: a person's shoulder width seen from above, as a fraction of the frame's "
                        "shorter side (measure it with preview), or auto (the default: 0.2, smaller when the "
                        "people walking through measure much smaller); overrides the config's")


def _bounded(cast, bounds: str, expected: str):
    """An argparse type: `cast(text)` within the range named `bounds` in edge.config_settings (the
    same range the config file's setting has), else "expected <expected>, got <text>"; `expected`
    may use {lo} and {hi}."""
    def parse(text: str):
        from edge import config_settings

        lo, hi = getattr(config_settings, bounds)
        try:
            value = cast(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"expected {expected.format(lo=lo, hi=hi)}, got {text!r}")
        return value

    return parse


_person_size_number = _bounded(float, "PERSON_SIZE_RANGE",
                               '"auto" or a number from {lo:g} to {hi:g} (shoulder width / the frame\'s shorter side)')


def _person_size(text: str) -> float | str:
    return "auto" if text == "auto" else _person_size_number(text)


_pixels = _bounded(int, "MAX_PIXELS_RANGE", "a whole number of pixels from {lo} to {hi}")


def _add_max_pixels_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-pixels", type=_pixels, default=None,
                   help="search larger images downscaled to this many pixels (default 2073600 = 1920×1080); "
                        "raise it for small mascots in 4K images (~2.5× the time)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="retail-edge", description="In-store edge agent: count people, publish aggregates.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--log-format", choices=("text", "json"), default="text",
                        help="logs on stderr: human-readable text (default) or JSON lines")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("count", help="count line crossings in a video or stream (no network)",
                       description=run_count.__doc__)
    p.add_argument("--source", required=True, help="video file, rtsp:// or http:// URL, or camera index")
    _add_geometry_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.add_argument("--max-frames", type=_positive_int, default=None, help="stop after this many frames")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--settle-first", action="store_true",
                   help="a video file whose auto detector size moved during the count is counted again from its "
                        "start at the size the detector settled on (default: once, as the agent counts it)")
    p.set_defaults(run=run_count)

    p = sub.add_parser("preview", help="draw boxes, lines, zones and counts on the video (faces blurred)",
                       description=run_preview.__doc__)
    p.add_argument("--source", required=True, help="video file, rtsp:// or http:// URL, or camera index")
    _add_geometry_args(p)
    p.add_argument("--out", type=Path, help="annotated MP4 to write")
    p.add_argument("--out-dir", type=Path, help="folder for PNG snapshots")
    p.add_argument("--snapshot-every", type=int, help="write a PNG every N frames (with --out-dir)")
    p.add_argument("--max-frames", type=_positive_int, default=None, help="stop after this many frames")
    p.set_defaults(run=run_preview)

    p = sub.add_parser("run", help="count and publish window aggregates over MQTT",
                       description=run_agent_command.__doc__)
    p.add_argument("--config", type=Path, help="agent YAML file: store, broker, cameras (docs/CONFIG.md)")
    p.add_argument("--source", help="video file, rtsp:// or http:// URL, or camera index")
    p.add_argument("--store", type=_id_arg("store"), help="store id ([a-z0-9-], 1–64)")
    p.add_argument("--camera", type=_id_arg("camera"), help="camera id ([a-z0-9-], 1–64)")
    p.add_argument("--broker", help="mqtt://HOST:PORT or mqtts://HOST:PORT (overrides the config's)")
    p.add_argument("--line", help="counting line X1,Y1,X2,Y2 in pixels")
    _add_view_args(p)
    p.add_argument("--window", type=int, default=None, help="aggregation window in seconds (default 60)")
    p.add_argument("--start", help="file sources: UTC time of the first frame (default 2000-01-01T00:00:00Z)")
    p.add_argument("--agent-id", type=_id_arg("agent-id"), help="this agent's id (default: host name)")
    p.add_argument("--mascots", type=Path, help="folder of registered mascot images (quick form; else the config's)")
    p.add_argument("--outbox", type=Path, help="outbox file (default ~/.local/state/retail-edge/outbox-…db)")
    p.add_argument("--max-frames", type=_positive_int, default=None, help="stop after this many frames")
    p.set_defaults(run=run_agent_command)

    p = sub.add_parser("mascots", help="registered campaign mascots")
    msub = p.add_subparsers(dest="mascots_command", required=True, parser_class=_Parser)
    q = msub.add_parser("detect", help="find registered mascots in a folder of images",
                        description=run_mascots_detect.__doc__)
    q.add_argument("--mascots", required=True, type=Path, help="folder of reference images, one mascot per file")
    q.add_argument("--images", required=True, type=Path,
                   help="folder of images to search (.png .jpg .jpeg .bmp .webp .tif .tiff; other files are ignored)")
    q.add_argument("--json", action="store_true", help="one JSON object per image, per line, in file-name order")
    _add_max_pixels_arg(q)
    q.set_defaults(run=run_mascots_detect)

    p = sub.add_parser("ar", help="render the campaign AR overlay on each mascot (faces blurred)",
                       description=run_ar.__doc__)
    p.add_argument("--source", required=True, help="video file")
    p.add_argument("--mascots", required=True, type=Path, help="folder of reference images")
    p.add_argument("--out", required=True, type=Path, help="MP4 file to write")
    p.add_argument("--detect-every", type=int, default=3, help="detect on every n-th frame, track between")
    _add_max_pixels_arg(p)
    p.add_argument("--max-frames", type=_positive_int, default=None, help="stop after this many frames")
    p.set_defaults(run=run_ar)

    p = sub.add_parser("check", help="validate the config, open each camera, verify models and the broker login",
                       description=run_check.__doc__)
    p.add_argument("--config", required=True, type=Path, help="agent YAML file")
    p.set_defaults(run=run_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    from edge.cli_runner import run_command

    return run_command("retail-edge", build_parser, argv, RetailEdgeError, (ConfigError, SourceError))


if __name__ == "__main__":
    sys.exit(main())
