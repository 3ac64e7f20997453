"""The trainer's levers (调控参数) and the model they build.

Each lever names the scenario field it sets, its label key and its range; its starting
position is the scenario's own value, so RESET without touching a lever rebuilds exactly
the scenario. :class:`TrainerModel` is a ``GridModel`` built from a scenario file and the
lever positions, stepped by the hour or by the day.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.model import GridModel
from sim.scenario.loading import load_scenario
from sim.scenario.policy_table import names
from sim.scenario.schema import Scenario

SCENARIO = os.environ.get(
    "GRIDSIM_VIZ_SCENARIO", str(Path(__file__).resolve().parents[3] / "scenarios" / "baseline.yaml")
)
"""The scenario file the page serves (``gridsim viz`` sets ``GRIDSIM_VIZ_SCENARIO``)."""


@dataclass(frozen=True)
class Lever:
    """One control: the keyword it is passed as, its label key, the scenario field it sets,
    its kind (``int``, ``float``, ``bool``, ``choice``), and its range, choices or the policy
    kind whose registered names it offers."""

    key: str
    label: str
    path: str
    kind: str
    low: float = 0
    high: float = 0
    step: float = 1
    choices: tuple[str, ...] = ()
    choice_prefix: str = ""
    registry: str = ""  # a policy kind: the choices are its registered names (plugins included)

    def options(self) -> tuple[str, ...]:
        """The choices offered now: every registered policy of ``registry`` (read when the page
        draws, so a scenario's plugins count), else the fixed ``choices``."""
        return names(self.registry) if self.registry else self.choices


LEVERS: tuple[Lever, ...] = (
    Lever("full_time", "lever.full_time", "staffing.full_time", "int", 0, 6, 1),
    Lever("time_limit_hours", "lever.time_limit", "levels.0.time_limit_hours", "int", 0, 168, 6),
    Lever("fusion", "lever.fusion", "police.fusion", "bool"),
    Lever("whistle", "lever.whistle", "escalation.whistle", "bool"),
    Lever(
        "escalation",
        "lever.escalation",
        "escalation.policy",
        "choice",
        choice_prefix="escalation",
        registry="escalation",
    ),
    Lever(
        "scheme",
        "lever.scheme",
        "scoring.scheme",
        "choice",
        choice_prefix="scheme",
        registry="scoring",
    ),
    Lever(
        "refill",
        "lever.refill",
        "turnover.refill",
        "choice",
        choice_prefix="refill",
        registry="refill",
    ),
    Lever("platforms", "lever.platforms", "overhead.platforms", "float", 0, 15, 0.5),
    Lever("seed", "lever.seed", "seed", "int", 0, 10**9, 1),
)
"""Every lever on the page, in the order shown."""


def _get(sc: Scenario, path: str):
    obj: Any = sc
    for part in path.split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def starting_levers(scenario: str | Scenario = SCENARIO) -> dict:
    """Each lever at the scenario's own value (a grid time limit of 0 means none)."""
    sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
    out = {}
    for lv in LEVERS:
        v = _get(sc, lv.path)
        if lv.key == "time_limit_hours":
            v = 0 if v is None else v
        out[lv.key] = v
    return out


def overrides(levers: dict) -> list[str]:
    """``--set`` style overrides for the lever positions given (unknown keys refused)."""
    by_key = {lv.key: lv for lv in LEVERS}
    out = []
    for key, value in levers.items():
        if value is None:
            continue
        if key not in by_key:
            raise ValueError(f"lever {key!r}: not one of {sorted(by_key)}")
        lv = by_key[key]
        if lv.key == "time_limit_hours" and not value:
            text = "null"
        elif isinstance(value, bool):
            text = str(value).lower()
        else:
            text = str(value)
        out.append(f"{lv.path}={text}")
    return out


class TrainerModel(GridModel):
    """A ``GridModel`` built from a scenario file and the trainer's lever positions;
    ``step()`` advances one hour or one day (``step_by``)."""

    def __init__(self, scenario: str = SCENARIO, step_by: str = "day", **levers):
        seed = levers.pop("seed", None)
        config = load_scenario(scenario, overrides(levers))
        super().__init__(config, seed=seed, transitions=True)
        self.scenario_file = scenario
        self.levers = {**starting_levers(config), **({"seed": self.seed})}
        self.step_hours = 1.0 if step_by == "hour" else 24.0

    def step(self) -> None:
        """Advance one hour or one day, as the trainer chose."""
        self.advance(self.step_hours)
