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
    # replacing categories while the catalogue's types still name the old ones is caught
    assert "rate_multiplier" in _error({"categories": {"replace": True, "case": {}}})


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
