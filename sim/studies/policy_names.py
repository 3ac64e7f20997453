"""Policy display names (方案名称): how a report shows each policy in its language.

A policy generated from a ``levers:`` grid has a code name (``workers_respond=true,
scheme=uniform``) that stays its identifier in every stored table, the manifest and
``reference:``. Readers see it composed from the label table instead: each lever's label and
each value's label (booleans yes/no, numbers as written, strings by their label where the
table has one). A policy the user named keeps its name; a generated policy with a lever the
table does not know keeps its code name whole, never half translated.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from sim.scenario.labels import LABELS, text
from sim.studies.experiment import policy_code_name


def value_label(key: str, value: Any, lang: str) -> str:
    """Lever ``key``'s ``value`` as a reader sees it: yes/no, a number, the label of a string
    (looked up as ``<key>.<value>``, then by the key's last and first parts, e.g.
    ``scheme.uniform`` for ``scoring.scheme``), else the value as written."""
    if isinstance(value, bool):
        return text("word.yes" if value else "word.no", lang)
    if isinstance(value, str):
        parts = key.split(".")
        for prefix in dict.fromkeys((key, parts[-1], parts[0])):
            if f"{prefix}.{value}" in LABELS:
                return text(f"{prefix}.{value}", lang)
        return value
    return json.dumps(value, ensure_ascii=False)


def setting(key: str, value: Any, lang: str) -> str:
    """One lever setting as a reader sees it (``workers respond to scores: yes``); the code
    (``workers_respond = true``) when the table has no label for the lever."""
    if f"lever.{key}" not in LABELS:
        return f"{key.rsplit('.', 1)[-1]} = {json.dumps(value, ensure_ascii=False)}"
    return text("policy.setting", lang, lever=text(f"lever.{key}", lang), value=value_label(key, value, lang))


def display_name(name: str, levers: dict[str, Any], lang: str, name_zh: str = "") -> str:
    """The name readers see for policy ``name`` setting ``levers``: its ``name_zh`` in Chinese
    where the user gave one; composed from the label table when ``name`` is the code name the
    levers generate and every lever has a label; else ``name`` itself."""
    if name_zh and lang == "zh":
        return name_zh
    if not levers or name != policy_code_name(levers) or any(f"lever.{k}" not in LABELS for k in levers):
        return name
    if len(levers) == 1 and isinstance(next(iter(levers.values())), str):
        key, value = next(iter(levers.items()))
        return value_label(key, value, lang)  # one string lever: its value alone, as the code name
    return text("word.clause", lang).join(setting(k, v, lang) for k, v in levers.items())


def display_names(
    policies: dict[str, dict[str, Any]], lang: str, names_zh: dict[str, str] | None = None
) -> dict[str, str]:
    """Every policy's display name (code name → name shown; ``names_zh``: the Chinese names the
    user gave); the code names themselves when two policies would read alike."""
    names = {p: display_name(p, levers, lang, (names_zh or {}).get(p, "")) for p, levers in policies.items()}
    return names if len(set(names.values())) == len(names) else {p: p for p in policies}


def shown(meta: dict, lang: str, *frames: pd.DataFrame) -> tuple[dict, list[pd.DataFrame]]:
    """``meta`` (a sweep's ``experiment.json``) and ``frames`` with every policy renamed to its
    display name in ``lang`` (policies, reference, each frame's ``policy`` column), for a report
    to read; the stored files are not touched."""
    names = display_names(meta.get("policies") or {}, lang, meta.get("names_zh"))
    out = {
        **meta,
        "policies": {names[p]: levers for p, levers in (meta.get("policies") or {}).items()},
        "reference": names.get(meta.get("reference"), meta.get("reference")),
        "policy_codes": {shown_as: code for code, shown_as in names.items()},
    }
    renamed = [f.assign(policy=f["policy"].map(lambda p: names.get(p, p))) if "policy" in f else f for f in frames]
    return out, renamed
