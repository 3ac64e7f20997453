"""Start-up: a command imports only what it needs (issue 21).

``gridsim --help`` and ``gridsim validate`` are what a user runs most often and waits on; each
runs here in a fresh interpreter, and the heavy libraries must not have been imported by the end.
Behavioural (what is in ``sys.modules``), not a timing test, so it holds on a loaded machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
HEAVY = ("pandas", "pyarrow", "matplotlib", "dask", "scipy", "solara", "geopandas", "statsmodels", "SALib")
"""Libraries no quick command may import (each costs tenths of a second to a second)."""

_PROBE = """
import json, sys
from sim.ui import cli
try:
    status = cli.main(sys.argv[1:])
except SystemExit as exit:  # --help exits from argparse
    status = exit.code
print(json.dumps({"status": status, "modules": sorted(m for m in sys.modules if "." not in m)}))
"""


def _loaded(*argv: str) -> tuple[int, set[str]]:
    """Run the CLI with ``argv`` in a fresh interpreter; its exit status and top-level modules."""
    proc = subprocess.run([sys.executable, "-c", _PROBE, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return report["status"], set(report["modules"])


@pytest.mark.parametrize(
    "argv",
    [("--help",), ("run", "--help"), ("sweep", "--help"), ("validate", str(BASELINE))],
    ids=["help", "run-help", "sweep-help", "validate"],
)
def test_quick_commands_import_no_heavy_library(argv):
    status, modules = _loaded(*argv)
    assert status == 0
    assert "sim" in modules  # the probe did import gridsim
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_validate_needs_no_numpy_or_event_core():
    """Checking a scenario's policy names imports the policy modules, not numpy or the core."""
    status, modules = _loaded("validate", str(BASELINE))
    assert status == 0
    assert "numpy" not in modules
    assert "pydantic" in modules  # it did validate


def test_a_run_still_imports_what_it_needs(tmp_path):
    """The probe can see heavy imports: a short run writes Parquet, so pyarrow is loaded; Mesa's
    SciPy (a KD-tree gridsim never builds: 0.2–0.3 s a process) is not."""
    status, modules = _loaded("run", str(BASELINE), "--days", "2", "--out", str(tmp_path / "r"))
    assert status == 0
    assert "pyarrow" in modules and "numpy" in modules
    assert "scipy" not in modules


_SPATIAL_PROBE = """
import sys
import networkx as nx
import numpy as np
import sim.model
from mesa.discrete_space import HexGrid, Network
from mesa.discrete_space import grid, network
before = "scipy" in sys.modules
hexes = HexGrid((4, 4))  # its nearest-cell lookup builds a KDTree: SciPy's, now imported
cell = hexes.find_nearest_cell(np.array([0.0, 0.0]))
points = Network(nx.path_graph(3), layout={0: (0, 0), 1: (1, 0), 2: (2, 0)})
from scipy.spatial import KDTree
from scipy.spatial.distance import cdist
distance = float(cdist([[0, 0]], [[3, 4]])[0, 0])
print(before, cell.coordinate, type(points._kdtree) is KDTree, grid.KDTree is not KDTree, distance)
"""


