"""First responder (首问负责): which desk takes a newly accepted case at the grid level.

Chosen by name (``routing.policy``: ``grid_only`` or ``police_fusion``) or, as before, by
``police.fusion: true / false``, which names one of the two.

Grid–police fusion (网格+警格, seeds 000/003) is the policy lever here: with fusion on,
security cases go straight to the beat police desk, and door-to-door visits to hard-to-
reach households are made jointly with the police (lower chance the door stays shut).
A share of property matters is absorbed by the estate's property manager where one exists.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from sim.policies.registry import lookup, register

if TYPE_CHECKING:  # numpy is imported where it is used: validating a scenario imports this
    import numpy as np  # module for its policy names only, and stays cheap


@register("routing", "grid_only")
class FirstResponder:
    """Grid workers take everything (fusion off); property managers absorb their share."""

    fusion = False  # whether police take their categories first (what ``police.fusion`` says)
    joint_visits = False
    _no_property = False  # (set per instance below; a subclass with its own __init__ keeps the full choice)

    def __init__(
        self,
        grid_desks: np.ndarray,
        property_desks: np.ndarray,
        grid_community: np.ndarray,
        police_desks: np.ndarray,
        grid_beat: np.ndarray,
        police_categories: np.ndarray,
    ):
        self.grid_desks = grid_desks  # desk id per grid
        self.property_desks = property_desks  # desk id per community, -1 where no management
        self.grid_community = grid_community
        self.police_desks = police_desks  # desk id per beat
        self.grid_beat = grid_beat
        self.police_categories = police_categories  # bool per category
        self._no_property = not (property_desks >= 0).any()  # no community has a property office

    def desk_ids(self, category: np.ndarray, grid: np.ndarray, absorbed: np.ndarray) -> np.ndarray:
        """The first desk (id) of each incident of a batch."""
        import numpy as np

        if self._no_property:  # (what the choice below comes to then: a day's batch costs one lookup)
            return self.grid_desks[grid]
        prop = self.property_desks[self.grid_community[grid]]
        return np.where((absorbed != 0) & (prop >= 0), prop, self.grid_desks[grid])


@register("routing", "police_fusion")
class PoliceFusion(FirstResponder):
    """Fusion on: beat police take security cases first and join hard visits."""

    fusion = True
    joint_visits = True

    def desk_ids(self, category, grid, absorbed):
        """As grid-only, but cases of the police categories go to the grid's beat police desk."""
        import numpy as np

        ids = super().desk_ids(category, grid, absorbed)
        return np.where(self.police_categories[category], self.police_desks[self.grid_beat[grid]], ids)


def desk_ids(desks: list) -> np.ndarray:
    """Desk ids of a list of desks (−1 for None)."""
    import numpy as np

    return np.array([-1 if d is None else d.id for d in desks], dtype=np.int64)


class Intake:
    """The first desk of each new incident: the escalation policy's entry rung, and at the
    grid rung the routing policy's first responder. Entry rungs are tabulated once over
    (category, severity, channel)."""

    def __init__(self, escalation, routing: FirstResponder, level_grid_desk: np.ndarray, n_categories: int):
        import numpy as np

        self.escalation, self.routing = escalation, routing
        self.level_grid_desk = level_grid_desk  # desk id of level k for grid g
        self.entry_desk = array("q")  # first desk of each incident so far (the workflow reads it)
        self.entry_table = np.array(
            [[[escalation.entry_level(c, s, ch) for ch in range(3)] for s in range(3)] for c in range(n_categories)],
            dtype=np.int64,
        )
        self._grid_entry = not self.entry_table.any()  # every case enters at the grid rung

    @classmethod
    def choose(cls, sc, offices, world) -> Intake:
        """The scenario's escalation and routing policies (by name) over ``offices``' desks."""
        import numpy as np

        escalation = lookup("escalation", sc.escalation.policy)(sc.authority_ranks(), len(sc.levels))
        desks, unit = offices.desks, offices.level_unit
        routing = lookup("routing", sc.routing_policy)(
            desk_ids(desks[0])[unit[0]],
            desk_ids(offices.property_desks),
            world.grid_community,
            desk_ids(offices.police_desks),
            world.grid_beat,
            np.array([c in sc.police.categories for c in sc.categories]),
        )
        level_grid_desk = np.array([desk_ids(row)[unit[k]] for k, row in enumerate(desks)])
        return cls(escalation, routing, level_grid_desk, len(sc.categories))

    def plan(self, new: dict) -> None:
        """Record the first desk of each incident of a day's batch."""
        self.entry_desk.frombytes(self.desk_ids(new).tobytes())

    def desk_ids(self, new: dict) -> np.ndarray:
        """First desk id of each incident of a day's batch."""
        import numpy as np

        cat, grid = new["category"], new["grid"]
        if self._grid_entry:  # (what the choice below comes to then)
            return np.asarray(self.routing.desk_ids(cat, grid, new["absorbed"]), dtype=np.int64)
        level = self.entry_table[cat, new["severity"], new["channel"]]
        first = self.routing.desk_ids(cat, grid, new["absorbed"])
        return np.where(level == 0, first, self.level_grid_desk[level, grid]).astype(np.int64)
