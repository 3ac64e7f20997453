"""Policy display names (issue 24): a policy generated from a levers grid reads, in the report's
language, as its levers' and values' labels from the label table; a lever the table does not
know keeps the whole code name; named policies keep their names; stored tables keep code names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from sim.scenario.labels import LABELS
from sim.studies.experiment import load_experiment, policy_code_name
from sim.studies.policy_names import display_name, display_names, shown
from sim.studies.sweep import load_results

GRID = {"scoring.workers_respond": True, "scoring.scheme": "per_type"}


def test_a_generated_policy_reads_in_both_languages():
    code = policy_code_name(GRID)
    assert code == "workers_respond=true, scheme=per_type"
    assert display_name(code, GRID, "en") == "workers respond to scores: yes; scoring scheme: per community type"
    assert display_name(code, GRID, "zh") == "网格员回应考核:是;考核方案:分类考核"
    off = {**GRID, "scoring.workers_respond": False}
    assert display_name(policy_code_name(off), off, "zh").startswith("网格员回应考核:否;")


def test_one_string_lever_reads_as_its_value_and_numbers_as_written():
    one = {"escalation.policy": "skip_major"}
    assert display_name(policy_code_name(one), one, "zh") == LABELS["escalation.skip_major"][1]
    assert display_name("skip_major", one, "en") == LABELS["escalation.skip_major"][0]
    LABELS["lever.test.rate"] = ("test rate", "测试比率")
    try:
        levers = {"test.rate": 0.25, "scoring.scheme": "no_such_scheme"}
        assert display_name(policy_code_name(levers), levers, "zh") == "测试比率:0.25;考核方案:no_such_scheme"
    finally:
        del LABELS["lever.test.rate"]


def test_a_lever_without_a_label_keeps_the_whole_code_name():
    levers = {"levels.grid.p_solve": 0.9, "scoring.scheme": "uniform"}
    assert "lever.levels.grid.p_solve" not in LABELS
    code = policy_code_name(levers)
    assert display_name(code, levers, "zh") == code == "p_solve=0.9, scheme=uniform"


def test_named_policies_keep_their_names_and_alike_labels_fall_back():
    assert display_name("分类试点", GRID, "zh") == "分类试点"  # the user's words
    assert display_name("per_type", {"scoring.scheme": "per_type"}, "zh") == "分类考核"  # named as levers name it
    # two policies that would read alike are both shown by code name, never merged
    extra = {"lever.test.kind": ("kind", "类型"), "kind.a": ("same", "同"), "kind.b": ("same", "同")}
    LABELS.update(extra)
    try:
        alike = {"a": {"test.kind": "a"}, "b": {"test.kind": "b"}}
        assert display_name("a", alike["a"], "en") == "same"
        assert display_names(alike, "en") == {"a": "a", "b": "b"}
    finally:
        for key in extra:
            del LABELS[key]


def test_shown_renames_what_people_read_not_the_stored_frames():
    code = policy_code_name(GRID)
    meta = {"policies": {code: GRID, "base": {}}, "reference": code}
    frame = pd.DataFrame({"policy": [code, "base"], "x": [1.0, 2.0]})
    out, (renamed,) = shown(meta, "zh", frame)
    assert out["reference"] == "网格员回应考核:是;考核方案:分类考核"
    assert list(out["policies"]) == ["网格员回应考核:是;考核方案:分类考核", "base"]
    assert list(renamed["policy"]) == [out["reference"], "base"]
    assert list(frame["policy"]) == [code, "base"] and list(meta["policies"]) == [code, "base"]


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A tiny levers-grid sweep: 2 behaviour settings × 2 schemes, 2 replications."""
    sys.path.insert(0, str(Path(__file__).parent))
    from test_sweep import write_experiment

    tmp = tmp_path_factory.mktemp("grid")
    path = write_experiment(
        tmp,
        levers={"scoring.workers_respond": [True, False], "scoring.scheme": ["uniform", "per_type"]},
        reference="scheme=uniform, workers_respond=true",  # the file's levers are written sorted
        kpis=["closure_rate", "satisfaction"],
        days=12,
    )
    out = tmp / "out"
    swept = subprocess.run(
        [sys.executable, "-m", "sim.ui.cli", "sweep", str(path), "--out", str(out), "--no-progress"],
        capture_output=True,
        text=True,
        env={**os.environ, "GRIDSIM_LANG": "zh"},  # the terminal headline after the sweep, in Chinese
    )
    assert swept.returncode == 0, swept.stderr
    return out, swept.stdout, load_experiment(path)


