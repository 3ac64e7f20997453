"""The one error a bad scenario or flag raises: a line naming the file (or flag) and the field.

Kept apart from the schema so the command line can catch it without importing pydantic
(``gridsim --help`` stays cheap)."""

from __future__ import annotations


class ScenarioError(Exception):
    """A scenario that cannot be used; the message is one line naming file and field."""
