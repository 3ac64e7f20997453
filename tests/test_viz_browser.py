"""End to end in a real browser: `gridsim viz` serves a page a trainer can drive.

Starts the app on a free port, opens it in headless Chromium (Debian's ``chromium`` via
Playwright's ``executable_path``), checks that the district map and the KPI plots are
drawn, steps the model and waits for the plots to change, traces an incident in Chinese,
and saves a screenshot (``runs/artifacts/viz.png``, or ``$GRIDSIM_ARTIFACTS``). Skipped
when no Chromium is installed, unless ``GRIDSIM_REQUIRE_BROWSER=1`` (CI sets it).
"""

from __future__ import annotations

import os
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


@pytest.mark.slow
def test_trainer_drives_the_page_in_a_browser():
    chromium = _chromium()
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.ui.cli", "viz", str(ROOT / "scenarios" / "baseline.yaml"), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if urllib.request.urlopen(url, timeout=2).status == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the app did not start in 2 minutes"
            time.sleep(0.5)
        artifacts = Path(os.environ.get("GRIDSIM_ARTIFACTS", ROOT / "runs" / "artifacts"))
        artifacts.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1500, "height": 1300})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url, timeout=90_000)
            step = page.locator("button", has_text="Step")
            step.wait_for(timeout=90_000)
            images = page.locator("img")
            images.nth(1).wait_for(timeout=60_000)  # the district map and the KPI plots
            assert page.get_by_text("50 grids, colour = backlog").count() == 0  # figure text is in the image
            sizes = page.evaluate("() => Array.from(document.images).map(i => [i.naturalWidth, i.naturalHeight])")
            assert len(sizes) >= 2 and all(w > 300 and h > 300 for w, h in sizes[:2]), sizes
            before = [images.nth(i).get_attribute("src") for i in range(2)]
            for _ in range(3):
                step.click()
                page.wait_for_timeout(400)
            deadline = time.monotonic() + 30
            while [images.nth(i).get_attribute("src") for i in range(2)] == before:
                assert time.monotonic() < deadline, "the plots did not change after stepping"
                page.wait_for_timeout(250)
            page.get_by_text("Time: 3").wait_for(timeout=30_000)
            page.locator("button", has_text="zh").click()
            page.locator("button", has_text="trace").click()
            story = page.locator("pre")
            story.wait_for(timeout=30_000)
            assert story.inner_text().startswith("事件0") and "第0天" in story.inner_text()
            page.screenshot(path=str(artifacts / "viz.png"), full_page=True)
            browser.close()
        assert not errors, errors
        assert (artifacts / "viz.png").stat().st_size > 20_000
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
