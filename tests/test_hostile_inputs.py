"""A generated hostile corpus over the scenario schema (issue 22): wrong types, huge and
non-finite numbers, deep nesting, unicode and out-of-range values put at fields drawn from
the whole schema. Property: validation either refuses the input in one line naming the file
and a field, or accepts it, and then a short run ends cleanly within bounded time and memory.
Experiment-file bounds and messages are checked here too."""

from __future__ import annotations

import copy
import resource
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.output.runner import run_scenario
from sim.scenario.loading import ScenarioError, scenario_from_dict
from sim.scenario.schema import Scenario

SRC = "hostile.yaml"
DAYS = 3
SECONDS_PER_CASE = 20.0
PEAK_MB = 3000.0
BASE: dict = {}  # the defaults: one street of six communities of eight grids
DEFAULTS = Scenario.model_validate({}).model_dump(mode="json")
STATS = {"cases": 0, "valid": 0, "refused": 0, "slowest_s": 0.0}


def _leaves(node, path=()):
    """Every leaf path of the default scenario (lists by index), and every section."""
    if isinstance(node, dict):
        if path:
            yield path
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(node, list) and node and isinstance(node[0], dict):
        yield path
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))
    else:
        yield path


PATHS = sorted(set(_leaves(DEFAULTS)), key=str)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _numeric(path) -> bool:
    node = DEFAULTS
    for p in path:
        node = node[p]
    return _is_number(node) or (isinstance(node, list) and bool(node) and all(map(_is_number, node)))


NUMERIC = [p for p in PATHS if _numeric(p)]
EXTREMES = [float("inf"), float("-inf"), float("nan"), 1e308, -1e308, 10**30, -(10**30), 2**63, 2**64, -1, 10**9, 10**5]


def _nested(depth: int):
    out: list = []
    for _ in range(depth):
        out = [out]
    return out


