"""Scenario schema at the library level (``sim.scenario.schema``): validation messages, defaults,
overrides and the JSON Schema.

The module promises: unknown keys are rejected with a "did you mean" hint, ranges are
checked, every error is one line naming the source and the dotted field path, defaults
make a minimal scenario runnable, and ``apply_overrides`` works on a copy.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pydantic
import pytest

from sim.output.runner import run_scenario, summary_of
from sim.scenario import catalog
from sim.scenario.loading import (
    ScenarioError,
    apply_overrides,
    json_schema,
    load_scenario,
    read_raw,
    scenario_from_dict,
)
from sim.scenario.schema import Scenario

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
MMC = REPO / "scenarios" / "validation" / "mmc.yaml"
SRC = "my.yaml"


def error_of(raw, source: str = SRC) -> str:
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(raw, source=source)
    msg = str(exc.value)
    assert "\n" not in msg, f"one line only: {msg!r}"
    assert msg.startswith(f"{source}: "), msg
    return msg


# ----------------------------------------------------------------------------- unknown keys


@pytest.mark.parametrize(
    "raw, path, hint",
    [
        ({"staffing": {"full_tme": 2}}, "staffing.full_tme", "full_time"),
        ({"dayz": 3}, "dayz", "days"),
        ({"police": {"fussion": False}}, "police.fussion", "fusion"),
        ({"world": {"streetz": 2}}, "world.streetz", "streets"),
        ({"staffing": {"full_time_shift": {"start_hr": 3}}}, "staffing.full_time_shift.start_hr", "start_hour"),
        ({"levels": [{"name": "grid", "p_solv": 1}]}, "levels.grid.p_solv", "p_solve"),  # items by name
        ({"levels": [{"name": "grid", "shift": {"alway": True}}]}, "levels.grid.shift.alway", "always"),
        ({"escalation": {"max_reopen": 1}}, "escalation.max_reopen", "max_reopens"),
        # inside catalogue entries (dict of models) and the explicit community list
        ({"categories": {"dispute": {"rat": 1.0}}}, "categories.dispute.rat", "rate"),
        (
            {"community_types": {"gated": {"acess_difficulty": 0.1}}},
            "community_types.gated.acess_difficulty",
            "access_difficulty",
        ),
        ({"world": {"communities": [{"type": "gated", "grid": 2}]}}, "world.communities.0.grid", "grids"),
    ],
)
def test_unknown_key_names_the_dotted_path_with_a_hint(raw, path, hint):
    msg = error_of(raw)
    assert f"{SRC}: {path}: unknown key" in msg, msg
    assert f"(did you mean '{hint}'?)" in msg, msg


def test_unknown_key_without_a_near_miss_lists_the_valid_keys():
    msg = error_of({"staffing": {"xyzzy": 1}})
    assert msg.startswith(f"{SRC}: staffing.xyzzy: unknown key (valid: full_time, part_time,"), msg
    assert "did you mean" not in msg


# ----------------------------------------------------------------------------- ranges


@pytest.mark.parametrize(
    "raw, path",
    [
        ({"staffing": {"full_time": -1}}, "staffing.full_time"),
        ({"staffing": {"informants": -2}}, "staffing.informants"),
        ({"staffing": {"part_time": -1, "full_time": 1}}, "staffing.part_time"),
        ({"world": {"streets": 0}}, "world.streets"),
        ({"world": {"dedicated_grids_per_street": -1}}, "world.dedicated_grids_per_street"),
        ({"world": {"communities": [{"type": "gated", "grids": 0}]}}, "world.communities.0.grids"),
        (
            {"world": {"communities": [{"type": "gated", "households_per_grid": -5}]}},
            "world.communities.0.households_per_grid",
        ),
        ({"police": {"officers_per_beat": 0}}, "police.officers_per_beat"),
        ({"escalation": {"max_reopens": -1}}, "escalation.max_reopens"),
        ({"levels": [{"name": "grid"}, {"name": "up", "scope": "community", "servers": 0}]}, "levels.up.servers"),
        ({"categories": {"dispute": {"rate": -0.1}}}, "categories.dispute.rate"),
        ({"seed": -1}, "seed"),
        ({"days": 0}, "days"),
    ],
)
def test_negative_or_zero_counts_are_rejected_naming_the_field(raw, path):
    msg = error_of(raw)
    assert f"{SRC}: {path}: " in msg, msg
    assert "greater than" in msg, msg


def test_nobody_to_handle_cases_is_rejected():
    msg = error_of({"staffing": {"full_time": 0}})
    assert msg.startswith(f"{SRC}: staffing: ") and "at least 1" in msg


# ----------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    "raw, needles",
    [
        (
            {"world": {"communities": [{"type": "villa"}]}},
            ["world.communities.0.type", "unknown community type", "'villa'"],
        ),
        (
            {"world": {"communities": [{"type": "old_estate"}, {"type": "gatd"}]}},
            ["world.communities.1.type", "'gatd'", "(did you mean 'gated'?)"],
        ),
        (
            {"world": {"community_mix": {"old_estat": 1}}},
            ["world.community_mix.old_estat", "unknown community type", "(did you mean 'old_estate'?)"],
        ),
        ({"police": {"categories": ["securty"]}}, ["police.categories", "'securty'", "(did you mean 'security'?)"]),
        ({"police": {"authority_level": "comunity"}}, ["police.authority_level", "(did you mean 'community'?)"]),
        (
            {"categories": {"dispute": {"authority": ["grid", "comunity", "street"]}}},
            ["categories.dispute.authority", "'comunity'"],
        ),
        ({"world": {"streets": 1, "communities": [{"type": "gated", "street": 1}]}}, ["world.communities.0.street"]),
        ({"escalation": {"policy": "skip_majr"}}, ["escalation.policy", "skip_major"]),
    ],
)
def test_unknown_names_are_rejected_naming_them(raw, needles):
    msg = error_of(raw)
    for n in needles:
        assert n in msg, (n, msg)


def test_a_custom_community_type_is_known_once_declared():
    sc = scenario_from_dict(
        {"community_types": {"villa": {"rural": False}}, "world": {"communities": [{"type": "villa"}]}}
    )
    assert "villa" in sc.community_types and set(catalog.COMMUNITY_TYPES) < set(sc.community_types)


# ----------------------------------------------------------------------------- defaults


def test_minimal_scenario_validates_with_catalogue_defaults_and_runs():
    sc = scenario_from_dict({})
    assert sc == scenario_from_dict(None) == Scenario()
    assert list(sc.categories) == list(catalog.CATEGORIES)
    assert list(sc.community_types) == list(catalog.COMMUNITY_TYPES)
    assert [lv.name for lv in sc.levels] == [lv["name"] for lv in catalog.LEVELS]
    assert sc.categories["dispute"].rate == catalog.CATEGORIES["dispute"]["rate"]
    model = run_scenario(sc, days=2)
    assert model.day == 2 and model.clock.now == 48.0
    s = summary_of(model)
    assert s["days"] == 2 and s["incidents_created"] > 0
    assert s["incidents_created"] == s["incidents_closed"] + s["incidents_open"]


def test_near_minimal_scenario_runs_for_its_own_days():
    model = run_scenario(scenario_from_dict({"days": 2, "seed": 9, "staffing": {"full_time": 2}}))
    assert model.day == 2 and model.seed == 9
    assert len(model.grid_workers) == 2 * model.world.n_grids


def test_partial_catalogue_entry_keeps_the_other_defaults():
    sc = scenario_from_dict(
        {"categories": {"dispute": {"rate": 0.9}}, "community_types": {"gated": {"elderly_share": 0.5}}}
    )
    base = scenario_from_dict({})
    assert sc.categories["dispute"].rate == 0.9
    others = {"exclude": {"rate"}}
    assert sc.categories["dispute"].model_dump(**others) == base.categories["dispute"].model_dump(**others)
    assert sc.community_types["gated"].rate_multiplier == base.community_types["gated"].rate_multiplier
    assert {k: v for k, v in sc.categories.items() if k != "dispute"} == {
        k: v for k, v in base.categories.items() if k != "dispute"
    }


def test_validation_does_not_mutate_its_input():
    raw = {
        "categories": {"replace": True, "case": {"rate": 1.0, "authority": ["grid"] * 3}},
        "community_types": {"replace": True, "plain": {}},
        "world": {"community_mix": {"plain": 1}},
        "police": {"categories": []},
        "staffing": {"full_time": 2},
    }
    before = copy.deepcopy(raw)
    sc = scenario_from_dict(raw)
    assert raw == before
    assert list(sc.categories) == ["case"] and list(sc.community_types) == ["plain"]


def test_scenarios_are_frozen():
    sc = scenario_from_dict({})
    with pytest.raises(pydantic.ValidationError):
        sc.days = 3
    with pytest.raises(pydantic.ValidationError):
        sc.staffing.full_time = 3


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(BASELINE, id="baseline"),
        pytest.param(MMC, id="mmc"),
    ],
)
def test_dumped_scenario_round_trips(path):
    """What ``gridsim run`` writes as scenario.yaml (``resolved_scenario``) must load back as
    the same scenario: the README promises running it again reproduces the run."""
    from sim.output.runner import resolved_scenario

    sc = load_scenario(path)
    dumped = json.loads(json.dumps(resolved_scenario(run_scenario(sc, days=1))))
    again = scenario_from_dict(dumped)
    assert again == sc.model_copy(update={"days": 1})


# ----------------------------------------------------------------------------- JSON Schema


def test_json_schema_describes_the_sections_and_forbids_unknown_keys():
    schema = json_schema()
    assert isinstance(schema, dict)
    json.dumps(schema)  # serialisable as is
    props = schema["properties"]
    for key in (
        "staffing",
        "world",
        "levels",
        "categories",
        "community_types",
        "police",
        "escalation",
        "residents",
        "arrivals",
        "risk",
        "seed",
        "days",
    ):
        assert key in props, key
    assert schema["additionalProperties"] is False
    assert props["days"]["minimum"] == 1 and props["days"]["default"] == 365
    staffing = schema["$defs"]["Staffing"]
    assert staffing["additionalProperties"] is False
    assert staffing["properties"]["full_time"]["minimum"] == 0
    assert set(schema["$defs"]["Escalation"]["properties"]["policy"]["enum"]) == {
        "stepwise",
        "skip_major",
        "direct_dispatch",
    }


# ----------------------------------------------------------------------------- overrides


def test_apply_overrides_works_on_a_copy():
    raw = {
        "staffing": {"full_time": 1, "full_time_shift": {"weekdays": [0, 1, 2]}},
        "levels": [{"name": "grid", "p_solve": 0.9}, {"name": "community", "scope": "community"}],
    }
    before = copy.deepcopy(raw)
    out = apply_overrides(
        raw,
        [
            "staffing.full_time=3",
            "staffing.full_time_shift.weekdays.1=6",
            "levels.community.servers=4",
            "levels.0.p_solve=0.5",
            "police.fusion=false",
            "arrivals.hourly_profile=[1, 2]",
            "days=10",
        ],
    )
    assert raw == before, "the input mapping is untouched"
    assert out is not raw and out["staffing"] is not raw["staffing"] and out["levels"] is not raw["levels"]
    assert out["staffing"]["full_time"] == 3
    assert out["staffing"]["full_time_shift"]["weekdays"] == [0, 6, 2]
    assert out["levels"][1]["servers"] == 4 and out["levels"][0]["p_solve"] == 0.5
    assert out["police"] == {"fusion": False}  # a new section, value parsed as YAML
    assert out["arrivals"]["hourly_profile"] == [1, 2] and out["days"] == 10


@pytest.mark.parametrize(
    "items",
    [
        ["staffing.full_time=2", "days"],  # the second has no '='
        ["staffing.full_time=2", "levels.7.p_solve=1"],  # index out of range
        ["staffing.full_time=2", "levels.nowhere.p_solve=1"],  # no such name in the list
        ["staffing.full_time=2", "staffing.full_time.x=1"],  # into a value
        ["staffing.full_time=2", "staffing..x=1"],  # empty part
        ["staffing.full_time=2", "days=[1"],  # not YAML
    ],
)
def test_bad_overrides_raise_and_leave_the_input_alone(items):
    raw = {"staffing": {"full_time": 1}, "levels": [{"name": "grid"}]}
    before = copy.deepcopy(raw)
    with pytest.raises(ScenarioError) as exc:
        apply_overrides(raw, items, source="x.yaml (--set)")
    assert str(exc.value).startswith("x.yaml (--set): ") and "\n" not in str(exc.value)
    assert raw == before


def test_load_scenario_applies_overrides_and_validates_them():
    sc = load_scenario(MMC, ["staffing.full_time=6", "levels.grid.p_solve=0.5", "seed=4"])
    assert sc.staffing.full_time == 6 and sc.levels[0].p_solve == 0.5 and sc.seed == 4
    assert load_scenario(MMC).staffing.full_time == 4, "the file itself is unchanged"
    with pytest.raises(ScenarioError, match=r"staffing\.full_time"):
        load_scenario(MMC, ["staffing.full_time=-2"])
    with pytest.raises(ScenarioError, match="no such file"):
        read_raw(REPO / "scenarios" / "absent.yaml")


@pytest.mark.parametrize("item", ["levels.grid.p_solve=0.8", "levels.0.p_solve=0.8"])
def test_override_a_default_level_of_a_scenario_that_does_not_list_levels(item):
    sc = load_scenario(BASELINE, [item])
    assert sc.levels[0].p_solve == 0.8
    base = load_scenario(BASELINE)
    assert sc.levels[1:] == base.levels[1:]


@pytest.mark.parametrize(
    "uncertain, needle",
    [
        ({"staffing.nope": {"low": 0, "high": 1}}, "uncertain.staffing.nope: not a settable parameter"),
        ({"arrivals": {"low": 0, "high": 1}}, "uncertain.arrivals: not a settable parameter"),
        ({"arrivals.rate_scale": {"low": 2, "high": 1}}, "must be below high"),
        ({"arrivals.rate_scale": {"low": 0, "high": 1, "scale": "log"}}, "log-scale prior needs low > 0"),
    ],
)
def test_uncertain_parameters_must_be_settable_numbers_with_ordered_priors(uncertain, needle):
    with pytest.raises(ScenarioError, match=needle.replace(".", r"\.")):
        scenario_from_dict({"days": 3, "uncertain": uncertain}, source="x.yaml")


def test_uncertain_paths_into_catalogue_lists_are_accepted():
    sc = scenario_from_dict(
        {
            "days": 3,
            "uncertain": {
                "arrivals.rate_scale": {"low": 0.5, "high": 2, "scale": "log", "source": "assumption"},
                "levels.0.p_solve": {"low": 0.5, "high": 0.95},
            },
        },
        source="x.yaml",
    )
    assert set(sc.uncertain) == {"arrivals.rate_scale", "levels.0.p_solve"}
    assert sc.uncertain["arrivals.rate_scale"].scale == "log"
