"""Grid registers (网格台账) and grid maps into a scenario ``world:`` of explicit grids.

A register is a table (CSV, Excel) or a map (GeoJSON, GeoPackage, Shapefile): one row per grid with
its id, name, community (社区), street (街道), households (户数) or population (人口), community type
and dedicated-unit flag (专属网格). Headers are recognised in Chinese and English or named in a
mapping file (``columns: {id: GRID_ID, …}``). Where there is geometry, grids that share a stretch of
boundary are neighbours; otherwise a neighbours column may list them.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.ingest.commented import Flow
from sim.ingest.sources import IngestError, find_column, read_source
from sim.scenario import catalog

HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("网格编号", "网格编码", "网格代码", "网格ID", "grid_id", "gridid", "grid_code", "id", "code"),
    "name": ("网格名称", "网格名", "grid_name", "name"),
    "community": ("所属社区", "社区", "社区名称", "community", "village"),
    "street": ("所属街道", "街道", "乡镇街道", "街道名称", "street", "subdistrict", "town"),
    "households": ("户数", "住户数", "总户数", "households", "hh", "household_count"),
    "population": ("人口", "人口数", "常住人口", "实有人口", "population", "pop"),
    "type": ("小区类型", "社区类型", "网格类型", "类型", "type", "community_type"),
    "dedicated": ("专属网格", "是否专属网格", "dedicated"),
    "neighbours": ("相邻网格", "邻接网格", "neighbours", "neighbors"),
}
"""Recognised headers per field (the first match wins; a mapping file's ``columns`` overrides)."""

PERSONS_PER_HOUSEHOLD = 2.62
"""Persons per household when a register gives population only: China's 2020 census average
family-household size (an assumption elsewhere; ``persons_per_household:`` in the mapping sets it)."""

DEFAULT_TYPE = "commodity"
"""Community type of grids whose register names none (an assumption; see ``catalog.COMMUNITY_TYPES``)."""

TRUE_WORDS = {"1", "true", "yes", "y", "是", "t", "x", "✓"}


@dataclass
class District:
    """An imported district: the scenario dict (``name`` and ``world``), street names and warnings."""

    scenario: dict
    streets: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def n_grids(self) -> int:
        """Number of grids."""
        return sum(c["grids"] for c in self.scenario["world"]["communities"])


def load_mapping(path: str | Path | None) -> dict:
    """A mapping file's contents (``{}`` when none is given)."""
    if path is None:
        return {}
    import yaml

    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise IngestError(f"{p}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise IngestError(f"{p}: not YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("columns", {}), dict):
        raise IngestError(f"{p}: expected a mapping with a `columns:` mapping")
    return raw


def _type_of(value, types: dict[str, str], source: str, col: str, rows: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return DEFAULT_TYPE
    v = str(value).strip()
    if v in types:
        return types[v]
    raise IngestError(
        f"{source}: column {col!r}: community type {v!r} is neither a catalogue type nor its Chinese name "
        f"({rows} rows; map it under `types:` in the mapping file)"
    )


def _type_table(mapping: dict) -> dict[str, str]:
    table = {k: k for k in catalog.COMMUNITY_TYPES}
    table.update({v["label_zh"]: k for k, v in catalog.COMMUNITY_TYPES.items() if v.get("label_zh")})
    table.update({str(k): str(v) for k, v in (mapping.get("types") or {}).items()})
    return table


def _geometry(gdf, source: str) -> tuple[list, list, list[list[int]]]:
    """Centroids (lon, lat), WKT outlines and shared-boundary neighbours of every row."""
    import shapely

    geom = gdf.geometry
    bad = ~geom.is_valid | geom.is_empty | geom.isna()
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        why = shapely.is_valid_reason(geom.iloc[first]) if geom.iloc[first] is not None else "missing"
        raise IngestError(
            f"{source}: column 'geometry': {int(bad.sum())} rows hold invalid geometry (first: row {first + 1}: {why})"
        )
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    with warnings.catch_warnings():  # centroids in a local metric projection, then back to lon / lat
        warnings.simplefilter("ignore")
        local = gdf.to_crs(gdf.estimate_utm_crs()) if gdf.crs is not None else gdf
    cent = local.geometry.centroid
    if gdf.crs is not None:
        cent = cent.to_crs("EPSG:4326")
    centroids = [[round(p.x, 6), round(p.y, 6)] for p in cent]
    geoms = np.asarray(gdf.geometry.values)
    outlines = [shapely.to_wkt(shapely.set_precision(shapely.force_2d(g), 1e-5), rounding_precision=5) for g in geoms]
    # neighbours: polygons whose intersection is more than a point (a shared stretch of boundary)
    i, j = gdf.sindex.query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    inter = shapely.intersection(geoms[i], geoms[j])
    shared = (shapely.length(inter) > 0) | (shapely.area(inter) > 0)
    nb: list[list[int]] = [[] for _ in range(len(gdf))]
    for a, b in zip(i[shared].tolist(), j[shared].tolist(), strict=True):
        nb[a].append(b)
        nb[b].append(a)
    return centroids, outlines, nb


def import_register(
    path: str | Path, mapping: dict | None = None, households: int | None = None, mapping_source: str = "--columns"
) -> District:
    """Read a register or map into a scenario's ``world:`` of explicit grids (``households``: for
    grids whose register gives neither households nor population, with a warning)."""
    mapping = mapping or {}
    source = str(path)
    df = read_source(path, geo_ok=True)
    given = {str(k): str(v) for k, v in (mapping.get("columns") or {}).items()}
    unknown = set(given) - set(HEADERS)
    if unknown:
        raise IngestError(f"{mapping_source}: unknown key columns.{sorted(unknown)[0]} (known: {', '.join(HEADERS)})")
    col = {k: find_column(df, k, given, HEADERS, source) for k in HEADERS}
    if col["id"] is None:
        raise IngestError(f"{source}: no grid id column (looked for {', '.join(HEADERS['id'][:4])}, …; {len(df)} rows)")
    ids = df[col["id"]].astype(str).str.strip()
    ids = ids.str.replace(r"\.0$", "", regex=True) if pd.api.types.is_float_dtype(df[col["id"]]) else ids
    if ids.isin(["", "nan", "None"]).any():
        raise IngestError(f"{source}: column {col['id']!r}: {int(ids.isin(['', 'nan', 'None']).sum())} rows have no id")
    dup = ids[ids.duplicated()]
    if len(dup):
        raise IngestError(
            f"{source}: column {col['id']!r}: id {dup.iloc[0]!r} appears {int((ids == dup.iloc[0]).sum())} times"
        )
    warn: list[str] = []
    hh = _households(df, col, mapping, households, source, warn)
    types = _type_table(mapping)
    tcol = col["type"]
    gtype = [DEFAULT_TYPE] * len(df)
    if tcol is not None:
        raw = df[tcol]
        for v in raw.dropna().astype(str).str.strip().unique():
            _type_of(v, types, source, tcol, int((raw.astype(str).str.strip() == v).sum()))
        gtype = [_type_of(v, types, source, tcol, 0) for v in raw]
    if col["dedicated"] is not None:
        flag = df[col["dedicated"]].astype(str).str.strip().str.lower().isin(TRUE_WORDS).to_numpy()
        gtype = ["dedicated" if f else t for f, t in zip(flag, gtype, strict=True)]
    names = (df[col["name"]].astype(str).str.strip() if col["name"] is not None else ids).tolist()
    seen: dict[str, int] = {}
    for k, n in enumerate(names):  # names must be unique: a repeated name gets its id
        if n in seen or n in ("", "nan"):
            names[k] = f"{n} ({ids.iloc[k]})" if n not in ("", "nan") else ids.iloc[k]
        seen[names[k]] = k
    street = (
        df[col["street"]].fillna("").astype(str).str.strip() if col["street"] is not None else pd.Series([""] * len(df))
    )
    comm = df[col["community"]].fillna("").astype(str).str.strip() if col["community"] is not None else street
    geo = hasattr(df, "geometry") and "geometry" in df.columns
    if geo:
        centroids, outlines, nb_index = _geometry(df, source)
        neighbours = [[ids.iloc[b] for b in sorted(n)] for n in nb_index]
    else:
        centroids, outlines = [None] * len(df), [None] * len(df)
        neighbours = _neighbour_column(df, col["neighbours"], ids, source)
    street_names = list(dict.fromkeys(street))
    groups: dict[tuple[int, str, str], list[int]] = {}
    for r in range(len(df)):
        groups.setdefault((street_names.index(street.iloc[r]), comm.iloc[r], gtype[r]), []).append(r)
    split = {(s, c) for (s, c, _t) in groups if sum(1 for k in groups if k[:2] == (s, c)) > 1}
    communities = []
    for (s, c, t), rows in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[1][0])):
        name = c or f"S{s + 1}"
        if (s, c) in split:
            name = f"{name} · {t}"
        grid_list = []
        for r in rows:
            g: dict = {"source_id": ids.iloc[r], "name": names[r], "households": int(hh[r])}
            if centroids[r] is not None:
                g["centroid"] = centroids[r]
                g["polygon"] = outlines[r]
            if neighbours[r]:
                g["neighbours"] = neighbours[r]
            grid_list.append(Flow(g))
        communities.append({"name": name, "type": t, "street": s, "grids": len(rows), "grid_list": grid_list})
    world = {"streets": len(street_names), "communities": communities}
    stem = Path(path).stem
    return District({"name": stem, "world": world}, [s or f"S{k + 1}" for k, s in enumerate(street_names)], warn)


