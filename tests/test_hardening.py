"""Hardening of runs, sweeps and inputs (issue 22): nothing lost, nothing mixed, nothing unbounded.

Output goes only to ``--out`` or a slugged folder under ``runs/``; YAML is read by one bounded
libyaml loader (duplicate keys, alias bombs, self-references and empty files refused in one
line); a run directory is swapped in whole and respects the umask; a sweep re-runs batches that
are cut short or foreign, replaces a dead worker and retries only its run, leaves no process
behind when its driver is killed, and resumes to exactly the tables of an uninterrupted sweep.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from processes import children, group, wait_for

from sim.output.locations import slug
from sim.policies.registry import unregister
from sim.studies.experiment import load_experiment
from sim.studies.sweep import Store, load_results, sweep
from sim.ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
TINY = {
    "name": "tiny",
    "seed": 3,
    "days": 3,
    "world": {"streets": 1, "communities_per_street": 1, "grids_per_community": 2},
}
QUIET = {"progress": False, "log": lambda *_: None}


def write_scenario(tmp_path: Path, **fields) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump({**TINY, **fields}, allow_unicode=True), encoding="utf-8")
    return path


def write_experiment(tmp_path: Path, text: str | None = None, **fields) -> Path:
    write_scenario(tmp_path)
    exp = {
        "name": "exp",
        "scenario": "tiny.yaml",
        "days": 5,
        "levers": {"police.fusion": [True, False]},
        "replications": 2,
        "kpis": ["closure_rate", "incidents_created"],
    }
    exp.update(fields)
    path = tmp_path / "exp.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(exp), encoding="utf-8")
    return path


def refused(capsys, argv: list[str], *needles: str) -> str:
    """Run the CLI; it must end with exit 2 and one line on stderr containing every needle."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in ("wall_s",) if c in frame]).reset_index(drop=True)


# ---------------------------------------------------------------------------- finding 1: where output goes


@pytest.mark.parametrize("name", ["../../escaped", "ABSOLUTE", "..", "a/../../b", ".hidden"])
def test_a_scenario_name_never_sends_output_outside_runs(tmp_path, monkeypatch, capsys, name):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    name = str(tmp_path / "escaped-abs") if name == "ABSOLUTE" else name
    path = write_scenario(work, name=name)
    assert main(["run", str(path), "--quiet", "--no-transitions"]) == 0
    assert main(["run", str(path), "--quiet", "--no-transitions", "--set", f"name={name}x/../../y"]) == 0
    made = sorted(p.relative_to(work) for p in work.rglob("summary.json"))
    assert made == sorted(
        {Path("runs", slug(name), "summary.json"), Path("runs", slug(f"{name}x/../../y"), "summary.json")}
    )
    assert all(".." not in p.parts and not p.name.startswith(".") for p in made)
    assert not any(tmp_path.glob("escaped*")) and not any(tmp_path.parent.glob("escaped*"))


def test_an_experiment_name_never_sends_a_sweep_outside_runs(tmp_path, monkeypatch, capsys):
    work = tmp_path / "a" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    path = write_experiment(work, name="../../evil", replications=1, levers={})
    assert main(["sweep", str(path), "--workers", "1", "--no-progress"]) == 0
    assert (work / "runs" / "evil" / "manifest.parquet").exists()
    assert not (tmp_path / "evil").exists()
    assert slug("网格/../x") == "网格_.._x" and slug("") == "unnamed" and "/" not in slug("a/b")


# ---------------------------------------------------------------------------- findings 2, 9, 10: YAML


BOMB = "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
).replace("b: &b [*a", "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a", 1)


def test_a_billion_laughs_in_an_experiment_set_is_refused_at_once_in_one_line(tmp_path, capsys):
    path = write_experiment(tmp_path)
    anchors = "bombs:\n" + "".join(f"  {line}\n" for line in BOMB.splitlines())
    path.write_text(path.read_text(encoding="utf-8") + anchors + "set: {residents.trust: *i}\n", encoding="utf-8")
    t0 = time.perf_counter()
    refused(
        capsys,
        ["sweep", str(path), "--out", str(tmp_path / "out")],
        str(path),
        "more than 200,000 values with aliases expanded",
    )
    assert time.perf_counter() - t0 < 5 and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "text, needles",
    [
        ("name: a\ndays: 3\nname: b\n", ["key 'name' given twice (lines 1 and 3)"]),
        ("name: a\nworld: {streets: 1, streets: 2}\n", ["key 'streets' given twice"]),
        ("name: &a [*a]\n", ["an alias refers to its own anchor (line 1)"]),
        ("", ["empty file"]),
        ("# only a comment\n", ["empty file"]),
        ("[" * 5000 + "]" * 5000, ["not valid YAML"]),
        (BOMB, ["more than 200,000 values with aliases expanded"]),
    ],
)
def test_bad_yaml_in_a_scenario_is_one_line(tmp_path, capsys, text, needles):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    refused(capsys, ["validate", str(path)], str(path), *needles)
    refused(capsys, ["run", str(path), "--out", str(tmp_path / "out")], str(path), *needles)
    assert not (tmp_path / "out").exists()


