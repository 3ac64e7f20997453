"""Scenario files at the library level: defaults, cross-references, overrides, the schema."""

from __future__ import annotations

import copy

import pytest

from sim.output.runner import run_scenario
from sim.scenario.loading import ScenarioError, apply_overrides, json_schema, scenario_from_dict

SRC = "s.yaml"


def _error(raw) -> str:
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(raw, source=SRC)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(SRC), msg
    return msg


def test_minimal_file_runs_on_defaults():
    model = run_scenario(scenario_from_dict({}), days=2)
    assert model.day == 2 and model.log.n > 0


@pytest.mark.parametrize(
    "raw, needles",
    [
        (
            {"categories": {"dispute": {"authority": ["grid", "comunity", "street"]}}},
            ["categories.dispute.authority", "comunity", "community"],
        ),
        (
            {"community_types": {"gated": {"rate_multiplier": {"securty": 2}}}},
            ["community_types.gated.rate_multiplier.securty", "security"],
        ),
        ({"world": {"streets": 1, "communities": [{"type": "gated", "street": 3}]}}, ["world.communities.0.street"]),
        (
            {"categories": {"dispute": {"severity_mix": [0.5, 0.2, 0.2]}}},
            ["categories.dispute.severity_mix", "sum to 1"],
        ),
        (
            {"staffing": {"full_time_shift": {"start_hour": 9, "end_hour": 9}}},
            ["staffing.full_time_shift", "end_hour"],
        ),
        ({"levels": [{"name": "community", "scope": "community"}]}, ["levels", "first level"]),
        ({"escalation": {"policy": "skip_all"}}, ["escalation.policy", "skip_major"]),
        ({"residents": {"trust_mean": 1.5}}, ["residents.trust_mean"]),
        ({"days": 0}, ["days"]),
        ({"arrivals": {"hourly_profile": [1, 2, 3]}}, ["arrivals.hourly_profile", "24"]),
    ],
)
def test_cross_checked_fields_name_the_dotted_path(raw, needles):
    msg = _error(raw)
    for n in needles:
        assert n in msg, (n, msg)


def test_overrides_do_not_mutate_their_input():
    raw = {"staffing": {"full_time": 1}, "levels": [{"name": "grid", "p_solve": 0.9}]}
    before = copy.deepcopy(raw)
    out = apply_overrides(raw, ["staffing.full_time=3", "levels.grid.p_solve=0.5", "police.fusion=false"])
    assert raw == before
    assert out["staffing"]["full_time"] == 3 and out["levels"][0]["p_solve"] == 0.5
    assert out["police"] == {"fusion": False}


def test_catalogue_entries_merge_unless_replaced():
    sc = scenario_from_dict({"categories": {"dispute": {"rate": 0.5}}})
    assert sc.categories["dispute"].rate == 0.5 and len(sc.categories) == 8  # others kept
    assert sc.categories["dispute"].authority == scenario_from_dict({}).categories["dispute"].authority
    only = scenario_from_dict(
        {
            "categories": {"replace": True, "case": {"rate": 1.0}},
            "community_types": {"replace": True, "plain": {}},
            "world": {"community_mix": {"plain": 1}},
            "police": {"categories": []},
        }
    )
    assert list(only.categories) == ["case"] and list(only.community_types) == ["plain"]
    # replacing categories: the built-in types (not written) drop multipliers of the removed
    # ones instead of an error about a built-in; a multiplier the user wrote is still checked
    kept = scenario_from_dict({"categories": {"replace": True, "case": {}}})
    assert all(set(t.rate_multiplier) <= {"case"} for t in kept.community_types.values())
    msg = _error(
        {"categories": {"replace": True, "case": {}}, "community_types": {"gated": {"rate_multiplier": {"dispute": 2}}}}
    )
    assert "community_types.gated.rate_multiplier.dispute" in msg and "valid: case" in msg


def test_json_schema_describes_the_sections():
    schema = json_schema()
    props = schema["properties"]
    for section in (
        "world",
        "community_types",
        "categories",
        "levels",
        "staffing",
        "police",
        "escalation",
        "residents",
        "arrivals",
        "risk",
        "seed",
        "days",
    ):
        assert section in props
    assert schema.get("additionalProperties") is False


