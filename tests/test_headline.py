"""Headline findings: a difference is material, negligible or unclear by its interval and the
practical threshold; numbers read for people; the report and the terminal state the headline
in English and Chinese."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from sim.studies import headline, readout
from sim.studies.comparison import paired_differences
from sim.studies.experiment import ExperimentFile


def synthetic_results(n: int = 8) -> pd.DataFrame:
    """Two policies on paired runs: B closes 3 points more (material), satisfies 0.2 points
    more (clear, below the 1-point threshold), and its p90 differs by noise only."""
    rng = np.random.default_rng(1)
    rows = []
    for rep in range(n):
        base = {"closure_rate": 0.90 + rng.normal(0, 0.01), "satisfaction": 0.80 + rng.normal(0, 0.01)}
        p90 = 100 + rng.normal(0, 5)
        rows.append({"policy": "A", "sample": 0, "rep": rep, **base, "resolution_hours_p90": p90})
        rows.append(
            {
                "policy": "B",
                "sample": 0,
                "rep": rep,
                "closure_rate": base["closure_rate"] + 0.03 + rng.normal(0, 0.001),
                "satisfaction": base["satisfaction"] + 0.002 + rng.normal(0, 0.0002),
                "resolution_hours_p90": p90 + rng.normal(0, 3),
            }
        )
    return pd.DataFrame(rows)


KPIS = ["closure_rate", "satisfaction", "resolution_hours_p90"]


def test_three_classes_read_differently():
    diffs = paired_differences(synthetic_results(), KPIS, "A", ["A", "B"])
    classes = headline.classify(diffs).set_index("kpi")["class"].to_dict()
    assert classes == {"closure_rate": "material", "satisfaction": "negligible", "resolution_hours_p90": "unclear"}
    (found,) = headline.findings(diffs)
    assert found.sentences.startswith("“B” against “A”: closure rate +3.0 points (95 % interval +")
    assert "better" in found.sentences
    assert "Clear but below the practical threshold: resident satisfaction" in found.sentences
    assert "no clear difference: 90th-percentile resolution time." in found.sentences
    (zh,) = headline.findings(diffs, lang="zh")
    assert "办结率+3.0个百分点" in zh.sentences and "更好" in zh.sentences and "无明确差异" in zh.sentences


def test_a_declared_threshold_changes_the_class():
    diffs = paired_differences(synthetic_results(), KPIS, "A", ["A", "B"])
    loose = headline.classify(diffs, {"closure_rate": 0.05, "satisfaction": "0.1%"}).set_index("kpi")["class"]
    assert loose["closure_rate"] == "negligible"  # 3 points is below a 5-point threshold
    assert loose["satisfaction"] == "material"  # 0.2 points is above 0.1 % of 0.80


def test_numbers_are_for_people():
    assert readout.value("closure_rate", 0.98765) == "98.8%"
    assert readout.difference("closure_rate", -2.4e-05) == "-0.0 points"
    assert readout.difference("resolution_hours_p90", 1.234) == "+1.2 h"
    assert readout.difference("score_validity", 0.0512) == "+0.05"  # a correlation: no percentage
    assert readout.value("attrition_count", 113, of=1850) == "113 of 1,850"
    assert readout.difference("vacancy_days", -1517.4, base=9140) == "-1,517 (-16.6%)"
    assert "e-" not in readout.difference("reopen_rate", 1.3e-6) and readout.value("satisfaction", math.nan) == "–"
    assert readout.classify(0.1, 0.1, 0.1, 0.01) == "unclear"  # one pair: no interval, no claim


def test_thresholds_are_checked_in_the_experiment_file():
    ok = ExperimentFile.model_validate(
        {"name": "x", "scenario": "s.yaml", "kpis": ["closure_rate"], "thresholds": {"closure_rate": "2%"}}
    )
    assert ok.thresholds == {"closure_rate": "2%"}
    for bad, word in (({"satisfaction": 0.01}, "not among kpis"), ({"closure_rate": "two"}, "percentage")):
        with pytest.raises(ValidationError, match=word):
            ExperimentFile.model_validate(
                {"name": "x", "scenario": "s.yaml", "kpis": ["closure_rate"], "thresholds": bad}
            )


def test_sweep_and_report_print_the_headline_in_both_languages(tmp_path):
    path = write_experiment(
        tmp_path,
        description="Does fusing the police into the grid help? Tiny test.",
        description_zh="警网融合有用吗？小测试。",
        levers={"levels.grid.p_solve": [0.9, 0.3]},
        replications=3,
        kpis=["escalation_rate", "closure_rate"],
        thresholds={"escalation_rate": 0.02},
        warmup_days=5,
    )
    out = tmp_path / "out"
    cli = [sys.executable, "-m", "sim.ui.cli"]
    swept = subprocess.run(
        [*cli, "sweep", str(path), "--out", str(out), "--no-progress"], capture_output=True, text=True
    )
    assert swept.returncode == 0, swept.stderr
    assert "Does fusing the police into the grid help?" in swept.stdout
    assert "escalation rate" in swept.stdout and "±2.0 points" in swept.stdout
    zh = subprocess.run([*cli, "report", str(out), "--lang", "zh"], capture_output=True, text=True)
    assert zh.returncode == 0, zh.stderr
    assert "上报率" in zh.stdout and "实际意义阈值" in zh.stdout
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<html lang=zh-CN>" in page and "主要结论" in page and "各方案指标" in page
    assert "<h1>警网融合有用吗？</h1>" in page and "<title>警网融合有用吗？</title>" in page  # the title in --lang
    assert "@page{size:A4" in page
    assert "预热期与稳态" in page and "warmup_days = 5" in page and "报告清单(STRESS-ABS)" in page
    assert "e-0" not in page.split("<img", 1)[0]  # no scientific notation in the text
    shown = re.findall(r"<img alt='(\w+)'", page)  # in the page's order, whichever process drew each
    page_order = ["differences", "distributions", "series", "funnel", "uncertainty", "scores"]
    assert len(shown) >= 4 and shown == [f for f in page_order if f in shown]
    assert sorted(p.stem for p in (out / "report_figures").iterdir()) == sorted(shown)
    en = subprocess.run(
        [*cli, "report", str(out)], capture_output=True, text=True, env={"GRIDSIM_LANG": "en", **_env()}
    )
    page = (out / "report.html").read_text(encoding="utf-8")
    assert en.returncode == 0 and "Headline findings" in page
    assert "<h1>Does fusing the police into the grid help?</h1>" in page and "警网融合" not in page


def write_experiment(tmp_path, **fields):
    """The tiny scenario of the sweep tests and an experiment over it."""
    sys.path.insert(0, str(Path(__file__).parent))
    from test_sweep import write_experiment as write

    return write(tmp_path, **fields)


def _env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k != "GRIDSIM_LANG"}


def test_the_report_module_leaves_the_backend_alone():
    """A notebook's inline backend survives importing the report (svg stands in for it here)."""
    code = "import matplotlib, sim.studies.report; assert matplotlib.get_backend() == 'svg', matplotlib.get_backend()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, env={**_env(), "MPLBACKEND": "svg"})
    assert done.returncode == 0, done.stderr


