"""Every table of eight scenario variants hashes as it did before the event core was rewritten
from one source (0.3.0, recorded on main before the change): compiled and interpreted.

A change that alters any incident, transition, daily, score or hour value changes a hash; a
change meant to alter results must say so and record the new hashes here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("fingerprint", REPO / "benchmarks" / "fingerprint.py")
fp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fp)

ONE_WORKER = ["staffing.part_time=0", "staffing.volunteers=0", "turnover.resign_per_year=0.3"]
VARIANTS = [  # (scenario, days, overrides, hash of 0.3.0)
    ("baseline.yaml", 120, [], "02c585d165a096c3"),
    ("jianye.yaml", 120, [], "d68d38d8204f9973"),
    ("yanjiang.yaml", 120, [], "0cb7805e890e543e"),
    ("laocheng.yaml", 90, [], "9036222b340ca2ca"),
    ("jianye.yaml", 200, [*ONE_WORKER, "turnover.refill=borrow"], "0b21fb200a207de6"),
    ("jianye.yaml", 200, [*ONE_WORKER, "turnover.refill=reserve", "staffing.reserve_per_street=4"], "21bc44268b2ab7ff"),
    (
        "jianye.yaml",
        150,
        ["turnover.resign_per_year=0.3", "turnover.refill=wait", "turnover.cover=community"],
        "ade9e015614dc4dc",
    ),
    ("validation/mmc.yaml", 300, [], "a8b312f5f57bf607"),
]


@pytest.mark.parametrize("pure", [False, True], ids=["compiled", "interpreted"])
@pytest.mark.parametrize(
    "scenario, days, overrides, expected", VARIANTS, ids=[f"{v[0]}-{v[1]}d-{i}" for i, v in enumerate(VARIANTS)]
)
def test_fingerprint_unchanged(scenario, days, overrides, expected, pure):
    got = fp.in_fresh_process(str(REPO / "scenarios" / scenario), days, overrides, pure)
    assert got == expected, f"{scenario} {days} d {overrides}: {got}"