hostile = st.one_of(
    st.sampled_from([float("inf"), float("-inf"), float("nan"), 1e308, -1e308, 10**30, -(10**30), 2**63, 2**64, -1]),
    st.sampled_from([None, True, "", "∞", "1e30", [], {}, [1, 2, 3], {"a": 1}, "网格"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.integers(min_value=1, max_value=300).map(_nested),
    st.lists(st.floats(min_value=-10, max_value=1e9), max_size=30),
    st.integers(min_value=0, max_value=6),
    st.floats(min_value=0, max_value=2),
)


def _default_at(path: tuple):
    node = DEFAULTS
    for p in path:
        node = node[p]
    return node


def _near(value, factor: float):
    """A plausible value: the default scaled (numbers), flipped (booleans) or kept."""
    if isinstance(value, bool):
        return factor > 1.5 or value
    if isinstance(value, int):
        return round(value * factor)
    if isinstance(value, float):
        return value * factor
    if isinstance(value, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return [_near(v, factor) for v in value]
    return value


@st.composite
def change(draw):
    """One field (mostly a numeric one) set to a plausible value near its default, an extreme
    number, or another hostile value (wrong type, unicode, deep nesting)."""
    path = draw(st.sampled_from(NUMERIC)) if draw(st.integers(0, 9)) < 7 else draw(st.sampled_from(PATHS))
    if isinstance(_default_at(path), dict) and draw(st.booleans()):  # an unknown (unicode) key
        return (*path, draw(st.text(min_size=1, max_size=8))), draw(hostile)
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return path, _near(_default_at(path), draw(st.floats(min_value=0, max_value=3)))
    if kind == 1:  # an extreme number, alone or filling a list field
        x = draw(st.sampled_from(EXTREMES))
        default = _default_at(path)
        return path, [x] * len(default) if isinstance(default, list) else x
    return path, draw(hostile)


def _put(raw: dict, path: tuple, value) -> None:
    """Set ``value`` at ``path``, making each section on the way a mapping (or, for lists of
    items, the default list) when an earlier change left something else there."""
    node = raw
    for n, part in enumerate(path[:-1]):
        nxt = path[n + 1]
        child = node.get(part) if isinstance(node, dict) else node[part]
        fits = isinstance(child, dict) if isinstance(nxt, str) else isinstance(child, list) and nxt < len(child)
        if not fits:
            child = copy.deepcopy(_default_at(path[: n + 1])) if isinstance(nxt, int) else {}
            node[part] = child
        node = child
    node[path[-1]] = value


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(change(), min_size=1, max_size=3))
def test_validate_passes_implies_a_short_run_ends_cleanly(changes):
    raw = copy.deepcopy(BASE)
    for path, value in changes:
        _put(raw, path, value)
    STATS["cases"] += 1
    t0 = time.perf_counter()
    try:
        sc = scenario_from_dict(raw, source=SRC)
    except ScenarioError as err:
        msg = str(err)
        assert "\n" not in msg and msg.startswith(f"{SRC}: "), msg
        assert "Traceback" not in msg and "errors.pydantic.dev" not in msg and "function-after" not in msg, msg
        STATS["refused"] += 1
        STATS["slowest_s"] = max(STATS["slowest_s"], time.perf_counter() - t0)
        return
    STATS["valid"] += 1
    model = run_scenario(sc, days=DAYS)  # any exception here is a failure: validated input must run
    assert model.day == DAYS
    took = time.perf_counter() - t0
    STATS["slowest_s"] = max(STATS["slowest_s"], took)
    assert took < SECONDS_PER_CASE, (took, changes)


def test_the_corpus_stayed_within_bounds():
    """Runs after the corpus (file order): report its size and the worst case; memory is the
    process's peak resident size, which bounds every single case."""
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nhostile corpus: {STATS['cases']} cases, {STATS['valid']} valid and run {DAYS} days, "
        f"{STATS['refused']} refused in one line; slowest {STATS['slowest_s']:.2f} s; peak memory {peak_mb:.0f} MB"
    )
    assert STATS["cases"] == 0 or STATS["valid"] > 0  # the corpus reaches runs, not only refusals
    assert peak_mb < PEAK_MB


@pytest.mark.parametrize(
    "text, needle",
    [
        ("replications: 0", "exp.yaml: replications: Input should be greater than or equal to 1"),
        ("replications: {n: 0}", "exp.yaml: replications.n:"),
        ("replications: 10000000", "exp.yaml: replications: Input should be less than or equal to 10000"),
        ("days: 1000000", "exp.yaml: days: Input should be less than or equal to 36500"),
        ("seed: -5", "exp.yaml: seed: Input should be greater than or equal to 0"),
        ("seed: 1180591620717411303424", "exp.yaml: seed:"),
        ("seed: 9223372036854775807", "exp.yaml: seed: seed 9223372036854775807 + 5 replications"),
        ("scenario: adir", "exp.yaml: scenario: 'adir' is a directory"),
    ],
)
def test_experiment_fields_are_bounded_and_named(tmp_path, text, needle):
    """Issue 22, findings 9 and 11: bounded days, replications and seed, plain one-line
    messages naming the field, and nothing written (the sweep never starts)."""
    from sim.ui.cli import main

    (tmp_path / "adir").mkdir()
    (tmp_path / "base.yaml").write_text("days: 30\n", encoding="utf-8")
    lines = ["name: e", "scenario: base.yaml", text] if not text.startswith("scenario") else ["name: e", text]
    exp = tmp_path / "exp.yaml"
    exp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(ScenarioError) as err:
        from sim.studies.experiment import load_experiment

        load_experiment(exp)
    msg = str(err.value).replace(str(tmp_path) + "/", "")
    assert needle in msg and "\n" not in msg and "function-after" not in msg, msg
    assert main(["sweep", str(exp), "--out", str(out), "--no-progress"]) == 2
    assert not out.exists()


def test_sensitivity_ranges_are_refused_in_plain_words(capsys):
    from sim.ui.cli import main

    assert main(["sensitivity", "scenarios/baseline.yaml", "--params", "x=1:0", "y=0:1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "gridsim: error: --params 'x=1:0': low (1.0) must be below high (0.0)", err


def test_cli_schema_reference_and_campaign_warning(tmp_path, capsys):
    """``gridsim schema`` shows units and ranges; ``--markdown --lang zh`` the Chinese
    reference; ``validate`` warns (exit 0) about a campaign cut short by the horizon."""
    import json

    from sim.ui.cli import main

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    rate = schema["$defs"]["Category"]["properties"]["rate"]
    assert rate["unit"] == "per_household_year"
    assert "Unit: per household-year. Range: 0 – 10,000." in rate["description"]
    assert main(["schema", "--markdown", "--lang", "zh"]) == 0
    zh = capsys.readouterr().out
    assert zh.startswith("# 情景参数说明") and "每户每年" in zh and "English" not in zh
    f = tmp_path / "c.yaml"
    f.write_text("days: 30\ncampaigns:\n  - {name: flood, start_day: 20, days: 20}\n", encoding="utf-8")
    assert main(["validate", str(f)]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "campaigns.flood: runs days 20–39" in err


@pytest.mark.parametrize(
    "text, field",
    [
        ("categories:\n  dispute: {rate: .inf}\n", "categories.dispute.rate"),
        ("arrivals: {rate_scale: 1e308}\n", "arrivals.rate_scale"),
        ("world: {households_urban: 1.0e30}\n", "world.households_urban"),
        ("arrivals:\n  hourly_profile: [" + ", ".join([".inf"] * 24) + "]\n", "arrivals.hourly_profile.0"),
        ("world: {grids_per_community: 1000000000}\n", "world.grids_per_community"),
        ("staffing: {full_time: 100000}\n", "staffing.full_time"),
        ("world: {streets: 1000, communities_per_street: 1000}\n", "world"),
        ("levels:\n  - {name: grid, role: grid_wroker}\n", "levels.grid.role"),
    ],
)
def test_the_audits_inputs_are_refused_by_run_before_anything_is_written(tmp_path, capsys, text, field):
    """Issue 22, findings 8 and 9, through the command line: exit 2, one line naming the
    file and the field, no run directory."""
    from sim.ui.cli import main

    f = tmp_path / "s.yaml"
    f.write_text(text, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(f), "--days", "2", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"gridsim: error: {f}: {field}"), err
    assert not out.exists()
