"""Excel workbooks (--xlsx): they open with openpyxl and hold the same numbers as the Parquet
tables and summary.json, as numbers with number formats, with headers in the chosen language."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from sim.studies.comparison import paired_differences, policy_means
from sim.studies.sweep import load_results
from sim.ui.cli import main

sys.path.insert(0, str(Path(__file__).parent))
from test_sweep import TINY, write_experiment  # noqa: E402


def sheet(path: Path, title: str) -> pd.DataFrame:
    """A sheet as a frame (header row → columns), values as openpyxl read them."""
    rows = list(load_workbook(path)[title].values)
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_run_workbook_holds_the_summary_and_the_daily_table(tmp_path):
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--days", "12", "--out", str(out), "--xlsx", "--quiet"]) == 0
    book = out / "run.xlsx"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    kpis = sheet(book, "Summary").set_index("key")["value"]
    assert kpis["closure_rate"] == pytest.approx(summary["closure_rate"])
    assert kpis["incidents_created"] == summary["incidents_created"]
    assert isinstance(kpis["closure_rate"], float)  # a number, not text
    ws = load_workbook(book)["Summary"]
    formats = {r[0].value: r[2].number_format for r in ws.iter_rows(min_row=2)}
    assert formats["closure_rate"] == "0.0%" and formats["incidents_created"] != "0.0%"
    daily = pd.read_parquet(out / "daily.parquet")
    got = sheet(book, "Daily")
    assert len(got) == len(daily) == 12
    np.testing.assert_allclose(got["backlog"].astype(float), daily["backlog"].astype(float))


def test_report_workbook_matches_the_sweep_tables_in_chinese(tmp_path):
    path = write_experiment(
        tmp_path, levers={"levels.grid.p_solve": [0.9, 0.3]}, replications=3, kpis=["escalation_rate", "closure_rate"]
    )
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--no-progress"]) == 0
    assert main(["report", str(out), "--xlsx", "--lang", "zh"]) == 0
    book = out / "report.xlsx"
    assert load_workbook(book).sheetnames == ["汇总", "各次运行", "差异"]
    results = load_results(out)
    kpis = ["escalation_rate", "closure_rate"]
    policies = list(dict.fromkeys(results["policy"]))

    runs = sheet(book, "各次运行")
    assert list(runs.columns[:4]) == ["方案", "样本", "重复", "随机种子"] and "上报率" in runs
    np.testing.assert_allclose(runs["上报率"].astype(float), results["escalation_rate"])
    np.testing.assert_allclose(runs["办结率"].astype(float), results["closure_rate"])
    np.testing.assert_array_equal(runs["指标前的预热期(天)"].astype(float), results["warmup_days"])

    summary = sheet(book, "汇总")
    means = policy_means(results, kpis, policies)
    np.testing.assert_allclose(summary["均值"].astype(float), means["mean"])
    np.testing.assert_allclose(summary["95%下限"].astype(float), means["lo"])

    diffs = sheet(book, "差异")
    expected = paired_differences(results, kpis, policies[0], policies)
    np.testing.assert_allclose(diffs["差异"].astype(float), expected["diff"])
    np.testing.assert_allclose(diffs["95%上限"].astype(float), expected["hi"])
    assert load_workbook(book)["汇总"]["D2"].number_format == "0.0%"  # a share's mean
