"""The scenario reference (情景参数说明): the JSON Schema with every field's unit and range
written into its description, and the same schema as a Markdown table per section, in
English or Chinese. One source: the field definitions of :mod:`sim.scenario.schema`;
``docs/scenario-reference.md`` is this module's output (``gridsim schema --markdown``)."""

from __future__ import annotations

import json

from sim.scenario import labels
from sim.scenario.schema import Scenario

INTRO = {
    "en": """Every field of a scenario file, section by section: what it means, its unit, its range and
its default. Generated from the schema (`gridsim schema --markdown`); do not edit by hand.

- **Ranges** are checked when a file is validated; every number must be finite. A value out of
  range is refused with one line naming the file and the field.
- **Size**: a scenario whose run would need more memory than the limit (16 GiB; the environment
  variable `GRIDSIM_MEMORY_BUDGET_MB` changes it) is refused with the estimated memory.
- **Names**: errors name list items by their `name` (`levels.county.servers`), and list the
  valid choices. Built-in parts you did not write follow the parts you did: renaming a level
  of the ladder (`community` → `village`) makes the built-in categories and the police act at
  the renamed level of the same rung.
- **Campaigns** that start after the last simulated day, or run past it, are accepted with a
  warning (`gridsim validate` and `gridsim run` print it): a shorter run of a long scenario is
  a normal thing to do.
- `categories` and `community_types` are merged into the built-in catalogue entry by entry,
  field by field; `replace: true` inside either drops the built-ins.
""",
    "zh": """情景文件的全部字段,按部分列出:含义、单位、取值范围与默认值。由参数模式自动生成
(`gridsim schema --markdown`),请勿手工修改。

- **取值范围**在验证时检查;所有数值必须有限。超出范围的值会被拒绝,并以一行提示文件与字段。
- **规模**:若运行所需内存超过上限(16 GiB,可用环境变量 `GRIDSIM_MEMORY_BUDGET_MB` 修改),
  情景会被拒绝,并给出估计的内存。
- **名称**:错误提示按列表项的 `name` 指称(如 `levels.county.servers`),并列出有效选项。
  未写出的内置部分随已写出的部分调整:重命名层级(如 `community` → `village`)后,
  内置事件类别与民警在同一级的新名称层级处置。
- **专项行动**若在最后模拟日之后开始或延续到其后,会被接受并给出警告(`gridsim validate`
  与 `gridsim run` 会显示):缩短长情景的运行是常见做法。
- `categories` 与 `community_types` 按条目、按字段与内置目录合并;其中写 `replace: true`
  则不使用内置条目。
""",
}

HEADINGS = {
    "en": ("Scenario reference", "Field", "Type", "Default", "Unit", "Range", "Description", "also at"),
    "zh": ("情景参数说明", "字段", "类型", "默认值", "单位", "取值范围", "说明", "亦用于"),
}


def _number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e20 else f"{x:g}"


def _range(node: dict, defs: dict) -> str:
    """The range of the numbers in a property's schema (through optional, list and mapping
    values), e.g. ``0–1``, ``> 0 – 8,760``; empty when it holds no numbers."""
    if "$ref" in node:
        return ""
    for key in ("anyOf", "oneOf"):
        if key in node:
            parts = [r for r in (_range(n, defs) for n in node[key]) if r]
            return parts[0] if parts else ""
    if node.get("type") in ("integer", "number"):
        lo = node.get("minimum", node.get("exclusiveMinimum"))
        hi = node.get("maximum", node.get("exclusiveMaximum"))
        left = "" if lo is None else ("> " if "exclusiveMinimum" in node else "") + _number(lo)
        right = "" if hi is None else ("< " if "exclusiveMaximum" in node else "") + _number(hi)
        return f"{left} – {right}" if left and right else left or right
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            return _range(node[key], defs)
    if "prefixItems" in node:
        return _range(node["prefixItems"][0], defs)
    return ""


def is_numeric(node: dict) -> bool:
    """Whether a property's schema holds numbers (directly, optionally, or as items or values)."""
    if node.get("type") in ("integer", "number"):
        return True
    subs = [*node.get("anyOf", []), *node.get("prefixItems", [])]
    subs += [node[k] for k in ("items", "additionalProperties") if isinstance(node.get(k), dict)]
    return any(is_numeric(n) for n in subs)


def described_schema() -> dict:
    """The JSON Schema of scenario files, each field's description ending with its unit and
    range (the schema also carries them as ``unit``, ``minimum`` and ``maximum``)."""
    schema = Scenario.model_json_schema()
    defs = schema.get("$defs", {})
    for model in [schema, *defs.values()]:
        for prop in model.get("properties", {}).values():
            words = [prop.get("description", "").rstrip()]
            if "unit" in prop:
                words.append(f"Unit: {labels.text('unit.' + prop['unit'])}.")
            rng = _range(prop, defs)
            if rng:
                words.append(f"Range: {rng}.")
            prop["description"] = " ".join(w for w in words if w)
    return schema


