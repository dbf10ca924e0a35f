"""Simulation: live store occupancy from imperfect door counters, raw `in − out` against the
hub's drift-corrected estimate, where the true occupancy is known.

    .venv/bin/python bench/occupancy_sim.py                        # 28 days, seed 11
    .venv/bin/python bench/occupancy_sim.py --days 56 --seed 3 --out /tmp/occ.json

1. The store: hub/occupancy model (Europe/Berlin, Mon–Fri 09:00–20:00, Sat 09:00–21:00, Sun
   closed, reset 30 min after closing), two doors on two cameras: `entrance/door-a` (crossing
   "in" enters) and `side/door-b` (crossing "out" enters). The simulated month holds the
   autumn daylight-saving change (2026-10-25), so one day's windows straddle it.
2. People: arrivals over the opening hours from a non-homogeneous Poisson process (a morning
   trickle, a lunch peak at 12:30, an after-work peak at 17:30; Saturdays busier), 1,200–2,600
   a day; visit lengths log-normal (median 18 min); everyone leaves by 10 min after closing. Each
   person picks a door to enter and, independently, one to leave by.
3. The counters: per door and direction, a miss rate and a double-count rate of a few percent
   that are the door's own (the same every day: "days like the earlier ones"), each jittered
   ±25 % from day to day, and drawn per person.
4. The hub: the counted crossings of each one-minute window go through the hub's own pure code
   (hub.occupancy.estimate: entrance_flows → DayBalance of earlier days → exit_scale →
   occupancy_curve), exactly as the dashboard computes them.
5. Measure, on every day with a correction (at least `min_days` earlier days), at the end of
   each minute from opening to the reset: |shown − true| for raw (max(0, in − out)) and for the
   corrected estimate (max(0, round(in − s·out))); mean and maximum over all those minutes, and
   the error at closing time.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import statistics
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.occupancy.days import store_day  # noqa: E402
from hub.occupancy.estimate import (  # noqa: E402
    DayBalance,
    entrance_flows,
    exit_scale,
    occupancy_curve,
)
from hub.occupancy.model import parse_store_model  # noqa: E402

MODEL = parse_store_model("sim-store", {
    "tz": "Europe/Berlin",
    "hours": {"mon": "09:00-20:00", "tue": "09:00-20:00", "wed": "09:00-20:00", "thu": "09:00-20:00",
              "fri": "09:00-20:00", "sat": "09:00-21:00", "sun": "closed"},
    "reset_grace_min": 30,
    "entrances": [{"camera": "entrance", "line": "door-a", "in_direction": "in"},
                  {"camera": "side", "line": "door-b", "in_direction": "out"}],
})
DOORS = {"door-a": ("entrance", 0.65), "door-b": ("side", 0.35)}   # camera, share of people
# per door: (miss entry, double entry, miss exit, double exit), fractions of crossings
ERRORS = {"door-a": (0.02, 0.005, 0.05, 0.01), "door-b": (0.01, 0.015, 0.03, 0.005)}
FIRST_DAY = date(2026, 10, 5)   # a Monday; 2026-10-25 (a Sunday) is the autumn change in Berlin


def _intensity(hour: float) -> float:
    """Relative arrival rate at a local hour of day."""
    return 0.35 + math.exp(-((hour - 12.5) / 1.1) ** 2) + 1.4 * math.exp(-((hour - 17.5) / 1.4) ** 2)


def simulate_people(day: date, rng: random.Random) -> list[tuple[datetime, datetime, str, str]]:
    """(arrive, leave, entry door, exit door) of everyone on one day (UTC instants)."""
    sd = store_day(MODEL, day)
    if not sd.is_open_day:
        return []
    total = rng.uniform(1200, 1900) * (1.35 if day.weekday() == 5 else 1.0)
    opens, closes = sd.opens, sd.closes
    minutes = int((closes - opens).total_seconds() // 60) - 10       # nobody arrives in the last 10 min
    open_hour = opens.astimezone(MODEL.zone).hour + opens.astimezone(MODEL.zone).minute / 60
    weights = [_intensity(open_hour + m / 60) for m in range(minutes)]
    scale = total / sum(weights)
    people = []
    doors, shares = list(DOORS), [share for _, share in DOORS.values()]
    for m, w in enumerate(weights):
        for _ in range(_poisson(w * scale, rng)):
            arrive = opens + timedelta(minutes=m, seconds=rng.uniform(0, 60))
            stay = timedelta(minutes=rng.lognormvariate(math.log(18), 0.6))
            leave = arrive + stay
            if leave > closes:  # the store closes: everyone still inside leaves within 10 minutes
                leave = closes + timedelta(seconds=rng.uniform(0, 600))
            people.append((arrive, leave, rng.choices(doors, shares)[0], rng.choices(doors, shares)[0]))
    return people


def _poisson(lam: float, rng: random.Random) -> int:
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def _counted(rng: random.Random, miss: float, double: float) -> int:
    """How many times the counter records one real crossing: 0 (missed), 1, or 2 (doubled)."""
    u = rng.random()
    return 0 if u < miss else 2 if u < miss + double else 1


def count_windows(day: date, people, rng: random.Random) -> tuple[list[tuple], dict[datetime, int]]:
    """The hub's view (per-minute line counts) and the truth (occupancy at the end of each minute)."""
    sd = store_day(MODEL, day)
    jitter = {door: [r * rng.uniform(0.75, 1.25) for r in rates] for door, rates in ERRORS.items()}
    counts: dict[tuple[datetime, str], list[int]] = {}
    events: list[tuple[datetime, int]] = []
    for arrive, leave, door_in, door_out in people:
        for moment, door, is_entry in ((arrive, door_in, True), (leave, door_out, False)):
            miss_in, double_in, miss_out, double_out = jitter[door]
            n = _counted(rng, miss_in, double_in) if is_entry else _counted(rng, miss_out, double_out)
            minute = moment.replace(second=0, microsecond=0)
            slot = counts.setdefault((minute, door), [0, 0])
            # the line's own directions: door-b's "out" is an entry into the store
            into_store_is_in = MODEL.entrance_of(DOORS[door][0], door).in_direction == "in"
            slot[0 if is_entry == into_store_is_in else 1] += n
            events.append((moment, 1 if is_entry else -1))
    lines = [(minute, minute + timedelta(minutes=1), DOORS[door][0], door, i, o)
             for (minute, door), (i, o) in counts.items()]
    lines += [(minute, minute + timedelta(minutes=1), "entrance", "aisle", 7, 3)  # not an entrance: ignored
              for (minute, door) in counts if door == "door-a"]
    truth, inside, k = {}, 0, 0
    events.sort()
    moment = sd.start.replace(second=0, microsecond=0)
    while moment < sd.reset:
        end = moment + timedelta(minutes=1)
        while k < len(events) and events[k][0] < end:
            inside += events[k][1]
            k += 1
        truth[end] = inside
        moment = end
    return lines, truth


