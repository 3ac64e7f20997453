"""Experiments, sweeps, paired comparison, reports and the EMA Workbench adapter.

Experiment files are refused before any run on a wrong lever, an empty range or no
replications; the design pairs policies by seed (common random numbers); a sweep gives
the same tables with one worker, two workers or a Dask cluster; a sweep killed with
SIGKILL and started again ends with every run stored exactly once; a failing run is
recorded and the sweep goes on; adaptive replications stop when the differences are
narrow; the report has its figures; EMA's samplers and analyses run on the adapter.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.scenario.loading import ScenarioError
from sim.scenario.schema import Prior
from sim.studies.comparison import paired_differences, t_interval
from sim.studies.experiment import latin_hypercube, load_experiment
from sim.studies.sweep import Store, cores_available, load_results, local_workers, sweep
from sim.ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
TINY = {
    "name": "tiny",
    "seed": 3,
    "days": 20,
    "world": {"streets": 1, "communities_per_street": 2, "grids_per_community": 2},
}


def write_experiment(tmp_path: Path, **fields) -> Path:
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TINY), encoding="utf-8")
    exp = {
        "name": "exp",
        "scenario": "tiny.yaml",
        "days": 15,
        "levers": {"police.fusion": [True, False]},
        "replications": 2,
        "kpis": ["closure_rate", "satisfaction", "incidents_created"],
    }
    exp.update(fields)
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(exp), encoding="utf-8")
    return path


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in ("wall_s",) if c in frame]).reset_index(drop=True)


# ---------------------------------------------------------------------------- experiment files


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"levers": {"police.fusin": [True, False]}}, "levers.police.fusin"),
        ({"levers": {"scoring.scheme": ["uniform", "bogus"]}}, "levers.scoring.scheme"),
        ({"levers": {"police.fusion": []}}, "levers.police.fusion: empty list"),
        ({"uncertainties": {"arrivals.rate_scale": {"low": 2.0, "high": 1.0}}}, "uncertainties.arrivals.rate_scale"),
        ({"uncertainties": {"arrivals.rate_scal": {"low": 1.0, "high": 2.0}}}, "uncertainties.arrivals.rate_scal"),
        ({"replications": 0}, "replications"),
        ({"replications": {"n": 0}}, "replications"),
        ({"replications": {"n": 2, "width": {"wait_hours_mean": 0.1}}}, "replications.width"),
        ({"reference": "nobody"}, "reference"),
        ({"scenario": "missing.yaml"}, "scenario: no such file"),
        ({"levers": {"police.fusion": [True]}, "policies": [{"name": "a", "set": {}}]}, "levers or policies"),
        (
            {"levers": {}, "policies": [{"name": "a", "set": {"staffing.full_time": -1}}]},
            "policies.a.set.staffing.full_time",
        ),
        ({"lever": {}}, "lever: unknown key"),
    ],
)
def test_bad_experiment_is_refused_before_any_run(tmp_path, capsys, fields, message):
    path = write_experiment(tmp_path, **fields)
    with pytest.raises(ScenarioError, match=message.replace(".", r"\.")):
        load_experiment(path)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(path) in err and "Traceback" not in err
    assert not out.exists()


def test_unknown_kpi_is_refused_before_any_run(tmp_path, capsys):
    path = write_experiment(tmp_path, kpis=["closure_rate", "happiness"])
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--no-progress"]) == 2
    assert "kpis: 'happiness'" in capsys.readouterr().err
    assert not out.exists()


def test_design_pairs_policies_by_seed(tmp_path):
    exp = load_experiment(
        write_experiment(
            tmp_path, levers={"police.fusion": [True, False], "turnover.refill": ["wait", "borrow"]}, replications=3
        )
    )
    runs = exp.runs(3)
    assert len(exp.policies) == 4 and len(runs) == 12
    assert len({r.key for r in runs}) == 12  # every run distinct
    for rep in range(3):
        assert {r.seed for r in runs if r.rep == rep} == {exp.seed + rep}  # common random numbers
    assert [r.key for r in load_experiment(exp.path).runs(3)] == [r.key for r in runs]  # keys are stable
    listed = load_experiment(
        write_experiment(
            tmp_path, design="list", levers={"police.fusion": [True, False], "turnover.refill": ["wait", "borrow"]}
        )
    )
    assert list(listed.policies) == ["fusion=true, refill=wait", "fusion=false, refill=borrow"]


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 40),
    low=st.floats(0.01, 10),
    width=st.floats(0.01, 100),
    log=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_latin_hypercube_is_stratified_in_every_dimension(n, low, width, log, seed):
    priors = {"a": Prior(low=low, high=low + width, scale="log" if log else "linear"), "b": Prior(low=0, high=1)}
    points = latin_hypercube(priors, n, seed)
    assert len(points) == n
    for key, p in priors.items():
        x = np.array([pt[key] for pt in points])
        assert np.all((x >= p.low - 1e-9) & (x <= p.high + 1e-9))
        u = (
            (np.log(x) - np.log(p.low)) / (np.log(p.high) - np.log(p.low))
            if p.scale == "log"
            else (x - p.low) / (p.high - p.low)
        )
        strata = np.minimum((u * n + 1e-9).astype(int), n - 1)
        assert sorted(strata) == list(range(n))  # one point in each of n equal strata
    assert latin_hypercube(priors, n, seed) == points


# ---------------------------------------------------------------------------- paired comparison


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-100, 100), st.floats(-100, 100)), min_size=3, max_size=30))
def test_paired_interval_is_the_paired_t_interval(pairs):
    a, b = np.array(pairs).T
    if np.std(b - a) < 1e-6:
        return
    results = pd.DataFrame(
        {"policy": ["ref"] * len(a) + ["new"] * len(b), "sample": 0, "rep": list(range(len(a))) * 2, "k": np.r_[a, b]}
    )
    row = paired_differences(results, ["k"], "ref", ["ref", "new"]).iloc[0]
    ci = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert row["diff"] == pytest.approx(np.mean(b - a), abs=1e-9)
    assert (row["lo"], row["hi"]) == (pytest.approx(ci.low, abs=1e-7), pytest.approx(ci.high, abs=1e-7))
    assert t_interval([5.0]) == (5.0, 5.0, 5.0)


# ---------------------------------------------------------------------------- sweeps


def test_same_results_with_one_and_two_workers_and_identical_policies_differ_by_nothing(tmp_path):
    path = write_experiment(
        tmp_path,
        levers={},
        policies=[
            {"name": "a", "set": {}},
            {"name": "b", "set": {}},
            {"name": "weak_grid", "set": {"levels.grid.p_solve": 0.3}},
        ],
        replications=3,
    )
    exp = load_experiment(path)
    m1 = sweep(exp, tmp_path / "one", workers=1, progress=False, log=lambda *_: None)
    m2 = sweep(exp, tmp_path / "two", workers=2, progress=False, log=lambda *_: None)
    assert (m1["status"] == "done").all() and len(m1) == 9 and m2.equals(m1.assign(wall_s=m2["wall_s"]))
    sweep(exp, tmp_path / "four", workers=4, progress=False, log=lambda *_: None)  # 8 of 9 runs in flight
    for table in ("summary", "daily", "scores"):
        for other in ("two", "four"):
            pd.testing.assert_frame_equal(
                comparable(load_results(tmp_path / "one", table)), comparable(load_results(tmp_path / other, table))
            )
    s = load_results(tmp_path / "one")
    d = paired_differences(
        s, ["closure_rate", "incidents_created", "escalation_rate"], "a", ["a", "b", "weak_grid"]
    ).set_index(["policy", "kpi"])
    assert d.loc[("b", "closure_rate"), ["diff", "lo", "hi"]].tolist() == [0.0, 0.0, 0.0]  # same seed, same world
    # the incidents themselves are common random numbers: a policy changes handling, not arrivals
    assert d.loc[("weak_grid", "incidents_created"), "diff"] == 0.0
    assert d.loc[("weak_grid", "escalation_rate"), "lo"] > 0  # a weaker grid level escalates more


def test_failing_run_is_recorded_and_the_sweep_goes_on_then_resumes(tmp_path, monkeypatch):
    import sim.output.runner

    exp = load_experiment(write_experiment(tmp_path, replications=3))
    real = sim.output.runner.run_scenario

    def flaky(config, seed=None, **kw):
        if seed == exp.seed + 1:
            raise RuntimeError("disk on fire")
        return real(config, seed=seed, **kw)

    monkeypatch.setattr(sim.output.runner, "run_scenario", flaky)
    manifest = sweep(exp, tmp_path / "out", workers=1, progress=False, log=lambda *_: None)
    assert manifest["status"].value_counts().to_dict() == {"done": 4, "error": 2}
    bad = manifest[manifest["status"] == "error"]
    assert set(bad["rep"]) == {1} and bad["error"].str.contains("disk on fire").all()
    assert all((tmp_path / "out" / "errors" / f"{k}.txt").exists() for k in bad["key"])
    monkeypatch.setattr(sim.output.runner, "run_scenario", real)
    manifest = sweep(exp, tmp_path / "out", workers=1, progress=False, log=lambda *_: None)
    assert (manifest["status"] == "done").all()
    assert not any((tmp_path / "out" / "errors").iterdir())


def test_adaptive_replications_stop_when_differences_are_narrow_or_at_the_cap(tmp_path):
    levers, kpis = {"levels.grid.p_solve": [0.9, 0.4]}, ["escalation_rate"]
    wide = load_experiment(
        write_experiment(
            tmp_path,
            levers=levers,
            kpis=kpis,
            replications={"n": 2, "step": 1, "max": 4, "width": {"escalation_rate": 1e-9}},
        )
    )
    m = sweep(wide, tmp_path / "cap", workers=1, progress=False, log=lambda *_: None)
    assert set(m["rep"]) == {0, 1, 2, 3}  # never narrow enough: stops at the cap
    loose = load_experiment(
        write_experiment(
            tmp_path, levers=levers, kpis=kpis, replications={"n": 2, "max": 10, "width": {"escalation_rate": 10.0}}
        )
    )
    m = sweep(loose, tmp_path / "loose", workers=1, progress=False, log=lambda *_: None)
    assert set(m["rep"]) == {0, 1}  # narrow at once: no more replications


def test_dask_cluster_gives_the_same_results(tmp_path):
    distributed = pytest.importorskip("distributed")
    exp = load_experiment(write_experiment(tmp_path))
    sweep(exp, tmp_path / "local", workers=1, progress=False, log=lambda *_: None)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        m = sweep(exp, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False, log=lambda *_: None)
    assert (m["status"] == "done").all()
    pd.testing.assert_frame_equal(
        comparable(load_results(tmp_path / "local")), comparable(load_results(tmp_path / "dask"))
    )


@pytest.mark.slow
def test_sweep_killed_with_sigkill_resumes_with_every_run_exactly_once(tmp_path):
    path = write_experiment(tmp_path, days=40, replications=20)  # 40 runs: a kill lands mid-sweep
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.ui.cli", "sweep", str(path), "--out", str(out), "--no-progress"]
    cmd += ["--workers", "2", "--force-workers"]  # a pool of two, even on one core
    env = {**os.environ, "GRIDSIM_SWEEP_BATCH_SECONDS": "0.1"}  # batches of a few runs each
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env
    )
    n_done = lambda: len(Store(out).index()) if (out / "parts" / "summary").is_dir() else 0  # noqa: E731
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if n_done() >= 5:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its pool, mid-sweep
    proc.wait()
    done_before = n_done()
    assert 5 <= done_before < 40
    rerun = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{done_before} of 40 runs already done" in rerun.stdout
    exp = load_experiment(path)
    keys = [r.key for r in exp.runs(20)]
    store = Store(out)
    assert sorted(store.stored()) == sorted(keys)  # every run present exactly once
    assert 1 < len(store.batches()) < 40  # in batches of several runs
    for table in ("summary", "daily", "scores"):  # one file per batch, no temporary leftovers
        names = sorted(p.stem for p in (out / "parts" / table).iterdir())
        assert names == store.batches()
    summary = load_results(out)
    assert list(summary["key"]) == keys and summary["key"].is_unique
    clean = sweep(exp, tmp_path / "clean", workers=1, progress=False, log=lambda *_: None)
    assert (clean["status"] == "done").all()
    pd.testing.assert_frame_equal(comparable(summary), comparable(load_results(tmp_path / "clean")))


def test_a_batch_holds_many_runs_and_a_damaged_batch_reruns_exactly_its_runs(tmp_path, monkeypatch):
    exp = load_experiment(write_experiment(tmp_path, replications=3))
    clean = tmp_path / "clean"
    monkeypatch.setenv("GRIDSIM_SWEEP_BATCH_SECONDS", "0")  # one run per batch
    sweep(exp, clean, workers=1, progress=False, log=lambda *_: None)
    assert len(Store(clean).batches()) == 6
    monkeypatch.setenv("GRIDSIM_SWEEP_BATCH_SECONDS", "3600")  # all in one batch
    out = tmp_path / "out"
    sweep(exp, out, workers=2, progress=False, log=lambda *_: None)
    (batch,) = Store(out).batches()  # six runs, three files
    assert sorted(p.name for p in (out / "parts").rglob("*")) == sorted(
        ["daily", "scores", "summary"] + [f"{batch}.parquet"] * 3
    )
    for table in ("summary", "daily", "scores"):  # one batch or six: the same tables
        pd.testing.assert_frame_equal(comparable(load_results(out, table)), comparable(load_results(clean, table)))
    daily = out / "parts" / "daily" / f"{batch}.parquet"
    daily.write_bytes(daily.read_bytes()[:-100])  # cut short: the whole batch is lost, nothing else
    assert load_results(out).empty
    logged: list[str] = []
    manifest = sweep(exp, out, workers=1, progress=False, log=logged.append)
    assert (manifest["status"] == "done").all()
    assert any(f"batch {batch} (6 runs): daily file unreadable" in line for line in logged)
    assert sorted(Store(out).stored()) == sorted(manifest["key"].unique())
    for table in ("summary", "daily", "scores"):
        pd.testing.assert_frame_equal(comparable(load_results(out, table)), comparable(load_results(clean, table)))


def _one_run_at_a_time(root: Path, table: str) -> pd.DataFrame:
    """The definition of a sweep's table: each finished run's rows with the columns it wrote (in
    its order), one frame per run, labelled by the design and concatenated in design order."""
    import json

    import pyarrow.parquet as pq

    from sim.studies.sweep_store import COLUMNS_META

    store = Store(root)
    index = store.index()
    runs = {}
    for batch in sorted(set(index.values())):
        try:
            data = pq.read_table(store.batch_file(table, batch))
        except (OSError, ValueError):
            continue
        own = json.loads((data.schema.metadata or {}).get(COLUMNS_META, b"{}"))
        frame = data.to_pandas()
        for key, rows in frame.groupby("key", sort=False).indices.items():
            if index.get(key) == batch:
                runs[key] = frame.iloc[rows].reset_index(drop=True)[own.get(key, list(frame.columns))]
    labels = pd.read_parquet(root / "manifest.parquet")[["key", "policy", "sample", "rep", "seed"]]
    frames = [
        runs[key].assign(policy=policy, sample=sample, rep=rep, seed=seed)
        for key, policy, sample, rep, seed in zip(*(labels[c] for c in labels), strict=True)
        if key in runs
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@pytest.mark.parametrize("shapes", ["same", "own"])
def test_results_are_read_in_design_order_whole_batches_at_once_or_run_by_run(tmp_path, shapes):
    """``load_results`` reads each batch file whole and picks the design's runs in order (a run two
    policies share under both, a run of a damaged or absent batch left out); where a run wrote
    columns of its own it goes run by run. Both give the same table as reading run by run."""
    from sim.studies.experiment import RunSpec
    from sim.studies.sweep_store import _run_by_run

    store = Store(tmp_path, interval=3600)
    for table in ("daily", "scores", "summary"):
        (tmp_path / "parts" / table).mkdir(parents=True)

    def result(k: int) -> dict:
        summary = {"closure_rate": 0.5 + k / 100, "incidents_created": 10.0 * k}
        if shapes == "own" and k == 3:
            del summary["incidents_created"]  # a run with columns of its own
        daily = pd.DataFrame({"day": [1, 2], "backlog": [k, k + 1]})
        scores = pd.DataFrame({"agent": np.arange(k % 3), "score": np.linspace(0, 1, k % 3)})
        return {"summary": summary, "daily": daily, "scores": scores, "wall_s": 0.1}

    specs = [RunSpec(f"r{k}", "p", 0, k, 100 + k, ()) for k in range(5)]
    for batch in (specs[:2], specs[2:]):
        for spec in batch:
            store.write(spec, result(spec.rep))
        store.flush()
    design = [("r4", "q", 1), ("r1", "p", 0), ("r1", "q", 0), ("gone", "p", 2), ("r3", "p", 0), ("r0", "p", 0)]
    manifest = pd.DataFrame(
        [{"key": k, "policy": p, "sample": s, "rep": i, "seed": 7 + i} for i, (k, p, s) in enumerate(design)]
    )
    manifest.to_parquet(tmp_path / "manifest.parquet")
    store = Store(tmp_path)
    index = store.index()
    batches = sorted(set(index.values()))
    for table in ("summary", "daily", "scores"):
        got = load_results(tmp_path, table)
        pd.testing.assert_frame_equal(got, _one_run_at_a_time(tmp_path, table), check_exact=True)
        pd.testing.assert_frame_equal(got, _run_by_run(store, table, batches, index, manifest), check_exact=True)
        expect = [k for k, _, _ in design if k in index and (table != "scores" or int(k[1:]) % 3)]
        assert got.drop_duplicates(["key", "rep"])["key"].tolist() == expect
    summary = load_results(tmp_path)
    assert summary["policy"].tolist() == ["q", "p", "q", "p", "p"]  # r1 under both policies
    assert summary["seed"].tolist() == [7, 8, 9, 11, 12]  # the design's labels, not the run's
    if shapes == "own":
        assert np.isnan(summary.loc[summary["key"] == "r3", "incidents_created"]).all()


def test_many_batches_read_ahead_on_threads_give_the_tables_read_one_by_one(tmp_path, monkeypatch):
    """Batches are checked and read a few at a time on threads (more batches here than read at
    once, one damaged in the middle): the same tables, in design order, as reading them one by
    one, and ``load_tables`` gives each table ``load_results`` gives."""
    from sim.studies import sweep_store
    from sim.studies.experiment import RunSpec
    from sim.studies.sweep_store import load_tables

    store = Store(tmp_path, interval=0)  # every run its own batch
    for table in ("daily", "scores", "summary"):
        (tmp_path / "parts" / table).mkdir(parents=True)
    n = 3 * sweep_store.READERS
    for k in range(n):
        daily = pd.DataFrame({"day": [1, 2, 3], "backlog": [k, k + 1, k + 2]})
        scores = pd.DataFrame({"agent": np.arange(2), "score": [k / n, 1 - k / n]})
        store.write(RunSpec(f"r{k}", "p", 0, k, 100 + k, ()), {"summary": {"closure_rate": k / n}, "daily": daily,
                                                            "scores": scores, "wall_s": 0.01})  # fmt: skip
    batches = Store(tmp_path).batches()
    assert len(batches) == n
    damaged = sweep_store.Store(tmp_path).batch_file("scores", batches[n // 2])
    damaged.write_bytes(damaged.read_bytes()[:-50])
    design = [f"r{k}" for k in np.random.default_rng(3).permutation(n)]
    pd.DataFrame(
        [{"key": k, "policy": "p", "sample": 0, "rep": i, "seed": i} for i, k in enumerate(design)]
    ).to_parquet(tmp_path / "manifest.parquet")
    threaded = load_tables(tmp_path)
    monkeypatch.setattr(sweep_store, "READERS", 1)
    store = Store(tmp_path)
    index = store.index()
    assert len(set(index.values())) == n - 1  # the damaged batch is left out
    for table, got in threaded.items():
        pd.testing.assert_frame_equal(got, load_results(tmp_path, table), check_exact=True)
        pd.testing.assert_frame_equal(got, _one_run_at_a_time(tmp_path, table), check_exact=True)
        assert got.drop_duplicates("key")["key"].tolist() == [k for k in design if k in index]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_runs_of_many_shapes_are_read_as_one_frame_per_run_would_be(tmp_path, seed):
    """Runs whose summaries, daily and score tables have columns of their own (a KPI some runs
    report and others do not) are read a batch and a shape at a time: exactly the table that
    concatenating one frame per run in design order gives — columns in order of first
    appearance, dtypes widened alike, a run shared by two policies under both, a run never
    finished left out."""
    from sim.studies.experiment import RunSpec
    from sim.studies.sweep_store import load_tables

    rng = np.random.default_rng(seed)
    store = Store(tmp_path, interval=3600)
    for table in ("daily", "scores", "summary"):
        (tmp_path / "parts" / table).mkdir(parents=True)
    keys = [f"r{k}" for k in range(40)]
    for batch in np.array_split(np.arange(len(keys)), 4):
        for k in batch.tolist():
            summary = {"closure_rate": float(rng.random()), "incidents_created": int(rng.integers(100))}
            for extra in ("score_gap.old", "score_gap.gated", "exits.retired"):  # some runs report these
                if rng.random() < 0.3:
                    summary[extra] = int(rng.integers(5)) if extra.startswith("exits") else float(rng.random())
            days = int(rng.integers(1, 4))
            daily = pd.DataFrame({"day": np.arange(1, days + 1), "backlog": rng.integers(0, 9, days)})
            if rng.random() < 0.3:
                daily["vacant_posts"] = rng.integers(0, 3, days)
            scores = pd.DataFrame({"agent": np.arange(k % 3), "score": rng.random(k % 3)})
            store.write(RunSpec(keys[k], "p", 0, k, k, ()), {"summary": summary, "daily": daily, "scores": scores,
                                                             "wall_s": 0.01})  # fmt: skip
        store.flush()
    design = [*rng.permutation(keys[:-1]).tolist(), keys[3], "never-run"]  # r3 under a second policy too
    pd.DataFrame(
        [
            {"key": k, "policy": "q" if i >= 39 else "p", "sample": 0, "rep": i, "seed": 7 + i}
            for i, k in enumerate(design)
        ]
    ).to_parquet(tmp_path / "manifest.parquet")
    got = load_tables(tmp_path)
    assert len(got["summary"]) == 40 and got["summary"]["policy"].tolist()[-1] == "q"
    for table, frame in got.items():
        pd.testing.assert_frame_equal(frame, _one_run_at_a_time(tmp_path, table), check_exact=True)


def test_a_bad_batch_interval_is_refused_in_one_line_before_anything_is_written(tmp_path, capsys, monkeypatch):
    path = write_experiment(tmp_path)
    monkeypatch.setenv("GRIDSIM_SWEEP_BATCH_SECONDS", "-1")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "GRIDSIM_SWEEP_BATCH_SECONDS='-1'" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_kpi_no_run_reports_is_refused_in_one_line_before_anything_is_written(tmp_path, capsys, workers):
    """The one-day probe names KPIs that are not numbers in a run summary, in this process or,
    with a pool, in one of its workers."""
    path = write_experiment(tmp_path, kpis=["closure_rate", "no_such_kpi"])
    out = tmp_path / "out"
    argv = ["sweep", str(path), "--out", str(out), "--workers", workers, "--force-workers", "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert "kpis: 'no_such_kpi' is not a number in a run summary" in err and "closure_rate" in err
    assert not out.exists()


def test_a_pooled_sweeps_driver_never_imports_the_model(tmp_path):
    """With a pool, the driver checks the KPIs in a worker and stores what workers return: it
    imports neither the model nor Mesa (its start-up is not what the pool waits for)."""
    path = write_experiment(tmp_path, replications=1)
    code = (
        "import sys\nfrom sim.ui.cli import main\nstatus = main(sys.argv[1:])\n"
        "print(status, 'sim.model' in sys.modules, 'mesa' in sys.modules)"
    )
    argv = ["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "2", "--force-workers", "--no-progress"]
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-3:] == ["0", "False", "False"]
    assert (load_results(tmp_path / "out")["policy"].nunique()) == 2


# ---------------------------------------------------------------------------- CLI and report


def test_cli_sweep_then_report(tmp_path, capsys):
    scoring = {
        "scoring": {"scheme": "uniform", "period": "month"},
        "world": {
            "streets": 1,
            "communities_per_street": 2,
            "grids_per_community": 2,
            "community_mix": {"old_estate": 0.5, "gated": 0.5},
        },
    }
    (tmp_path / "two.yaml").write_text(yaml.safe_dump({**TINY, **scoring}), encoding="utf-8")
    path = write_experiment(
        tmp_path,
        scenario="two.yaml",
        days=65,
        levers={"scoring.scheme": ["uniform", "per_type"]},
        kpis=["score_validity", "closure_rate", "worker_overtime_hours_mean"],
    )
    out = tmp_path / "sweep"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "4 runs done, 0 failed" in text and f"gridsim report {out}" in text
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert "4 of 4 runs already done" in capsys.readouterr().out
    assert main(["report", str(out)]) == 0
    from sim.studies.report import headline_text

    printed = capsys.readouterr().out  # the headline the sweep printed, read from the page's own tables
    assert printed == f"{headline_text(out)}\nreport: {out / 'report.html'}\n" and " against " in printed
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 5
    for name in ("differences", "distributions", "series", "funnel", "scores"):
        assert (out / "report_figures" / f"{name}.png").stat().st_size > 5000
    assert "per community type" in page and "score validity" in page  # policies by their labels (issue 24)
    assert "Differences from one yardstick for all (一把尺)" in page and "scoring.scheme = &quot;per_type&quot;" in page
    assert main(["report", str(tmp_path)]) == 2


# ---------------------------------------------------------------------------- EMA Workbench


def test_ema_workbench_adapter_runs_experiments_feature_scoring_and_prim(tmp_path):
    pytest.importorskip("ema_workbench")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import SequentialEvaluator, perform_experiments
        from ema_workbench.analysis import feature_scoring, prim
    from sim.studies.ema import from_experiment

    path = write_experiment(tmp_path, uncertainties={"arrivals.rate_scale": {"low": 0.4, "high": 2.5}})
    model = from_experiment(path)
    with SequentialEvaluator(model) as evaluator:
        x, outcomes = perform_experiments(model, scenarios=10, policies=2, evaluator=evaluator)
    assert len(x) == 20 and set(outcomes) == {"closure_rate", "satisfaction", "incidents_created"}
    inputs = x[["arrivals__rate_scale", "police__fusion"]]
    rho = stats.spearmanr(inputs["arrivals__rate_scale"], outcomes["incidents_created"]).statistic
    assert rho > 0.9  # more arrivals, more incidents
    scores = feature_scoring.get_feature_scores_all(inputs, outcomes)
    assert scores["incidents_created"].idxmax() == "arrivals__rate_scale"
    box = prim.Prim(inputs, outcomes["incidents_created"] > np.median(outcomes["incidents_created"])).find_box()
    lims = box.box_lims[-1]
    assert lims.loc[0, "arrivals__rate_scale"] > 0.4  # the high-load region is found on the rate


def test_report_with_uncertainties_shows_where_the_policy_helps(tmp_path):
    from sim.studies.report import write_report

    path = write_experiment(
        tmp_path,
        levers={"levels.grid.p_solve": [0.9, 0.5]},
        replications=1,
        samples=4,
        uncertainties={"arrivals.rate_scale": {"low": 0.6, "high": 1.6}},
        kpis=["escalation_rate", "closure_rate"],
    )
    exp = load_experiment(path)
    assert len(exp.samples) == 4
    sweep(exp, tmp_path / "out", workers=1, progress=False, log=lambda *_: None)
    page = write_report(tmp_path / "out").path.read_text(encoding="utf-8")
    assert "Under which assumptions does it help?" in page
    assert (tmp_path / "out" / "report_figures" / "uncertainty.png").stat().st_size > 5000
    res = load_results(tmp_path / "out")
    assert sorted(res["param.arrivals.rate_scale"].unique()) == sorted(p["arrivals.rate_scale"] for p in exp.samples)


def test_workers_are_capped_at_the_cores_unless_forced(tmp_path, capsys):
    cores = cores_available()
    assert 1 <= cores <= (os.cpu_count() or cores)
    assert local_workers(None) == (cores, None)
    assert local_workers(cores) == (cores, None)
    n, note = local_workers(cores + 14)
    assert n == cores and note is not None and str(cores + 14) in note and "--force-workers" in note
    assert local_workers(cores + 14, force=True) == (cores + 14, None)
    path = write_experiment(tmp_path, days=10, replications=1)
    out = tmp_path / "capped"
    assert main(["sweep", str(path), "--out", str(out), "--workers", str(cores + 14), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert f"capped at the {cores} cores available" in text
    assert f"on {cores} local process" in text and " 0 failed" in text