def _ref(node: dict) -> str | None:
    for n in [node, *node.get("anyOf", []), node.get("items") or {}, node.get("additionalProperties") or {}]:
        if isinstance(n, dict) and "$ref" in n:
            return n["$ref"].rsplit("/", 1)[-1]
        if isinstance(n, dict) and n is not node and ("items" in n or "additionalProperties" in n):
            found = _ref(n)
            if found:
                return found
    return None


def _type(node: dict) -> str:
    if "$ref" in node:
        return "section"
    if "enum" in node:
        return " \\| ".join(f"`{v}`" for v in node["enum"])
    if "const" in node:
        return f"`{node['const']}`"
    if "anyOf" in node:
        kinds = [_type(n) for n in node["anyOf"] if n.get("type") != "null"]
        return " or ".join(kinds) + (" or null" if any(n.get("type") == "null" for n in node["anyOf"]) else "")
    t = node.get("type")
    if t == "array":
        if "prefixItems" in node:
            return f"{len(node['prefixItems'])} × {_type(node['prefixItems'][0])}"
        return f"list of {_type(node.get('items', {}))}"
    if t == "object":
        return f"map of {_type(node.get('additionalProperties') or {})}"
    return {"integer": "integer", "number": "number", "string": "text", "boolean": "true/false"}.get(str(t), "any")


def _default(prop: dict, required: bool) -> str:
    if _ref(prop) is not None:
        return "(below)" if "default" in prop or required else "(built-in catalogue)"
    if "default" not in prop:
        return "(required)"
    text = json.dumps(prop["default"], ensure_ascii=False)
    return f"`{text}`" if len(text) <= 60 else "(see the catalogue)" if text.startswith("{") else f"`{text[:57]}…`"


def _sections(schema: dict) -> list[tuple[str, str, dict, list[str]]]:
    """(path, definition name, model schema, other paths) for the root and every section
    reachable from it, depth first in field order; a section used at several paths once."""
    defs = schema.get("$defs", {})
    order: list[tuple[str, str, dict, list[str]]] = [("(top level)", "Scenario", schema, [])]
    seen: dict[str, int] = {"Scenario": 0}

    def walk(model: dict, prefix: str) -> None:
        for name, prop in model.get("properties", {}).items():
            ref = _ref(prop)
            if ref is None:
                continue
            suffix = ""
            for n in [prop, *prop.get("anyOf", [])]:
                if n.get("type") == "array":
                    suffix = "[]"
                elif n.get("type") == "object" and "additionalProperties" in n:
                    suffix = ".<name>"
            path = f"{prefix}{name}{suffix}"
            if ref in seen:
                order[seen[ref]][3].append(path)
                continue
            seen[ref] = len(order)
            order.append((path, ref, defs[ref], []))
            walk(defs[ref], path + ".")

    walk(schema, "")
    return order


def markdown(lang: str = "en") -> str:
    """The scenario reference as Markdown in ``lang`` (``en`` or ``zh``), or both for ``both``."""
    if lang == "both":
        return markdown("en") + "\n" + markdown("zh")
    if lang not in labels.LANGS:
        raise ValueError(f"lang: {lang!r} is not one of {labels.LANGS}")
    schema = described_schema()
    raw = Scenario.model_json_schema()
    raw_defs = raw.get("$defs", {})
    title, c_field, c_type, c_default, c_unit, c_range, c_desc, c_also = HEADINGS[lang]
    lines = [f"# {title} ({'English' if lang == 'en' else '中文'})", "", INTRO[lang]]
    for path, name, model, also in _sections(schema):
        plain = raw if name == "Scenario" else raw_defs[name]
        summary = " ".join((model.get("description") or name).split("\n\n")[0].split()).replace("``", "`")
        head = summary if lang == "en" else model.get("zh", name)
        lines += [f"## `{path}` — {head}", ""]
        if also:
            lines += [f"({c_also}: {', '.join(f'`{a}`' for a in also)})", ""]
        lines += [
            f"| {c_field} | {c_type} | {c_default} | {c_unit} | {c_range} | {c_desc} |",
            "|---|---|---|---|---|---|",
        ]
        for field, prop in model.get("properties", {}).items():
            base = plain["properties"][field]
            desc = base.get("description", "") if lang == "en" else base.get("zh", "")
            unit = labels.text(f"unit.{prop['unit']}", lang) if "unit" in prop else ""
            required = field in model.get("required", [])
            cells = [
                f"`{field}`",
                _type(prop),
                _default(prop, required),
                unit,
                _range(prop, schema.get("$defs", {})),
                desc,
            ]
            lines.append("| " + " | ".join(c.replace("|", "\\|") if i != 1 else c for i, c in enumerate(cells)) + " |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
