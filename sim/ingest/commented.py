"""YAML with a comment on each fitted number: a small block-style writer whose leaves may carry a
note (source file, rows used, estimate and interval), since PyYAML writes no comments."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml


@dataclass(frozen=True)
class Noted:
    """A value written on one line with ``# note`` after it."""

    value: Any
    note: str


@dataclass(frozen=True)
class Flow:
    """A mapping or list written on one line (e.g. one grid of a register)."""

    value: Any


_RESERVED = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "nan", "inf"}  # YAML 1.1 words


def _flow(v: Any) -> str:
    """``v`` in YAML flow style (fast: a city register has ten thousand grids)."""
    if isinstance(v, Flow):
        v = v.value
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_flow(k)}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    if isinstance(v, bool) or v is None:
        return {True: "true", False: "false", None: "null"}[v]
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        text = repr(float(v))
        if text in ("nan", "inf", "-inf"):
            return {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}[text]
        return text if "." in text else f"{float(v):.6e}"  # YAML 1.1 floats need a point: 1.000000e-05
    text = str(v)
    plain_ok = text and text.replace(" ", "").isalnum() and text.strip() == text and not text[0].isdigit()
    if plain_ok and text.isascii() and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)  # a double-quoted YAML string


def _block(value: Any) -> bool:
    """Whether ``value`` opens a nested block (a mapping, or a list holding mappings)."""
    if isinstance(value, dict):
        return bool(value)
    return isinstance(value, list) and any(isinstance(x, dict | Noted | Flow) for x in value)


def _emit(data: Any, indent: int, out: list[str], first_prefix: str | None = None) -> None:
    pad = " " * indent
    if isinstance(data, dict):
        for i, (k, v) in enumerate(data.items()):
            lead = first_prefix if (i == 0 and first_prefix is not None) else pad
            key = _flow(k)
            if isinstance(v, Noted):
                line = f"{lead}{key}: {_flow(v.value)}"
                out.append(f"{line}  # {v.note}" if v.note else line)
            elif _block(v):
                out.append(f"{lead}{key}:")
                _emit(v, indent + 2, out)
            else:
                out.append(f"{lead}{key}: {_flow(v)}")
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, Noted):
                out.append(f"{pad}- {_flow(item.value)}  # {item.note}")
            elif isinstance(item, dict) and item:
                _emit(item, indent + 2, out, first_prefix=f"{pad}- ")
            else:
                out.append(f"{pad}- {_flow(item)}")
    else:
        out.append(f"{pad}{_flow(data)}")


def dump(data: dict, header: str = "") -> str:
    """``data`` as YAML text; ``header`` lines become leading comments."""
    out = [f"# {line}".rstrip() for line in header.splitlines()]
    _emit(data, 0, out)
    return "\n".join(out) + "\n"


def load(text: str) -> Any:
    """Parse YAML text with libyaml where it is built in (a city's world is megabytes)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def plain(data: Any) -> Any:
    """``data`` with every ``Noted`` / ``Flow`` unwrapped (what the YAML text parses back to)."""
    if isinstance(data, Noted | Flow):
        return plain(data.value)
    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(x) for x in data]
    return data