def _households(df, col, mapping, households, source, warn) -> np.ndarray:
    n = len(df)
    out = np.full(n, np.nan)
    for key, per in (
        ("households", 1.0),
        ("population", float(mapping.get("persons_per_household", PERSONS_PER_HOUSEHOLD))),
    ):
        c = col[key]
        if c is None:
            continue
        vals = pd.to_numeric(df[c], errors="coerce")
        raw = df[c].astype(str).str.strip()
        bad = vals.isna() & df[c].notna() & ~raw.isin(["", "nan", "NaN", "None", "<NA>"])
        if bad.any():
            raise IngestError(
                f"{source}: column {c!r}: {int(bad.sum())} rows are not numbers (first: {raw[bad].iloc[0]!r})"
            )
        if (vals < 0).any():
            raise IngestError(f"{source}: column {c!r}: {int((vals < 0).sum())} rows are negative")
        fill = np.isnan(out) & vals.notna().to_numpy()
        out[fill] = np.maximum(1, np.round(vals.to_numpy()[fill] / per))
    missing = np.isnan(out)
    if missing.any():
        if households is None:
            raise IngestError(
                f"{source}: {int(missing.sum())} of {n} rows have no households or population "
                "(give --households N for them)"
            )
        warn.append(
            f"{source}: {int(missing.sum())} of {n} grids have no households or population: "
            f"took --households {households}"
        )
        out[missing] = households
    return out.astype(np.int64)


