"""Per-crossing hits, misses and extra counts of the top-down path on the synthetic door clips.

`bench/topdown_bench.py` gives totals per direction, where a missed crossing and a false one
cancel out. This matches each counted crossing to a true one (same direction, within 1.5 s) and
lists the misses with who walked (alone or in a pair, clothes, what they carried), so a change
can be judged crossing by crossing:

    .venv/bin/python bench/topdown_misses.py --mix mixed --copy "blurred σ2.5" --seeds 1,2,3

`--true-size` draws people of another shoulder width than the default 0.2 of the frame's shorter
side (a camera mounted higher or lower), and `--person-size` sets the detector's (a number, or
`auto`, the default): what a wrong `person_size` costs, and what `auto` recovers (live; with
`--two-pass` as `retail-edge count --settle-first` counts a file, again from the start at the
size it settled on). `--every N` keeps every Nth frame (15 fps clips: `--every 3` is the 5 fps of
a recorder's sub-stream). Clips are written once to /tmp/retail-edge-topdown (as
`topdown_bench.py` does).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import synth_topdown  # noqa: E402
from topdown_bench import TMP, camera, crossing_times, video_width  # noqa: E402

MIXES = {"alone": {"one": 1.0}, "mixed": None}
MATCH_S = 1.5


def match(truth: list[tuple[float, str, int]], counted: list[tuple[float, str]]):
    """(missed true crossings, extra counted ones): each count matches the nearest unmatched true
    crossing of its direction within MATCH_S."""
    used: set[int] = set()
    missed = []
    for t, direction, who in truth:
        near = [(abs(ts - t), j) for j, (ts, d) in enumerate(counted)
                if j not in used and d == direction and abs(ts - t) < MATCH_S]
        if near:
            used.add(min(near)[1])
        else:
            missed.append((t, direction, who))
    return missed, [c for j, c in enumerate(counted) if j not in used]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mix", choices=list(MIXES), default="mixed")
    ap.add_argument("--copy", choices=list(synth_topdown.VARIANTS), default="640×480")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--arrivals", type=int, default=20)
    ap.add_argument("--true-size", type=float, default=0.2, help="people's shoulder width in the clips")
    ap.add_argument("--person-size", type=lambda v: v if v == "auto" else float(v), default="auto",
                    help='the detector\'s person_size: a number or "auto" (the default)')
    ap.add_argument("--every", type=int, default=1, help="keep every Nth frame (a lower frame rate)")
    ap.add_argument("--two-pass", action="store_true",
                    help="as `retail-edge count --settle-first` counts a file: again at the size auto settled on")
    args = ap.parse_args(argv)
    names = list(synth_topdown.VARIANTS)
    totals = [0, 0, 0]
    for seed in (int(s) for s in args.seeds.split(",")):
        clip = synth_topdown.make_clip(seed, people=args.arrivals, groups=MIXES[args.mix], person_size=args.true_size)
        sized = "" if args.true_size == 0.2 else f"-size{args.true_size:g}"
        paths = {name: TMP / f"door-{args.mix}{sized}-{seed}-{k}.mp4" for k, name in enumerate(names)}
        if not all(p.exists() for p in paths.values()):
            TMP.mkdir(exist_ok=True)
            synth_topdown.write(clip, paths)
        scale = video_width(paths[args.copy]) / clip.size[0]  # a low-resolution copy's line is scaled with it
        truth = synth_topdown.crossing_events(clip)
        config = camera(synth_topdown.line_spec(clip, scale), args.person_size)
        missed, extra = match(truth, crossing_times(paths[args.copy], config, args.every, args.two_pass))
        for t, direction, who in missed:
            wk = clip.walkers[who]
            pair = sum(o.start == wk.start for o in clip.walkers) > 1
            print(f"seed {seed} missed {direction} at {t:.1f} s: walker {who} ({'pair' if pair else 'alone'}, "
                  f"clothes {wk.clothes}, {wk.carries})")
        for ts, direction in extra:
            print(f"seed {seed} extra {direction} at {ts:.1f} s")
        totals = [totals[0] + len(truth), totals[1] + len(missed), totals[2] + len(extra)]
    rate = ("" if args.every == 1 else f", 1 frame in {args.every}") + (", two passes" if args.two_pass else "")
    print(f"{args.mix}, {args.copy}{rate}, people {args.true_size:g}, person_size {args.person_size}, "
          f"seeds {args.seeds}: missed {totals[1]} of {totals[0]} true crossings, "
          f"{totals[2]} extra")
    return 0


if __name__ == "__main__":
    sys.exit(main())
