"""Escalation policies: which rung a case enters at and where it goes when passed up.

Chosen by name in the scenario (``escalation.policy``). Each answers two questions from
the case's category, severity and channel and the rank of the desk that holds it:

* ``stepwise`` — every case starts in the grid and climbs one rung at a time
  (the grid "sounds the whistle", the community "hears it", the street "takes it up"; 001).
* ``skip_major`` — as stepwise, but a major case goes straight to the rung that has
  authority over it (越级上报 for serious matters).
* ``direct_dispatch`` — the command centre dispatches (派单) hotline cases straight to
  the rung with authority, and any escalation jumps there too (Jiamusi-style, 002).
"""

from __future__ import annotations

from sim.policies.registry import register, table

MAJOR = 2


class EscalationPolicy:
    """Base policy: ``authority[category][severity]`` is the lowest rung with authority.

    ``tabulable``: the answers are a pure table over (category, severity, channel, rank), so
    the event core may ask each question once at start and look the answers up afterwards
    (the compiled core does; a policy that sets it False runs only on the interpreted core).
    """

    name = "base"
    tabulable = True

    def __init__(self, authority: list[list[int]], n_levels: int):
        self.authority = authority
        self.top = n_levels - 1

    def entry_level(self, category: int, severity: int, channel: int) -> int:
        """The rung a new case enters at; the base policy starts every case in the grid."""
        return 0

    def next_level(self, category: int, severity: int, rank: int) -> int:
        """The rung a case held at ``rank`` goes to when passed up: one higher, capped at the top."""
        return min(rank + 1, self.top)


@register("escalation", "stepwise")
class Stepwise(EscalationPolicy):
    """One rung at a time."""


@register("escalation", "skip_major")
class SkipMajor(EscalationPolicy):
    """Major cases skip to the rung with authority; others climb one rung at a time."""

    def entry_level(self, category, severity, channel):
        """A major case enters at the rung with authority over it; others in the grid."""
        return self.authority[category][severity] if severity == MAJOR else 0

    def next_level(self, category, severity, rank):
        """A major case jumps to the rung with authority if above ``rank``; others climb one rung."""
        auth = self.authority[category][severity]
        if severity == MAJOR and auth > rank:
            return auth
        return min(rank + 1, self.top)


@register("escalation", "direct_dispatch")
class DirectDispatch(EscalationPolicy):
    """Hotline cases go straight to the rung with authority; escalations jump there too."""

    HOTLINE = 1

    def entry_level(self, category, severity, channel):
        """A hotline case enters at the rung with authority (派单); others in the grid."""
        return self.authority[category][severity] if channel == self.HOTLINE else 0

    def next_level(self, category, severity, rank):
        """At least the rung with authority, at least one higher, capped at the top."""
        return min(max(self.authority[category][severity], rank + 1), self.top)


POLICIES = table("escalation")
"""Every registered escalation policy, name -> class (a live, read-only view of the registry)."""
