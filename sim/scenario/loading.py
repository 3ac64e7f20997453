"""Loading a scenario: YAML file → built-in catalogue merged in → ``--set`` overrides → the validated
:class:`~sim.scenario.schema.Scenario`. Every error is one line naming the file and the dotted field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.scenario import catalog, policy_table
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario, _default_categories, _default_types, _hint

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


_TYPE_ERRORS = frozenset({"model_type", "dict_type", "int_type", "float_type", "string_type", "list_type", "bool_type"})
_CORE_TAGS = frozenset({"int", "float", "str", "bool", "list", "dict", "none", "constrained-int", "constrained-float"})
MAX_DEPTH = 50
"""The deepest nesting of mappings and lists a scenario or experiment file may have."""


def _format_error(source: str, err: ValidationError, raw: Any = None) -> str:
    """One line for a validation error: the file, the field as the user wrote it (list
    items by their ``name``, no union tags), and pydantic's reason without its URL."""
    errors = err.errors(include_url=False)
    e = next((x for x in errors if x["type"] not in _TYPE_ERRORS), errors[0])  # a union's informative member
    loc = _user_loc(e["loc"], raw)
    path = ".".join(loc) or "(top level)"
    if e["type"] == "extra_forbidden":
        parent_model = _model_at(Scenario, _plain_loc(e["loc"])[:-1])
        hint = _hint(loc[-1], parent_model.model_fields, listing=False) if parent_model else ""
        return f"{source}: {path}: unknown key{hint}"
    msg = " ".join(str(e["msg"]).split())
    if e["type"] in ("int_parsing_size", "int_parsing"):
        msg = f"must be a whole number{_bounds(_plain_loc(e['loc']))}, got {str(e.get('input'))[:40]!r}"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
        if e["type"] == "value_error" and not loc:
            return f"{source}: {msg}"
    return f"{source}: {path}: {msg}"


def _bounds(loc: list[str]) -> str:
    """`` from A to B``: the range of the field at ``loc`` (empty when unknown)."""
    model = _model_at(Scenario, loc[:-1]) if loc else None
    field = getattr(model, "model_fields", {}).get(loc[-1]) if loc else None
    if field is None:
        return ""
    lo = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
    hi = next((m.le for m in field.metadata if hasattr(m, "le")), None)
    return f" from {lo} to {hi:,}" if lo is not None and hi is not None else ""


def _plain_loc(loc) -> list[str]:
    """An error location without pydantic's union and validator tags."""
    return [
        str(p) for p in loc if isinstance(p, int) or ("[" not in p and p not in _CORE_TAGS and not _is_model_tag(p))
    ]


def _is_model_tag(part: str) -> bool:
    from sim.scenario.schema import Strict

    todo, names = [Strict], set()
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return part in names


def _user_loc(loc, raw: Any) -> list[str]:
    """The location as the user wrote it: an item of a list of named items (``levels``,
    ``campaigns``, ``world.communities``) by its name rather than its index."""
    out, node = [], raw
    for part in _plain_loc(loc):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            name = node.get("name") if isinstance(node, dict) else None
            out.append(name if isinstance(name, str) and name and "." not in name else part)
            continue
        out.append(part)
        node = node.get(part) if isinstance(node, dict) else None
    return out