def _nested(depth: int) -> list:
    """A list nested ``depth`` levels deep, built without recursion."""
    out: list = []
    for _ in range(depth):
        out = [out]
    return out


RENAMED = [
    {"name": "grid"},
    {"name": "village", "scope": "community", "servers": 2},
    {"name": "county", "scope": "street", "servers": 3},
    {"name": "department", "scope": "district", "discipline": "referral", "role": "department"},
]


def test_renamed_levels_carry_the_builtins_along_by_rung():
    """Renaming the community level to ``village`` (issue 23, finding 6) must not give an error
    about a built-in category the user never wrote; built-ins act at the same rung."""
    sc = scenario_from_dict({"levels": RENAMED})
    default = scenario_from_dict({})
    for name, cat in sc.categories.items():
        rungs = ["grid", "community", "street", "department"]
        assert [RENAMED[rungs.index(a)]["name"] for a in default.categories[name].authority] == list(cat.authority)
    assert sc.police.authority_level == "village"
    # what the user wrote is still checked against what they wrote
    msg = _error({"levels": RENAMED, "categories": {"dispute": {"authority": ["grid", "vilage", "county"]}}})
    assert "categories.dispute.authority" in msg and "did you mean 'village'" in msg and "community" not in msg


def test_errors_name_list_items_as_written_and_list_valid_choices():
    raw = apply_overrides({"levels": RENAMED}, ["levels.county.servers=0"])
    assert "levels.county.servers" in _error(raw)
    msg = _error({"world": {"community_mix": {"mall": 1}}})
    assert "world.community_mix.mall: unknown community type" in msg and "valid: old_estate, commodity" in msg
    msg = _error({"community_types": {"replace": True, "village": {"rural": True}}})
    assert "world.community_mix: missing" in msg and "old_estate" not in msg  # never a default not written
    msg = _error({"levels": [{"name": "grid", "role": "grid_wroker"}]})
    assert "levels.grid.role" in msg and "did you mean 'grid_worker'" in msg and "valid:" in msg


@pytest.mark.parametrize(
    "raw, field",
    [
        ({"categories": {"dispute": {"rate": float("inf")}}}, "categories.dispute.rate"),
        ({"categories": {"dispute": {"rate": float("nan")}}}, "categories.dispute.rate"),
        ({"arrivals": {"rate_scale": 1e308}}, "arrivals.rate_scale"),
        ({"world": {"households_urban": 1e30}}, "world.households_urban"),
        ({"world": {"households_urban": "1e30"}}, "world.households_urban"),
        ({"arrivals": {"hourly_profile": [float("inf")] * 24}}, "arrivals.hourly_profile.0"),
        ({"world": {"grids_per_community": 10**9}}, "world.grids_per_community"),
        ({"staffing": {"full_time": 100_000}}, "staffing.full_time"),
        ({"staffing": {"by_grid": {"S1-C1-1": {"full_time": 100_000}}}}, "staffing.by_grid.S1-C1-1.full_time"),
        ({"seed": 2**70}, "seed"),
        ({"seed": -5}, "seed"),
        ({"days": 36_501}, "days"),
        ({"levels": [{"name": "grid", "servers": 10**9}]}, "levels.grid.servers"),
        ({"world": {"streets": 1000, "communities_per_street": 1000, "grids_per_community": 1000}}, "world"),
        ({"staffing": {"full_time": 1000}, "world": {"streets": 100, "communities_per_street": 100}}, "staffing"),
        ({"world": {"communities": _nested(100_000)}}, "world.communities"),
    ],
)
def test_out_of_range_values_are_refused_in_one_line_naming_the_field(raw, field):
    """Issue 22, findings 8 and 9: every number finite and bounded; sizes a run cannot hold refused."""
    msg = _error(raw)
    assert msg.startswith(f"{SRC}: {field}"), msg
    assert "Traceback" not in msg and "pydantic" not in msg and "function-after" not in msg


def test_too_large_a_district_is_refused_with_its_estimated_memory():
    msg = _error({"world": {"streets": 1000, "communities_per_street": 1000, "grids_per_community": 1000}})
    assert "GB of memory" in msg and "1,000,000,000 grids" in msg


