"""End-to-end tests of the ``gridsim`` command line (run, validate, schema).

Most tests call ``sim.ui.cli.main`` in-process; a few run the CLI as a subprocess to prove
that bad input ends with one line on stderr, exit status 2 and no traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.output.tables import TIME_COLUMNS
from sim.ui.cli import main

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
MMC = REPO / "scenarios" / "validation" / "mmc.yaml"
DAYS = 20

RUN_FILES = (
    "summary.json",
    "incidents.parquet",
    "daily.parquet",
    "workers.parquet",
    "scores.parquet",
    "grids.parquet",
    "transitions.parquet",
    "scenario.yaml",
)
SUMMARY_KEYS = (
    "incidents_created",
    "incidents_closed",
    "incidents_open",
    "closure_rate",
    "response_hours_p50",
    "response_hours_p90",
    "wait_hours_mean",
    "resolution_hours_p50",
    "resolution_hours_p90",
    "resolved_at_level",
    "escalation_rate",
    "latent_share",
    "satisfaction",
    "worker_utilization",
    "worker_overtime_hours_mean",
    "vacancy_days",
    "attrition_count",
    "score_validity",
    "score_gap_by_type",
    "cost_person_years",
)
INCIDENT_COLUMNS = (
    "id",
    "category",
    "severity",
    "grid",
    "community",
    "street",
    "community_type",
    "channel",
    *TIME_COLUMNS,
    "final_level",
    "escalations",
    "handler_role",
    "satisfied",
    "reopened",
)
ARRIVAL_COLUMNS = ["id", "t_occurred", "grid", "household", "category", "severity_initial"]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Run every test from a scratch directory so a stray default ``runs/`` lands there."""
    monkeypatch.chdir(tmp_path)


def _run(out: Path, *extra: str, scenario: Path = BASELINE, days: int | None = DAYS) -> int:
    argv = ["run", str(scenario), "--out", str(out), "--quiet", *extra]
    if days is not None:
        argv += ["--days", str(days)]
    return main(argv)


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    """One 20-day baseline run shared by the read-only tests (stdout kept)."""
    out = tmp_path_factory.mktemp("baseline") / "run"
    import contextlib
    import io

    buf_out, buf_err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buf_out), contextlib.redirect_stderr(buf_err):
        rc = main(["run", str(BASELINE), "--days", str(DAYS), "--out", str(out)])
    return {"rc": rc, "out": out, "stdout": buf_out.getvalue(), "stderr": buf_err.getvalue()}


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- run


def test_run_exits_zero_and_prints_kpi_table(baseline_run):
    assert baseline_run["rc"] == 0
    assert baseline_run["stderr"] == ""
    text = baseline_run["stdout"]
    assert "baseline" in text and f"{DAYS} days" in text
    for key in ("incidents_created", "closure_rate", "response_hours_p50", "resolved_at_level", "worker_utilization"):
        assert key in text, f"KPI {key} missing from the printed table"


def test_run_writes_every_file(baseline_run):
    out = baseline_run["out"]
    for name in RUN_FILES:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert leftovers == [], f"temporary files left behind: {leftovers}"


def test_summary_keys_and_conservation(baseline_run):
    s = _summary(baseline_run["out"])
    for key in SUMMARY_KEYS:
        assert key in s, key
    assert s["days"] == DAYS
    assert s["incidents_created"] > 0
    assert s["incidents_created"] == s["incidents_closed"] + s["incidents_open"]
    assert set(s["resolved_at_level"]) == {"grid", "community", "street", "department"}
    for key in ("closure_rate", "escalation_rate", "latent_share", "satisfaction", "worker_utilization"):
        assert s[key] is None or 0.0 <= s[key] <= 1.0, (key, s[key])


def test_incidents_parquet_one_row_per_incident(baseline_run):
    out = baseline_run["out"]
    s = _summary(out)
    inc = pd.read_parquet(out / "incidents.parquet")
    assert len(inc) == s["incidents_created"]
    missing = [c for c in INCIDENT_COLUMNS if c not in inc.columns]
    assert missing == []
    assert inc["id"].tolist() == list(range(len(inc)))
    assert int((inc["state"].astype(str) == "closed").sum()) == s["incidents_closed"]