def _neighbour_column(df, c, ids: pd.Series, source: str) -> list[list[str]]:
    if c is None:
        return [[] for _ in range(len(df))]
    known = set(ids)
    out = []
    for v in df[c].fillna("").astype(str):
        parts = [p.strip() for p in v.replace("；", ";").replace("，", ",").replace(";", ",").split(",") if p.strip()]
        out.append(parts)
    unknown = [p for ps in out for p in ps if p not in known]
    if unknown:
        raise IngestError(
            f"{source}: column {c!r}: neighbour {unknown[0]!r} is not a grid id of the register "
            f"({sum(1 for ps in out if unknown[0] in ps)} rows)"
        )
    sym: dict[str, set[str]] = {i: set() for i in ids}  # adjacency is mutual
    for i, ps in zip(ids, out, strict=True):
        for p in ps:
            if p != i:
                sym[i].add(p)
                sym[p].add(i)
    return [sorted(sym[i]) for i in ids]


def district_yaml(district: District, source: str) -> str:
    """The district as a scenario file: ``name`` and ``world:``, streets named in the header."""
    from sim.ingest.commented import dump

    streets = ", ".join(f"{k} = {s}" for k, s in enumerate(district.streets))
    header = (
        f"District imported by `gridsim district` from {source}: {district.n_grids} grids, "
        f"{len(district.scenario['world']['communities'])} communities.\n"
        f"Streets (world.communities[].street): {streets}\n"
        "Each grid keeps its source id, name, households, centroid and WKT outline (lon, lat) for maps;\n"
        "neighbours share a stretch of boundary (or come from the register's neighbours column)."
    )
    return dump(district.scenario, header)
