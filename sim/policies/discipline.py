"""Desk disciplines (``levels.*.discipline``): how a rung above the grid works its cases.

* ``team`` — a queue served by ``servers`` leaders on the level's shift;
* ``meeting`` — cases wait for the weekly joint meeting (联席会议, seed 000) of one chair;
* ``referral`` — handed to a department that answers after ``response_hours`` (shorter for the
  cases the street summons it for when the street sounds the whistle, 吹哨报到) and works up to
  ``referral_capacity`` cases at once (none: unlimited, in parallel).

A discipline is built as ``Discipline(level)`` and makes one desk per unit of the rung with
:meth:`Discipline.desk`, from the parts :class:`sim.workforce.offices.Offices` hands it (the
event core's desk classes, the clock, rosters and agent makers).
"""

from __future__ import annotations

from sim.policies.registry import register


class Discipline:
    """Base discipline; ``level`` is the scenario's ``Level`` entry."""

    name = "discipline"

    def __init__(self, level):
        self.level = level

    def desk(self, parts, ident: int, rank: int, unit: int, name: str, cell, limit: float | None):
        """The desk of one unit of the rung (``rank``), placed at ``cell``."""
        raise NotImplementedError


@register("discipline", "team")
class TeamQueue(Discipline):
    """One queue served by the level's leaders."""

    def desk(self, parts, ident, rank, unit, name, cell, limit):
        """A :class:`~sim.core.desks.Team` of ``servers`` leaders on the level's shift."""
        lv = self.level
        roster = parts.roster(lv.shift)
        members = [parts.leader(cell, roster, lv.role) for _ in range(lv.servers)]
        return parts.core.Team(parts.clock, ident, rank, rank, unit, name, members, limit)


@register("discipline", "meeting")
class WeeklyMeeting(Discipline):
    """Cases wait for the weekly meeting, where one chair works them."""

    def desk(self, parts, ident, rank, unit, name, cell, limit):
        """A :class:`~sim.core.desks.Meeting` chaired by one leader, on the level's weekday and hour."""
        lv = self.level
        chair = parts.leader(cell, parts.roster(lv.shift), lv.role)
        return parts.core.Meeting(
            parts.clock, ident, rank, rank, unit, name, chair, lv.meeting_weekday, lv.meeting_hour
        )


@register("discipline", "referral")
class Referral(Discipline):
    """Handed to a department, which answers after its response time (吹哨报到: sooner when summoned)."""

    def desk(self, parts, ident, rank, unit, name, cell, limit):
        """A :class:`~sim.core.desks.Referral` to a department; when the street sounds the whistle,
        the cases passed up from the summoning desks (``parts.summon``) get the whistle's response."""
        lv = self.level
        agent = parts.department(cell, lv.role)
        whistle = -1.0
        if parts.whistle and lv.whistle_response_hours is not None:
            whistle = lv.whistle_response_hours  # 街道吹哨、部门报到
        lo, hi = parts.summon
        return parts.core.Referral(
            parts.clock,
            ident,
            rank,
            rank,
            unit,
            name,
            agent,
            lv.response_hours,
            1.0,
            lv.referral_capacity or 0,
            whistle,
            lo,
            hi,
        )
