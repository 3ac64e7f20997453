"""Loading a scenario: YAML file → built-in catalogue merged in → ``--set`` overrides → the validated
:class:`~sim.scenario.schema.Scenario`. Every error is one line naming the file and the dotted field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.scenario import policy_table
from sim.scenario.schema import Scenario, _default_categories, _default_types, _hint


class ScenarioError(Exception):
    """A scenario that cannot be used; the message is one line naming file and field."""


_MERGE_MAPS: dict[str, Callable[[], dict[str, Any]]] = {
    "community_types": _default_types,
    "categories": _default_categories,
}


def _merge_catalog(raw: dict) -> dict:
    """Overlay per-entry overrides on the built-in catalogue (a partial entry keeps defaults).

    A ``replace: true`` key inside ``community_types`` / ``categories`` drops the built-ins.
    """
    out = dict(raw)
    for key, factory in _MERGE_MAPS.items():
        given = raw.get(key)
        if given is None:
            continue
        if not isinstance(given, dict):
            continue  # let pydantic report the type error
        given = dict(given)
        replace = given.pop("replace", False)
        base: dict[str, Any] = {} if replace else {k: v.model_dump() for k, v in factory().items()}
        for name, fields in given.items():
            if isinstance(fields, dict) and name in base:
                merged = dict(base[name])
                merged.update(fields)
                base[name] = merged
            else:
                base[name] = fields
        out[key] = base
    return out


def _format_error(source: str, err: ValidationError) -> str:
    e = err.errors()[0]
    loc = [str(p) for p in e["loc"]]
    path = ".".join(loc) or "(top level)"
    if e["type"] == "extra_forbidden":
        parent_model = _model_at(Scenario, loc[:-1])
        hint = _hint(loc[-1], parent_model.model_fields) if parent_model else ""
        return f"{source}: {path}: unknown key{hint}"
    msg = e["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
        if e["type"] == "value_error" and not loc:
            return f"{source}: {msg}"
    return f"{source}: {path}: {msg}"


def _inner_model(ann) -> tuple[type[BaseModel] | None, bool]:
    """The pydantic model inside an annotation (through Optional, list, dict values), and
    whether it is reached through a dict (whose key then appears in error locations)."""
    import typing

    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann, False
    for arg in typing.get_args(ann):
        found, in_dict = _inner_model(arg)
        if found is not None:
            return found, in_dict or typing.get_origin(ann) is dict
    return None, False


def _model_at(model, loc: list[str]):
    """Walk the schema along an error location to the model class whose field list applies."""
    cur, skip_key = model, False
    for part in loc:
        if skip_key or part.isdigit():  # a dict key (catalogue entry name) or a list index
            skip_key = False
            continue
        field = getattr(cur, "model_fields", {}).get(part)
        if field is None:
            return None
        cur, skip_key = _inner_model(field.annotation)
        if cur is None:
            return None
    return cur


MAX_YAML_BYTES = 2_000_000  # a resolved scenario is about 20 kB
MAX_YAML_NODES = 200_000  # values after aliases are expanded: a scenario has a few hundred
MAX_YAML_DEPTH = 100  # sections inside sections: a scenario has fewer than ten


class _Loader(yaml.CSafeLoader):
    """The libyaml safe loader, refusing what YAML would silently accept: a key given twice in
    one mapping (the last would win), aliases that expand beyond :data:`MAX_YAML_NODES` nodes
    ("billion laughs") or refer to themselves, and nesting deeper than :data:`MAX_YAML_DEPTH`."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping, refusing a key that appears twice (``<<`` merge keys may repeat keys)."""
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise _YamlRefusal(f"key {key!r} given twice (lines {seen[key]} and {line})")
                seen[key] = line
            except TypeError:  # an unhashable key: SafeConstructor reports it
                continue
        return super().construct_mapping(node, deep=deep)


