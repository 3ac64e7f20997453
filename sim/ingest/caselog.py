"""Platform case logs (工单, 12345 / 311 exports) read through a mapping file into one tidy table.

The mapping names the columns (only id, created time, category and grid are required), maps source
values to the scenario's categories and to the three channels (hotline 12345 / report to the grid
worker / patrol discovery), gives the time format and zone, and says what to do with a value it does
not map (``unmapped: error`` names the value and its row count; ``unmapped: other`` keeps the case in
category ``other``). Every problem is one line naming the file, the column or value and the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.ingest.sources import IngestError, find_column, read_source

HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("工单编号", "工单号", "案件编号", "事件编号", "case_id", "id", "srnumber", "unique_key"),
    "created": ("受理时间", "上报时间", "创建时间", "登记时间", "created", "created_date", "createddate"),
    "accepted": ("签收时间", "接单时间", "处置开始时间", "accepted", "accepted_date"),
    "closed": ("办结时间", "结案时间", "closed", "closed_date", "closeddate"),
    "category": ("事件类型", "事项类型", "案件类型", "工单类型", "category", "complaint_type", "requesttype"),
    "grid": ("所属网格", "网格编号", "网格", "grid", "grid_id"),
    "channel": ("来源渠道", "来源", "渠道", "channel", "requestsource"),
    "level": ("处置层级", "办理层级", "办结层级", "level"),
    "satisfied": ("满意度", "是否满意", "satisfied", "satisfaction"),
    "reopened": ("是否重办", "重办", "reopened"),
}
"""Recognised headers per field (a mapping file's ``columns`` names them instead)."""

REQUIRED = ("id", "created", "category", "grid")
CHANNELS = ("hotline", "report", "patrol")
OTHER = "other"
YES = {"1", "true", "yes", "y", "是", "满意", "非常满意", "基本满意", "satisfied"}
NO = {"0", "false", "no", "n", "否", "不满意", "unsatisfied", "dissatisfied"}


@dataclass
class CaseLog:
    """A case log in model terms: one row per case with times, category, grid index and channel."""

    source: str
    cases: pd.DataFrame  # id, created, accepted, closed (naive local Timestamps), category, grid, channel, …
    categories: list[str]
    present: set[str] = field(default_factory=set)  # optional columns the log has
    notes: list[str] = field(default_factory=list)


def _times(df: pd.DataFrame, col: str, fmt: str | None, tz: str | None, source: str, required: bool) -> pd.Series:
    raw = df[col]
    blank = raw.isna() | raw.astype(str).str.strip().isin(["", "nan", "NaT", "None"])
    if required and blank.any():
        raise IngestError(f"{source}: column {col!r}: {int(blank.sum())} rows have no time")
    try:
        t = pd.to_datetime(raw.where(~blank), format=fmt, errors="coerce") if fmt else _guess(raw.where(~blank))
    except (ValueError, TypeError):
        t = pd.Series(pd.NaT, index=raw.index)
    bad = t.isna() & ~blank
    if bad.any():
        first = str(raw[bad].iloc[0])
        raise IngestError(
            f"{source}: column {col!r}: {int(bad.sum())} rows do not parse as times"
            f"{f' in format {fmt!r}' if fmt else ''} (first: {first!r})"
        )
    if getattr(t.dt, "tz", None) is not None:
        t = (t.dt.tz_convert(tz) if tz else t).dt.tz_localize(None)
    return t


def _guess(raw: pd.Series) -> pd.Series:
    """Times in a format pandas infers from the first value, else each value on its own."""
    t = pd.to_datetime(raw, errors="coerce")
    if t.isna().sum() > raw.isna().sum():
        t = pd.to_datetime(raw, errors="coerce", format="mixed")
    return t


def _flags(df, col, source) -> pd.Series:
    v = df[col].astype(str).str.strip().str.lower()
    out = pd.Series(pd.NA, index=df.index, dtype="boolean")
    out[v.isin(YES)] = True
    out[v.isin(NO)] = False
    num = pd.to_numeric(df[col], errors="coerce")  # scores: 4–5 of 5 (or ≥ 80 of 100) count as satisfied
    scale = 5.0 if num.max(skipna=True) <= 5 else 100.0
    score = out.isna() & num.notna()
    out[score] = (num[score] >= 0.75 * scale).to_numpy()
    return out


def _grid_index(values: pd.Series, grid_ids: list[str], col: str, source: str, district: str) -> np.ndarray:
    raw = values.astype(str).str.strip()
    blank = values.isna() | raw.isin(["", "nan", "None"])
    if blank.any():
        raise IngestError(f"{source}: column {col!r}: {int(blank.sum())} rows name no grid")
    num = pd.to_numeric(raw, errors="coerce")
    ids_num = pd.to_numeric(pd.Series(grid_ids), errors="coerce")
    if num.notna().all() and ids_num.notna().all():  # numbers match numbers (1 = 1.0 = 001)
        lookup = {float(v): i for i, v in enumerate(ids_num)}
        idx = num.map(lambda v: lookup.get(float(v), -1))
    else:
        lookup_s = {v: i for i, v in enumerate(grid_ids)}
        idx = raw.map(lambda v: lookup_s.get(v, -1))
    missing = idx < 0
    if missing.any():
        first = raw[missing].iloc[0]
        raise IngestError(
            f"{source}: column {col!r}: grid {first!r} is not a grid of {district} "
            f"({int((raw == first).sum())} rows; {int(missing.sum())} rows in unknown grids)"
        )
    return idx.to_numpy(dtype=np.int64)


def read_caselog(path, mapping: dict, grid_ids: list[str], district: str, mapping_source: str) -> CaseLog:
    """Read ``path`` through ``mapping`` against a district's grid source ids (in grid order)."""
    source = str(path)
    df = read_source(path)
    given = {str(k): str(v) for k, v in (mapping.get("columns") or {}).items()}
    unknown = set(given) - set(HEADERS)
    if unknown:
        raise IngestError(f"{mapping_source}: unknown key columns.{sorted(unknown)[0]} (known: {', '.join(HEADERS)})")
    col = {k: find_column(df, k, given, HEADERS, source) for k in HEADERS}
    for k in REQUIRED:
        if col[k] is None:
            raise IngestError(
                f"{source}: no {k} column (name it under columns.{k} in {mapping_source}; {len(df)} rows)"
            )
    unmapped = str(mapping.get("unmapped", "error"))
    if unmapped not in ("error", OTHER):
        raise IngestError(f"{mapping_source}: unmapped: {unmapped!r} (expected error or other)")
    fmt, tz = mapping.get("time_format"), mapping.get("timezone")
    out = pd.DataFrame({"id": df[col["id"]].astype(str)})
    out["created"] = _times(df, col["created"], fmt, tz, source, required=True)
    for k in ("accepted", "closed"):
        out[k] = _times(df, col[k], fmt, tz, source, required=False) if col[k] is not None else pd.NaT
    if col["closed"] is not None:
        early = out["closed"] < out["created"]
        if early.any():
            raise IngestError(
                f"{source}: column {col['closed']!r}: {int(early.sum())} rows close before they were created"
            )
    cats = {str(k): str(v) for k, v in (mapping.get("categories") or {}).items()}
    raw_cat = df[col["category"]].fillna("").astype(str).str.strip()
    if cats:
        mapped = raw_cat.map(cats)
        miss = mapped.isna()
        if miss.any() and unmapped == "error":
            first = raw_cat[miss].iloc[0]
            raise IngestError(
                f"{source}: column {col['category']!r}: value {first!r} is not under categories in {mapping_source} "
                f"({int((raw_cat == first).sum())} rows; {int(miss.sum())} unmapped rows in all; "
                "or set unmapped: other)"
            )
        out["category"] = mapped.fillna(OTHER)
    else:
        out["category"] = raw_cat.replace("", OTHER)
    out["grid"] = _grid_index(df[col["grid"]], grid_ids, col["grid"], source, district)
    notes: list[str] = []
    if col["channel"] is not None:
        chans = {str(k): str(v) for k, v in (mapping.get("channels") or {}).items()}
        bad = sorted(set(chans.values()) - set(CHANNELS))
        if bad:
            raise IngestError(f"{mapping_source}: channels: {bad[0]!r} is not a channel (hotline, report, patrol)")
        raw_ch = df[col["channel"]].fillna("").astype(str).str.strip()
        ch = raw_ch.map(chans) if chans else raw_ch.where(raw_ch.isin(CHANNELS))
        miss = ch.isna() & (raw_ch != "")
        if miss.any() and unmapped == "error":
            first = raw_ch[miss].iloc[0]
            raise IngestError(
                f"{source}: column {col['channel']!r}: value {first!r} is not under channels in {mapping_source} "
                f"({int((raw_ch == first).sum())} rows; or set unmapped: other)"
            )
        if miss.any():
            notes.append(f"{int(miss.sum())} rows with an unmapped channel left out of the channel shares")
        out["channel"] = ch
    for k in ("satisfied", "reopened"):
        if col[k] is not None:
            out[k] = _flags(df, col[k], source)
    if col["level"] is not None:
        levels = {str(k): str(v) for k, v in (mapping.get("levels") or {}).items()}
        raw_lv = df[col["level"]].fillna("").astype(str).str.strip()
        out["level"] = raw_lv.map(levels) if levels else raw_lv.replace("", None)
    dup = out["id"].duplicated()
    if dup.any():
        first = out["id"][dup].iloc[0]
        raise IngestError(
            f"{source}: column {col['id']!r}: case id {first!r} appears {int((out['id'] == first).sum())} times"
        )
    out = out.sort_values("created", kind="stable").reset_index(drop=True)
    present = {k for k in HEADERS if col[k] is not None}
    return CaseLog(source, out, sorted(out["category"].unique()), present, notes)
