"""Benchmark: a city-scale register (10,000 grids, synthetic) through `gridsim district` and `gridsim fit`.

Writes a GeoJSON of N square grids (communities of 20 grids, streets of 500) and a case log of
--cases cases over --days days, then times the two commands in this process (one core): the import
(read, validate geometry, shared-boundary neighbours, write the world) and the fit (read the log
through a mapping, fit every grid × category rate, profiles, channel shares and time
distributions, write the commented scenario; --holdout 0, so no simulation). Prints seconds each.
Usage: python benchmarks/district_import.py [--grids 10000] [--cases 200000] [--days 90]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml


def synthetic(folder: Path, grids: int, cases: int, days: int) -> tuple[Path, Path, Path]:
    import geopandas as gpd
    from shapely import box

    side = int(np.ceil(np.sqrt(grids)))
    step = 0.005  # about 500 m
    cells = [
        box(120 + (i % side) * step, 30 + (i // side) * step, 120 + (i % side + 1) * step, 30 + (i // side + 1) * step)
        for i in range(grids)
    ]
    rng = np.random.default_rng(1)
    gdf = gpd.GeoDataFrame(
        {
            "网格编号": [f"G{i:05d}" for i in range(grids)],
            "网格名称": [f"网格{i}" for i in range(grids)],
            "所属社区": [f"社区{i // 20}" for i in range(grids)],
            "所属街道": [f"街道{i // 500}" for i in range(grids)],
            "户数": rng.integers(150, 260, grids),
        },
        geometry=cells,
        crs="EPSG:4326",
    )
    reg = folder / "grids.geojson"
    gdf.to_file(reg, driver="GeoJSON", engine="pyogrio")
    created = pd.Timestamp("2025-01-06") + pd.to_timedelta(np.sort(rng.uniform(0, days * 24, cases)), unit="h")
    log = pd.DataFrame(
        {
            "工单编号": np.arange(cases).astype(str),
            "受理时间": created.strftime("%Y-%m-%d %H:%M:%S"),
            "办结时间": (created + pd.to_timedelta(rng.gamma(1.5, 30.0, cases), unit="h")).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "事件类型": rng.choice(["噪音扰民", "邻里纠纷", "路灯损坏", "占道经营", "安全隐患", "民生求助"], cases),
            "所属网格": rng.choice(gdf["网格编号"].to_numpy(), cases),
            "来源渠道": rng.choice(["12345热线", "网格员上报", "巡查发现"], cases),
        }
    )
    cases_path = folder / "cases.csv"
    log.to_csv(cases_path, index=False)
    mapping = folder / "mapping.yaml"
    mapping.write_text(
        yaml.safe_dump(
            {
                "categories": {
                    "噪音扰民": "dispute",
                    "邻里纠纷": "dispute",
                    "路灯损坏": "urban_property",
                    "占道经营": "enforcement",
                    "安全隐患": "hazard",
                    "民生求助": "livelihood",
                },
                "channels": {"12345热线": "hotline", "网格员上报": "report", "巡查发现": "patrol"},
                "time_format": "%Y-%m-%d %H:%M:%S",
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return reg, cases_path, mapping


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--grids", type=int, default=10_000)
    ap.add_argument("--cases", type=int, default=200_000)
    ap.add_argument("--days", type=int, default=90)
    a = ap.parse_args()
    from sim.ui.cli import main as gridsim

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        reg, cases, mapping = synthetic(folder, a.grids, a.cases, a.days)
        t0 = time.perf_counter()
        assert gridsim(["district", str(reg), "--out", str(folder / "district.yaml")]) == 0
        t1 = time.perf_counter()
        assert (
            gridsim(
                [
                    "fit",
                    str(cases),
                    "--district",
                    str(folder / "district.yaml"),
                    "--mapping",
                    str(mapping),
                    "--out",
                    str(folder / "scenario.yaml"),
                    "--holdout",
                    "0",
                ]
            )
            == 0
        )
        t2 = time.perf_counter()
        size = (folder / "scenario.yaml").stat().st_size / 1e6
    print(
        f"{a.grids:,} grids, {a.cases:,} cases over {a.days} days: district {t1 - t0:.1f} s, "
        f"fit {t2 - t1:.1f} s, together {t2 - t0:.1f} s (fitted scenario {size:.1f} MB)"
    )


if __name__ == "__main__":
    main()
