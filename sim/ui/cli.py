"""The ``gridsim`` command line: run, validate, schema, describe, check, calibrate, sweep, report,
size, sensitivity, validation, trace, viz, district, fit.

Bad input ends with one line on stderr naming the file and the field, exit status 2,
and no traceback; nothing is written before the input has been validated.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import time
from pathlib import Path

from sim import __version__
from sim.output.locations import default_out, slug
from sim.scenario.errors import ScenarioError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gridsim", description="Simulate grid-based community governance (网格化社会治理)."
    )
    p.add_argument("--version", action="version", version=f"gridsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run a scenario, print KPIs, write a run directory")
    r.add_argument("scenario", help="scenario YAML file")
    r.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    r.add_argument("--days", type=int, help="days to simulate (default: the scenario's)")
    r.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario field, e.g. --set staffing.full_time=2 (repeatable)",
    )
    r.add_argument("--out", default=None, help="run directory (default: runs/<scenario name>)")
    r.add_argument("--force", action="store_true", help="write into an --out folder that is not a run directory")
    r.add_argument(
        "--no-transitions",
        action="store_true",
        help="do not record the transition log (a shorter write; no transitions.parquet)",
    )
    r.add_argument("--quiet", action="store_true", help="print nothing but errors")
    _excel_flags(r)

    v = sub.add_parser("validate", help="check a scenario file (exit 0 if valid, 2 if not)")
    v.add_argument("scenario")
    v.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")

    sc = sub.add_parser("schema", help="print the JSON Schema of scenario files (or, with --markdown, the reference)")
    sc.add_argument(
        "--markdown",
        action="store_true",
        help="the scenario reference as Markdown tables (docs/scenario-reference.md) instead of JSON Schema",
    )
    sc.add_argument("--lang", choices=["en", "zh", "both"], default="both", help="language of --markdown")

    d = sub.add_parser("describe", help="the scenario's model description in the ODD protocol (Grimm et al. 2020)")
    d.add_argument("scenario")
    d.add_argument("--lang", choices=["en", "zh"], default="en")
    d.add_argument("--out", default=None, metavar="FILE.md", help="write Markdown there (default: print it)")
    d.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")

    vd = sub.add_parser("validation", help="the model against Erlang C, M/M/c+D and Ciw: write docs/validation.md")
    vd.add_argument("--reps", type=int, default=10, help="replications per parameter set (default %(default)s)")
    vd.add_argument("--days", type=int, default=60, help="days per replication (default %(default)s)")
    vd.add_argument("--seed", type=int, default=20_000, help="first seed (default %(default)s)")
    vd.add_argument("--no-ciw", action="store_true", help="leave Ciw out (it is in the bench extra)")
    vd.add_argument("--out", default="docs/validation.md", help="page to write (default %(default)s)")

    c = sub.add_parser("check", help="compare a scenario's replications with its published targets (exit 1 on a miss)")
    c.add_argument("scenario")
    c.add_argument("--targets", default="calibration/targets.yaml", help="target file (default: %(default)s)")
    c.add_argument("--reps", type=int, default=5, help="replications (seeds seed, seed+1, …; default %(default)s)")
    c.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    c.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")

    k = sub.add_parser("calibrate", help="fit a scenario's uncertain parameters to its targets (ABC-SMC)")
    k.add_argument("scenario")
    k.add_argument("--targets", default="calibration/targets.yaml", help="target file (default: %(default)s)")
    k.add_argument("--out", default=None, help="output directory (default: runs/calibrate/<scenario name>)")
    k.add_argument("--population", type=int, default=40, help="particles per generation (default %(default)s)")
    k.add_argument(
        "--generations", type=int, default=5, help="generations in all, resumed ones included (default %(default)s)"
    )
    k.add_argument(
        "--min-epsilon",
        type=float,
        default=0.5,
        help="stop when every fitted target is within this many tolerances (default %(default)s)",
    )
    k.add_argument("--days", type=int, default=None, help="days per simulation (default: the scenario's)")
    k.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="fixed for every simulation, not fitted (e.g. world.streets=10: a sample of a city's identical "
        "streets); the calibrated scenario is written without it",
    )
    k.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    k.add_argument("--no-progress", action="store_true", help="no progress bar")

    w = sub.add_parser("sweep", help="run an experiment's policies × uncertainties × replications (resumable)")
    w.add_argument("experiment", help="experiment YAML file (see experiments/)")
    w.add_argument("--out", default=None, help="sweep directory (default: runs/<experiment name>)")
    w.add_argument("--workers", type=int, default=None, help="local processes (default and cap: the cores available)")
    w.add_argument("--force-workers", action="store_true", help="start --workers processes even beyond the cores")
    w.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask distributed cluster, e.g. tcp://host:8786, instead of local processes",
    )
    w.add_argument("--no-progress", action="store_true", help="no progress bar")

    z = sub.add_parser("size", help="least grid workers per grid meeting service targets, with Erlang C / A beside")
    z.add_argument("scenario")
    z.add_argument(
        "--target",
        dest="targets",
        action="append",
        required=True,
        metavar="KPI<=VALUE",
        help="service target on a summary number, e.g. resolution_hours_p90<=72 (repeatable)",
    )
    z.add_argument(
        "--confidence",
        type=float,
        default=0.9,
        help="share of simulated years in which every target must hold (default %(default)s)",
    )
    z.add_argument("--reps", type=int, default=10, help="replications per candidate (default %(default)s)")
    z.add_argument("--by", choices=["community_type"], default=None, help="size each community type apart")
    z.add_argument(
        "--mix",
        type=int,
        default=None,
        metavar="MAX_PART_TIME",
        help="also try 0..MAX part-time workers per grid; choose the cheapest mix at staffing.costs",
    )
    z.add_argument(
        "--max", type=int, default=30, help="most full-time workers per grid to consider (default %(default)s)"
    )
    z.add_argument("--days", type=int, default=None)
    z.add_argument("--seed", type=int, default=None)
    z.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    z.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address")
    z.add_argument("--out", default=None, help="directory (default: runs/size/<scenario name>)")
    z.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")

    n = sub.add_parser("sensitivity", help="which uncertain inputs drive the KPIs (SALib: Morris, then Sobol)")
    n.add_argument("scenario")
    n.add_argument(
        "--params",
        nargs="+",
        required=True,
        metavar="NAME[=LOW:HIGH[:log]]",
        help="parameters and ranges (a bare name takes its range from the scenario's uncertain: block)",
    )
    n.add_argument(
        "--method",
        choices=["morris", "sobol"],
        default="morris",
        help="morris: screening; sobol: Morris first, then Sobol indices on the survivors",
    )
    n.add_argument(
        "--kpi",
        dest="kpis",
        action="append",
        default=None,
        help="KPI to analyse (repeatable; default closure_rate, wait_hours_mean, satisfaction)",
    )
    n.add_argument("--trajectories", type=int, default=10, help="Morris trajectories (default %(default)s)")
    n.add_argument("--n", type=int, default=64, help="Sobol base sample size, a power of two (default %(default)s)")
    n.add_argument(
        "--screen",
        type=float,
        default=0.1,
        help="Sobol keeps parameters with μ* ≥ this share of the largest (default %(default)s)",
    )
    n.add_argument("--reps", type=int, default=1, help="seeds averaged per point (default %(default)s)")
    n.add_argument("--days", type=int, default=None)
    n.add_argument("--seed", type=int, default=None)
    n.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    n.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address")
    n.add_argument("--out", default=None, help="directory (default: runs/sensitivity/<scenario name>)")
    n.add_argument("--no-progress", action="store_true")

    tr = sub.add_parser("trace", help="tell one incident's story from a run directory (English or Chinese)")
    tr.add_argument("run_dir", help="a directory written by `gridsim run` (with its transitions.parquet)")
    tr.add_argument("--incident", type=int, required=True, help="incident id (the id column of incidents.parquet)")
    tr.add_argument("--lang", choices=["en", "zh"], default="en")

    vz = sub.add_parser("viz", help="the trainer's live view in the browser (a Solara page)")
    vz.add_argument("scenario")
    vz.add_argument("--port", type=int, default=8765)
    vz.add_argument("--lang", choices=["en", "zh"], default="en", help="the page's first language (a toggle switches)")
    vz.add_argument("--host", default="127.0.0.1", help="address to serve on (default %(default)s: this machine only)")

    o = sub.add_parser("report", help="write the HTML report of a sweep directory")
    o.add_argument("directory", help="a directory written by `gridsim sweep`")
    o.add_argument("--out", default=None, help="report file (default: DIRECTORY/report.html)")
    _excel_flags(o)
    _bring_your_own_district(sub)
    for name in ("size", "check", "fit"):
        _excel_flags(sub.choices[name])
    return p


def _excel_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--xlsx", action="store_true", help="also write an Excel workbook beside the other outputs")
    parser.add_argument(
        "--lang", choices=["en", "zh"], default=None, help="language of headers (default: GRIDSIM_LANG, else en)"
    )


def _lang(args) -> str:
    return args.lang or os.environ.get("GRIDSIM_LANG") or "en"


# --- bring your own district: `district` (register → world) and `fit` (case log → scenario + check) ---------
def _bring_your_own_district(sub) -> None:
    d = sub.add_parser("district", help="a grid register or map (CSV, Excel, GeoJSON, GeoPackage, Shapefile) → world")
    d.add_argument("grids", help="grid register or map")
    d.add_argument("--columns", default=None, help="mapping file naming the register's columns (columns: {id: …})")
    d.add_argument("--households", type=int, default=None, help="households of grids whose register gives none")
    d.add_argument("--out", required=True, help="district scenario file to write")
    d.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="also set a scenario field (e.g. staffing.full_time=8): `fit` keeps it",
    )
    f = sub.add_parser(
        "fit", help="fit a scenario to a platform case log and check it on held-out data (exit 1 on a miss)"
    )
    f.add_argument("cases", help="case log (CSV, Excel or Parquet; one row per case)")
    f.add_argument("--district", required=True, help="district file written by `gridsim district`")
    f.add_argument("--mapping", required=True, help="mapping file: columns, categories, channels, time format")
    f.add_argument("--out", required=True, help="fitted scenario file to write (fit_report.html goes beside it)")
    h = f.add_mutually_exclusive_group()
    h.add_argument("--holdout", type=float, default=0.25, help="share of the log's period held out (default 0.25)")
    h.add_argument("--holdout-from", default=None, help="hold out the cases created from this date / time on")
    f.add_argument("--reps", type=int, default=5, help="simulations of the held-out period (seeds 0 … reps−1)")


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _cmd_district(args) -> int:
    from sim.ingest.commented import plain
    from sim.ingest.register import district_yaml, import_register, load_mapping
    from sim.scenario.loading import apply_overrides, scenario_from_dict

    _positive(args.households, "--households")
    d = import_register(args.grids, load_mapping(args.columns), args.households, args.columns or "--columns")
    d.scenario = apply_overrides(d.scenario, args.overrides)
    text = district_yaml(d, args.grids)
    scenario_from_dict(plain(d.scenario), args.out)  # what `run` will read must validate
    for w in d.warnings:
        print(f"gridsim: warning: {w}", file=sys.stderr)
    _write_text(Path(args.out), text)
    n_edges = sum(
        len(g.value.get("neighbours", [])) for c in d.scenario["world"]["communities"] for g in c["grid_list"]
    )
    print(
        f"{args.out}: {d.n_grids} grids in {len(d.scenario['world']['communities'])} communities, "
        f"{len(d.streets)} street(s), {n_edges // 2} neighbour pairs"
    )
    return 0


def _cmd_fit(args) -> int:
    from sim.ingest.caselog import read_caselog
    from sim.ingest.commented import load
    from sim.ingest.fitting import fit_log, split_log
    from sim.ingest.register import load_mapping
    from sim.ingest.sources import IngestError
    from sim.scenario.loading import scenario_from_dict
    from sim.world.district import build_world

    _positive(args.reps, "--reps")
    if not 0 <= args.holdout < 1:
        raise ScenarioError(f"--holdout: must be in [0, 1), got {args.holdout}")
    try:
        raw = load(Path(args.district).read_text(encoding="utf-8"))
    except Exception as exc:  # not YAML, not readable: one line
        raise ScenarioError(f"{args.district}: cannot read ({str(exc).splitlines()[0]})") from None
    world = build_world(scenario_from_dict(raw, args.district))
    if not world.imported:
        raise ScenarioError(f"{args.district}: world lists no grids (write it with `gridsim district`)")
    log = read_caselog(args.cases, load_mapping(args.mapping), list(world.grid_source_ids), args.district, args.mapping)
    try:
        split = split_log(log, args.holdout, args.holdout_from)
    except ValueError:
        raise ScenarioError(f"--holdout-from: {args.holdout_from!r} is not a date") from None
    if not (log.cases["created"] < split[1]).any():
        raise IngestError(
            f"{args.cases}: no cases before the hold-out ({len(log.cases)} rows from {split[0]:%Y-%m-%d})"
        )
    names = {"cases": args.cases, "district": args.district, "mapping": args.mapping}
    fit = fit_log(log, raw, split, names)
    config = scenario_from_dict(fit.plain, args.out)
    out = Path(args.out)
    _write_text(out, fit.text)
    print(f"{out}: fitted on {len(fit.train)} cases, {len(fit.test)} held out")
    if fit.test.empty:
        print("no held-out cases: nothing to check")
        return 0
    from sim.studies.holdout import holdout_check, print_rows, write_report

    check = holdout_check(fit, config, args.reps)
    print_rows(check)
    report = out.with_name("fit_report.html")
    write_report(check, config, report, config.name)
    print(f"report: {report}")
    if args.xlsx:
        from dataclasses import asdict

        import pandas as pd

        from sim.output.workbook import table_workbook

        frame = pd.DataFrame([asdict(r) for r in check.rows])
        print(f"workbook: {table_workbook(out.with_name('fit_report.xlsx'), {'check': frame}, _lang(args))}")
    return 0 if check.passed else 1


def _warn(source: str, config) -> None:
    """Print the scenario's warnings (valid, probably not meant) on stderr, one line each."""
    for line in config.warnings():
        print(f"gridsim: warning: {source}: {line}", file=sys.stderr)


