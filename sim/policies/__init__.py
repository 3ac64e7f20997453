"""Policies a scenario chooses by name: routing (who takes a new case first) and escalation
(where a case goes next)."""