def test_other_tables_are_readable(baseline_run):
    out = baseline_run["out"]
    daily = pd.read_parquet(out / "daily.parquet")
    assert daily["day"].tolist() == list(range(1, DAYS + 1))
    workers = pd.read_parquet(out / "workers.parquet")
    assert {
        "agent",
        "role",
        "desk",
        "cases_hours",
        "patrol_hours",
        "overhead_hours",
        "idle_hours",
        "overtime_hours",
        "absent_days",
        "exit_day",
        "exit_reason",
    } <= set(workers.columns) and len(workers) > 0
    scores = pd.read_parquet(out / "scores.parquet")
    assert {
        "agent",
        "period",
        "community_type",
        "closed_cases",
        "visits",
        "records",
        "score",
        "rank",
        "true_value",
    } <= set(scores.columns)
    grids = pd.read_parquet(out / "grids.parquet")
    assert (grids["households_registered"] >= grids["households_actual"]).all()
    tr = pd.read_parquet(out / "transitions.parquet")
    assert {"incident", "time", "state", "level", "actor"} <= set(tr.columns)
    assert tr["incident"].nunique() == len(pd.read_parquet(out / "incidents.parquet", columns=["id"]))


def test_no_transitions_flag_skips_the_file(tmp_path):
    out = tmp_path / "run"
    assert _run(out, "--no-transitions", days=5) == 0
    assert not (out / "transitions.parquet").exists()
    assert (out / "summary.json").is_file()


def _assert_same_run(a: Path, b: Path, tables=("incidents",)) -> None:
    """Two run directories hold a byte-identical summary and equal tables."""
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()
    for t in tables:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{t}.parquet"), pd.read_parquet(b / f"{t}.parquet"))


def test_not_recording_transitions_changes_no_result(tmp_path):
    """Skipping the transition log is only faster: summary and incidents are identical."""
    full, lean = tmp_path / "full", tmp_path / "lean"
    assert _run(full, days=10) == 0 and _run(lean, "--no-transitions", days=10) == 0
    _assert_same_run(full, lean)


# ---------------------------------------------------------------------------- determinism