def _positive(value, flag: str) -> None:
    if value is not None and value < 1:
        raise ScenarioError(f"{flag}: must be at least 1, got {value}")


def _cmd_check(args) -> int:
    from sim.scenario.loading import load_scenario
    from sim.studies.targets import check, check_quantities, for_scenario, load_targets, print_check, replicate

    _positive(args.reps, "--reps")
    _positive(args.workers, "--workers")
    config = load_scenario(args.scenario, args.overrides)
    targets = for_scenario(load_targets(args.targets), config.name, args.targets)
    days = sorted({t.days for t in targets}, key=lambda d: -1 if d is None else d)
    runs = replicate(args.scenario, args.reps, days, args.overrides, args.workers)
    check_quantities(targets, next(iter(runs.values()))[0], args.targets)
    rows = check(targets, runs)
    print_check(rows, config.name, args.reps)
    if args.xlsx:
        import pandas as pd

        from sim.output.workbook import table_workbook

        out = default_out("check", config.name)
        out.mkdir(parents=True, exist_ok=True)
        print(f"\nworkbook: {table_workbook(out / 'check.xlsx', {'check': pd.DataFrame(rows)}, _lang(args))}")
    failed = [r["target"] for r in rows if not r["passed"]]
    print(
        f"\n{len(rows) - len(failed)}/{len(rows)} targets pass" + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


def _cmd_calibrate(args) -> int:
    from sim.scenario.loading import load_scenario
    from sim.studies.calibration import calibrate, calibrated_scenario, plot_posterior, posterior, problem, summarise
    from sim.studies.targets import check_quantities, for_scenario, load_targets, simulate

    for flag in ("population", "generations", "days", "workers"):
        _positive(getattr(args, flag), f"--{flag}")
    config = load_scenario(args.scenario, args.overrides)
    targets = for_scenario(load_targets(args.targets), config.name, args.targets)
    pb = problem(args.scenario, targets, args.days, args.overrides)
    out = Path(args.out) if args.out else default_out("calibrate", config.name)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a directory")
    check_quantities(pb.targets, simulate(pb.raw, pb.source, [], config.seed, 1), args.targets)
    out.mkdir(parents=True, exist_ok=True)
    print(
        f"calibrating {config.name}: {len(pb.priors)} parameters ({', '.join(pb.priors)}) to "
        f"{len(pb.targets)} targets ({', '.join(t.name for t in pb.targets)}); history in {out / 'abc.db'}"
    )
    history = calibrate(
        pb,
        out / "abc.db",
        args.population,
        args.generations,
        args.workers or os.cpu_count() or 1,
        args.min_epsilon,
        progress=not args.no_progress,
    )
    post = posterior(history, pb)
    table = summarise(post, pb)
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    eps = float(pops["epsilon"].iloc[-1])
    post.to_csv(out / "posterior.csv", index=False)
    table.to_csv(out / "posterior_summary.csv", index=False)
    plot_posterior(post, pb, out / "posterior.png")
    cal = out / f"{slug(config.name)}.calibrated.yaml"
    cal.write_text(calibrated_scenario(args.scenario, pb, table, eps, history.max_t), encoding="utf-8")
    print(f"generations {history.max_t + 1} · epsilon {eps:.3g} · simulations {int(pops['samples'].sum())}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"wrote {out}/posterior.csv, posterior_summary.csv, posterior.png, {cal.name}")
    return 0


def _cmd_sweep(args) -> int:
    from sim.studies.sweep_pool import local_workers, start_workers_early

    _positive(args.workers, "--workers")
    workers, capped = local_workers(args.workers, args.force_workers)
    if workers > 1 and not args.scheduler:
        start_workers_early()  # they import the model on other cores while this process imports its own

    from sim.studies.experiment import load_experiment
    from sim.studies.report import headline_text  # (now, while the forkserver imports the model: not after the runs)
    from sim.studies.sweep import check_scheduler, check_sweep_out, sweep

    exp = load_experiment(args.experiment)
    out = check_sweep_out(Path(args.out) if args.out else default_out(exp.name), exp)
    if args.scheduler:
        check_scheduler(args.scheduler)
    if capped and not args.scheduler:
        print(capped)
    where = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{workers} local process{'es' * (workers > 1)}"
    print(
        f"{exp.name}: {len(exp.policies)} policies × {len(exp.samples)} samples × "
        f"{exp.replications.n}{'+' if exp.replications.width else ''} replications of {exp.days} days "
        f"on {where}; writing {out}"
    )
    t0 = time.perf_counter()
    manifest = sweep(exp, out, workers, args.scheduler, progress=not args.no_progress)
    counts = manifest["status"].value_counts()
    done, failed = int(counts.get("done", 0)), int(counts.get("error", 0))
    print(
        f"{done} runs done, {failed} failed in {time.perf_counter() - t0:.1f} s"
        + (f" (errors in {out}/errors/)" if failed else "")
    )
    if done:
        print("\n" + headline_text(out))
    print(f"next: gridsim report {out}")
    return 1 if failed else 0


def _cmd_size(args) -> int:
    from sim.scenario.loading import load_scenario, parse_value
    from sim.studies.sizing import (
        ServiceTarget,
        Sizer,
        check_targets,
        planner_terms,
        print_planner,
        size,
        table,
        write,
    )

    for flag in ("reps", "workers", "days", "max"):
        _positive(getattr(args, flag), f"--{flag}")
    if args.mix is not None and args.mix < 0:
        raise ScenarioError(f"--mix: must be 0 or more, got {args.mix}")
    targets = [ServiceTarget.parse(t) for t in args.targets]
    overrides = {}
    for item in args.overrides:
        if "=" not in item:
            raise ScenarioError(f"--set {item!r}: expected dotted.key=value")
        k, v = item.split("=", 1)
        overrides[k.strip()] = parse_value(v, k, "--set")
    config = load_scenario(args.scenario, args.overrides)
    check_targets(args.scenario, targets, overrides)
    out = Path(args.out) if args.out else default_out("size", config.name)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a directory")
    if args.scheduler:
        from sim.studies.sweep import check_scheduler

        check_scheduler(args.scheduler)
    sizer = Sizer(
        args.scenario,
        targets,
        args.confidence,
        args.reps,
        out,
        args.days,
        args.seed,
        args.workers or os.cpu_count() or 1,
        args.scheduler,
        overrides,
    )
    print(
        f"sizing {config.name}: {', '.join(map(str, targets))} in ≥ {args.confidence:.0%} of {args.reps} "
        f"simulated years of {sizer.days} days "
        f"(seeds {sizer.seed}…{sizer.seed + args.reps - 1}, common to every candidate)"
    )
    t0 = time.perf_counter()
    result = size(sizer, by_type=args.by == "community_type", mix=args.mix, high=args.max)
    wall = time.perf_counter() - t0
    print("\ncandidates (mean over replications):")
    print(table(result, sizer, by_type=args.by == "community_type"))
    print("\nanswer: " + ", ".join(f"{k} = {v}" for k, v in result.answer.items()))
    for note in result.notes:
        print(f"  note: {note}")
    if len(result.erlang):
        from sim.studies.sizing import THEORY_NAMES

        print("\nErlang beside it (rates measured in one run at the answer; servers always on duty):")
        for row in result.erlang.to_dict("records"):
            cells = [
                f"{THEORY_NAMES[k.split(':', 1)[0]]} {k.split(':', 1)[1]}: {'n/a' if v is None or v != v else int(v)}"
                for k, v in row.items()
                if k.split(":", 1)[0] in THEORY_NAMES
            ]
            tau = row.get("time_limit_hours")
            limit = "no time limit" if tau is None or tau != tau else f"time limit τ = {tau:g} h"
            print(
                f"  {row['group']}: λ = {row['lambda_per_team_hour']:.3f} cases/h per team, handling "
                f"{row['handling_hours_mean']:.2f} h, {limit}; simulated {row['simulated']}; " + "; ".join(cells)
            )
    terms = planner_terms(result, sizer, by_type=args.by == "community_type")
    print("\n".join(print_planner(terms, sizer)))
    files = write(result, sizer)
    terms.to_csv(sizer.out / "size_planner.csv", index=False)
    files.append(sizer.out / "size_planner.csv")
    if args.xlsx:
        import pandas as pd

        from sim.output.workbook import table_workbook

        frame = pd.read_csv(sizer.out / "size_evaluations.csv")
        files.append(table_workbook(sizer.out / "size.xlsx", {"planner": terms, "evaluations": frame}, _lang(args)))
    print(f"\n{result.simulations} simulations in {wall:.0f} s; wrote " + ", ".join(str(f) for f in files))
    return 0


def _cmd_sensitivity(args) -> int:
    from sim.scenario.loading import load_scenario
    from sim.studies import sensitivity as sa

    for flag in ("trajectories", "n", "reps", "days", "workers"):
        _positive(getattr(args, flag), f"--{flag}")
    config = load_scenario(args.scenario)
    priors = sa.parse_params(args.params, args.scenario)
    for key, prior in priors.items():  # each must name a settable number of this scenario
        try:
            load_scenario(args.scenario, [f"{key}={prior.low!r}"])
        except ScenarioError as err:
            raise ScenarioError(f"--params {key}: {str(err).split(': ', 2)[-1]}") from None
    kpis = args.kpis or ["closure_rate", "wait_hours_mean", "satisfaction"]
    sa.check_kpis(args.scenario, kpis)
    out = Path(args.out) if args.out else default_out("sensitivity", config.name)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a directory")
    if args.scheduler:
        from sim.studies.sweep import check_scheduler

        check_scheduler(args.scheduler)
    workers = args.workers or os.cpu_count() or 1
    common = dict(
        days=args.days,
        seed=args.seed,
        reps=args.reps,
        workers=workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
    )
    t0 = time.perf_counter()
    print(
        f"Morris screening of {len(priors)} parameters on {config.name}: {args.trajectories} trajectories × "
        f"{len(priors) + 1} points = {args.trajectories * (len(priors) + 1) * args.reps} runs"
    )
    screen = sa.morris(args.scenario, priors, kpis, out / "morris", trajectories=args.trajectories, **common)
    screen.to_csv(out / "morris.csv", index=False)
    sa.plot(screen, "morris", out / "morris.png")
    for k, g in screen.groupby("kpi", sort=False):
        print(f"\n{k}: μ* [95% CI]   σ")
        for r in g.sort_values("mu_star", ascending=False).itertuples():
            print(f"  {r.parameter:<40}{r.mu_star:>10.4g} ± {r.mu_star_conf:<10.3g}{r.sigma:>10.4g}")
    files = [out / "morris.csv", out / "morris.png"]
    if args.method == "sobol":
        keep = sa.survivors(screen, args.screen)
        dropped = [p for p in priors if p not in keep]
        print(
            f"\nSobol on the {len(keep)} survivors"
            + (f" (held at the scenario's values: {', '.join(dropped)})" if dropped else "")
        )
        if len(keep) < 2:
            print("fewer than two parameters survive screening: Sobol indices are not needed")
        else:
            table = sa.sobol(args.scenario, {k: priors[k] for k in keep}, kpis, out / "sobol", n=args.n, **common)
            table.to_csv(out / "sobol.csv", index=False)
            sa.plot(table, "sobol", out / "sobol.png")
            for k, g in table.groupby("kpi", sort=False):
                print(f"\n{k}: S1 [95% CI]   ST [95% CI]")
                for r in g.sort_values("ST", ascending=False).itertuples():
                    print(f"  {r.parameter:<40}{r.S1:>8.3f} ± {r.S1_conf:<8.3f}{r.ST:>8.3f} ± {r.ST_conf:.3f}")
            files += [out / "sobol.csv", out / "sobol.png"]
    print(f"\n{time.perf_counter() - t0:.0f} s; wrote " + ", ".join(map(str, files)))
    return 0


def _cmd_describe(args) -> int:
    from sim.scenario.loading import load_scenario
    from sim.studies.odd import describe

    config = load_scenario(args.scenario, args.overrides)
    text = describe(config, args.lang, source=args.scenario)
    if args.out:
        out = Path(args.out)
        if out.is_dir():
            raise ScenarioError(f"--out {out}: is a directory")
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")
    else:
        print(text)
    return 0


def _cmd_validation(args) -> int:
    from sim.studies import validation

    _positive(args.days, "--days")
    if args.reps < 2:
        raise ScenarioError(f"--reps: must be at least 2 for an interval, got {args.reps}")
    t0 = time.perf_counter()
    results = validation.comparisons(args.reps, args.days, args.seed, with_ciw=not args.no_ciw)
    out = Path(args.out)
    out.write_text(validation.page(results, args.reps, args.days, args.seed), encoding="utf-8")
    joint = validation.simultaneous_level(results)
    missed = [r for r in results if not r.inside(joint)]
    for r in missed:
        print(f"outside: {r.queue} {r.params} {r.quantity}: theory {r.theory:.4f}, model {r.interval()[0]:.4f}")
    print(
        f"{len(results) - len(missed)} of {len(results)} comparisons inside; "
        f"{time.perf_counter() - t0:.0f} s; wrote {out}"
    )
    return 1 if missed else 0


def _cmd_trace(args) -> int:
    from sim.ui.trace import from_run, render

    print(render(args.incident, from_run(args.run_dir, args.incident, args.lang), args.lang))
    return 0


def _cmd_viz(args) -> int:
    from sim.scenario.loading import load_scenario

    load_scenario(args.scenario)  # a bad scenario is refused here, in one line
    if not 0 < args.port < 65536:
        raise ScenarioError(f"--port: {args.port} is not a port number")
    from sim.output.fonts import MISSING, cjk_font

    if cjk_font() is None:
        print(MISSING, file=sys.stderr)
    env = {**os.environ, "GRIDSIM_VIZ_SCENARIO": str(Path(args.scenario).resolve()), "GRIDSIM_VIZ_LANG": args.lang}
    print(f"gridsim viz: serving {args.scenario} on http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "sim.ui.viz:page",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-open",
        "--log-level",
        "warning",
    ]
    sys.stdout.flush()
    os.execve(sys.executable, cmd, env)  # the server replaces this process: a signal to it stops the server


def _cmd_report(args) -> int:
    from sim.studies.report import write_report

    path, headline = write_report(args.directory, args.out, args.lang)
    print(headline)
    print(f"report: {path}")
    if args.xlsx:
        from sim.studies.report import write_workbook_report

        print(f"workbook: {write_workbook_report(args.directory, path.with_suffix('.xlsx'), args.lang)}")
    return 0


def _cmd_run(args) -> int:
    from sim.scenario.loading import load_scenario

    overrides = list(args.overrides)
    if args.days is not None:
        overrides.append(f"days={args.days}")
    if args.seed is not None:
        overrides.append(f"seed={args.seed}")
    config = load_scenario(args.scenario, overrides)
    _warn(args.scenario, config)
    from sim.output.kpis import print_table
    from sim.output.locations import check_out
    from sim.output.runner import run_scenario, write_run

    out = check_out(Path(args.out) if args.out else default_out(config.name), args.force)

    t0 = time.perf_counter()
    model = run_scenario(config, transitions=not args.no_transitions)
    wall = time.perf_counter() - t0
    summary = write_run(model, out, transitions=not args.no_transitions, force=args.force)
    if not args.quiet:
        print(
            f"gridsim {__version__} · {config.name} · seed {model.seed} · {model.day} days · "
            f"{model.world.n_grids} grids · {model.world.n_households:,} households · {wall:.2f} s"
        )
        print_table({k: v for k, v in summary.items() if k not in ("scenario", "seed", "days", "version")})
        print(
            f"wrote {out}/summary.json, incidents.parquet, daily.parquet, workers.parquet, scores.parquet, "
            "grids.parquet, scenario.yaml"
        )
    if args.xlsx:
        from sim.output.workbook import run_workbook

        book = run_workbook(out, summary, _lang(args))
        if not args.quiet:
            print(f"workbook: {book}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The ``gridsim`` command line; returns the exit status (2 for bad input)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "validate":
            from sim.scenario.loading import load_scenario

            config = load_scenario(args.scenario, args.overrides)
            _warn(args.scenario, config)
            print(f"{args.scenario}: valid ({config.name}, {config.days} days)")
            return 0
        if args.command == "schema":
            if args.markdown:
                from sim.scenario.reference import markdown

                print(markdown(args.lang), end="")
            else:
                from sim.scenario.loading import json_schema

                print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
            return 0
        if args.command == "describe":
            return _cmd_describe(args)
        if args.command == "validation":
            return _cmd_validation(args)
        if args.command == "check":
            return _cmd_check(args)
        if args.command == "calibrate":
            return _cmd_calibrate(args)
        if args.command == "sweep":
            return _cmd_sweep(args)
        if args.command == "report":
            return _cmd_report(args)
        if args.command == "size":
            return _cmd_size(args)
        if args.command == "sensitivity":
            return _cmd_sensitivity(args)
        if args.command == "trace":
            return _cmd_trace(args)
        if args.command == "viz":
            return _cmd_viz(args)
        if args.command in ("district", "fit"):
            return _cmd_district(args) if args.command == "district" else _cmd_fit(args)
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
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean exit short
        hint = {
            "calibrate": "; completed generations are kept: run the same command to resume",
            "sweep": "; finished runs are kept: run the same command to resume",
        }.get(args.command, "")
        print(f"gridsim: interrupted{hint}", file=sys.stderr)
        return 130
    return 2


def program(argv: list[str] | None = None) -> None:
    """The ``gridsim`` program: :func:`main` with one BLAS thread, then an exit without the
    interpreter's last garbage collection.

    gridsim's parallelism is processes (sweeps, calibration); its few matrix products are tiny.
    numpy's OpenBLAS otherwise starts a thread per core as it loads, which spins for ~0.12 s of
    CPU on another core — in the driver and the forkserver of a sweep alike, on the cores their
    imports need. ``OPENBLAS_NUM_THREADS`` set by the user is kept; workers inherit it.
    Every file is written and closed by the exit, and collecting a loaded model's library stack
    (pandas, SciPy, Mesa) then costs 0.2–0.3 s of every command; frozen, it is skipped."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # read once, when numpy first loads
    status = main(argv)
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    program()