def test_a_merge_key_and_shared_aliases_still_load(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: merged\ndays: 2\nw: &w {streets: 1, communities_per_street: 1, grids_per_community: 2}\n"
        "world:\n  <<: *w\n  grids_per_community: 1\n",
        encoding="utf-8",
    )
    refused(capsys, ["validate", str(path)], "w: unknown key")  # the anchor's own key is not a field
    path.write_text(
        "name: merged\ndays: 2\nworld:\n  <<: {streets: 1, communities_per_street: 1, grids_per_community: 2}\n"
        "  grids_per_community: 1\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 0


@pytest.mark.parametrize(
    "fields, text, needles",
    [
        ({"levers": {"police.fusion": [True, True]}}, None, ["levers.police.fusion: value true listed twice"]),
        ({"levers": {}, "set": {"residents.trust": float("inf")}}, None, ["set.residents.trust: not a plain value"]),
        ({"levers": {}, "set": {f"k{i}": 1 for i in range(201)}}, None, ["set: 201 entries"]),
        (
            {"levers": {}, "policies": [{"name": "p", "set": {"x": list(range(5000))}}]},
            None,
            ["policies.p.set.x: value"],
        ),
        ({"seed": 2**70}, None, ["seed"]),
        ({"seed": -5}, None, ["seed"]),
        (None, "name: exp\nscenario: tiny.yaml\nset: {days: 2019-01-01}\n", ["set.days: not a plain value"]),
    ],
)
def test_bad_free_form_experiment_fields_are_refused_before_anything_is_written(
    tmp_path, capsys, fields, text, needles
):
    path = write_experiment(tmp_path, text, **(fields or {}))
    refused(capsys, ["sweep", str(path), "--out", str(tmp_path / "out")], str(path), *needles)
    assert not (tmp_path / "out").exists()


def test_duplicate_campaign_names_are_refused(tmp_path, capsys):
    campaign = {"name": "flood", "start_day": 0, "days": 1}
    path = write_scenario(tmp_path, campaigns=[campaign, campaign])
    refused(capsys, ["validate", str(path)], str(path), "campaigns.1.name: 'flood' given twice")


# ---------------------------------------------------------------------------- findings 3, 10, 12: run directories


def test_a_rerun_replaces_the_run_directory_whole(tmp_path, capsys):
    path, out = write_scenario(tmp_path), tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 0
    assert (out / "transitions.parquet").exists()
    assert main(["run", str(path), "--out", str(out), "--quiet", "--no-transitions", "--seed", "9"]) == 0
    assert not (out / "transitions.parquet").exists()  # no stale log of the other seed beside it
    assert json.loads((out / "summary.json").read_text())["seed"] == 9
    refused(capsys, ["trace", str(out), "--incident", "0"], "no transitions.parquet")
    assert main(["run", str(path), "--out", str(out), "--quiet", "--seed", "9"]) == 0
    assert main(["trace", str(out), "--incident", "0"]) == 0
    refused(capsys, ["trace", str(out), "--incident", str(10**21)], "--incident", "no such incident")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "tiny.yaml"]  # no temporary siblings


def test_a_run_killed_mid_write_leaves_the_previous_run_directory_untouched(tmp_path, monkeypatch, capsys):
    import sim.output.runner as runner

    path, out = write_scenario(tmp_path), tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 0
    before = tree(out)

    def broken(model):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner, "grids_table", broken)
    assert main(["run", str(path), "--out", str(out), "--quiet", "--seed", "5"]) == 1
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "tiny.yaml"]


