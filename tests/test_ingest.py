"""gridsim district / gridsim fit: a real map and case log (LA 311 slice, tests/data/la311), an Excel
register with Chinese headers, the fitted scenario through run / sweep / size, and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from sim.scenario.loading import load_scenario
from sim.ui.cli import main

DATA = Path(__file__).parent / "data" / "la311"


def _district_la(tmp_path, capsys) -> Path:
    out = tmp_path / "district.yaml"
    rc = main(
        [
            "district",
            str(DATA / "nc-boundary-2020.geojson"),
            "--columns",
            str(DATA / "district-columns.yaml"),
            "--households",
            "12000",
            "--set",
            "staffing.full_time=6",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    err = capsys.readouterr().err
    assert "12 of 97 grids have no households or population" in err  # the warning, once
    return out


def test_district_from_real_geojson_runs_with_source_ids(tmp_path, capsys):
    out = _district_la(tmp_path, capsys)
    raw = yaml.safe_load(out.read_text())
    grids = [g for c in raw["world"]["communities"] for g in c["grid_list"]]
    assert len(grids) == 97 and len(raw["world"]["communities"]) == 12  # planning regions as communities
    by_id = {g["source_id"]: g for g in grids}
    for g in grids:  # adjacency from shared boundaries is mutual, and every grid keeps its outline
        assert g["polygon"].startswith(("POLYGON", "MULTIPOLYGON"))
        for n in g.get("neighbours", []):
            assert g["source_id"] in by_id[n]["neighbours"]
    assert sum(bool(g.get("neighbours")) for g in grids) >= 90
    # the population column became households (2020 census / 2.62 persons per household)
    assert by_id["ARLETA NC"]["households"] == round(33954 / 2.62)
    run = tmp_path / "run"
    assert main(["run", str(out), "--days", "2", "--out", str(run), "--quiet"]) == 0
    g = pd.read_parquet(run / "grids.parquet")
    assert list(g["source_id"]) == [x["source_id"] for x in grids] and "grid_name" in g
    inc = pd.read_parquet(run / "incidents.parquet")
    assert len(inc) > 0 and set(inc["source_id"].astype(str)) <= set(by_id)
    assert (inc["grid_name"].astype(str) == g["grid_name"].to_numpy()[inc["grid"]]).all()


@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
def test_district_from_geopackage_and_shapefile(suffix, tmp_path):
    import geopandas as gpd

    path = tmp_path / f"nc{suffix}"
    gpd.read_file(DATA / "nc-boundary-2020.geojson").to_file(path, engine="pyogrio")
    out = tmp_path / "d.yaml"
    assert (
        main(
            [
                "district",
                str(path),
                "--columns",
                str(DATA / "district-columns.yaml"),
                "--households",
                "12000",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    grids = [g for c in load_scenario(out).world.communities for g in c.grid_list]
    assert len(grids) == 97 and sum(len(g.neighbours) for g in grids) == 2 * 211  # as from the GeoJSON


def _xlsx_register(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["网格编号", "网格名称", "所属社区", "所属街道", "户数", "小区类型", "相邻网格"])
    ws.append([101, "东一网格", "东社区", "城关街道", 210, "老旧小区", "102"])
    ws.append([102, "东二网格", "东社区", "城关街道", 190, "老旧小区", "101,103"])
    ws.append([103, "东三网格", "东社区", "城关街道", None, "商品房小区", ""])
    ws.append([201, "西一网格", "西社区", "新区街道", 260, "gated", "103"])
    wb.save(path)


def test_district_from_xlsx_register_with_chinese_headers(tmp_path, capsys):
    reg = tmp_path / "台账.xlsx"
    _xlsx_register(reg)
    out = tmp_path / "d.yaml"
    assert main(["district", str(reg), "--households", "150", "--out", str(out)]) == 0
    assert "1 of 4 grids have no households" in capsys.readouterr().err
    sc = load_scenario(out)
    assert sc.world.streets == 2
    comms = {c.name: c for c in sc.world.communities}
    # one community of two types splits by type; ids, names, households and neighbours kept
    assert set(comms) == {"东社区 · old_estate", "东社区 · commodity", "西社区"}
    assert [g.source_id for g in comms["东社区 · old_estate"].grid_list] == ["101", "102"]
    assert comms["东社区 · commodity"].grid_list[0].households == 150
    assert comms["西社区"].type == "gated" and comms["西社区"].street == 1
    assert comms["东社区 · commodity"].grid_list[0].neighbours == ["102", "201"]  # listed one way, made mutual
    from sim.world.district import build_world

    w = build_world(sc)
    assert w.grid_source_ids == ("101", "102", "103", "201")
    assert w.grid_neighbours(0) == [1] and w.grid_neighbours(2) == [1, 3]


def _small_log(path: Path, n=600, seed=1, grids=("101", "102", "103", "201")) -> None:
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2025-03-03") + pd.to_timedelta(np.sort(rng.uniform(0, 28 * 24, n)), unit="h")
    closed = created + pd.to_timedelta(rng.gamma(2.0, 20.0, n), unit="h")
    pd.DataFrame(
        {
            "工单编号": [f"W{i:05d}" for i in range(n)],
            "受理时间": created.strftime("%Y-%m-%d %H:%M:%S"),
            "办结时间": closed.strftime("%Y-%m-%d %H:%M:%S"),
            "事件类型": rng.choice(["噪音扰民", "路灯损坏", "邻里纠纷"], n),
            "所属网格": rng.choice(list(grids), n),
            "来源渠道": rng.choice(["12345热线", "网格员上报", "巡查发现"], n, p=[0.5, 0.3, 0.2]),
            "满意度": rng.choice(["满意", "基本满意", "不满意"], n, p=[0.7, 0.2, 0.1]),
        }
    ).to_csv(path, index=False)


TEMPLATE = Path(__file__).parents[1] / "scenarios" / "templates" / "platform_mapping.yaml"
ZH_MAPPING = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))  # the shipped template, as a user copies it


@pytest.fixture
def small(tmp_path, capsys):
    reg = tmp_path / "reg.xlsx"
    _xlsx_register(reg)
    district = tmp_path / "district.yaml"
    assert main(["district", str(reg), "--households", "150", "--out", str(district)]) == 0
    cases = tmp_path / "cases.csv"
    _small_log(cases)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump(ZH_MAPPING, allow_unicode=True), encoding="utf-8")
    capsys.readouterr()
    return district, cases, mapping


def test_fit_recognises_a_chinese_platform_export_and_its_scenario_runs_sweeps_and_sizes(small, tmp_path, capsys):
    district, cases, mapping = small
    out = tmp_path / "fitted.yaml"
    rc = main(
        [
            "fit",
            str(cases),
            "--district",
            str(district),
            "--mapping",
            str(mapping),
            "--out",
            str(out),
            "--holdout",
            "0.25",
            "--reps",
            "2",
            "--xlsx",
        ]
    )
    assert rc in (0, 1)
    printed = capsys.readouterr().out
    assert "simulated mean [95 % interval]" in printed and "channel share patrol" in printed
    rows = list(load_workbook(tmp_path / "fit_report.xlsx")["Check"].values)
    assert rows[0][:3] == ("quantity", "observed", "mean") and any(r[0] == "channel share patrol" for r in rows)
    assert all(isinstance(r[2], (int, float)) for r in rows[1:] if r[2] is not None)  # numbers, not text
    assert (tmp_path / "fit_report.html").read_text().count("<img") >= 3
    text = out.read_text()
    assert "# cases.csv" not in text and f"{cases}, " in text  # each fitted number names its source
    sc = load_scenario(out)
    assert set(sc.categories) == {"dispute", "urban_property"}
    assert sc.arrivals.weekday_profile is not None and len(sc.arrivals.hourly_profile) == 24
    assert 0.3 < sc.residents.awareness_mean < 0.5  # report / (report + hotline) = 0.3 / 0.8
    assert sc.residents.satisfaction_base > 0.8  # 满意 and 基本满意
    run = tmp_path / "run"
    assert main(["run", str(out), "--days", "5", "--out", str(run), "--quiet"]) == 0
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        yaml.safe_dump(
            {
                "name": "e",
                "scenario": str(out),
                "days": 10,
                "replications": 1,
                "policies": [
                    {"name": "one", "set": {"staffing.full_time": 1}},
                    {"name": "two", "set": {"staffing.full_time": 2}},
                ],
                "kpis": ["closure_rate"],
            }
        )
    )
    assert main(["sweep", str(exp), "--workers", "1", "--out", str(tmp_path / "sweep")]) == 0
    assert (
        main(
            [
                "size",
                str(out),
                "--target",
                "wait_hours_mean<=1000",
                "--reps",
                "1",
                "--days",
                "10",
                "--workers",
                "1",
                "--max",
                "3",
                "--out",
                str(tmp_path / "size"),
                "--xlsx",
                "--lang",
                "zh",
            ]
        )
        == 0
    )
    evaluations = pd.read_csv(tmp_path / "size" / "size_evaluations.csv")
    assert load_workbook(tmp_path / "size" / "size.xlsx").sheetnames == ["编制测算", "候选评估"]
    book = list(load_workbook(tmp_path / "size" / "size.xlsx")["候选评估"].values)
    assert len(book) == len(evaluations) + 1 and "处置前平均等待" in book[0]
    col = book[0].index("处置前平均等待")
    assert [r[col] for r in book[1:]] == pytest.approx(evaluations["wait_hours_mean"].tolist())


def test_numeric_grid_ids_match_as_numbers(small, tmp_path):
    district, cases, mapping = small
    df = pd.read_csv(cases, dtype=str)
    df["所属网格"] = df["所属网格"].map(lambda v: f"{float(v):.1f}")  # 101 → "101.0"
    df.to_csv(cases, index=False)
    out = tmp_path / "f.yaml"
    assert (
        main(
            [
                "fit",
                str(cases),
                "--district",
                str(district),
                "--mapping",
                str(mapping),
                "--out",
                str(out),
                "--holdout",
                "0",
            ]
        )
        == 0
    )
    assert out.exists()


def test_excel_case_log_with_levels_and_holdout_from_a_date(small, tmp_path, capsys):
    district, cases, mapping = small
    df = pd.read_csv(cases, dtype=str)
    df["办结层级"] = np.where(np.arange(len(df)) % 4 == 0, "社区", "网格")
    xlsx = tmp_path / "cases.xlsx"
    df.to_excel(xlsx, index=False)
    out = tmp_path / "f.yaml"
    rc = main(
        [
            "fit",
            str(xlsx),
            "--district",
            str(district),
            "--mapping",
            str(mapping),
            "--out",
            str(out),
            "--holdout-from",
            "2025-03-24",
            "--reps",
            "1",
        ]
    )
    assert rc in (0, 1)
    held = int((pd.to_datetime(df["受理时间"]) >= pd.Timestamp("2025-03-24")).sum())
    assert f"fitted on {len(df) - held} cases, {held} held out" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert re.search(r"Level reached \(rows with a level, 451\): grid 0\.7\d\d, community 0\.2\d\d", text)


def _bad_cases(kind: str, cases: Path) -> str:
    df = pd.read_csv(cases, dtype=str)
    if kind == "unparseable dates":
        df.loc[[3, 8], "受理时间"] = "yesterday"
        expect = ["'受理时间'", "2 rows", "yesterday"]
    elif kind == "unmapped category":
        df.loc[[1, 2, 5], "事件类型"] = "宠物扰民"
        expect = ["'事件类型'", "'宠物扰民'", "3 rows"]
    elif kind == "grid not in the district":
        df.loc[[4], "所属网格"] = "999"
        expect = ["'所属网格'", "'999'", "1 rows", "district.yaml"]
    elif kind == "empty file":
        df.iloc[:0].to_csv(cases, index=False)
        return "0 rows"
    else:
        raise AssertionError(kind)
    df.to_csv(cases, index=False)
    return "|".join(expect)


@pytest.mark.parametrize(
    "kind",
    [
        "unparseable dates",
        "unmapped category",
        "grid not in the district",
        "empty file",
        "unknown column",
        "zero-byte file",
    ],
)
def test_bad_case_log_is_one_line_exit_2_nothing_written(kind, small, tmp_path, capsys):
    district, cases, mapping = small
    if kind == "unknown column":
        mapping.write_text(yaml.safe_dump({**ZH_MAPPING, "columns": {"category": "KIND"}}, allow_unicode=True))
        expect = "'KIND'|columns.category|600 rows"
    elif kind == "zero-byte file":
        cases.write_text("")
        expect = "0 rows"
    else:
        expect = _bad_cases(kind, cases)
    out = tmp_path / "never.yaml"
    rc = main(["fit", str(cases), "--district", str(district), "--mapping", str(mapping), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert str(cases) in err
    for part in expect.split("|"):
        assert part in err, (part, err)
    assert not out.exists() and not (tmp_path / "fit_report.html").exists()


def test_invalid_geometry_is_one_line_exit_2(tmp_path, capsys):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    square = {"type": "Polygon", "coordinates": [[[2, 0], [3, 0], [3, 1], [2, 1], [2, 0]]]}
    gj = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"grid_id": "A", "households": 200}, "geometry": square},
            {"type": "Feature", "properties": {"grid_id": "B", "households": 200}, "geometry": bowtie},
        ],
    }
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(gj))
    out = tmp_path / "d.yaml"
    assert main(["district", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and "geometry" in err and "1 rows" in err
    assert not out.exists()


def test_register_without_households_needs_the_flag(tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text("grid_id,name\nA,a\nB,b\n")
    out = tmp_path / "d.yaml"
    assert main(["district", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "2 of 2 rows have no households" in err and str(path) in err and not out.exists()


@pytest.mark.slow
def test_fit_on_the_real_la_slice_end_to_end(tmp_path, capsys):
    district = _district_la(tmp_path, capsys)
    out = tmp_path / "scenario.yaml"
    rc = main(
        [
            "fit",
            str(DATA / "requests-2020-01.csv"),
            "--district",
            str(district),
            "--mapping",
            str(DATA / "mapping.yaml"),
            "--out",
            str(out),
            "--reps",
            "2",
        ]
    )
    assert rc in (0, 1)  # the verdict is the data's; the path must work
    printed = capsys.readouterr().out
    assert "fitted on 7371 cases, 2309 held out" in printed
    rows = {line.split("  ")[0].strip(): line for line in printed.splitlines()}
    assert "pass" in rows["cases"] and "pass" in rows["channel share hotline"]  # volume and channels reproduced
    report = (tmp_path / "fit_report.html").read_text()
    assert report.count("<img") == 6 and "Map: demand per grid" in report  # incl. the real map
    sc = load_scenario(out)
    assert sc.staffing.full_time == 6  # the district file's own settings are kept
    assert main(["run", str(out), "--days", "1", "--out", str(tmp_path / "run"), "--quiet"]) == 0


def _tiny(**world_extra) -> dict:
    grids = [{"source_id": "A", "households": 300, "neighbours": ["B"]}, {"source_id": "B", "households": 300}]
    return {
        "name": "t",
        "days": 28,
        "world": {"communities": [{"type": "commodity", "grids": 2, "grid_list": grids}]},
        **world_extra,
    }


def test_weekday_profile_and_grid_multipliers_shape_arrivals():
    from sim.output.runner import run_scenario
    from sim.output.tables import incidents_table
    from sim.scenario.loading import scenario_from_dict

    raw = _tiny(arrivals={"weekday_profile": [1, 1, 1, 1, 1, 0, 0]})
    raw["world"]["communities"][0]["grid_list"][1]["rate_multiplier"] = {"dispute": 0.0}
    inc = incidents_table(run_scenario(scenario_from_dict(raw), transitions=False))
    day = (inc["t_occurred"] // 24 % 7).astype(int)
    assert len(inc) > 40 and not day.isin([5, 6]).any()  # nothing occurs at weekends
    assert set(inc["source_id"].astype(str)) == {"A", "B"}
    assert not ((inc["source_id"] == "B") & (inc["category"] == "dispute")).any()  # B's disputes switched off
    assert ((inc["source_id"] == "A") & (inc["category"] == "dispute")).any()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda g: g[1].update(source_id="A"), "grid_list.1.source_id: 'A' listed twice"),
        (lambda g: g[0].update(neighbours=["Z"]), "grid_list.0.neighbours: unknown grid 'Z'"),
        (lambda g: g[0].update(rate_multiplier={"nope": 1.0}), "grid_list.0.rate_multiplier.nope: unknown category"),
        (lambda g: g.append({"source_id": "C"}), "grid_list: 3 grid(s) listed but grids is 2"),
    ],
)
def test_explicit_grid_errors_name_the_field(change, message, tmp_path, capsys):
    raw = _tiny()
    change(raw["world"]["communities"][0]["grid_list"])
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(path) in err and len(err.strip().splitlines()) == 1