def test_same_seed_is_byte_identical(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(a, "--seed", "7") == 0
    assert _run(b, "--seed", "7") == 0
    _assert_same_run(a, b, ("incidents", "transitions", "daily", "workers"))


def test_different_seed_differs(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(a, "--seed", "1") == 0
    assert _run(b, "--seed", "2") == 0
    assert _summary(a)["seed"] == 1 and _summary(b)["seed"] == 2
    ia = pd.read_parquet(a / "incidents.parquet", columns=["t_occurred"])
    ib = pd.read_parquet(b / "incidents.parquet", columns=["t_occurred"])
    assert len(ia) != len(ib) or not ia.equals(ib)


def test_common_random_numbers_across_staffing(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(a, "--seed", "3") == 0
    assert _run(b, "--seed", "3", "--set", "staffing.full_time=2") == 0
    ia = pd.read_parquet(a / "incidents.parquet")
    ib = pd.read_parquet(b / "incidents.parquet")
    pd.testing.assert_frame_equal(ia[ARRIVAL_COLUMNS], ib[ARRIVAL_COLUMNS])
    # the override took effect: the resolved scenario records it
    assert yaml.safe_load((b / "scenario.yaml").read_text(encoding="utf-8"))["staffing"]["full_time"] == 2


# ---------------------------------------------------------------------------- scenario.yaml


def test_resolved_scenario_records_seed_and_days(baseline_run):
    data = yaml.safe_load((baseline_run["out"] / "scenario.yaml").read_text(encoding="utf-8"))
    assert data["seed"] == 42 and data["days"] == DAYS and data["name"] == "baseline"


def test_resolved_scenario_validates(baseline_run, capsys):
    rc = main(["validate", str(baseline_run["out"] / "scenario.yaml")])
    err = capsys.readouterr().err
    assert rc == 0, err


def test_rerun_from_resolved_scenario_is_identical(baseline_run, tmp_path, capsys):
    out = tmp_path / "again"
    rc = _run(out, scenario=baseline_run["out"] / "scenario.yaml", days=None)
    assert rc == 0, capsys.readouterr().err
    assert (out / "summary.json").read_bytes() == (baseline_run["out"] / "summary.json").read_bytes()


def test_resolved_scenario_body_reproduces_the_run(baseline_run, tmp_path):
    """Apart from the version stamp, scenario.yaml is a complete recipe for the run."""
    data = yaml.safe_load((baseline_run["out"] / "scenario.yaml").read_text(encoding="utf-8"))
    data.pop("gridsim_version", None)
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "again"
    assert _run(out, scenario=recipe, days=None) == 0
    assert (out / "summary.json").read_bytes() == (baseline_run["out"] / "summary.json").read_bytes()
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "incidents.parquet"), pd.read_parquet(baseline_run["out"] / "incidents.parquet")
    )


# ---------------------------------------------------------------------------- bad input

BAD_FILES = {
    # id: (file text, substrings the one-line message must contain)
    "not_yaml": ("a: [1, 2\n", ["not valid YAML"]),
    "top_level_list": ("- 1\n- 2\n", ["mapping"]),
    "wrong_type": ("days: many\n", ["days"]),
    "unknown_key": ("staffing: {ful_time: 2}\n", ["staffing.ful_time", "did you mean 'full_time'"]),
    "negative_count": ("staffing: {full_time: -1}\n", ["staffing.full_time"]),
    "unknown_community_type": (
        "world:\n  community_mix: {old_estat: 1, commodity: 1}\n",
        ["world.community_mix.old_estat", "did you mean 'old_estate'"],
    ),
    "nobody_handles": ("staffing: {full_time: 0}\n", ["staffing"]),
    "section_not_mapping": ("staffing: 3\n", ["staffing"]),
    "unknown_top_level_key": ("dayz: 3\n", ["dayz", "did you mean 'days'"]),
}


def _assert_one_line_error(capsys, *needles: str) -> str:
    out, err = capsys.readouterr()
    assert out == "", f"nothing should reach stdout on bad input, got {out!r}"
    lines = err.splitlines()
    assert len(lines) == 1, f"expected exactly one line on stderr, got {err!r}"
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    return lines[0]


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file(case, command, tmp_path, capsys):
    text, needles = BAD_FILES[case]
    bad = tmp_path / f"{case}.yaml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "never"
    argv = [command, str(bad)] + (["--out", str(out)] if command == "run" else [])
    assert main(argv) == 2
    _assert_one_line_error(capsys, str(bad), *needles)
    assert not out.exists(), "nothing may be written before the input is validated"


@pytest.mark.parametrize("command", ["run", "validate"])
def test_missing_file(command, tmp_path, capsys):
    missing = tmp_path / "nope" / "absent.yaml"
    argv = [command, str(missing)] + (["--out", str(tmp_path / "never")] if command == "run" else [])
    assert main(argv) == 2
    _assert_one_line_error(capsys, str(missing), "no such file")
    assert not (tmp_path / "never").exists()


def test_directory_as_scenario(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 2
    _assert_one_line_error(capsys, str(tmp_path))


BAD_SETS = {
    # id: (argv tail, substrings the message must contain)
    "negative_days": (["--set", "days=-3"], ["days"]),
    "days_flag_negative": (["--days", "-3"], ["days"]),
    "wrong_type": (["--set", "staffing.full_time=lots"], ["staffing.full_time"]),
    "unknown_key": (["--set", "staffing.ful_time=2"], ["staffing.ful_time", "did you mean 'full_time'"]),
    "no_equals": (["--set", "days"], ["days"]),
    "not_a_section": (["--set", "staffing.full_time.x=3"], ["full_time"]),
    "negative_seed": (["--seed", "-1"], ["seed"]),
}


@pytest.mark.parametrize("case", sorted(BAD_SETS))
def test_bad_override(case, tmp_path, capsys):
    tail, needles = BAD_SETS[case]
    out = tmp_path / "never"
    assert main(["run", str(BASELINE), "--out", str(out), *tail]) == 2
    _assert_one_line_error(capsys, str(BASELINE), *needles)
    assert not out.exists()


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param(["--set", "days=[1"], id="unparseable_value"),
        pytest.param(["--set", "levels.5.p_solve=1"], id="list_index_out_of_range"),
        pytest.param(["--set", "levels.nowhere.p_solve=1"], id="unknown_name_in_list"),
        pytest.param(["--set", "days.x=1"], id="key_into_a_value"),
        pytest.param(["--set", "levels..p_solve=1"], id="empty_part"),
    ],
)
def test_bad_override_without_traceback(tail, tmp_path, capsys):
    """--set errors in the key path or value (mmc.yaml has an explicit ``levels`` list)."""
    out = tmp_path / "never"
    assert main(["validate", str(MMC), *tail]) == 2
    _assert_one_line_error(capsys, str(MMC))
    assert not out.exists()


