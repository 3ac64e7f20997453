"""Calibration targets, ``gridsim check`` and ``gridsim calibrate`` (ABC-SMC with pyabc).

Target files are parsed with one-line errors; a target's quantity is a dotted path into
the run summary; ``check`` passes near targets and fails (exit 1) on a far one; a
calibration stopped by Ctrl-C keeps its completed generations and the same command
resumes after them.
"""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook
from processes import group, wait_for

from sim.scenario.loading import ScenarioError
from sim.studies.targets import check, check_quantities, interval, load_targets, quantity, replicate
from sim.ui.cli import main

TINY = {
    "name": "tiny",
    "seed": 3,
    "days": 20,
    "world": {"streets": 1, "communities_per_street": 2, "grids_per_community": 2},
    "uncertain": {
        "arrivals.rate_scale": {"low": 0.3, "high": 3.0, "scale": "log", "source": "assumption"},
        "residents.satisfaction_base": {"low": 0.7, "high": 1.0, "source": "assumption"},
    },
}


def target(**kw) -> dict:
    t = {
        "name": "closure",
        "scenario": "tiny",
        "quantity": "closure_rate",
        "value": 0.95,
        "tolerance": 0.1,
        "source": "test",
    }
    t.update(kw)
    return t


@pytest.fixture
def files(tmp_path):
    def write(targets: list[dict], scenario: dict = TINY) -> tuple[Path, Path]:
        s, t = tmp_path / "tiny.yaml", tmp_path / "targets.yaml"
        s.write_text(yaml.safe_dump(scenario))
        t.write_text(yaml.safe_dump({"targets": targets}))
        return s, t

    return write


# ------------------------------------------------------------------ target files


@pytest.mark.parametrize(
    "change, needle",
    [
        ({"tolerance": 0}, "targets.0.tolerance"),
        ({"tolerance": None}, "targets.0.tolerance"),
        ({"value": "high"}, "targets.0.value"),
        ({"colour": "red"}, "targets.0.colour"),
    ],
)
def test_bad_target_files_name_the_file_and_the_field(files, change, needle):
    _, t = files([target(**change)])
    with pytest.raises(ScenarioError) as err:
        load_targets(t)
    msg = str(err.value)
    assert msg.startswith(str(t)) and needle in msg and "\n" not in msg


def test_duplicate_target_names_are_rejected(files):
    _, t = files([target(), target()])
    with pytest.raises(ScenarioError, match="duplicate names"):
        load_targets(t)


def test_the_shipped_target_file_parses_and_names_real_scenarios():
    repo = Path(__file__).resolve().parents[1]
    targets = load_targets(repo / "calibration" / "targets.yaml")
    names = {yaml.safe_load((p).read_text()).get("name") for p in (repo / "scenarios").glob("*.yaml")}
    assert targets and {t.scenario for t in targets} <= names
    assert sum(t.holdout for t in targets) >= 2, "at least two targets held out of fitting"
    assert all(t.source for t in targets)


# ------------------------------------------------------------------ target -> model quantity


def test_quantity_follows_dotted_paths_and_rejects_sections():
    summary = {"closure_rate": 0.9, "resolved_at_level": {"grid": 0.6, "street": 0.1}, "satisfaction": None}
    assert quantity(summary, "closure_rate") == 0.9
    assert quantity(summary, "resolved_at_level.street") == 0.1
    assert math.isnan(quantity(summary, "satisfaction"))  # undefined (no feedback yet) is NaN, not an error
    for bad in ("resolved_at_level", "resolved_at_level.district", "nope", "closure_rate.x"):
        with pytest.raises(KeyError):
            quantity(summary, bad)


def test_an_unknown_quantity_is_a_one_line_error_listing_what_exists(files):
    _, t = files([target(quantity="closure_rat")])
    with pytest.raises(ScenarioError, match=r"targets\.closure\.quantity: 'closure_rat'.*closure_rate"):
        check_quantities(load_targets(t), {"closure_rate": 0.9}, str(t))


