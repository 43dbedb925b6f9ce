"""``python -m bench`` (``make bench``): every benchmark in turn, with progress bars, then
docs/benchmarks.md (the generated section) and the plots in docs/benchmarks/.

    python -m bench                         # everything, default sizes (< ~20 min)
    python -m bench --quick                 # a seconds-long smoke of every part
    python -m bench --only fanout,throughput --spectators 10,100 --games 20
    python -m bench --spectators 10,100,1000,5000 --scaled-games 1000

Parts: ``engine`` (bench/engine.py), ``fanout``, ``throughput``, ``capacity``, ``asgi``
(uvicorn under the same fan-out and throughput load as daphne), ``profile`` (py-spy
on the fan-out and throughput paths, in separate runs so it never skews the figures) and
``peers`` (Boardroom, boardgame.io, Colyseus and the bare peer under one Node load
generator, repeated: bench/compare.py; runs ``npm ci`` in bench/peers when needed).
Redis and PostgreSQL configurations are skipped (and said so) when either is down.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench import compare, live, report
from bench import engine as engine_bench
from bench.servers import ROOT, raise_fd_limit, services_available

PARTS = ("engine", "fanout", "throughput", "capacity", "asgi", "profile", "peers")
# The peers' comparison (bench/compare.py): sizes of the Node load generator.
PEER_DEFAULTS = {
    "games": 200,
    "spectators": 1000,
    "seat_to": 3000,
    "latency_moves": 20,
    "burst_moves": 20,
    "join_concurrency": 50,
    "repeats": 2,
}
PEER_QUICK = {
    "games": 2,
    "spectators": 5,
    "seat_to": 10,
    "latency_moves": 4,
    "burst_moves": 6,
    "join_concurrency": 50,
    "repeats": 1,
    "quiet": 0.3,
    "burst_pause": 0.2,
}
DEFAULTS = {
    "spectators": "10,100,300,1000",
    "games": 200,
    "scaled_games": 500,
    "connections": 10000,
    "latency_moves": 20,
    "burst_moves": 30,
    "capacity_seconds": 600,
}
QUICK = {
    "spectators": "5,20",
    "games": 4,
    "scaled_games": 4,
    "connections": 200,
    "latency_moves": 4,
    "burst_moves": 6,
    "capacity_seconds": 30,
}


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="seconds-long smoke of each part")
    parser.add_argument("--only", default=None, help=f"comma-separated parts of {PARTS}")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out")
    parser.add_argument("--spectators", default=None, help="fan-out sizes, e.g. 10,100,1000")
    parser.add_argument("--games", type=int, default=None, help="throughput games, 1 process")
    parser.add_argument(
        "--scaled-games", type=int, default=None, help="throughput games, 2 processes + Redis"
    )
    parser.add_argument("--connections", type=int, default=None, help="capacity target")
    parser.add_argument(
        "--capacity-seconds", type=float, default=None, help="time budget to open connections"
    )
    parser.add_argument(
        "--asgi-max-spectators", type=int, default=300, help="largest uvicorn fan-out size"
    )
    parser.add_argument("--latency-moves", type=int, default=None)
    parser.add_argument("--burst-moves", type=int, default=None)
    parser.add_argument(
        "--output", default=None, help="the report (default docs/benchmarks.md; --quick: none)"
    )
    parser.add_argument(
        "--configs", default=None, help="only these server configurations, e.g. daphne-1,bare"
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the figures of docs/benchmarks/results.json that this run does not remeasure",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="measure nothing: rewrite the report and plots from docs/benchmarks/results.json",
    )
    parser.add_argument(
        "--peer-games", type=int, default=None, help="peers: concurrent games (default 200)"
    )
    parser.add_argument(
        "--peer-spectators", type=int, default=None, help="peers: fan-out size (default 1000)"
    )
    parser.add_argument(
        "--peer-seat-to", type=int, default=None, help="peers: spectators seated (default 3000)"
    )
    parser.add_argument("--peer-repeats", type=int, default=None, help="peers: repeats (2)")
    parser.add_argument(
        "--peer-systems",
        default=None,
        help=f"peers: some of {','.join(compare.SYSTEMS)} (default all)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--no-scaled", action="store_true", help="skip Redis + PostgreSQL runs")
    args = parser.parse_args(argv)
    base = QUICK if args.quick else DEFAULTS
    for name, value in base.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.spectators = [int(n) for n in str(args.spectators).split(",") if n]
    chosen = args.only.split(",") if args.only else list(PARTS)
    if args.quick and not args.only:
        chosen = [p for p in chosen if p != "profile"]
    skipped = set(args.skip.split(",")) - {""}
    unknown = (set(chosen) | skipped) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    args.parts = [p for p in PARTS if p in chosen and p not in skipped]
    peer = dict(PEER_QUICK if args.quick else PEER_DEFAULTS)
    for name in ("games", "spectators", "seat_to", "repeats"):
        if getattr(args, f"peer_{name}") is not None:
            peer[name] = getattr(args, f"peer_{name}")
    args.peer = peer
    systems = args.peer_systems.split(",") if args.peer_systems else list(compare.SYSTEMS)
    unknown = set(systems) - set(compare.SYSTEMS)
    if unknown:
        parser.error(f"unknown peer system(s): {', '.join(sorted(unknown))}")
    args.peer_systems = systems
    if args.output is None and not args.quick:
        args.output = str(ROOT / "docs" / "benchmarks.md")
    return args


def plan(args, scaled: bool) -> list[tuple]:
    """The measurements to make, in order: (part, function name, arguments, label)."""
    steps = []
    if "engine" in args.parts:
        steps.append(("engine", "engine", (), "engine perft"))
    fanout_configs = ["bare", "daphne-1"] + (["daphne-2-redis"] if scaled else [])
    if "fanout" in args.parts:
        for n in args.spectators:
            for key in fanout_configs:
                steps.append(("fanout", "fanout", (key, n), f"fan-out {key} N={n}"))
    if "asgi" in args.parts:
        for n in [n for n in args.spectators if n <= args.asgi_max_spectators]:
            if "fanout" not in args.parts:
                steps.append(("asgi", "fanout", ("daphne-1", n), f"fan-out daphne-1 N={n}"))
            steps.append(("asgi", "fanout", ("uvicorn-1", n), f"fan-out uvicorn-1 N={n}"))
    if "throughput" in args.parts:
        steps.append(("throughput", "throughput", ("daphne-1", args.games), "throughput 1 proc"))
        if scaled:
            label = "throughput 2 proc + Redis"
            steps.append(("throughput", "throughput", ("daphne-2-redis", args.scaled_games), label))
    if "asgi" in args.parts:
        if "throughput" not in args.parts:
            label = "throughput daphne-1"
            steps.append(("asgi", "throughput", ("daphne-1", args.games), label))
        steps.append(("asgi", "throughput", ("uvicorn-1", args.games), "throughput uvicorn-1"))
    if "capacity" in args.parts:
        steps.append(("capacity", "capacity", ("daphne-1", args.connections), "capacity"))
    if "asgi" in args.parts:
        connections = min(args.connections, 2000)
        steps.append(("asgi", "capacity", ("uvicorn-1", connections), "capacity uvicorn"))
    if "profile" in args.parts:
        profile_n = min(max(args.spectators), 300)
        steps.append(("profile", "fanout", ("daphne-1", profile_n), "profile fan-out"))
        steps.append(("profile", "throughput", ("daphne-1", args.games), "profile throughput"))
        if scaled:
            label = "profile throughput 2 proc"
            steps.append(("profile", "throughput", ("daphne-2-redis", args.games), label))
    if args.configs:
        keep = set(args.configs.split(","))
        steps = [s for s in steps if s[0] == "engine" or s[2][0] in keep]
    if "peers" in args.parts:
        systems = [k for k in args.peer_systems if scaled or compare.SYSTEMS[k].backend != "scaled"]
        steps.append(("peers", "npm", (), "npm ci in bench/peers"))
        # Every repeat measures each system once, in turn, so a noisy minute of the shared
        # machine spreads over the systems instead of landing on one.
        for repeat in range(1, args.peer["repeats"] + 1):
            for key in systems:
                steps.append(("peers", "peer", (key, repeat), f"peers {key} #{repeat}"))
    return steps


def merge(old: dict, new: dict) -> dict:
    """``new``'s figures, plus those of ``old`` that ``new`` did not measure again (same
    part, configuration and size); remeasured rows are listed in ``remeasured``."""

    def key(part, row):
        field = {"fanout": "spectators", "throughput": "games", "capacity": "target"}
        return (part, row["config"], row.get(field.get(part, "size")), row.get("label"))

    merged = dict(new)
    merged["remeasured"] = list(old.get("remeasured", []))
    # A run of the peers' comparison alone keeps the date of the other tables.
    if not any(new[part] for part in ("fanout", "throughput", "capacity", "profiles")):
        merged["date"] = old.get("date", new["date"])
    fresh_peers = {(row["system"], row["repeat"]) for row in new.get("peers", [])}
    merged["peers"] = [
        row for row in old.get("peers", []) if (row["system"], row["repeat"]) not in fresh_peers
    ] + new.get("peers", [])
    merged["peers_run"] = new.get("peers_run") if new.get("peers") else old.get("peers_run")
    for part in ("fanout", "throughput", "capacity", "profiles"):
        fresh = {key(part, row) for row in new[part]}
        merged[part] = [row for row in old.get(part, []) if key(part, row) not in fresh]
        merged[part] += new[part]
        merged["remeasured"] += [f"{k[0]} {k[1]} {k[2]}" for k in sorted(fresh, key=str)]
    merged["engine"] = new["engine"] or old.get("engine")
    merged["failures"] = [
        f
        for f in old.get("failures", [])
        if not any(f["step"] == g["step"] for g in new["failures"])
    ]
    merged["failures"] = [f for f in merged["failures"] if not _remeasured(f["step"], new)]
    merged["failures"] += new["failures"]
    merged["first_run"] = old.get("first_run", old.get("date"))
    merged["seconds"] = old.get("seconds", 0) + new.get("seconds", 0)
    merged["machine"] = old.get("machine", new["machine"])
    merged["scaled"] = old.get("scaled") or new["scaled"]
    merged["services"] = old.get("services", new["services"])
    return merged


def _remeasured(step: str, new: dict) -> bool:
    """A failed step of the old run that this run measured (labels name config and N)."""
    for row in new["fanout"]:
        if step == f"fan-out {row['config']} N={row['spectators']}":
            return True
    if any(step == f"peers {row['system']} #{row['repeat']}" for row in new.get("peers", [])):
        return True
    return any(step == f"throughput {row['config']}" for row in new["throughput"])


def run_engine(quick: bool) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        engine_bench.main(["--quick"] if quick else [])
    return buffer.getvalue()


def render_only(output: Path) -> int:
    plots = output.parent / "benchmarks"
    results = json.loads((plots / "results.json").read_text())
    figures = report.plot(results, plots)
    report.write(output, report.render(results, figures=figures, relative_to=output.parent))
    print(f"Wrote {output} and {len(figures)} plot(s) in {plots}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render_only:
        return render_only(Path(args.output or ROOT / "docs" / "benchmarks.md"))
    raise_fd_limit()
    available = services_available()
    scaled = not args.no_scaled and all(available.values())
    workdir = Path(tempfile.mkdtemp(prefix="boardroom-bench-"))
    sizes = {"latency_moves": args.latency_moves, "burst_moves": args.burst_moves}
    results: dict = {
        "date": datetime.date.today().isoformat(),
        "machine": report.machine(),
        "python": platform.python_version(),
        "args": {k: v for k, v in vars(args).items() if k != "parts"} | {"parts": args.parts},
        "scaled": scaled,
        "services": available,
        "engine": None,
        "fanout": [],
        "throughput": [],
        "capacity": [],
        "profiles": [],
        "peers": [],
        "peers_run": None,
        "failures": [],
    }
    if not scaled and not args.no_scaled:
        print(f"Redis/PostgreSQL not reachable ({available}): scaled runs skipped")
    steps = plan(args, scaled)
    log = (workdir / "loadgen.log").open("w")
    progress = _progress(steps, args.no_progress)
    started = time.monotonic()
    for part, kind, params, label in steps:
        progress.set_description(label)
        try:
            if kind == "engine":
                results["engine"] = run_engine(args.quick)
            elif kind == "npm":
                compare.ensure_npm(log)
                results["peers_run"] = {
                    "date": results["date"],
                    "sizes": args.peer,
                    "versions": compare.versions(),
                    "machine": results["machine"],
                }
            elif kind == "peer":
                key, repeat = params
                measured = compare.measure(key, args.peer, workdir, log=log, together=args.quick)
                results["peers"].append(measured | {"repeat": repeat})
            elif part == "profile":
                out = workdir / f"profile-{kind}-{params[0]}"
                function = live.fanout if kind == "fanout" else live.throughput
                extra = (workdir, {**sizes, "burst_moves": 36}) if kind == "fanout" else (workdir,)
                measured = function(*params, *extra, log=log, profile=out)
                results["profiles"].append(
                    {"label": label, "config": params[0], "kind": kind, "size": params[1]}
                    | {"summary": report.profile_summary(workdir, out), "result": measured}
                )
            elif kind == "fanout":
                results["fanout"].append(live.fanout(*params, workdir, sizes, log=log))
            elif kind == "throughput":
                results["throughput"].append(live.throughput(*params, workdir, log=log))
            elif kind == "capacity":
                key, connections = params
                results["capacity"].append(
                    live.capacity(key, connections, 20, args.capacity_seconds, workdir, log)
                )
        except Exception as exc:  # one broken measurement must not hide the others
            results["failures"].append({"step": label, "error": repr(exc)})
            traceback.print_exc(file=log)
        log.flush()
        progress.update(1)
    progress.close()
    results["seconds"] = time.monotonic() - started
    log.close()

    results_path = Path(args.output or ROOT / "docs" / "benchmarks.md").parent / "benchmarks"
    if args.merge and (results_path / "results.json").exists():
        results = merge(json.loads((results_path / "results.json").read_text()), results)
    text = report.render(results)
    print(text)
    if results["failures"]:
        print(f"Failures (details in {workdir / 'loadgen.log'}):")
        for failure in results["failures"]:
            print(f"  {failure['step']}: {failure['error']}")
    if args.output:
        out = Path(args.output)
        plots = out.parent / "benchmarks"
        plots.mkdir(parents=True, exist_ok=True)
        (plots / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
        figures = report.plot(results, plots)
        report.write(out, report.render(results, figures=figures, relative_to=out.parent))
        print(f"Wrote {out} and {len(figures)} plot(s) in {plots}")
    return 0


def _progress(steps, disabled: bool):
    try:
        from tqdm import tqdm
    except ImportError:  # the bench extra is not installed: plain lines instead
        tqdm = None
    if tqdm is None or disabled:
        return _Lines(len(steps))
    return tqdm(total=len(steps), unit="step", file=sys.stderr, dynamic_ncols=True)


class _Lines:
    def __init__(self, total: int):
        self.total, self.done = total, 0

    def set_description(self, text: str) -> None:
        print(f"[{self.done + 1}/{self.total}] {text}", file=sys.stderr, flush=True)

    def update(self, n: int) -> None:
        self.done += n

    def close(self) -> None:
        pass


if __name__ == "__main__":
    sys.exit(main())
