"""Incident stories (``gridsim trace``) and the bilingual label table.

The timeline of an escalated, a reopened and a police-handled incident is checked line by
line against incidents.parquet and transitions.parquet, in English and in Chinese; every
label has both languages; bad input is one line.
"""

from __future__ import annotations

import datetime
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.scenario.labels import LABELS, text, when
from sim.ui.cli import main
from sim.ui.trace import from_model, from_run

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("trace") / "run"
    assert (
        main(
            [
                "run",
                str(ROOT / "scenarios" / "baseline.yaml"),
                "--days",
                "40",
                "--seed",
                "5",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    return out, pd.read_parquet(out / "incidents.parquet"), pd.read_parquet(out / "transitions.parquet")


def pick(inc: pd.DataFrame, mask) -> int:
    ids = inc.loc[mask, "id"]
    assert len(ids), "the run has no such incident"
    return int(ids.iloc[0])


def check_story(out, inc, tr, i: int, lang: str) -> list[tuple[float, str]]:
    lines = from_run(out, i, lang)
    row = inc.set_index("id").loc[i]
    mine = tr[tr["incident"] == i]
    times = [t for t, _ in lines]
    assert times == sorted(times)  # time never runs backwards
    assert lines[0][0] == pytest.approx(row["t_occurred"])
    # one sentence per transition after the latent one, at the transition's time
    steps = mine[mine["state"] != "latent"]
    body = [ln for ln in lines[1:] if ln[0] in set(steps["time"])]
    assert len(body) >= len(steps)
    escalations = [s for _, s in lines if ("escalated to" in s if lang == "en" else "上报至" in s)]
    assert len(escalations) == (steps["state"] == "escalated").sum()
    if row["state"] == "closed":
        closed = [s for _, s in lines if ("closed (办结销号)" in s if lang == "en" else "办结销号" in s)]
        assert len(closed) == 1
        hours = row["t_closed"] - row["t_surfaced"]
        assert re.search(rf"(?<!\d){hours:.0f}\s?(h|小时)", closed[0]) or hours < 1
    return lines


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_escalated_incident(run, lang):
    out, inc, tr = run
    i = pick(inc, (inc["escalations"] >= 2) & (inc["state"] == "closed"))
    lines = check_story(out, inc, tr, i, lang)
    level = inc.set_index("id").loc[i, "final_level"]
    resolved = [s for _, s in lines if ("resolved by" in s if lang == "en" else "办结,距上报" in s)]
    assert resolved and text(f"level.{level}", lang) in resolved[-1] or level in resolved[-1]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reopened_incident(run, lang):
    out, inc, tr = run
    i = pick(inc, inc["reopened"] & (inc["state"] == "closed"))
    lines = check_story(out, inc, tr, i, lang)
    reopened = [s for _, s in lines if s == text("story.reopened", lang)]
    assert len(reopened) == inc.set_index("id").loc[i, "reopens"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_police_handled_incident(run, lang):
    out, inc, tr = run
    i = pick(inc, (inc["handler_role"] == "police") & (inc["state"] == "closed"))
    lines = check_story(out, inc, tr, i, lang)
    police = text("role.police", lang)
    assert any(police in s for _, s in lines if ("resolved by" in s or "办结" in s))


def test_both_languages_tell_the_same_steps(run):
    out, inc, _ = run
    for i in inc["id"].sample(20, random_state=1):
        en, zh = from_run(out, int(i), "en"), from_run(out, int(i), "zh")
        assert [t for t, _ in en] == [t for t, _ in zh]
        assert all(re.search(r"[\u4e00-\u9fff]", s) for _, s in zh)


def test_live_model_story_matches_the_run_directory(run, tmp_path):
    from sim.output.runner import run_scenario
    from sim.scenario.loading import load_scenario

    out, inc, _ = run
    model = run_scenario(load_scenario(ROOT / "scenarios" / "baseline.yaml"), seed=5, days=40)
    for i in (0, 17, int(inc["id"].iloc[-1])):
        assert from_model(model, i, "zh") == from_run(out, i, "zh")


def test_every_label_has_both_languages_and_times_read_right():
    for key, (en, zh) in LABELS.items():
        assert en and zh, key
        assert set(re.findall(r"{(\w+)", en)) == set(re.findall(r"{(\w+)", zh)), key
    assert when(0.2, "en") == "day 1 Mon 00:12" and when(24 * 8 + 9.5, "zh") == "第9天 周二 09:30"
    monday = datetime.date(2025, 1, 6)
    assert when(24 * 8 + 9.5, "zh", monday) == "第9天 2025年1月14日 周二 09:30"
    assert when(24 * 8 + 9.5, "en", monday) == "day 9 Tue 2025-01-14 09:30"


@given(hours=st.floats(0, 24 * 3650, allow_nan=False), weeks=st.integers(-2000, 2000))
def test_the_dated_day_is_the_calendar_day_of_its_weekday(hours, weeks):
    """With a start date, the date shown is day 1's date plus the days elapsed, and its
    calendar weekday is the weekday the model shows (day 1 is a Monday)."""
    start = datetime.date(2025, 1, 6) + datetime.timedelta(weeks=weeks)
    shown = when(hours, "en", start)
    n, wd, iso = re.match(r"day (\d+) (\w+) (\S+) \d\d:\d\d$", shown).groups()
    day = datetime.date.fromisoformat(iso)
    assert (day - start).days == int(n) - 1 and f"{day:%a}" == wd
    assert shown.replace(f" {iso}", "") == when(hours, "en")


def test_start_date_must_be_a_monday_and_dates_the_cli_story(tmp_path, capsys):
    args = ["run", str(ROOT / "scenarios" / "baseline.yaml"), "--days", "4", "--out", str(tmp_path / "r")]
    assert main([*args, "--set", "start_date=2025-01-07"]) == 2
    err = capsys.readouterr().err
    assert "start_date" in err and "Tuesday" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()
    assert main([*args, "--set", "start_date=2025-01-06"]) == 0
    capsys.readouterr()
    assert main(["trace", str(tmp_path / "r"), "--incident", "2", "--lang", "zh"]) == 0
    assert re.search(r"^  第1天 2025年1月6日 周一 \d\d:\d\d ", capsys.readouterr().out, re.M)


def test_cli_trace(run, capsys):
    out, inc, _ = run
    assert main(["trace", str(out), "--incident", "3", "--lang", "zh"]) == 0
    text_out = capsys.readouterr().out
    assert text_out.startswith("事件3") and "第1天" in text_out and "第0天" not in text_out
    assert main(["trace", str(out), "--incident", str(len(inc) + 5)]) == 2
    assert "no such incident" in capsys.readouterr().err
    assert main(["trace", str(out.parent), "--incident", "1"]) == 2