def test_the_title_is_the_description_in_the_reports_language_else_the_other():
    both = {"description": "Does it help? More.", "description_zh": "有用吗？更多说明。", "name": "x"}
    assert headline.title(headline.description(both, "zh"), "x") == "有用吗？"
    assert headline.title(headline.description(both, "en"), "x") == "Does it help?"
    assert headline.description({"description": "Only English."}, "zh") == "Only English."
    assert headline.description({"description": "", "description_zh": "只有中文。"}, "en") == "只有中文。"
    assert headline.title(headline.description({}, "zh"), "slug") == "slug"


def test_a_chinese_description_that_is_not_text_is_refused_in_one_line(tmp_path):
    from sim.scenario.loading import ScenarioError
    from sim.studies.experiment import load_experiment

    path = write_experiment(tmp_path, description_zh=["列表"])
    with pytest.raises(ScenarioError) as err:
        load_experiment(path)
    assert str(err.value) == f"{path}: description_zh: Input should be a valid string"


def test_every_shipped_experiment_describes_itself_in_both_languages():
    import yaml

    root = Path(__file__).resolve().parents[1] / "experiments"
    for path in sorted(root.glob("*.yaml")):
        spec = ExperimentFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        assert spec.description.strip() and spec.description_zh.strip(), path.name
        title = headline.title(spec.description_zh, spec.name)
        assert title.endswith(("。", "？")) and len(title) < len(spec.description_zh) + 1, path.name
