"""A report's figures are drawn by two processes where there are two cores (sim.studies.drawing):
the same PNG bytes as drawn by one, both processes at work, a figure's error reaching the
report, and a helper that dies leaving its figures to the report's own process."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from sim.studies import drawing, headline, report
from sim.studies.comparison import paired_differences

sys.path.insert(0, str(Path(__file__).parent))
from test_headline import KPIS, synthetic_results  # noqa: E402


def _figures() -> dict[str, drawing.Job]:
    results = synthetic_results()
    policies = ["A", "B"]
    diffs = headline.classify(paired_differences(results, KPIS, "A", policies), {})
    return {
        "differences": (report.forest_plot, (diffs, KPIS, "A", "zh")),
        "distributions": (report.distributions_plot, (results, KPIS, policies, "zh")),
        "uncertainty": (report.uncertainty_plot, (results, KPIS, "A", policies, "zh")),
        "again": (report.distributions_plot, (results, KPIS[:2], policies, "en")),
    }


def _with_helper(jobs: dict[str, drawing.Job], cjk: bool = False) -> dict:
    """Draw ``jobs`` with a helper process, waiting until it is ready (so that it takes its share)."""
    with drawing.Drawing(helpers=1) as drawer:
        drawer.ready.result()
        return drawer.draw(jobs, cjk)


def test_two_processes_draw_the_same_pngs_as_one():
    jobs = _figures()
    with drawing.Drawing(helpers=0) as here:
        alone = here.draw(jobs, cjk=True)
    assert list(alone) == list(jobs) and alone["uncertainty"] is None  # (no uncertain parameters)
    assert all(alone[k].startswith(b"\x89PNG") for k in ("differences", "distributions", "again"))
    assert _with_helper(jobs, cjk=True) == alone


def marked(folder: str, name: str, pause: float) -> Figure:
    """A figure that leaves a file naming the process that drew it."""
    (Path(folder) / f"{name}.{os.getpid()}").touch()
    time.sleep(pause)
    fig = Figure(figsize=(2, 1))
    fig.text(0.5, 0.5, name)
    return fig


def test_both_processes_draw(tmp_path):
    jobs = {f"f{i}": (marked, (str(tmp_path), f"f{i}", 0.4)) for i in range(6)}
    out = _with_helper(jobs)
    assert list(out) == list(jobs) and all(v.startswith(b"\x89PNG") for v in out.values())
    drawn = sorted(p.name for p in tmp_path.iterdir())
    assert [d.split(".")[0] for d in drawn] == sorted(jobs)  # each once
    assert len({d.split(".")[1] for d in drawn}) == 2  # by two processes
    assert str(os.getpid()) in {d.split(".")[1] for d in drawn}


def broken(name: str) -> Figure:
    raise ValueError(f"no figure {name}")


def test_a_figures_error_reaches_the_report_whichever_process_drew_it(tmp_path):
    for last in (True, False):  # the helper takes the last; this process the first
        jobs = {f"f{i}": (marked, (str(tmp_path), f"f{i}", 0.2)) for i in range(3)}
        bad = {"bad": (broken, ("bad",))}
        jobs = {**jobs, **bad} if last else {**bad, **jobs}
        with pytest.raises(ValueError, match="no figure bad"):
            _with_helper(jobs)


def dies_elsewhere(parent: int, folder: str, name: str) -> Figure:
    """Kills the process drawing it unless that is ``parent``."""
    if os.getpid() != parent:
        os._exit(3)
    return marked(folder, name, 0.0)


def test_a_helper_that_dies_leaves_its_figures_to_this_process(tmp_path):
    jobs = {f"f{i}": (marked, (str(tmp_path), f"f{i}", 0.3)) for i in range(3)}
    jobs["last"] = (dies_elsewhere, (os.getpid(), str(tmp_path), "last"))  # the helper's first
    out = _with_helper(jobs)
    assert list(out) == list(jobs) and all(v.startswith(b"\x89PNG") for v in out.values())
    assert {p.name.split(".")[1] for p in tmp_path.iterdir()} == {str(os.getpid())}