def test_out_into_a_folder_that_is_not_a_run_directory_is_refused_unless_forced(tmp_path, capsys):
    path, mine = write_scenario(tmp_path), tmp_path / "mine"
    mine.mkdir()
    (mine / "summary.json").write_text('{"my": "notes"}', encoding="utf-8")
    refused(capsys, ["run", str(path), "--out", str(mine)], f"--out {mine}", "not a gridsim run directory", "--force")
    assert (mine / "summary.json").read_text(encoding="utf-8") == '{"my": "notes"}'
    assert main(["run", str(path), "--out", str(mine), "--quiet", "--force"]) == 0
    assert json.loads((mine / "summary.json").read_text())["scenario"] == "tiny"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["run", str(path), "--out", str(empty), "--quiet"]) == 0  # an empty folder is fine


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_output_files_respect_the_umask(tmp_path, capsys, mask, mode):
    path, out = write_scenario(tmp_path), tmp_path / "run"
    old = os.umask(mask)
    try:
        assert main(["run", str(path), "--out", str(out), "--quiet"]) == 0
    finally:
        os.umask(old)
    assert {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()} == {p.name: mode for p in out.iterdir()}
    assert out.stat().st_mode & 0o777 == 0o777 & ~mask


# ---------------------------------------------------------------------------- findings 4, 7, 10: sweep batches


