"""YAML with a comment on each fitted number: a small block-style writer whose leaves may carry a
note (source file, rows used, estimate and interval), since PyYAML writes no comments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def _flow(v: Any) -> str:
    if isinstance(v, Flow):
        v = v.value
    text = yaml.safe_dump(v, default_flow_style=True, allow_unicode=True, width=10**9, sort_keys=False).strip()
    return text[: -len("\n...")].strip() if text.endswith("\n...") else text


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


def plain(data: Any) -> Any:
    """``data`` with every ``Noted`` / ``Flow`` unwrapped (what the YAML text parses back to)."""
    if isinstance(data, Noted | Flow):
        return plain(data.value)
    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(x) for x in data]
    return data