def test_replications_map_targets_to_the_summary_of_each_run(files):
    s, t = files(
        [target(), target(name="grid", quantity="resolved_at_level.grid", value=0.5, tolerance=0.5, holdout=True)]
    )
    runs = replicate(s, 3, [None], workers=1)
    assert len(runs[None]) == 3
    assert len({r["incidents_created"] for r in runs[None]}) > 1, "replications use different seeds"
    rows = check(load_targets(t), runs)
    x = [r["closure_rate"] for r in runs[None]]
    m, lo, hi = interval(x)
    assert rows[0]["mean"] == pytest.approx(sum(x) / 3) == pytest.approx(m)
    assert rows[0]["lo"] <= m <= rows[0]["hi"] and (rows[0]["lo"], rows[0]["hi"]) == (lo, hi)
    assert rows[1]["holdout"] and 0 <= rows[1]["mean"] <= 1


# ------------------------------------------------------------------ gridsim check


def test_check_passes_near_targets_and_fails_a_far_one(files, capsys):
    s, t = files(
        [
            target(value=0.9, tolerance=0.2),
            target(name="far", quantity="satisfaction", value=0.2, tolerance=0.01, holdout=True),
        ]
    )
    assert main(["check", str(s), "--targets", str(t), "--reps", "2", "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert "fitted targets" in out and "held out" in out
    assert "closure" in out and "pass" in out and "FAIL" in out and "failed: far" in out
    s, t = files([target(value=0.9, tolerance=0.2)])
    assert main(["check", str(s), "--targets", str(t), "--reps", "2", "--workers", "1"]) == 0


def test_check_writes_its_table_as_a_workbook(files, tmp_path, monkeypatch):
    s, t = files([target(value=0.9, tolerance=0.2)])
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(s), "--targets", str(t), "--reps", "2", "--workers", "1", "--xlsx"]) == 0
    (book,) = tmp_path.glob("runs/check/*/check.xlsx")
    rows = list(load_workbook(book)["Check"].values)
    assert rows[0][:4] == ("target", "quantity", "published", "mean")
    assert rows[1][2] == 0.9 and 0 <= rows[1][3] <= 1 and rows[1][7] is True  # numbers and a boolean


def test_check_on_a_scenario_without_targets_is_an_error(files, capsys):
    s, t = files([target(scenario="elsewhere")])
    assert main(["check", str(s), "--targets", str(t)]) == 2
    assert "no targets for scenario 'tiny'" in capsys.readouterr().err


# ------------------------------------------------------------------ gridsim calibrate


def _generations(db: Path) -> list[int]:
    if not db.exists():
        return []
    con = sqlite3.connect(db, timeout=30)
    try:
        return [r[0] for r in con.execute("select t from populations where t >= 0 order by t")]
    except sqlite3.Error:
        return []
    finally:
        con.close()


def _population(db: Path, t: int) -> pd.DataFrame:
    con = sqlite3.connect(db)
    try:
        return pd.read_sql_query(
            "select particles.id, particles.w, parameters.name, parameters.value from populations "
            "join models on models.population_id = populations.id "
            "join particles on particles.model_id = models.id "
            "join parameters on parameters.particle_id = particles.id "
            f"where populations.t = {t} order by particles.id, parameters.name",
            con,
        )
    finally:
        con.close()


