"""The policy registry: policies are small classes registered by kind and name, and a
scenario chooses one by name (``escalation.policy: stepwise``).

Kinds: ``escalation``, ``routing``, ``scoring``, ``refill`` (补员), ``cover``, ``handling``
(the handling-time family) and ``discipline`` (how a rung's desk works). A user registers their
own from their own module and names that module under the scenario's ``plugins:``::

    from sim.policies.escalation import EscalationPolicy
    from sim.policies.registry import register

    @register("escalation", "straight_to_top")
    class StraightToTop(EscalationPolicy):
        def entry_level(self, category, severity, channel):
            return self.top

The table itself lives in :mod:`sim.scenario.policy_table`, so that the schema (a lower layer)
checks names without importing this one; see ``docs/policies.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sim.scenario import policy_table
from sim.scenario.policy_table import FIELDS, load_plugins, lookup, names, table

__all__ = ["FIELDS", "register", "unregister", "lookup", "names", "table", "load_plugins", "core_may_run"]

T = TypeVar("T", bound=type)


def register(kind: str, name: str) -> Callable[[T], T]:
    """Class decorator: enter the class as policy ``name`` of ``kind`` (and set its ``name``)."""

    def enter(cls: T) -> T:
        cls.name = name
        policy_table.add(kind, name, cls)
        return cls

    return enter


def unregister(kind: str, name: str) -> None:
    """Take policy ``name`` of ``kind`` out of the registry (a test that registers its own
    leaves the registry as it found it)."""
    policy_table.remove(kind, name)


def core_may_run(core, policy) -> None:
    """Refuse, with a one-line message, an escalation policy the compiled event core (``core``,
    from ``sim.core.compiled.event_core()``) cannot tabulate: that core reads ``next_level``
    once per (category, severity, rank) at start; the interpreted core asks on every escalation."""
    from sim.core import compiled  # here, not at the top: validating a scenario needs no event core

    if compiled.core is not None and core.Workflow is compiled.core.Workflow and not getattr(policy, "tabulable", True):
        raise ValueError(
            f"escalation policy {policy.name!r} is not tabulable (tabulable = False), and the "
            f"compiled event core tabulates escalation once; run it with GRIDSIM_PURE=1"
        )
