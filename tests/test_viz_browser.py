"""End to end in a real browser: `gridsim viz` serves a page a trainer can drive.

Starts the app on a free port and drives it in headless Chromium (Debian's ``chromium``
through Playwright's ``executable_path``) as a trainer would: moves a lever and sees it
flagged as pending, presses RESET and checks the model was rebuilt with it, steps by the
hour, checks a second browser gets its own model, follows a case up at least two levels
of the ladder, switches to Chinese and finds Chinese on the controls, the map and the
plots — and fails on a Python traceback anywhere on the page. Screenshots of every state
go to ``$GRIDSIM_SCREENSHOTS`` (default: a temporary directory). Skipped when no Chromium
is installed, unless ``GRIDSIM_REQUIRE_BROWSER=1`` (CI sets it).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _chromium() -> str:
    path = os.environ.get("GRIDSIM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        if os.environ.get("GRIDSIM_REQUIRE_BROWSER") == "1":
            pytest.fail("no Chromium found (install Debian's chromium package; .ci/run does)")
        pytest.skip("no Chromium installed")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port: int, lang: str, scenario: Path = ROOT / "scenarios" / "baseline.yaml"):
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.ui.cli", "viz", str(scenario), "--port", str(port)] + ["--lang", lang],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return proc, url
        except OSError:
            pass
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "the app did not start in 2 minutes"
        time.sleep(0.5)


class Trainer:
    """A page in the browser, with the checks every state gets."""

    def __init__(self, page, shots: Path):
        self.page, self.shots = page, shots
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def body(self) -> str:
        return self.page.inner_text("body")

    def clean(self, what: str) -> None:
        """No Python traceback or error anywhere on the page; a screenshot of the state."""
        self.page.wait_for_timeout(300)
        body = self.body()
        assert "Traceback" not in body and "Error:" not in body, f"{what}: {body[-2000:]}"
        assert not self.errors, self.errors
        self.page.screenshot(path=str(self.shots / f"{what}.png"), full_page=True)

    def button(self, label: str):
        return self.page.locator("button", has_text=label).first

    def clock(self) -> str:
        return self.page.locator("[data-clock]").inner_text()

    def wait_text(self, locator, pattern: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, got := locator.inner_text()):
            assert time.monotonic() < deadline, f"waited for {pattern!r}, saw {got!r}"
            self.page.wait_for_timeout(200)
        return got

    def follow_to(self, levels: int, next_label: str, name: str) -> int:
        """Press the follow mode's next-hour button until the case has been at ``levels``
        levels (or its story ends); screenshot there. Returns the levels reached."""
        cap = self.page.locator("[data-follow-caption] .gs-holder")
        for _ in range(400):
            seen = int(cap.get_attribute("data-levels"))
            nxt = self.button(next_label)
            if seen >= levels or nxt.is_disabled():
                break
            before = self.page.locator("[data-follow-caption]").inner_text()
            nxt.click()
            deadline = time.monotonic() + 20
            while self.page.locator("[data-follow-caption]").inner_text() == before:
                assert time.monotonic() < deadline, "the case did not move on"
                self.page.wait_for_timeout(100)
        self.clean(name)
        return int(cap.get_attribute("data-levels"))


@pytest.mark.slow
def test_trainer_drives_the_page_in_a_browser(tmp_path):
    chromium = _chromium()
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    shots = Path(os.environ.get("GRIDSIM_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    proc, url = _serve(_free_port(), "en")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
            t = Trainer(browser.new_page(viewport={"width": 1600, "height": 2200}), shots)
            t.page.goto(url, timeout=90_000)
            t.page.locator("[data-clock]").wait_for(timeout=90_000)
            t.page.locator("svg[data-map] [data-grid]").first.wait_for(timeout=60_000)
            t.clean("01_start_en")
            line = t.page.locator(".gs-model-line")
            workers = int(re.match(r"(\d+)", line.inner_text()).group(1))
            assert "the model runs with these levers" in t.body()

            # move a lever: it shows its value and says it applies on RESET
            thumb = t.page.locator(".v-slider__thumb-container").first
            thumb.focus()
            t.page.keyboard.press("ArrowRight")
            t.page.get_by_text("full-time grid workers per grid: 2").wait_for(timeout=20_000)
            t.page.get_by_text("take effect when you press RESET").wait_for(timeout=20_000)
            t.clean("02_lever_moved_en")
            t.button("RESET").click()
            t.page.get_by_text("the model runs with these levers").wait_for(timeout=30_000)
            t.wait_text(line, rf"^{2 * workers} grid-level workers")  # one more full-time worker per grid
            t.clean("03_after_reset_en")

            # a lever position the scenario refuses: one line naming the field, the model kept
            thumb.focus()
            t.page.keyboard.press("ArrowLeft")
            t.page.keyboard.press("ArrowLeft")
            t.page.get_by_text("full-time grid workers per grid: 0").wait_for(timeout=20_000)
            t.button("RESET").click()
            t.page.get_by_text("must be at least 1 per grid").wait_for(timeout=30_000)
            t.wait_text(line, rf"^{2 * workers} grid-level workers")
            t.clean("03b_refused_lever_en")
            thumb.focus()
            t.page.keyboard.press("ArrowRight")
            t.page.keyboard.press("ArrowRight")
            t.page.get_by_text("the model runs with these levers").wait_for(timeout=20_000)

            # step by the hour: the clock moves one hour at a time
            assert t.clock() == "day 1 Mon 10:00"  # a new model is shown in working hours
            for h in (11, 12, 13):
                t.button("+1 hour").click()
                t.wait_text(t.page.locator("[data-clock]"), f"day 1 Mon {h}:00")
            t.clean("04_hour_steps_en")

            # run some days, then follow a case up the ladder
            for d in range(2, 12):
                t.button("+1 day").click()
                t.wait_text(t.page.locator("[data-clock]"), f"day {d} \\w+ 13:00")

            # a second browser gets its own model, at the start
            other = browser.new_page(viewport={"width": 1200, "height": 900})
            other.goto(url, timeout=90_000)
            other.locator("[data-clock]").wait_for(timeout=90_000)
            assert other.locator("[data-clock]").inner_text() == "day 1 Mon 10:00"
            other.close()
            assert t.clock().startswith("day 11 ")
            t.button("pick a case that went up the ladder").click()
            t.page.locator("[data-follow-caption]").wait_for(timeout=30_000)
            t.page.locator("svg[data-map] [data-follow]").wait_for(timeout=30_000)
            t.clean("05_follow_1_en")
            assert t.follow_to(2, "next hour", "06_follow_2_en") >= 2
            caption = t.page.locator("[data-follow-caption]").inner_text()
            assert "escalated from the grid level" in caption, caption
            assert t.follow_to(99, "next hour", "07_follow_end_en") >= 2  # to the end of its story
            assert t.page.locator("svg[data-map] [data-holder]").count() == 1

            # Chinese: controls, map, plots and captions
            t.button("中文").click()
            t.page.get_by_text("调控参数").wait_for(timeout=30_000)
            t.page.get_by_text("跟踪一个案件").wait_for(timeout=30_000)
            t.wait_text(t.page.locator("[data-kpis]"), "累计办结率")
            body = t.body()
            for word in ("重置", "每格专职网格员", "前进1小时", "跟踪一个案件", "上报规则"):
                assert word in body, word
            map_text = t.page.locator("svg[data-map]").text_content()
            assert "区职能部门" in map_text and "街道1" in map_text, map_text[:300]
            kpi_text = t.page.locator("[data-kpis]").text_content()
            assert "累计办结率" in kpi_text and "居民满意率" in kpi_text, kpi_text[:300]
            t.button("从头开始").click()
            t.wait_text(t.page.locator("[data-follow-caption]"), r"\(1/\d+\)")
            t.clean("08_follow_1_zh")
            t.follow_to(2, "下一小时", "09_follow_2_zh")
            assert "上报至" in t.page.locator("[data-follow-caption]").inner_text()
            t.follow_to(99, "下一小时", "10_follow_end_zh")
            day0 = int(re.match(r"第(\d+)天", t.clock()).group(1))

            # play: a month of days in under a minute, the page redrawn as it goes
            started = time.monotonic()
            t.button("播放").click()
            while int(re.match(r"第(\d+)天", t.clock()).group(1)) < day0 + 30:
                assert time.monotonic() - started < 60, f"a month took over a minute (at {t.clock()})"
                t.page.wait_for_timeout(250)
            elapsed = time.monotonic() - started
            t.button("暂停").click()
            t.clean("11_played_a_month_zh")
            print(f"played 30 days in {elapsed:.1f} s")

            # choose a grid, then one of its cases, and follow that one
            t.page.locator(".v-select", has_text="选择网格").click()
            t.page.locator(".menuable__content__active .v-list-item", has_text="S1-C2-3").first.click()
            t.page.locator(".v-select", has_text="案件").last.click()
            t.page.locator(".menuable__content__active .v-list-item").first.click()
            t.wait_text(t.page.locator("[data-follow-caption]"), r"S1-C2-3网格")
            t.clean("12_grid_case_zh")
            browser.close()
        assert not t.errors, t.errors
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
def test_an_imported_district_shows_its_real_map_and_a_click_picks_a_grid(tmp_path):
    """`gridsim district` on the LA slice, then the page: 97 real outlines coloured by backlog,
    communities outlined and named, dates beside the days; a click on a grid picks it for
    follow-a-case, one of its cases is followed; the same in Chinese."""
    chromium = _chromium()
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    shots = Path(os.environ.get("GRIDSIM_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    data, district = ROOT / "tests" / "data" / "la311", tmp_path / "la.yaml"
    made = subprocess.run(
        [sys.executable, "-m", "sim.ui.cli", "district", str(data / "nc-boundary-2020.geojson")]
        + ["--columns", str(data / "district-columns.yaml"), "--households", "12000"]
        + ["--set", "start_date=2019-12-30", "--out", str(district)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    proc, url = _serve(_free_port(), "en", district)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
            t = Trainer(browser.new_page(viewport={"width": 1600, "height": 2000}), shots)
            t.page.goto(url, timeout=90_000)
            t.page.locator("[data-clock]").wait_for(timeout=90_000)
            grids = t.page.locator("svg[data-map] path[data-grid]")
            grids.first.wait_for(timeout=60_000)
            assert grids.count() == 97
            assert t.page.locator("svg[data-map] [data-communities]").count() == 1
            assert t.clock() == "day 1 Mon 2019-12-30 10:00"
            map_text = t.page.locator("svg[data-map]").text_content()
            for name in ("Downtown Los Angeles", "Historic Cultural North", "Harbor", "North West Valley"):
                assert name in map_text, name  # grid names on hover (titles), community names drawn
            for d in (2, 3):
                t.button("+1 day").click()
                t.wait_text(t.page.locator("[data-clock]"), f"day {d} ")
            fills = {grids.nth(k).get_attribute("fill") for k in range(97)}
            assert len(fills) >= 3, fills  # coloured by backlog, several classes
            t.page.get_by_text("open cases in the grid").wait_for(timeout=10_000)  # the legend
            t.clean("la_01_map_en")

            # a real click on the map: the grid under the pointer becomes the case picker's grid
            box = grids.nth(2).bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            under = t.page.evaluate(
                "([x, y]) => document.elementFromPoint(x, y).closest('[data-grid]').getAttribute('data-grid')",
                [x, y],
            )
            name = re.search(r"<title>([^<]*)", grids.nth(int(under)).inner_html()).group(1).split(" · ")[0]
            t.page.mouse.click(x, y)
            t.page.locator(f'svg[data-map] [data-chosen="{under}"]').wait_for(timeout=20_000)
            picker = t.page.locator(".v-select", has_text="choose a grid")
            t.wait_text(picker, re.escape(name))
            t.clean("la_02_grid_clicked_en")
            t.page.locator(".v-select", has_text="case").last.click()
            t.page.locator(".menuable__content__active .v-list-item").first.click()
            caption = t.page.locator("[data-follow-caption]")
            caption.wait_for(timeout=30_000)
            t.follow_to(2, "next hour", "la_03_follow_en")
            assert "2019-12-" in caption.inner_text() or "2020-01-" in caption.inner_text()

            t.button("中文").click()
            t.page.get_by_text("调控参数").wait_for(timeout=30_000)
            t.wait_text(t.page.locator("[data-clock]"), r"^第3天 2020年1月1日 周三 10:00$")
            t.wait_text(caption, r"第\d+天 (2019年12月|2020年1月)")
            t.clean("la_04_follow_zh")
            t.button("停止跟踪").click()
            t.page.get_by_text("网格在办案件").wait_for(timeout=10_000)
            t.clean("la_05_map_zh")
            browser.close()
        assert not t.errors, t.errors
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