class _YamlRefusal(Exception):
    """A YAML document that parses but is refused (duplicate key, alias bomb, cycle)."""


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a node graph whose aliases expand beyond the bounds, or that contains itself.
    Sizes are counted once per node object (aliases share nodes), so this is linear in the file."""
    size: dict[int, int] = {}
    depth_of: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_: set[int] = set()
    while stack:
        node, finished = stack.pop()
        nid = id(node)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if finished:
            open_.discard(nid)
            size[nid] = 1 + sum(size[id(c)] for c in children)
            depth_of[nid] = 1 + max((depth_of[id(c)] for c in children), default=0)
            if size[nid] > MAX_YAML_NODES:
                raise _YamlRefusal(
                    f"more than {MAX_YAML_NODES:,} values with aliases expanded (line {node.start_mark.line + 1})"
                )
            if depth_of[nid] > MAX_YAML_DEPTH:
                raise _YamlRefusal(f"nested more than {MAX_YAML_DEPTH} levels deep")
            continue
        if nid in size:
            continue
        if nid in open_:
            raise _YamlRefusal(f"an alias refers to its own anchor (line {node.start_mark.line + 1})")
        open_.add(nid)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)


def load_yaml(text: str, source: str, empty: str | None = None) -> Any:
    """Parse YAML text with the libyaml safe loader, bounded (see :class:`_Loader`); every
    refusal is one :class:`ScenarioError` line naming ``source`` (and the line). ``empty``: the
    message for a document with no content (default: an empty document is ``None``)."""
    if len(text) > MAX_YAML_BYTES:
        raise ScenarioError(f"{source}: {len(text):,} characters (at most {MAX_YAML_BYTES:,})")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            if empty is not None:
                raise ScenarioError(f"{source}: {empty}")
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    except _YamlRefusal as exc:
        raise ScenarioError(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None)
        raise ScenarioError(f"{source}: not valid YAML{where}" + (f" ({problem})" if problem else "")) from None
    except RecursionError:
        raise ScenarioError(f"{source}: nested too deeply") from None
    finally:
        loader.dispose()


def parse_value(text: str, key: str = "", source: str = "--set") -> Any:
    """Parse a ``--set`` value the way YAML would (numbers, booleans, lists)."""
    try:
        return load_yaml(text, f"{source}: {key}")
    except ScenarioError as err:
        raise ScenarioError(f"{source}: {key}: cannot parse value {text[:80]!r} ({str(err).split(': ')[-1]})") from None


def _child(node: Any, part: str, key: str, source: str, create: bool) -> Any:
    """Step one dotted part into a mapping or (by integer index) a list."""
    if isinstance(node, list):
        if not part.lstrip("-").isdigit():
            named = [x for x in node if isinstance(x, dict) and x.get("name") == part]
            if named:  # lists of named items (levels, ...) may be addressed by name
                return named[0]
            names = [x["name"] for x in node if isinstance(x, dict) and "name" in x]
            hint = f" (names: {', '.join(map(str, names))})" if names else ""
            raise ScenarioError(f"{source}: {key}: {part!r} is neither an index nor a name in the list{hint}")
        idx = int(part)
        if not -len(node) <= idx < len(node):
            raise ScenarioError(f"{source}: {key}: index {idx} is out of range (list has {len(node)} items)")
        return node[idx]
    if isinstance(node, dict):
        if create:
            return node.setdefault(part, {})
        return node.get(part)
    raise ScenarioError(f"{source}: {key}: {part!r} is inside a value, not a section")


def _default_lists() -> dict:
    """Top-level fields whose defaults are lists (``levels``), as raw data: an override
    into a list the file leaves out (``levels.grid.p_solve``) starts from the default list."""
    dumped = Scenario.model_validate({}).model_dump(mode="json")
    return {k: v for k, v in dumped.items() if isinstance(v, list)}


def apply_overrides(raw: dict, overrides: list[str], source: str = "--set") -> dict:
    """Apply ``dotted.key=value`` overrides to a raw scenario mapping."""
    raw = _deepcopy(raw)
    defaults = None
    for item in overrides:
        if "=" not in item:
            raise ScenarioError(f"{source}: {item!r}: expected dotted.key=value")
        key, value = item.split("=", 1)
        key = key.strip()
        parts = key.split(".")
        if not all(parts):
            raise ScenarioError(f"{source}: {key!r}: empty part in dotted key")
        if parts[0] not in raw and len(parts) > 1:
            defaults = _default_lists() if defaults is None else defaults
            if parts[0] in defaults:
                raw[parts[0]] = _deepcopy(defaults[parts[0]])
        node = raw
        for n, p in enumerate(parts[:-1]):
            if isinstance(node, dict) and p not in node and parts[n + 1].lstrip("-").isdigit():
                raise ScenarioError(
                    f"{source}: {key}: there is no list at {'.'.join(parts[: n + 1])} "
                    f"to index; give the whole list in the file"
                )
            node = _child(node, p, key, source, create=True)
            if node is None or not isinstance(node, (dict, list)):
                raise ScenarioError(f"{source}: {key}: {p!r} is a value, not a section")
        last = parts[-1]
        parsed = parse_value(value, key, source)
        if isinstance(node, list):
            if not last.lstrip("-").isdigit():
                raise ScenarioError(f"{source}: {key}: cannot replace a list item by name; set one of its fields")
            _child(node, last, key, source, create=False)  # validates the index
            node[int(last)] = parsed
        else:
            node[last] = parsed
    return raw


def _deepcopy(x):

    return copy.deepcopy(x)


def _load_plugins(raw: dict, source: str, base: Path | None) -> dict:
    """Import the scenario's ``plugins`` (so their policies register) before it is validated;
    plugin files are named by absolute path from then on, so the resolved scenario runs anywhere."""
    plugins = raw.get("plugins")
    if not plugins or not isinstance(plugins, list):
        return raw  # (nothing to import, or a wrong type for pydantic to report)
    resolved = []
    for i, spec in enumerate(plugins):
        if not isinstance(spec, str):
            raise ScenarioError(f"{source}: plugins.{i}: expected a module name or a .py file, got {spec!r}")
        if policy_table.is_file(spec):
            path = Path(spec)
            spec = str((base / path if base is not None and not path.is_absolute() else path).resolve())
        try:
            policy_table.load_plugins([spec])
        except Exception as exc:  # the plugin's own error, in one line
            raise ScenarioError(
                f"{source}: plugins.{i}: cannot import {spec!r} ({exc.__class__.__name__}: {exc})"
            ) from None
        resolved.append(spec)
    return {**raw, "plugins": resolved}


def _routing_fusion(raw: dict) -> dict:
    """``routing.policy`` given and ``police.fusion`` not: the policy says whether police fuse."""
    routing, police = raw.get("routing"), raw.get("police")
    name = routing.get("policy") if isinstance(routing, dict) else None
    if not isinstance(name, str) or (isinstance(police, dict) and "fusion" in police):
        return raw
    try:
        fusion = bool(getattr(policy_table.lookup("routing", name), "fusion", False))
    except ValueError:
        return raw  # an unknown name: validation reports it
    return {**raw, "police": {**(police if isinstance(police, dict) else {}), "fusion": fusion}}


def scenario_from_dict(raw: Any, source: str = "<scenario>", base: Path | None = None) -> Scenario:
    """Validate a raw mapping into a Scenario, raising ScenarioError with a one-line message;
    ``base``: the folder relative plugin files are found from (the scenario file's)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: expected a mapping of scenario fields at the top level")
    raw = _routing_fusion(_load_plugins(raw, source, base))
    try:
        sc = Scenario.model_validate(_merge_catalog(raw))
    except ValidationError as err:
        raise ScenarioError(_format_error(source, err)) from None
    names = [c.name for c in sc.campaigns]
    for k, name in enumerate(names):
        if name in names[:k]:
            raise ScenarioError(f"{source}: campaigns.{k}.name: {name!r} given twice (also item {names.index(name)})")
    for key, prior in sc.uncertain.items():  # each uncertain path must name a settable number
        probe = {k: v for k, v in raw.items() if k != "uncertain"}
        try:
            scenario_from_dict(apply_overrides(probe, [f"{key}={prior.low!r}"], source), source)
        except ScenarioError as err:
            raise ScenarioError(
                f"{source}: uncertain.{key}: not a settable parameter ({str(err).split(': ', 1)[-1]})"
            ) from None
    return sc


def read_raw(path: str | Path) -> dict:
    """Read a scenario or experiment YAML file into a raw mapping, with one-line errors; an
    empty file is refused (it is almost always a mistake)."""
    p = Path(path)
    try:
        if p.is_file() and p.stat().st_size > MAX_YAML_BYTES:
            raise ScenarioError(
                f"{p}: {p.stat().st_size:,} bytes (a scenario or experiment file is at most {MAX_YAML_BYTES:,})"
            )
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{p}: no such file") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{p}: cannot read ({exc.__class__.__name__})") from None
    raw = load_yaml(text, str(p), empty="empty file (no fields; give at least a name)")
    if not isinstance(raw, dict):
        raise ScenarioError(f"{p}: expected a mapping of scenario fields at the top level")
    return raw


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Load, override and validate a scenario file."""
    raw = read_raw(path)
    if overrides:
        raw = apply_overrides(raw, overrides, source=f"{path} (--set)")
    return scenario_from_dict(raw, source=str(path), base=Path(path).parent)


def json_schema() -> dict:
    """The JSON Schema of scenario files (``gridsim schema``)."""
    return Scenario.model_json_schema()