def test_the_reports_show_policy_labels_in_their_language(swept):
    out, terminal, exp = swept
    uniform_zh, per_type_zh = "考核方案:统一标准(一把尺);网格员回应考核:是", "考核方案:分类考核;网格员回应考核:是"
    assert f"“{per_type_zh}”与“{uniform_zh}”相比" in terminal  # the terminal headline after sweep
    assert "scheme=per_type" not in terminal
    cli = [sys.executable, "-m", "sim.ui.cli", "report", str(out)]
    zh = subprocess.run([*cli, "--lang", "zh", "--xlsx"], capture_output=True, text=True)
    assert zh.returncode == 0, zh.stderr
    assert f"“{per_type_zh}”与“{uniform_zh}”相比" in zh.stdout
    page = (out / "report.html").read_text(encoding="utf-8")
    headline = page.split("<div class=headline>", 1)[1].split("</div>", 1)[0]
    assert per_type_zh in headline and "scheme=" not in headline
    kpi_table = page.split("<table", 2)[1]  # the KPI table comes first
    for p in ("考核方案:分类考核;网格员回应考核:否", uniform_zh):
        assert f"<td>{p}</td>" in kpi_table
    assert "workers_respond=true" not in page.split("<img", 1)[0]
    assert "<td>网格员回应考核:否</td>" in page  # the behaviour setting of the separated comparisons
    book = load_workbook(out / "report.xlsx")
    runs = [row for row in book["各次运行"].iter_rows(values_only=True)]
    header = list(runs[0])
    shown_as, code = header.index("方案"), header.index("方案代码")
    assert {r[shown_as] for r in runs[1:]} >= {uniform_zh, per_type_zh}
    assert {r[code] for r in runs[1:]} == set(exp.policies)  # the identifiers stay
    names = display_names(exp.policies, "zh")
    assert {r[0].value for r in book["差异"].iter_rows(min_row=2)} == set(names.values()) - {uniform_zh}

    en = subprocess.run([*cli, "--lang", "en"], capture_output=True, text=True)
    assert en.returncode == 0, en.stderr
    assert (
        "“scoring scheme: per community type; workers respond to scores: yes” against "
        "“scoring scheme: one yardstick for all (一把尺); workers respond to scores: yes”" in en.stdout
    )
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<td>scoring scheme: per community type; workers respond to scores: no</td>" in page
    assert "<td>workers respond to scores: no</td>" in page
    stored = load_results(out)
    assert set(stored["policy"]) == set(exp.policies)  # the parts and manifest keep code names
    assert set(pd.read_parquet(out / "manifest.parquet")["policy"]) == set(exp.policies)


def test_a_named_policy_shows_its_chinese_name_in_a_chinese_report(tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from test_sweep import write_experiment

    path = write_experiment(
        tmp_path,
        levers={},
        policies=[
            {"name": "fusion", "name_zh": "警网融合", "set": {"police.fusion": True}},
            {"name": "no_fusion", "set": {"police.fusion": False}},
        ],
        kpis=["closure_rate"],
        days=8,
    )
    out = tmp_path / "out"
    cli = [sys.executable, "-m", "sim.ui.cli"]
    swept = subprocess.run(
        [*cli, "sweep", str(path), "--out", str(out), "--no-progress"], capture_output=True, text=True
    )
    assert swept.returncode == 0, swept.stderr
    zh = subprocess.run([*cli, "report", str(out), "--lang", "zh"], capture_output=True, text=True)
    assert zh.returncode == 0, zh.stderr
    assert "“no_fusion”与“警网融合”相比" in zh.stdout  # the user's words, Chinese where given
    assert "<td>警网融合</td>" in (out / "report.html").read_text(encoding="utf-8")
    en = subprocess.run([*cli, "report", str(out), "--lang", "en"], capture_output=True, text=True)
    assert "“no_fusion” against “fusion”" in en.stdout
    assert set(load_results(out)["policy"]) == {"fusion", "no_fusion"}
