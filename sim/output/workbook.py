"""Excel workbooks (Excel 工作簿) of results, for street offices that open results in Excel or WPS.

Each sheet is a table with a bold, frozen header row; numbers stay numbers (never text) with a
number format per column — a share as ``0.0%``, a count as ``#,##0``, any other number with two
decimals unless the caller names a format. Written through a temporary file, so an interrupted
write leaves any earlier workbook whole.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario.labels import LABELS, text

PERCENT, INTEGER, DECIMAL = "0.0%", "#,##0", "#,##0.00"


def _cell(v):
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def _format(series: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return None
    if pd.api.types.is_integer_dtype(series):
        return INTEGER
    return DECIMAL


def write_workbook(
    path: str | Path,
    sheets: dict[str, pd.DataFrame],
    formats: dict[str, dict[str, str]] | None = None,
    row_formats: dict[str, list[str | None]] | None = None,
) -> Path:
    """Write ``sheets`` (title → table, in order) to ``path``; ``formats`` gives a number format
    per sheet and column (default by dtype: integers ``#,##0``, other numbers ``#,##0.00``);
    ``row_formats`` one per row of a long table, for its decimal columns (e.g. a share KPI's row)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from sim.output.files import atomic_write

    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        ws = book.create_sheet(title[:31])
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        chosen = (formats or {}).get(title, {})
        for j, col in enumerate(frame.columns, start=1):
            fmt = chosen.get(str(col)) or _format(frame[col])
            letter = ws.cell(row=1, column=j).column_letter
            width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(50)])
            ws.column_dimensions[letter].width = min(max(10, width + 2), 60)
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
        by_row = (row_formats or {}).get(title)
        if by_row:
            decimal = [j for j, c in enumerate(frame.columns, start=1) if frame[c].dtype.kind == "f"]
            for i, fmt in enumerate(by_row, start=2):
                for j in decimal:
                    if fmt:
                        ws.cell(row=i, column=j).number_format = fmt
    path = Path(path)
    atomic_write(path, lambda p: book.save(p))
    return path


SHARE_ENDINGS = ("_rate", "_share", "satisfaction", "utilization")
"""Endings of the names of KPIs that are shares (formatted as %)."""


def header(name: str, lang: str = "en") -> str:
    """A column's header in ``lang``: a KPI's name or a workbook word from the label table, else as is."""
    alias = {"lo": "low", "hi": "high"}.get(name, name)
    for key in (f"metric.{name}", f"xlsx.{alias}"):
        if key in LABELS:
            return text(key, lang)
    return name


def table_workbook(path: str | Path, tables: dict[str, pd.DataFrame], lang: str = "en") -> Path:
    """Tables as a workbook, one sheet each (named by the label ``xlsx.<key>``), headers
    translated by :func:`header`."""
    return write_workbook(
        path,
        {
            text(f"xlsx.{key}", lang): frame.rename(columns=lambda c: header(str(c), lang))
            for key, frame in tables.items()
        },
    )


def run_workbook(out: str | Path, summary: dict, lang: str = "en") -> Path:
    """``run.xlsx`` in run directory ``out``: the summary's KPIs (nested ones flattened to
    dotted keys; shares as %) and the daily table (``daily.parquet``)."""
    out = Path(out)
    flat = pd.json_normalize(summary, sep=".").iloc[0].to_dict() if summary else {}
    items = [(k, v) for k, v in flat.items() if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)]
    kpis = pd.DataFrame(
        {
            text("xlsx.key", lang): [k for k, _ in items],
            text("xlsx.quantity", lang): [header(k, lang) for k, _ in items],
            text("xlsx.value", lang): [float(v) for _, v in items],
        }
    )
    rows = [PERCENT if k.endswith(SHARE_ENDINGS) else None for k, _ in items]
    daily = pd.read_parquet(out / "daily.parquet")
    summary_title, daily_title = text("xlsx.summary", lang), text("xlsx.daily", lang)
    return write_workbook(
        out / "run.xlsx",
        {summary_title: kpis, daily_title: daily.rename(columns=lambda c: header(str(c), lang))},
        row_formats={summary_title: rows},
    )
