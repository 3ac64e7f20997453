"""The policy registry: user policies defined here, registered with ``@register``, chosen by name
in a scenario file that names this file under ``plugins:``, run end to end (also through the CLI);
unknown names fail with one line; names are listed in the JSON schema."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

import sim.core.compiled
from sim.model import GridModel
from sim.output.tables import incidents_table
from sim.policies.escalation import EscalationPolicy
from sim.policies.registry import names, register, unregister
from sim.policies.scoring import Scheme
from sim.scenario.loading import ScenarioError, json_schema, load_scenario, scenario_from_dict
from sim.scenario.schema import METRICS
from sim.workforce.scoring import PERIOD_DAYS

TARGET = 80.0  # closed cases a month the custom scheme asks for (more than anyone closes)


@register("escalation", "straight_to_top")
class StraightToTop(EscalationPolicy):
    """Every case goes straight to the top rung, and stays there."""

    def entry_level(self, category, severity, channel):
        return self.top

    def next_level(self, category, severity, rank):
        return self.top


@register("scoring", "closed_only")
class ClosedOnly(Scheme):
    """Only closed cases count, against ``TARGET`` a month."""

    def rules(self, teams, months):
        n = len(teams)
        w, t = np.zeros((n, len(METRICS))), np.ones((n, len(METRICS)))
        k = METRICS.index("closed_cases")
        w[:, k], t[:, k] = 1.0, TARGET * months
        return w, t


@register("escalation", "moody")
class Moody(EscalationPolicy):
    """Not a pure table: the compiled core may not tabulate it."""

    tabulable = False


# This file is also the scenarios' plugin (imported by path, under another module name, while
# the tests run). Imported by pytest, it must not leave its policies registered for the other
# test modules of the same process: it withdraws them at once and registers them only while
# its own tests run.
MINE = {
    ("escalation", "straight_to_top"): StraightToTop,
    ("scoring", "closed_only"): ClosedOnly,
    ("escalation", "moody"): Moody,
}
if not __name__.startswith("gridsim_plugin_"):
    for kind_name in MINE:
        unregister(*kind_name)


@pytest.fixture(autouse=True, scope="module")
def _registered():
    for (kind, name), cls in MINE.items():
        register(kind, name)(cls)
    yield
    for kind_name in MINE:
        unregister(*kind_name)


SMALL = {
    "name": "plugged",
    "seed": 5,
    "days": 70,
    "world": {"streets": 1, "communities_per_street": 2, "grids_per_community": 3},
    "arrivals": {"rate_scale": 2.0},
}


def write_scenario(tmp_path: Path, **extra) -> Path:
    path = tmp_path / "plugged.yaml"
    path.write_text(yaml.safe_dump({**SMALL, "plugins": [__file__], **extra}), encoding="utf-8")
    return path


def test_custom_escalation_sends_every_case_to_the_top(tmp_path):
    sc = load_scenario(write_scenario(tmp_path, escalation={"policy": "straight_to_top"}))
    model = GridModel(sc).run()
    inc = incidents_table(model)
    closed = inc[inc["state"] == "closed"]
    assert len(closed) > 20
    top = sc.levels[-1].name
    assert (closed["final_level"] == top).all()
    assert (inc.loc[inc["t_accepted"].notna(), "final_level"] == top).all()


def test_custom_scoring_scheme_scores_what_it_defines(tmp_path):
    sc = load_scenario(write_scenario(tmp_path, scoring={"scheme": "closed_only", "cap": 1.5}))
    scores = GridModel(sc).run().scorer.table()
    s = scores[scores["scored"]]
    assert len(s) > 0 and s["closed_cases"].sum() > 0
    months = (s["day_end"] - s["day_start"]) / PERIOD_DAYS["month"]
    expected = 100.0 * np.minimum(s["closed_cases"] / (TARGET * months), 1.5)
    np.testing.assert_allclose(s["score"], expected, rtol=1e-12)
    assert s["score"].nunique() > 1  # not a constant that any scheme could give


def test_plugins_load_through_the_cli(tmp_path):
    from sim.ui.cli import main

    path = write_scenario(tmp_path, escalation={"policy": "straight_to_top"})
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--days", "40", "--quiet"]) in (0, None)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["incidents_closed"] > 0
    resolved = {k: v for k, v in summary["resolved_at_level"].items() if v}
    assert list(resolved) == [load_scenario(path).levels[-1].name]
    resolved_yaml = yaml.safe_load((out / "scenario.yaml").read_text())
    assert resolved_yaml["plugins"] == [str(Path(__file__).resolve())]  # reruns from anywhere


def test_plugin_module_by_name_and_schema_enum():
    sc = scenario_from_dict({**SMALL, "plugins": ["json"], "escalation": {"policy": "straight_to_top"}})
    assert sc.plugins == ["json"]  # any importable module; this one registers nothing
    enum = json_schema()["$defs"]["Escalation"]["properties"]["policy"]["enum"]
    assert {"stepwise", "skip_major", "direct_dispatch", "straight_to_top"} <= set(enum)
    assert "closed_only" in names("scoring")


@pytest.mark.parametrize(
    "field, raw",
    [
        ("escalation.policy", {"escalation": {"policy": "stepwize"}}),
        ("scoring.scheme", {"scoring": {"scheme": "per-type"}}),
        ("turnover.refill", {"turnover": {"refill": "borow"}}),
        ("levels.c.discipline", {"levels": [{"name": "grid"}, {"name": "c", "scope": "community", "discipline": "x"}]}),
    ],
)
def test_unknown_policy_is_one_line_naming_file_field_and_valid_names(tmp_path, field, raw):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"{path}: {field}: unknown ")
    kind = {
        "escalation.policy": "escalation",
        "scoring.scheme": "scoring",
        "turnover.refill": "refill",
        "levels.c.discipline": "discipline",
    }[field]
    assert msg.endswith("valid: " + ", ".join(names(kind)))
    if field == "escalation.policy":
        assert "did you mean 'stepwise'?" in msg


def test_missing_plugin_is_one_line(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"plugins": ["no/such/file.py"]}), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"p\.yaml: plugins\.0: cannot import"):
        load_scenario(path)


def test_routing_by_name_or_by_fusion_gives_the_same_run():
    by_flag = scenario_from_dict({**SMALL, "days": 30, "police": {"fusion": False}})
    by_name = scenario_from_dict({**SMALL, "days": 30, "routing": {"policy": "grid_only"}})
    assert by_name.police.fusion is False and by_name.routing_policy == by_flag.routing_policy == "grid_only"
    a, b = GridModel(by_flag).run(), GridModel(by_name).run()
    assert bytes(a.log.t_closed) == bytes(b.log.t_closed) and a.log.n == b.log.n
    with pytest.raises(ScenarioError, match="routing.policy: 'grid_only' is a policy without police fusion"):
        scenario_from_dict({"routing": {"policy": "grid_only"}, "police": {"fusion": True}})


def test_a_policy_that_is_not_tabulable_runs_only_on_the_interpreted_core():
    sc = scenario_from_dict({**SMALL, "days": 20, "escalation": {"policy": "moody"}})
    if sim.core.compiled.core is not None:
        with pytest.raises(ValueError, match="'moody' is not tabulable"):
            GridModel(sc)
    saved = sim.core.compiled.kernels, sim.core.compiled.core
    sim.core.compiled.kernels = sim.core.compiled.core = None
    try:
        assert GridModel(sc).run().log.n > 0
    finally:
        sim.core.compiled.kernels, sim.core.compiled.core = saved