def test_good_list_override(tmp_path, capsys):
    assert main(["validate", str(MMC), "--set", "levels.0.p_solve=0.5"]) == 0
    assert "valid" in capsys.readouterr().out


def test_list_item_addressed_by_name(tmp_path, capsys):
    """``levels.grid.p_solve`` picks the level named ``grid`` out of the list."""
    from sim.scenario.loading import load_scenario

    by_name = load_scenario(MMC, ["levels.grid.p_solve=0.25"])
    by_index = load_scenario(MMC, ["levels.0.p_solve=0.25"])
    assert by_name == by_index
    assert by_name.levels[0].p_solve == 0.25


def test_bad_input_leaves_existing_run_untouched(tmp_path, capsys):
    out = tmp_path / "run"
    assert _run(out, days=5) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "summary.json" in before
    assert _run(out, "--set", "days=-3", days=None) == 2
    _assert_one_line_error(capsys, "days")
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after.keys() == before.keys()
    assert after["summary.json"] == before["summary.json"]
    assert after == before


def test_out_is_a_file(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("keep me", encoding="utf-8")
    assert main(["run", str(BASELINE), "--days", "2", "--out", str(target)]) == 2
    _assert_one_line_error(capsys, str(target))
    assert target.read_text(encoding="utf-8") == "keep me"


# ---------------------------------------------------------------------------- subprocess


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.ui.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_subprocess_bad_inputs_have_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("staffing: {ful_time: 2}\n", encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1, 2\n", encoding="utf-8")
    cases = [
        (["validate", str(bad)], [str(bad), "staffing.ful_time", "did you mean 'full_time'"]),
        (["run", str(broken), "--out", str(tmp_path / "never")], [str(broken), "not valid YAML"]),
        (["run", str(BASELINE), "--set", "days=-3", "--out", str(tmp_path / "never")], [str(BASELINE), "days"]),
    ]
    for argv, needles in cases:
        proc = _cli(*argv, cwd=tmp_path)
        assert proc.returncode == 2, (argv, proc.stderr)
        assert proc.stdout == ""
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, proc.stderr
        for needle in needles:
            assert needle in lines[0]
    assert not (tmp_path / "never").exists()


def test_subprocess_run_is_clean(tmp_path):
    out = tmp_path / "run"
    proc = _cli("run", str(BASELINE), "--days", "5", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "incidents_created" in proc.stdout
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["days"] == 5


# ---------------------------------------------------------------------------- validate, schema


@pytest.mark.parametrize("scenario", [BASELINE, MMC], ids=["baseline", "mmc"])
def test_validate_shipped_scenarios(scenario, capsys):
    assert main(["validate", str(scenario)]) == 0
    out, err = capsys.readouterr()
    assert "valid" in out and err == ""


def test_schema_is_json(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    props = schema["properties"]
    for key in ("world", "staffing", "levels", "escalation", "days", "seed"):
        assert key in props, key


def test_version_and_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert "gridsim" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