def _like_earlier_days(history: list[DayBalance], window: int = 14, within: float = 0.01) -> bool:
    """The last day's imbalance, as a share of its entries, is within `within` (1 percentage point)
    of the median share of up to `window` days before it: a day "like the earlier ones"."""
    if len(history) < 2:
        return False
    share = [h.imbalance / max(h.entries, 1) for h in history[-window - 1:]]
    return abs(share[-1] - statistics.median(share[:-1])) <= within


def run(days: int, seed: int) -> dict:
    rng = random.Random(seed)
    history: list[DayBalance] = []
    errors_raw, errors_cor, per_day = [], [], []
    like_raw, like_cor = [], []  # minutes of days whose bias is like the earlier days'
    for n in range(days):
        day = FIRST_DAY + timedelta(days=n)
        sd = store_day(MODEL, day)
        people = simulate_people(day, rng)
        lines, truth = count_windows(day, people, rng)
        flows = [f for f in entrance_flows(lines, MODEL.entrances) if sd.start <= f.start < sd.reset]
        correction = exit_scale(history, MODEL.drift)
        curve = {p.at: p for p in occupancy_curve(flows, correction)}
        if flows:
            last = max(curve.values(), key=lambda p: p.at)
            history.append(DayBalance(day, last.entries, last.exits))
        if not sd.is_open_day or not correction.is_applied:
            continue
        raw_e, cor_e, point = [], [], None
        close_err = (0, 0)
        for at, true in sorted(truth.items()):
            point = curve.get(at, point)
            if at <= sd.opens:
                continue
            shown_raw = point.shown_raw if point else 0
            shown_cor = point.shown_corrected if point else 0
            raw_e.append(abs(shown_raw - true))
            cor_e.append(abs(shown_cor - true))
            if at == sd.closes:
                close_err = (shown_raw - true, shown_cor - true)
        errors_raw += raw_e
        errors_cor += cor_e
        like = _like_earlier_days(history)
        if like:
            like_raw += raw_e
            like_cor += cor_e
        per_day.append({"date": day.isoformat(), "visitors_true": len(people),
                        "exit_scale": round(correction.exit_scale, 4),
                        "imbalance": history[-1].imbalance, "raw_mean": round(statistics.mean(raw_e), 2),
                        "raw_max": max(raw_e), "corrected_mean": round(statistics.mean(cor_e), 2),
                        "corrected_max": max(cor_e), "raw_error_at_closing": close_err[0],
                        "corrected_error_at_closing": close_err[1], "like_earlier_days": like})
    summary = {
        "raw": {"mean_abs_error": round(statistics.mean(errors_raw), 2), "max_abs_error": max(errors_raw)},
        "corrected": {"mean_abs_error": round(statistics.mean(errors_cor), 2), "max_abs_error": max(errors_cor)},
    }
    if like_raw:
        summary["like_earlier_days"] = {
            "days": sum(d["like_earlier_days"] for d in per_day),
            "raw": {"mean_abs_error": round(statistics.mean(like_raw), 2), "max_abs_error": max(like_raw)},
            "corrected": {"mean_abs_error": round(statistics.mean(like_cor), 2), "max_abs_error": max(like_cor)},
        }
    summary["mean_ratio"] = round(summary["corrected"]["mean_abs_error"] / summary["raw"]["mean_abs_error"], 3)
    summary["max_ratio"] = round(summary["corrected"]["max_abs_error"] / summary["raw"]["max_abs_error"], 3)
    return {"seed": seed, "days": days, "evaluated_days": len(per_day), "minutes": len(errors_raw),
            "counter_errors": {door: dict(zip(("miss_entry", "double_entry", "miss_exit", "double_exit"), rates,
                                              strict=True)) for door, rates in ERRORS.items()},
            "summary": summary, "per_day": per_day,
            "machine": {"python": platform.python_version(), "platform": platform.platform()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28, help="simulated days (default 28)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "occupancy_sim.json")
    args = parser.parse_args(argv)
    result = run(args.days, args.seed)
    s = result["summary"]
    print(f"{result['evaluated_days']} corrected days, {result['minutes']} minutes (opening to reset), "
          f"seed {args.seed}")
    print(f"{'estimate':<28} {'mean |error|':>13} {'max |error|':>12}")
    print(f"{'raw in − out':<28} {s['raw']['mean_abs_error']:>13.2f} {s['raw']['max_abs_error']:>12}")
    print(f"{'corrected (exits scaled)':<28} {s['corrected']['mean_abs_error']:>13.2f} "
          f"{s['corrected']['max_abs_error']:>12}")
    print(f"corrected / raw: mean {s['mean_ratio']}, max {s['max_ratio']}")
    like = s.get("like_earlier_days")
    if like:
        print(f"days like the earlier ones ({like['days']}, imbalance share within 1 point of the earlier days'): "
              f"raw mean {like['raw']['mean_abs_error']} max {like['raw']['max_abs_error']}; corrected mean "
              f"{like['corrected']['mean_abs_error']} max {like['corrected']['max_abs_error']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