def test_every_scenario_in_the_repository_fits_the_memory_budget():
    from pathlib import Path

    from sim.scenario import resources
    from sim.scenario.loading import load_scenario

    for path in sorted(Path("scenarios").rglob("*.yaml")):
        if "templates" in path.parts:  # mapping files for `gridsim district` / `fit`, not scenarios
            continue
        assert resources.estimate(load_scenario(path)).mb < resources.budget_mb(), path


def test_the_memory_estimate_bounds_a_measured_run():
    """The estimate is an upper bound: a 20-day run of the baseline (with its transition log)
    peaks below it, measured as the fresh process's high-water mark (VmHWM; ru_maxrss would
    carry over the forking test process's size)."""
    import subprocess
    import sys

    from sim.scenario import resources
    from sim.scenario.loading import load_scenario

    code = (
        "from sim.scenario.loading import load_scenario; from sim.output.runner import run_scenario;"
        "run_scenario(load_scenario('scenarios/baseline.yaml', ['days=20']), transitions=True);"
        "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    peak_kb = int(out.split()[-1])
    est = resources.estimate(load_scenario("scenarios/baseline.yaml", ["days=20"]))
    assert peak_kb / 1024 < est.mb, (peak_kb, est)


def test_campaigns_past_the_horizon_are_warned_about():
    sc = scenario_from_dict(
        {
            "days": 100,
            "campaigns": [
                {"name": "flood", "start_day": 90, "days": 30},
                {"name": "census", "start_day": 200, "days": 5},
            ],
        }
    )
    w = sc.warnings()
    assert len(w) == 2 and w[0].startswith("campaigns.flood: runs days 90–119") and "never runs" in w[1]
    assert scenario_from_dict({"campaigns": [{"name": "a", "start_day": 1, "days": 5}]}).warnings() == []
    assert "campaigns.1.name: 'a' given twice" in _error({"campaigns": [{"name": "a", "start_day": 1, "days": 5}] * 2})


def _fields(model, seen=None):
    """Every (model, field name, FieldInfo) reachable from ``model``."""
    import typing

    from pydantic import BaseModel

    seen = set() if seen is None else seen
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        yield model, name, info
        todo = [info.annotation]
        while todo:
            ann = todo.pop()
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                yield from _fields(ann, seen)
            todo.extend(typing.get_args(ann))


def test_every_field_has_a_description_and_every_number_a_unit_and_a_finite_range():
    """Issue 23, finding 6 (2 of 194 fields described, none with units) and issue 22, finding 9."""
    from sim.scenario import labels
    from sim.scenario.reference import is_numeric
    from sim.scenario.schema import Scenario

    schema = json_schema()
    defs = schema["$defs"]
    fields = list(_fields(Scenario))
    assert len(fields) >= 190  # the whole tree, not a sample
    numeric = 0
    for model, name, info in fields:
        where = f"{model.__name__}.{name}"
        assert info.description and info.json_schema_extra.get("zh"), where
        prop = (schema if model is Scenario else defs[model.__name__])["properties"][name]
        if is_numeric(prop):
            numeric += 1
            unit = prop.get("unit")
            assert unit and f"unit.{unit}" in labels.LABELS, where
            assert "Unit: " in prop["description"] and "Range: " in prop["description"], where
            leaves, todo = [], [prop]
            while todo:  # every number inside (optional, list items, mapping values) is bounded both ways
                n = todo.pop()
                if n.get("type") in ("integer", "number"):
                    leaves.append(n)
                todo += [*n.get("anyOf", []), *n.get("prefixItems", [])]
                todo += [n[k] for k in ("items", "additionalProperties") if isinstance(n.get(k), dict)]
            for leaf in leaves:
                assert ("minimum" in leaf or "exclusiveMinimum" in leaf) and (
                    "maximum" in leaf or "exclusiveMaximum" in leaf
                ), where
    assert numeric >= 120


def test_the_committed_reference_is_the_generators_output():
    """docs/scenario-reference.md is generated (``gridsim schema --markdown``); regenerate it
    when a field changes."""
    from pathlib import Path

    from sim.scenario.reference import markdown

    committed = Path("docs/scenario-reference.md").read_text(encoding="utf-8")
    assert committed == markdown("both"), "run: gridsim schema --markdown > docs/scenario-reference.md"
    assert "## `levels[]`" in committed and "每户每年" in committed and "per household-year" in committed
