"""The scenario: the validated configuration of one district and its policies (schema, built-in
catalogue, loading and overrides, the two-language label table). The lowest layer: imports no
other part of gridsim."""

from sim.scenario.loading import (
    ScenarioError,
    apply_overrides,
    json_schema,
    load_scenario,
    parse_value,
    read_raw,
    scenario_from_dict,
)
from sim.scenario.schema import *  # noqa: F403  (the schema's classes and vocabularies, for sim.config users)
