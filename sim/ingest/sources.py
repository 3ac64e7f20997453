"""Source files: read a table (CSV, Excel, Parquet) or a map (GeoJSON, GeoPackage, Shapefile) into
pandas, and say what is wrong with it in one line (file, column or value, row count)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.scenario.loading import ScenarioError

GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet")


class IngestError(ScenarioError):
    """Bad input file: the message names the file, the column or value and how many rows."""


def read_source(path: str | Path, geo_ok: bool = False) -> pd.DataFrame:
    """Every row of ``path`` as text-preserving columns (a GeoDataFrame for a map when ``geo_ok``)."""
    p = Path(path)
    if not p.is_file():
        raise IngestError(f"{p}: no such file")
    suffix = p.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            df = pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
        elif suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(p, dtype=str, engine="openpyxl")
        elif suffix == ".parquet":
            df = pd.read_parquet(p)
        elif suffix in GEO_SUFFIXES and geo_ok:
            import geopandas as gpd

            df = gpd.read_file(p, engine="pyogrio")
        else:
            kinds = TABLE_SUFFIXES + (GEO_SUFFIXES if geo_ok else ())
            raise IngestError(f"{p}: unknown file type {suffix!r} (expected one of {', '.join(kinds)})")
    except IngestError:
        raise
    except pd.errors.EmptyDataError:
        raise IngestError(f"{p}: empty file (0 rows)") from None
    except Exception as exc:  # a reader's own complaint, on one line
        raise IngestError(
            f"{p}: cannot read ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    if len(df) == 0:
        raise IngestError(f"{p}: no rows (0 rows)")
    return df


def _norm(name: str) -> str:
    return "".join(ch for ch in str(name).lower() if ch not in " _-./()（）")


def find_column(df: pd.DataFrame, key: str, given: dict[str, str], synonyms: dict[str, tuple[str, ...]], source: str):
    """The column for ``key``: named in the mapping ``given`` (must exist), else the first header that
    matches one of ``synonyms[key]`` (Chinese or English, ignoring case, spaces and underscores)."""
    if key in given:
        col = given[key]
        if col not in df.columns:
            cols = ", ".join(map(str, df.columns[:12]))
            raise IngestError(
                f"{source}: column {col!r} (mapping columns.{key}) not in the file ({len(df)} rows; columns: {cols})"
            )
        return col
    wanted = [_norm(s) for s in synonyms.get(key, ())]
    for w in wanted:
        for c in df.columns:
            if _norm(c) == w:
                return c
    return None