def test_truncated_zero_byte_and_foreign_batches_are_run_again_and_report_never_crashes(tmp_path, capsys, monkeypatch):
    exp = load_experiment(write_experiment(tmp_path))
    clean = sweep(exp, tmp_path / "clean", **QUIET)
    assert (clean["status"] == "done").all()
    monkeypatch.setenv("GRIDSIM_SWEEP_BATCH_SECONDS", "0")  # one run per batch, so each can be damaged alone
    out = tmp_path / "out"
    sweep(exp, out, **QUIET)
    store = Store(out)
    batch = [store.index()[k] for k in clean["key"]]
    summary = store.batch_file("summary", batch[0])
    summary.write_bytes(summary.read_bytes()[: summary.stat().st_size // 2])  # cut short
    store.batch_file("summary", batch[1]).write_bytes(b"")  # zero bytes
    foreign = store.batch_file("daily", batch[3]).read_bytes()
    store.batch_file("daily", batch[2]).write_bytes(foreign)  # another batch's file
    assert main(["report", str(out), "--out", str(tmp_path / "r.html")]) == 0  # the good run only
    assert "Runs finished: 1;" in (tmp_path / "r.html").read_text(encoding="utf-8")
    logged: list[str] = []
    manifest = sweep(exp, out, progress=False, log=logged.append)
    assert (manifest["status"] == "done").all()
    assert sum("running it again" in line for line in logged) == 3
    assert sorted(Store(out).stored()) == sorted(clean["key"])  # each run once
    for table in ("summary", "daily", "scores"):
        pd.testing.assert_frame_equal(
            comparable(load_results(out, table)), comparable(load_results(tmp_path / "clean", table))
        )


def test_sweep_out_into_another_experiments_or_a_foreign_directory_is_refused(tmp_path, capsys):
    path = write_experiment(tmp_path, replications=1, levers={})
    other = tmp_path / "other.yaml"
    other.write_text(path.read_text(encoding="utf-8").replace("name: exp", "name: other"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    before = tree(out)
    refused(capsys, ["sweep", str(other), "--out", str(out)], "holds the sweep of experiment 'exp', not 'other'")
    assert tree(out) == before
    refused(capsys, ["sweep", str(other), "--out", str(tmp_path)], "not a gridsim sweep directory")


@pytest.mark.parametrize(
    "address, needle", [("not-a-url", "not a scheduler address"), ("tcp://127.0.0.1:{port}", "no scheduler answers")]
)
def test_a_bad_or_unreachable_scheduler_is_refused_fast_with_nothing_written(tmp_path, capsys, address, needle):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = write_experiment(tmp_path)
    t0 = time.perf_counter()
    out = tmp_path / "out"
    refused(capsys, ["sweep", str(path), "--out", str(out), "--scheduler", address.format(port=port)], needle)
    assert time.perf_counter() - t0 < 10 and not out.exists()


# ---------------------------------------------------------------------------- findings 5, 6: processes


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_killing_a_worker_then_the_driver_leaves_no_process_and_resumes_exactly(tmp_path):
    path = write_experiment(tmp_path, days=15, replications=6)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.ui.cli", "sweep", str(path), "--out", str(out), "--no-progress"]
    cmd += ["--workers", "2", "--force-workers"]  # a pool of two, even on one core
    env = {**os.environ, "GRIDSIM_SWEEP_BATCH_SECONDS": "0"}  # a batch per run: the kills land between runs
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env
    )
    try:
        n_done = lambda: len(Store(out).index()) if (out / "parts" / "summary").is_dir() else 0  # noqa: E731
        assert wait_for(lambda: n_done() >= 2, 120), "no run finished"
        # a pool worker: a grandchild of the driver (driver → forkserver → worker)
        workers = [w for c in children(proc.pid) for w in children(c)]
        assert workers and proc.poll() is None
        os.kill(workers[0], signal.SIGKILL)
        assert wait_for(lambda: n_done() >= 6, 120) and proc.poll() is None, "the sweep stopped with its worker"
        os.kill(proc.pid, signal.SIGKILL)  # the driver alone, not its group
        proc.communicate()
        assert wait_for(lambda: not group(proc.pid), 15), f"left behind: {group(proc.pid)}"
    finally:
        for pid in group(proc.pid):
            os.kill(pid, signal.SIGKILL)
    done_before = n_done()
    assert 6 <= done_before < 12
    assert main(["report", str(out), "--out", str(tmp_path / "r.html")]) == 0  # the manifest may lag; counts do not
    assert f"Runs finished: {done_before};" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert pd.read_parquet(out / "manifest.parquet")["status"].eq("done").sum() > 0  # written as runs finished
    rerun = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{done_before} of 12 runs already done" in rerun.stdout
    exp = load_experiment(path)
    assert sorted(Store(out).stored()) == sorted(r.key for r in exp.runs(6))  # each run once
    clean = sweep(exp, tmp_path / "clean", **QUIET)
    for table in ("summary", "daily", "scores"):
        pd.testing.assert_frame_equal(
            comparable(load_results(out, table)), comparable(load_results(tmp_path / "clean", table))
        )
    assert (clean["status"] == "done").all()


CRASH_PLUGIN = '''
import multiprocessing
import os

from sim.policies.escalation import Stepwise
from sim.policies.registry import register


@register("escalation", "kills_its_worker")
class KillsItsWorker(Stepwise):
    """Ends the process it is built in, when that is a pool worker (a run out of memory, say)."""

    def __init__(self, *args, **kwargs):
        if multiprocessing.parent_process() is not None:
            os._exit(9)
        super().__init__(*args, **kwargs)
'''


def test_a_run_that_kills_its_worker_is_retried_alone_then_recorded_and_the_others_finish(tmp_path):
    plugin = tmp_path / "crash_plugin.py"
    plugin.write_text(CRASH_PLUGIN, encoding="utf-8")
    path = write_experiment(tmp_path, levers={"escalation.policy": ["stepwise", "kills_its_worker"]}, replications=3)
    write_scenario(tmp_path, plugins=[str(plugin)])
    try:
        exp = load_experiment(path)
        manifest = sweep(exp, tmp_path / "out", workers=2, **QUIET)
    finally:
        unregister("escalation", "kills_its_worker")  # registered in this process by loading the plugin
    by = manifest.groupby("policy")["status"].apply(set).to_dict()
    assert by == {"stepwise": {"done"}, "kills_its_worker": {"error"}}
    assert manifest.loc[manifest["status"] == "error", "error"].str.contains("WorkerDied").all()
    clean = load_experiment(write_experiment(tmp_path, replications=3, levers={"escalation.policy": ["stepwise"]}))
    sweep(clean, tmp_path / "clean", **QUIET)  # the runs that finished are those of a sweep without the crashes
    pd.testing.assert_frame_equal(
        comparable(load_results(tmp_path / "out").drop(columns=["policy", "key"])),
        comparable(load_results(tmp_path / "clean").drop(columns=["policy", "key"])),
    )


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_viz_stops_its_page_server_on_sigterm(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    scenario = ROOT / "scenarios" / "validation" / "mmc.yaml"
    cmd = [sys.executable, "-m", "sim.ui.cli", "viz", str(scenario), "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # the page server replaces the gridsim process (or runs as its child): wait until it listens
        assert wait_for(lambda: _listening(port), 90), "the page server did not start"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        assert wait_for(lambda: not any(_alive(p) for p in group(proc.pid)), 15), "a process outlived SIGTERM"
        assert not _listening(port), "the page is still served"
    finally:
        for pid in group(proc.pid):
            os.kill(pid, signal.SIGKILL)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