@pytest.mark.slow
def test_calibration_interrupted_keeps_generations_and_resumes(files, tmp_path):
    """Ctrl-C after the first generation is stored; re-running the same command keeps it
    and adds the rest; the outputs (posterior, plot, calibrated scenario) are written."""
    s, t = files(
        [target(value=0.97, tolerance=0.05), target(name="sat", quantity="satisfaction", value=0.9, tolerance=0.05)]
    )
    out = tmp_path / "cal"
    cmd = [
        sys.executable,
        "-m",
        "sim.ui.cli",
        "calibrate",
        str(s),
        "--targets",
        str(t),
        "--out",
        str(out),
        "--population",
        "8",
        "--generations",
        "4",
        "--min-epsilon",
        "0",
        "--workers",
        "1",
        "--no-progress",
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    # the child must not inherit an ignored SIGINT (pytest-xdist workers ignore it, and Python
    # then never installs its KeyboardInterrupt handler): Ctrl-C as a user's terminal sends it
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    db = out / "abc.db"
    log = []
    for line in proc.stderr:  # pyabc logs "t: 1, eps: …" once generation 0 is stored
        log.append(line)
        if line.startswith("ABC INFO: t: 1,"):
            break
    assert proc.poll() is None, f"finished before it could be interrupted: {''.join(log)}"
    # Ctrl-C, repeated until it lands (one arriving inside a blocking call may be deferred)
    err = ""
    while proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=1)
        except subprocess.TimeoutExpired:
            continue
    assert proc.returncode == 130, err
    assert "run the same command to resume" in err and "Traceback" not in err
    done = _generations(db)
    assert done and done[-1] < 3, done
    first = _population(db, 0)
    assert len(first) == 8 * 2  # 8 particles x 2 parameters

    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "resuming" in res.stdout + res.stderr
    assert _generations(db) == [0, 1, 2, 3]
    pd.testing.assert_frame_equal(_population(db, 0), first)  # the completed generation was kept as it was
    post = pd.read_csv(out / "posterior.csv")
    assert list(post.columns) == ["arrivals.rate_scale", "residents.satisfaction_base", "weight"]
    assert len(post) == 8 and post["weight"].sum() == pytest.approx(1.0)
    assert post["arrivals.rate_scale"].between(0.3, 3.0).all()
    assert (out / "posterior.png").stat().st_size > 5000
    cal = out / "tiny.calibrated.yaml"
    assert main(["validate", str(cal)]) == 0
    summary = pd.read_csv(out / "posterior_summary.csv").set_index("parameter")
    raw = yaml.safe_load(cal.read_text())
    assert raw["arrivals"]["rate_scale"] == pytest.approx(summary.loc["arrivals.rate_scale", "median"])


FORK_STOP = """
import os, signal, sys, time
from sim.studies.calibration import _Stop
stop = _Stop(os.getpid())
signal.signal(signal.SIGINT, stop.handle)
sys.unraisablehook = lambda u, report=sys.unraisablehook: stop.unraisable(report, u)
os.register_at_fork(after_in_parent=lambda: os.kill(os.getpid(), signal.SIGINT))  # Ctrl-C while forking
try:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    time.sleep(20)
    print("went on")
except KeyboardInterrupt:
    print("stopped")
"""