def test_mesa_builds_scipy_kd_trees_on_first_use():
    """Mesa's modules are imported with stand-ins for the SciPy names they bind (``sim._mesa``):
    SciPy is imported only when Mesa first builds a KD-tree, and is then SciPy's own."""
    proc = subprocess.run([sys.executable, "-c", _SPATIAL_PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "(0,", "0)", "True", "True", "5.0"], proc.stdout


def test_mesa_keeps_scipy_imported_before_it():
    """Where SciPy was imported first, Mesa binds SciPy's own KDTree (no stand-in)."""
    probe = (
        "import scipy.spatial; import sim.model; from mesa.discrete_space import grid;"
        "print(grid.KDTree is scipy.spatial.KDTree)"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["True"], proc.stderr


@pytest.mark.parametrize("argv", [("--help",), ("run", "--help")], ids=["help", "run-help"])
def test_help_imports_no_schema(argv):
    """``--help`` builds no scenario schema: neither pydantic nor the schema module is imported."""
    status, modules = _loaded(*argv)
    assert status == 0
    assert "pydantic" not in modules and "yaml" not in modules


def test_scenario_package_names_on_first_use():
    """``sim.scenario`` still gives the loading and schema names (and ``sim.config``'s star import)."""
    probe = (
        "import sys, warnings; import sim.scenario as s; before = 'pydantic' in sys.modules;"
        "warnings.simplefilter('ignore'); ns = {}; exec('from sim.config import *', ns);"
        "print(before, s.Scenario.__name__, s.ScenarioError is __import__('sim.scenario.errors').scenario.errors"
        ".ScenarioError, 'load_scenario' in ns and 'Scenario' in ns)"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "Scenario", "True", "True"], out.stderr


_MESA_PROBE = """
import inspect, json, logging
walks = []
stack, getmodule = inspect.stack, inspect.getmodule
inspect.stack = lambda *a, **k: (walks.append("stack"), stack(*a, **k))[1]
inspect.getmodule = lambda *a, **k: (walks.append("getmodule"), getmodule(*a, **k))[1]
import {module}
restored = inspect.stack.__name__ == "<lambda>" and inspect.getmodule.__name__ == "<lambda>"
print(json.dumps({{"walks": walks, "restored": restored,
                  "loggers": sorted(n for n in logging.root.manager.loggerDict if n.startswith("MESA."))}}))
"""


@pytest.mark.parametrize(
    "modules",
    ["sim.model", "sim.output.runner", "sim.studies.sweep_job, sim.model, sim.output.steady", "sim.ui.cli, sim.model"],
)
def test_mesa_is_imported_without_walking_the_stack(modules):
    """Whatever gridsim module imports Mesa first, its loggers are named without ``inspect``'s
    stack walk (0.1–0.27 s a process: :mod:`sim._mesa`), under the names Mesa gives them, and
    ``inspect`` is itself again afterwards."""
    proc = subprocess.run(
        [sys.executable, "-c", _MESA_PROBE.format(module=modules)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[0])
    assert report["walks"] == []
    assert report["restored"]
    assert "MESA.mesa.model" in report["loggers"]


def test_the_program_skips_the_exit_collection_only_after_the_command(monkeypatch, tmp_path):
    """``gridsim`` (:func:`sim.ui.cli.program`) freezes the heap once the command has returned,
    so the interpreter's exit does not collect it (0.2–0.3 s), and exits with its status: bad
    input still exits 2."""
    from sim.ui import cli

    events: list[str] = []
    command = cli.main
    monkeypatch.setattr(cli, "main", lambda argv: events.append("command") or command(argv))
    monkeypatch.setattr(cli.gc, "freeze", lambda: events.append("freeze"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndays: -1\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit:
        cli.program(["validate", str(bad)])
    assert exit.value.code == 2
    with pytest.raises(SystemExit) as exit:
        cli.program(["validate", str(BASELINE)])
    assert exit.value.code == 0
    assert events == ["command", "freeze", "command", "freeze"]


def test_the_installed_command_exits_without_the_last_collection():
    """The console script and ``python -m sim.ui.cli`` both run :func:`sim.ui.cli.program`."""
    script = Path(sys.executable).with_name("gridsim")
    if script.exists():
        assert "program()" in script.read_text(encoding="utf-8")
    probe = f"import gc, runpy, sys; sys.argv = ['gridsim', 'validate', {str(BASELINE)!r}]\n"
    probe += "gc.freeze = lambda: print('frozen')\n"
    probe += "runpy.run_module('sim.ui.cli', run_name='__main__')"
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("frozen")


def _frozen_and_loaded() -> tuple[int, bool]:
    import gc

    return gc.get_freeze_count(), "sim.model" in sys.modules


def test_sweep_workers_start_with_the_preloaded_model_frozen():
    """A sweep's workers fork from a forkserver that imported the model and then froze every
    object (``sim.studies.sweep_preload``, last in ``PRELOAD``): they start with the model
    loaded and its objects out of the collector's reach (shared pages stay shared; the
    forkserver exits without collecting them)."""
    from sim.studies.sweep_job import PRELOAD
    from sim.studies.sweep_pool import _pool

    assert PRELOAD[-1] == "sim.studies.sweep_preload"
    pool = _pool(1)
    try:
        frozen, loaded = pool.submit(_frozen_and_loaded).result(timeout=120)
    finally:
        pool.shutdown()
    assert loaded
    assert frozen > 50_000  # the model's imports: ~100 k objects


@pytest.mark.parametrize("asked", [None, "2"])
def test_the_program_loads_numpy_with_one_blas_thread_unless_asked(asked):
    """``gridsim`` sets ``OPENBLAS_NUM_THREADS=1`` before numpy loads (its BLAS threads would spin
    on the cores a sweep's processes need), keeping a value the user set."""
    probe = (
        "import os, sys; from sim.ui import cli; cli.main = lambda argv: 0\n"
        "try:\n    cli.program([])\nexcept SystemExit:\n    pass\n"
        "import numpy; print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if asked:
        env["OPENBLAS_NUM_THREADS"] = asked
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    value, threads = proc.stdout.split()
    assert value == (asked or "1")
    if not asked:
        assert threads == "1"  # numpy loaded, no BLAS thread started


def test_a_build_runs_without_the_cyclic_collector_and_restores_it(monkeypatch):
    """``GridModel`` is built with the collector paused (``sim.core.clock.collector_paused``, as the
    event chain runs): paused while the world and the desks are made, as it was after — also
    when the build fails, and left off if it was off."""
    import gc

    import sim.model
    from sim.core.clock import collector_paused
    from sim.scenario.loading import load_scenario

    seen: list[bool] = []
    build_world = sim.model.build_world
    monkeypatch.setattr(sim.model, "build_world", lambda sc: seen.append(gc.isenabled()) or build_world(sc))
    sim.model.GridModel(load_scenario(str(BASELINE)), transitions=False)
    assert seen == [False] and gc.isenabled()

    @collector_paused()
    def fails():
        assert not gc.isenabled()
        raise RuntimeError("build failed")

    with pytest.raises(RuntimeError):
        fails()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
