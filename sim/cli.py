"""The ``gridsim`` command line: run, validate, schema.

Bad input ends with one line on stderr naming the file and the field, exit status 2,
and no traceback; nothing is written before the input has been validated.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import __version__
from .config import ScenarioError, json_schema, load_scenario


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gridsim", description="Simulate grid-based community governance (网格化社会治理).")
    p.add_argument("--version", action="version", version=f"gridsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run a scenario, print KPIs, write a run directory")
    r.add_argument("scenario", help="scenario YAML file")
    r.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    r.add_argument("--days", type=int, help="days to simulate (default: the scenario's)")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario field, e.g. --set staffing.full_time=2 (repeatable)")
    r.add_argument("--out", default=None, help="run directory (default: runs/<scenario name>)")
    r.add_argument("--no-transitions", action="store_true", help="do not record the transition log (faster; no transitions.parquet)")
    r.add_argument("--quiet", action="store_true", help="print nothing but errors")

    v = sub.add_parser("validate", help="check a scenario file (exit 0 if valid, 2 if not)")
    v.add_argument("scenario")
    v.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")

    sub.add_parser("schema", help="print the JSON Schema of scenario files")
    return p


def _cmd_run(args) -> int:
    overrides = list(args.overrides)
    if args.days is not None:
        overrides.append(f"days={args.days}")
    if args.seed is not None:
        overrides.append(f"seed={args.seed}")
    config = load_scenario(args.scenario, overrides)
    out = Path(args.out) if args.out else Path("runs") / config.name
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a directory")

    from .kpis import print_table
    from .runner import run_scenario, write_run

    t0 = time.perf_counter()
    model = run_scenario(config, transitions=not args.no_transitions)
    wall = time.perf_counter() - t0
    summary = write_run(model, out, transitions=not args.no_transitions)
    if not args.quiet:
        print(f"gridsim {__version__} · {config.name} · seed {model.seed} · {model.day} days · "
              f"{model.world.n_grids} grids · {model.world.n_households:,} households · {wall:.2f} s")
        print_table({k: v for k, v in summary.items() if k not in ("scenario", "seed", "days", "version")})
        print(f"wrote {out}/summary.json, incidents.parquet, daily.parquet, workers.parquet, scores.parquet, "
              "grids.parquet, scenario.yaml")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "validate":
            config = load_scenario(args.scenario, args.overrides)
            print(f"{args.scenario}: valid ({config.name}, {config.days} days)")
            return 0
        if args.command == "schema":
            print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
            return 0
    except ScenarioError as exc:
        print(f"gridsim: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `gridsim run ... | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(f"gridsim: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("gridsim: interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