@pytest.mark.skipif(not hasattr(os, "register_at_fork"), reason="forks")
def test_a_stop_landing_while_the_driver_forks_is_neither_lost_nor_reported():
    """A calibration forks each generation (pyabc); Ctrl-C handled inside an at-fork hook is only
    reported by Python, which goes on (a calibration ran to its end, exit 0, with a traceback on
    stderr). The stop is sent again and stops the driver, with nothing printed."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PYTHONWARNINGS": "ignore"}
    res = subprocess.run([sys.executable, "-c", FORK_STOP], capture_output=True, text=True, env=env, timeout=60)
    assert res.stdout.strip() == "stopped", res.stdout + res.stderr
    assert res.stderr == "", res.stderr


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("how", ["ctrl-c to the terminal group", "sigterm to the driver alone"])
def test_calibration_with_two_workers_stops_on_a_signal_leaving_no_process_and_resumes(files, tmp_path, how):
    """With --workers 2 (pyabc forks its sampling processes), Ctrl-C (SIGINT to every process of
    the terminal's group) or SIGTERM to the driver alone stops the command within seconds: exit
    130, one line and no traceback on stderr, no process of it left; the same command resumes."""
    s, t = files(
        [target(value=0.97, tolerance=0.05), target(name="sat", quantity="satisfaction", value=0.9, tolerance=0.05)]
    )
    out = tmp_path / "cal"
    cmd = [sys.executable, "-m", "sim.ui.cli", "calibrate", str(s), "--targets", str(t), "--out", str(out)]
    cmd += ["--population", "8", "--generations", "3", "--min-epsilon", "0", "--workers", "2", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # see the test above
    )
    try:
        for line in proc.stderr:  # generation 0 is stored: generation 1 is being sampled
            if line.startswith("ABC INFO: t: 1,"):
                break
        assert wait_for(lambda: len(group(proc.pid)) == 3, 30), "the two sampling processes did not start"
        if how.startswith("ctrl-c"):
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        # its sampling processes end with it (they would otherwise sample on, holding its stderr)
        assert wait_for(lambda: not group(proc.pid), 0.5), f"left behind: {group(proc.pid)}"
        err = proc.stderr.read()
    finally:
        for pid in group(proc.pid):
            os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Error" not in err, err
    ours = [line for line in err.splitlines() if not line.startswith("ABC")]  # pyabc's log lines aside
    assert ours == ["gridsim: interrupted; completed generations are kept: run the same command to resume"], err
    done = _generations(out / "abc.db")
    assert done and done[-1] < 2, done
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    assert f"resuming {out / 'abc.db'}: {len(done)} generation(s) already complete" in res.stdout
    assert _generations(out / "abc.db") == [0, 1, 2]
    assert len(pd.read_csv(out / "posterior.csv")) == 8


def test_calibrate_needs_uncertain_parameters(files, capsys):
    s, t = files([target()], {k: v for k, v in TINY.items() if k != "uncertain"})
    assert main(["calibrate", str(s), "--targets", str(t), "--out", str(s.parent / "o")]) == 2
    assert "no parameters marked uncertain" in capsys.readouterr().err


@pytest.mark.parametrize("days, fixed", [(None, []), (7, ["world.grids_per_community=1"])])
def test_calibrated_scenario_states_a_shortened_horizon_and_fixed_overrides(files, days, fixed):
    """A fit on shortened runs (``--days``) or on a smaller world (``--set``) simulates them
    and says so in the calibrated file's header; the file itself keeps the scenario's own
    ``days:`` and world, and carries the posterior medians."""
    from sim.studies.calibration import calibrated_scenario, problem, summarise

    s, t = files([target()])
    pb = problem(s, load_targets(t), days, fixed)
    assert pb.raw["world"]["grids_per_community"] == (1 if fixed else 2)  # what every simulation runs
    post = pd.DataFrame({"arrivals.rate_scale": [0.5, 1.0, 2.0], "residents.satisfaction_base": [0.8, 0.9, 0.95]})
    post["weight"] = [0.25, 0.5, 0.25]
    text = calibrated_scenario(s, pb, summarise(post, pb), 0.4, 2)
    raw = yaml.safe_load(text)
    assert raw["days"] == TINY["days"] and raw["world"] == TINY["world"]
    assert raw["arrivals"]["rate_scale"] == pytest.approx(1.0)
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert ("Each simulation ran 7 days (--days 7)" in header) == (days == 7)
    assert ("--set world.grids_per_community=1; not applied below" in header) == bool(fixed)
    assert main(["validate", str(_written(s, text))]) == 0


def _written(scenario: Path, text: str) -> Path:
    out = scenario.with_name("tiny.calibrated.yaml")
    out.write_text(text)
    return out


def test_calibrate_will_not_fix_a_fitted_parameter(files, capsys):
    """``--set`` on a parameter the scenario marks uncertain is one clear line, exit 2, nothing written."""
    s, t = files([target()])
    out = s.parent / "o"
    assert main(["calibrate", str(s), "--targets", str(t), "--out", str(out), "--set", "arrivals.rate_scale=1"]) == 2
    err = capsys.readouterr().err
    assert "--set arrivals.rate_scale: is an uncertain parameter" in err and "Traceback" not in err
    assert not out.exists()
