"""The policy table: every policy class a scenario can name, by kind and name.

Storage only; ``sim.policies.registry`` holds the ``@register`` decorator that fills it. It lives
in the scenario layer so that the schema can check a name without importing the layers above:
the built-in policy modules are imported *by module name* the first time a name is looked up,
and user modules (``plugins:``) are imported before a scenario is validated.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import sys
import zlib
from pathlib import Path
from types import MappingProxyType

FIELDS = {
    "escalation": "escalation.policy",
    "routing": "routing.policy",
    "scoring": "scoring.scheme",
    "refill": "turnover.refill",
    "cover": "turnover.cover",
    "handling": "handling.family",
    "discipline": "levels.*.discipline",
}
"""Each kind of policy and the scenario field that names one."""

BUILTIN_MODULES = (
    "sim.policies.escalation",
    "sim.policies.routing",
    "sim.policies.scoring",
    "sim.policies.vacancy",
    "sim.policies.handling",
    "sim.policies.discipline",
)
"""Modules whose import registers the built-in policies."""

_TABLE: dict[str, dict[str, type]] = {kind: {} for kind in FIELDS}
_loaded = False


def add(kind: str, name: str, cls: type) -> None:
    """Enter ``cls`` as policy ``name`` of ``kind`` (a later entry of the same name replaces it)."""
    if kind not in _TABLE:
        raise ValueError(f"unknown kind of policy {kind!r}; kinds: {', '.join(_TABLE)}")
    _TABLE[kind][name] = cls


def remove(kind: str, name: str) -> None:
    """Take policy ``name`` of ``kind`` out of the table (if it is there)."""
    _TABLE[kind].pop(name, None)


def load_builtins() -> None:
    """Import the built-in policy modules once, so that their decorators have run."""
    global _loaded
    if not _loaded:
        _loaded = True
        for module in BUILTIN_MODULES:
            importlib.import_module(module)


def table(kind: str) -> MappingProxyType:
    """A read-only, live view of the policies of ``kind`` (name -> class); it fills as
    modules register (``names`` and ``lookup`` load the built-ins first)."""
    return MappingProxyType(_TABLE[kind])


def names(kind: str) -> tuple[str, ...]:
    """The registered names of ``kind``, built-ins first."""
    load_builtins()
    return tuple(_TABLE[kind])


def lookup(kind: str, name: str) -> type:
    """The class registered as ``name`` of ``kind``; ValueError (one line) if there is none."""
    load_builtins()
    try:
        return _TABLE[kind][name]
    except KeyError:
        raise ValueError(unknown(kind, name)) from None


def check(kind: str, name: str) -> str:
    """``name`` if it is registered for ``kind`` (the schema's validator), else ValueError."""
    lookup(kind, name)
    return name


def unknown(kind: str, name: str) -> str:
    """The one-line message for a name nobody registered."""
    valid = names(kind)
    close = difflib.get_close_matches(str(name), valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {kind} policy {name!r}{hint}; valid: {', '.join(valid)}"


def is_file(spec: str) -> bool:
    """Whether a plugin is named as a file (``path/to/file.py``) rather than a module."""
    return spec.endswith(".py") or "/" in spec or "\\" in spec


def load_plugins(plugins: list[str], base: Path | None = None) -> None:
    """Import each plugin so that its ``@register`` decorators run: a module name
    (``my_policies``) or a ``.py`` file (relative paths from ``base``, the scenario's folder)."""
    for spec in plugins:
        if is_file(spec):
            path = Path(spec)
            if not path.is_absolute() and base is not None:
                path = base / path
            if not path.is_file():
                raise ImportError(f"plugin file {spec!r} not found")
            name = f"gridsim_plugin_{path.stem}_{zlib.crc32(str(path.resolve()).encode()):08x}"
            if name in sys.modules:
                continue
            loader = importlib.util.spec_from_file_location(name, path)
            if loader is None or loader.loader is None:
                raise ImportError(f"plugin file {spec!r} cannot be imported")
            module = importlib.util.module_from_spec(loader)
            sys.modules[name] = module
            try:
                loader.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
        else:
            importlib.import_module(spec)