def check_depth(raw: Any, source: str) -> None:
    """Refuse mappings and lists nested deeper than :data:`MAX_DEPTH` (one line naming the
    field), before anything recursive (copying, validation) sees them."""
    if not isinstance(raw, (dict, list)):
        return
    stack: list[tuple[Any, int]] = [(raw, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ScenarioError(f"{source}: {_deep_path(raw)}: nested more than {MAX_DEPTH} levels deep")
        values = node.values() if isinstance(node, dict) else node
        stack.extend((v, depth + 1) for v in values if isinstance(v, (dict, list)))


def _deep_path(raw: Any) -> str:
    """The first three keys on the way to the deepest nesting (for the message)."""
    path: list[str] = []
    node = raw
    while isinstance(node, (dict, list)) and len(path) < 3:
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        deep = [(k, v) for k, v in items if isinstance(v, (dict, list))]
        if not deep:
            break
        key, node = max(deep, key=lambda kv: _depth_at_least(kv[1], MAX_DEPTH))
        path.append(str(key))
    return ".".join(path) + ".…"


def _depth_at_least(node: Any, limit: int) -> int:
    """How deep ``node`` nests, counted up to ``limit``."""
    level, frontier = 0, [node]
    while frontier and level < limit:
        frontier = [
            v for n in frontier for v in (n.values() if isinstance(n, dict) else n) if isinstance(v, (dict, list))
        ]
        level += 1
    return level


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
    loc = _plain_loc(loc)
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
        value = load_yaml(text, f"{source}: {key}")
    except ScenarioError as err:
        raise ScenarioError(f"{source}: {key}: cannot parse value {text[:80]!r} ({str(err).split(': ')[-1]})") from None
    check_depth(value, f"{source}: {key}")
    return value


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
    check_depth(raw, source)
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


def _fit_builtins(merged: dict, raw: dict) -> dict:
    """Make the built-in parts the user did not write fit the parts they did, so that no
    error is ever about a default: built-in categories (and the police) act at the level of
    the same rung when the user renames the ladder's levels (``community`` → ``village``);
    built-in community types drop rate multipliers of categories the user removed; the
    police's default categories shrink to those that exist."""
    out = dict(merged)
    given_cats = raw.get("categories")
    user_cats: dict = given_cats if isinstance(given_cats, dict) else {}
    levels = raw.get("levels")
    renamed = (
        isinstance(levels, list)
        and all(isinstance(lv, dict) for lv in levels)
        and not {lv["name"] for lv in catalog.LEVELS} <= {lv.get("name") for lv in levels}
    )
    if renamed and "categories" not in out:
        out["categories"] = {k: v.model_dump() for k, v in _default_categories().items()}
    if "categories" in raw and "community_types" not in out:
        out["community_types"] = {k: v.model_dump() for k, v in _default_types().items()}
    cats = out.get("categories")
    if renamed and isinstance(levels, list) and levels:
        names = [lv.get("name") for lv in levels]
        rungs = [lv["name"] for lv in catalog.LEVELS]

        def rung(name: Any) -> Any:
            if name in names or name not in rungs:
                return name
            return names[min(rungs.index(name), len(names) - 1)]

        if isinstance(cats, dict):
            out["categories"] = {
                k: (
                    {**c, "authority": [rung(a) for a in c["authority"]]}
                    if isinstance(c, dict)
                    and isinstance(c.get("authority"), (list, tuple))
                    and not (isinstance(user_cats.get(k), dict) and "authority" in user_cats[k])
                    else c
                )
                for k, c in cats.items()
            }
        given = raw.get("police", {})
        police: dict = given if isinstance(given, dict) else {}
        if isinstance(given, dict) and "authority_level" not in police:
            level = rung(catalog.LEVELS[1]["name"])
            if level != catalog.LEVELS[1]["name"]:
                out["police"] = {**police, "authority_level": level}
    cats = out.get("categories")
    if isinstance(cats, dict) and "categories" in raw:
        types, user_types = out.get("community_types"), raw.get("community_types")
        user_types = user_types if isinstance(user_types, dict) else {}
        if isinstance(types, dict):
            fitted = {}
            for t, spec in types.items():
                mult = spec.get("rate_multiplier") if isinstance(spec, dict) else None
                mine = user_types.get(t, {}).get("rate_multiplier") if isinstance(user_types.get(t), dict) else None
                if isinstance(mult, dict) and not isinstance(mine, dict):
                    spec = {**spec, "rate_multiplier": {k: v for k, v in mult.items() if k in cats}}
                fitted[t] = spec
            out["community_types"] = fitted
        police = out.get("police", {})
        if isinstance(police, dict) and "categories" not in police:
            default = Scenario.model_fields["police"].default.categories
            out["police"] = {**police, "categories": [c for c in default if c in cats]}
    return out


def scenario_from_dict(raw: Any, source: str = "<scenario>", base: Path | None = None) -> Scenario:
    """Validate a raw mapping into a Scenario, raising ScenarioError with a one-line message;
    ``base``: the folder relative plugin files are found from (the scenario file's)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: expected a mapping of scenario fields at the top level")
    check_depth(raw, source)
    raw = _routing_fusion(_load_plugins(raw, source, base))
    merged = _fit_builtins(_merge_catalog(raw), raw)
    try:
        sc = Scenario.model_validate(merged)
    except ValidationError as err:
        raise ScenarioError(_format_error(source, err, merged)) from None
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
    """The JSON Schema of scenario files (``gridsim schema``), each field's description
    followed by its unit and range."""
    from sim.scenario.reference import described_schema

    return described_schema()
