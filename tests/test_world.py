"""World building (``sim.world.district.build_world``): district → street → community → grid.

What ``sim/world/district.py`` promises and these tests hold it to: the build is deterministic
(only the fixed ``layout_seed`` stream, never the run seed); grids are nodes ``0..G-1``,
then communities, streets and the district; parent links and the flat arrays agree;
households per grid follow the sizing rule (``households_urban`` for urban community
types, ``households_rural`` for rural ones, times a factor drawn uniformly within
± ``household_spread``, unless a community gives ``households_per_grid`` explicitly); an
explicit community list and the compact counts build the same world; the model exposes
the graph to Mesa as a topological ``mesa.discrete_space.Network`` (no layout computed).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import mesa
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mesa.discrete_space import Network

from sim.model import GridModel
from sim.scenario.catalog import COMMUNITY_TYPES
from sim.scenario.loading import load_scenario, scenario_from_dict
from sim.world.district import World, build_world

REPO = Path(__file__).resolve().parents[1]
TYPES = sorted(COMMUNITY_TYPES)
RURAL = {t for t, v in COMMUNITY_TYPES.items() if v.get("rural")}
ARRAYS = (
    "grid_community",
    "grid_street",
    "grid_type",
    "grid_households",
    "grid_beat",
    "grid_dedicated",
    "community_street",
    "community_type",
)


def world_of(raw: dict) -> World:
    return build_world(scenario_from_dict(raw))


def assert_same_world(a: World, b: World, names: bool = True) -> None:
    for k in ARRAYS:
        x, y = getattr(a, k), getattr(b, k)
        assert x.dtype == y.dtype and np.array_equal(x, y), k
    assert a.type_names == b.type_names and a.n_streets == b.n_streets
    if names:
        assert a.grid_names == b.grid_names and a.community_names == b.community_names
    assert sorted(a.graph.nodes) == sorted(b.graph.nodes)
    ea = sorted((min(u, v), max(u, v), d["kind"]) for u, v, d in a.graph.edges(data=True))
    eb = sorted((min(u, v), max(u, v), d["kind"]) for u, v, d in b.graph.edges(data=True))
    assert ea == eb
    if names:
        assert dict(a.graph.nodes(data=True)) == dict(b.graph.nodes(data=True))


@st.composite
def compact_worlds(draw) -> dict:
    mix_types = draw(
        st.lists(st.sampled_from([t for t in TYPES if t != "dedicated"]), min_size=1, max_size=4, unique=True)
    )
    return {
        "world": {
            "streets": draw(st.integers(1, 3)),
            "communities_per_street": draw(st.integers(1, 5)),
            "grids_per_community": draw(st.integers(1, 6)),
            "dedicated_grids_per_street": draw(st.integers(0, 2)),
            "layout_seed": draw(st.integers(0, 10_000)),
            "households_urban": draw(st.integers(50, 400)),
            "households_rural": draw(st.integers(10, 100)),
            "household_spread": draw(st.sampled_from([0.0, 0.1, 0.3])),
            "community_mix": {t: draw(st.integers(1, 3)) for t in mix_types},
        },
        "police": {"grids_per_beat": draw(st.integers(1, 5))},
    }


def check_hierarchy(w: World, raw: dict) -> None:
    spec = raw["world"]
    G = w.graph
    n_g, n_c, n_s = w.n_grids, w.n_communities, w.n_streets
    # integer node ids: grids 0..G-1, then communities, streets, the district
    assert sorted(G.nodes) == list(range(n_g + n_c + n_s + 1))
    assert all(type(n) is int for n in G.nodes), "plain int node ids"
    kinds = nx.get_node_attributes(G, "kind")
    assert [kinds[g] for g in range(n_g)] == ["grid"] * n_g
    assert [kinds[w.community_node(c)] for c in range(n_c)] == ["community"] * n_c
    assert [kinds[w.street_node(s)] for s in range(n_s)] == ["street"] * n_s
    assert kinds[w.district_node] == "district" and w.district_node == max(G.nodes)
    # array shapes and ranges
    for k in ("grid_community", "grid_street", "grid_type", "grid_households", "grid_beat", "grid_dedicated"):
        assert len(getattr(w, k)) == n_g, k
    assert set(w.grid_community.tolist()) == set(range(n_c))
    assert set(w.community_street.tolist()) <= set(range(n_s))
    assert (w.grid_households >= 1).all() and w.n_households == int(w.grid_households.sum())
    assert len(set(w.grid_names)) == n_g and len(set(w.community_names)) == n_c
    # the flat arrays agree with each other ...
    assert (w.grid_street == w.community_street[w.grid_community]).all()
    assert (w.grid_type == w.community_type[w.grid_community]).all()
    assert (np.diff(w.community_street) >= 0).all(), "communities grouped by street"
    assert (np.diff(w.grid_community) >= 0).all(), "a community's grids are consecutive"
    # ... and with the parent links of the graph (exactly one parent per unit below the district)
    parent = {}
    for u, v, d in G.edges(data=True):
        if d["kind"] == "parent":
            lo, hi = min(u, v), max(u, v)  # a parent always has the larger id
            assert lo not in parent, f"node {lo} has two parents"
            parent[lo] = hi
        else:
            assert d["kind"] == "adjacent" and u < n_g and v < n_g, "adjacency only between grids"
    assert len(parent) == n_g + n_c + n_s
    for g in range(n_g):
        assert parent[g] == w.community_node(int(w.grid_community[g]))
        assert G.nodes[g]["community"] == int(w.grid_community[g])
    for c in range(n_c):
        assert parent[w.community_node(c)] == w.street_node(int(w.community_street[c]))
    for s in range(n_s):
        assert parent[w.street_node(s)] == w.district_node
    tree = nx.Graph([(u, v) for u, v, d in G.edges(data=True) if d["kind"] == "parent"])
    assert nx.is_tree(tree)
    # grid adjacency: never across streets, connected within a street, a ring inside a
    # community of three or more grids; grid_neighbours lists grids only, sorted
    adj = nx.Graph([(u, v) for u, v, d in G.edges(data=True) if d["kind"] == "adjacent"])
    adj.add_nodes_from(range(n_g))
    assert all(w.grid_street[u] == w.grid_street[v] for u, v in adj.edges)
    for s in range(n_s):
        gs = np.flatnonzero(w.grid_street == s).tolist()
        assert nx.is_connected(adj.subgraph(gs))
    for c in range(n_c):
        gs = np.flatnonzero(w.grid_community == c).tolist()
        inner = adj.subgraph(gs)
        if len(gs) >= 3:
            assert all(d == 2 for _, d in inner.degree()) and nx.is_connected(inner), "ring"
    for g in range(n_g):
        assert w.grid_neighbours(g) == sorted(adj[g])
    # counts follow the spec
    ded = spec["dedicated_grids_per_street"]
    per_street = spec["communities_per_street"] + (1 if ded else 0)
    assert n_s == spec["streets"] and n_c == n_s * per_street
    assert n_g == n_s * (spec["communities_per_street"] * spec["grids_per_community"] + ded)
    assert w.grid_dedicated.sum() == n_s * ded
    assert (np.asarray(w.type_names)[w.grid_type[w.grid_dedicated]] == "dedicated").all()
    # police beats: consecutive grids of one street, at most grids_per_beat each, numbered 0..B-1
    per_beat = raw["police"]["grids_per_beat"]
    assert set(w.grid_beat.tolist()) == set(range(w.n_beats))
    assert (np.diff(w.grid_beat) >= 0).all()
    for b in range(w.n_beats):
        gs = np.flatnonzero(w.grid_beat == b)
        assert 1 <= len(gs) <= per_beat and len(set(w.grid_street[gs].tolist())) == 1


def check_households(w: World, raw: dict) -> None:
    spec = raw["world"]
    rural = np.isin(np.asarray(w.type_names)[w.grid_type], sorted(RURAL))
    base = np.where(rural, spec["households_rural"], spec["households_urban"])
    spread = spec["household_spread"]
    # base × U(1 − spread, 1 + spread), rounded to whole households
    assert (np.abs(w.grid_households - base) <= base * spread + 0.5 + 1e-9).all()
    if spread == 0:
        assert (w.grid_households == base).all()


@settings(max_examples=40, deadline=None)
@given(compact_worlds())
def test_compact_world_hierarchy_households_and_determinism(raw):
    w = world_of(raw)
    check_hierarchy(w, raw)
    check_households(w, raw)
    # deterministic: the same spec builds the same world, whatever the run seed
    assert_same_world(w, world_of(raw))
    assert_same_world(w, world_of({**raw, "seed": 12345}))


def test_household_rule_with_catalogue_defaults():
    """200 households a grid in urban communities and 50 in rural ones, ± the spread."""
    raw = {
        "world": {
            "streets": 1,
            "communities_per_street": 2,
            "grids_per_community": 30,
            "community_mix": {"old_estate": 1, "rural_village": 1},
        }
    }
    sc = scenario_from_dict(raw)
    assert (sc.world.households_urban, sc.world.households_rural) == (200, 50)
    flat = world_of({"world": {**raw["world"], "household_spread": 0.0}})
    rural = np.asarray(flat.type_names)[flat.grid_type] == "rural_village"
    assert rural.sum() == 30 and (~rural).sum() == 30
    assert (flat.grid_households[rural] == 50).all() and (flat.grid_households[~rural] == 200).all()
    w = world_of(raw)  # default spread 0.15
    urban = w.grid_households[~rural]
    assert urban.min() >= 170 and urban.max() <= 230 and len(set(urban.tolist())) > 5
    assert w.grid_households[rural].min() >= 42 and w.grid_households[rural].max() <= 58
    # a custom type's rural flag is what counts, not its name
    w = world_of(
        {
            "community_types": {"hamlet": {"rural": True}},
            "world": {
                "communities": [{"type": "hamlet", "grids": 3}, {"type": "old_estate", "grids": 2}],
                "household_spread": 0.0,
            },
        }
    )
    assert w.grid_households.tolist() == [50, 50, 50, 200, 200]


def test_layout_seed_moves_households_but_not_the_structure():
    raw = {"world": {"streets": 2, "communities_per_street": 3, "grids_per_community": 4}}
    a = world_of(raw)
    b = world_of({"world": {**raw["world"], "layout_seed": 99}})
    assert not np.array_equal(a.grid_households, b.grid_households)
    for k in ARRAYS:
        if k != "grid_households":
            assert np.array_equal(getattr(a, k), getattr(b, k)), k


def test_explicit_households_are_exact_and_street_order_is_grouped():
    w = world_of(
        {
            "world": {
                "streets": 2,
                "household_spread": 0.3,
                "communities": [
                    {"name": "Old", "type": "old_estate", "street": 1, "grids": 2, "households_per_grid": 180},
                    {"name": "Farm", "type": "rural_village", "street": 0, "grids": 3},
                    {"name": "New", "type": "commodity", "street": 0, "grids": 1, "households_per_grid": 7},
                ],
            }
        }
    )
    assert w.community_names == ("Farm", "New", "Old")  # by street, stable otherwise
    assert w.grid_names == ("Farm-1", "Farm-2", "Farm-3", "New-1", "Old-1", "Old-2")
    assert w.grid_street.tolist() == [0, 0, 0, 0, 1, 1]
    assert w.grid_households[3:].tolist() == [7, 180, 180]  # explicit: exact, no spread
    assert (np.abs(w.grid_households[:3] - 50) <= 15.5).all()  # rural rule with ± 30 %


def test_explicit_list_builds_the_same_world_as_the_compact_spec():
    compact = {
        "world": {
            "streets": 2,
            "communities_per_street": 3,
            "grids_per_community": 4,
            "dedicated_grids_per_street": 1,
            "layout_seed": 5,
            "community_mix": {"old_estate": 1, "rural_village": 1, "gated": 1},
        },
        "police": {"grids_per_beat": 3},
    }
    a = world_of(compact)
    names = [n for n in a.community_names if not n.endswith("-D")]
    listed = [
        {"name": n, "type": a.type_names[a.community_type[c]], "street": int(a.community_street[c]), "grids": 4}
        for c, n in enumerate(a.community_names)
        if n in names
    ]
    explicit = {"world": {**compact["world"], "communities": listed}, "police": compact["police"]}
    b = world_of(explicit)
    assert_same_world(a, b)
    check_hierarchy(b, compact)


def _mix_per_street(w: World) -> list[set[str]]:
    return [{w.type_names[t] for t in w.community_type[w.community_street == s]} for s in range(w.n_streets)]


def test_community_mix_is_apportioned_by_weight():
    w = world_of(
        {
            "world": {
                "streets": 1,
                "communities_per_street": 6,
                "grids_per_community": 1,
                "community_mix": {"old_estate": 2, "commodity": 2, "gated": 1, "resettlement": 1, "commercial": 0},
            }
        }
    )
    names = np.asarray(w.type_names)[w.community_type]
    assert sorted(names.tolist()) == sorted(["old_estate"] * 2 + ["commodity"] * 2 + ["gated", "resettlement"])
    w = world_of(
        {
            "world": {
                "streets": 1,
                "communities_per_street": 7,
                "grids_per_community": 1,
                "community_mix": {"old_estate": 1, "commodity": 1},
            }
        }
    )  # 3.5 each: one gets 4
    counts = sorted(np.bincount(w.community_type).tolist())
    assert counts[-2:] == [3, 4]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            {"world": {"streets": 2, "communities_per_street": 4, "grids_per_community": 1}}, id="default-mix"
        ),
        pytest.param(
            {
                "world": {
                    "streets": 3,
                    "communities_per_street": 3,
                    "grids_per_community": 1,
                    "community_mix": {"old_estate": 1, "commodity": 1, "gated": 1},
                }
            },
            id="three-types",
        ),
        pytest.param("district600", id="district600"),
    ],
)
def test_every_street_gets_a_mix_of_community_types(raw):
    """A type with at least one community per street in total appears in every street."""
    sc = load_scenario(REPO / "benchmarks" / "district600.yaml") if raw == "district600" else scenario_from_dict(raw)
    w = build_world(sc)
    total = {t: int((np.asarray(w.type_names)[w.community_type] == t).sum()) for t in sc.world.community_mix}
    for s, kinds in enumerate(_mix_per_street(w)):
        for t, n in total.items():
            if n >= w.n_streets:
                assert t in kinds, f"street {s} has no {t} ({n} in total over {w.n_streets} streets): {kinds}"


# ----------------------------------------------------------------------------- Mesa space


def test_model_exposes_the_world_graph_as_a_topological_mesa_network():
    model = GridModel(
        scenario_from_dict(
            {
                "world": {
                    "streets": 2,
                    "communities_per_street": 2,
                    "grids_per_community": 3,
                    "dedicated_grids_per_street": 1,
                }
            }
        )
    )
    w, space = model.world, model.space
    assert isinstance(space, Network)
    assert space.G is w.graph
    coords = [cell.coordinate for cell in space.all_cells]
    assert sorted(coords) == sorted(w.graph.nodes) and all(type(c) is int for c in coords)
    for cell in space.all_cells:
        assert {n.coordinate for n in cell.neighborhood} == set(w.graph.adj[cell.coordinate])
    # no spring layout was computed: no cell has a physical position (Mesa falls back to the
    # coordinate itself), so the network is purely topological and has no spatial index
    assert all(np.array_equal(cell.position, np.asarray(cell.coordinate, dtype=float)) for cell in space.all_cells)
    with pytest.raises(ValueError, match="No nodes with positions"):
        space.find_nearest_cell(np.array([0.0, 0.0]))
    # agents stand where they work: grid workers in their grid, police in a grid of their beat
    assert model.grid_workers and model.police
    for a in model.grid_workers + model.informants:
        assert a.cell.coordinate == a.grid
    for a in model.police:
        assert a.cell.coordinate < w.n_grids and w.grid_beat[a.cell.coordinate] == a.beat
    for k, row in enumerate(model.desks[1:], start=1):
        scope = model.config.levels[k].scope
        for d in row:
            node = {"community": w.community_node, "street": w.street_node, "district": lambda u: w.district_node}[
                scope
            ](d.unit)
            assert all(a.cell.coordinate == node for a in d.workers), (d.name, scope)
    # one household agent per household
    assert model.residents.n == w.n_households == len(model.households)


def test_household_agents_are_made_when_looked_at_and_read_their_row():
    sc = load_scenario(REPO / "scenarios" / "baseline.yaml")
    lazy = GridModel(sc)
    from sim.world.residents import Household

    assert lazy.households.made == 0 and Household not in lazy.agents_by_type  # none made at build
    lazy.run(30)
    h = int(np.argmax(lazy.residents.feedbacks))  # a household that has given feedback
    a = lazy.households[h]
    assert isinstance(a, Household) and a is lazy.households[h] and a is lazy.households[h - len(lazy.households)]
    assert (a.index, a.grid) == (h, int(lazy.residents.grid[h])) and a in lazy.agents
    assert (a.trust, a.awareness, a.satisfaction) == (
        lazy.residents.trust[h],
        lazy.residents.awareness[h],
        lazy.residents.satisfaction[h],
    )
    assert a.satisfaction != sc.residents.satisfaction_base  # feedback moved it
    assert lazy.households.made == 1
    with pytest.raises(IndexError):
        lazy.households[len(lazy.households)]
    # made all at build: every household is a Mesa agent, and the run is the same
    eager = GridModel(sc, household_agents=True)
    assert eager.households.made == len(eager.households) == len(eager.agents_by_type[Household])
    eager.run(30)
    for col in ("state", "t_closed", "satisfied", "severity"):
        assert np.array_equal(eager.log.column(col), lazy.log.column(col), equal_nan=True)
    assert np.array_equal(eager.residents.satisfaction, lazy.residents.satisfaction)


def test_fingerprint_tool_repeats_and_sees_that_eager_household_agents_only_renumber_workers():
    spec = importlib.util.spec_from_file_location("fingerprint", REPO / "benchmarks" / "fingerprint.py")
    fp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fp)
    sc = load_scenario(REPO / "scenarios" / "baseline.yaml")
    lazy = GridModel(sc).run(40)
    assert fp.fingerprint(lazy) == fp.fingerprint(GridModel(sc).run(40))
    eager = GridModel(sc, household_agents=True).run(40)
    assert fp.fingerprint(eager, ids=False) == fp.fingerprint(lazy, ids=False)
    assert fp.fingerprint(eager) != fp.fingerprint(lazy)  # households took the first ids
    assert fp.fingerprint(GridModel(sc, seed=sc.seed + 1).run(40), ids=False) != fp.fingerprint(lazy, ids=False)


def test_model_world_does_not_depend_on_the_run_seed():
    sc = load_scenario(REPO / "scenarios" / "baseline.yaml")
    a = GridModel(sc, seed=1).world
    b = GridModel(sc, seed=2).world
    assert_same_world(a, b)
    assert a.n_grids == 50 and a.n_communities == 7  # 6 × 8 grids + 2 dedicated grids


def test_daily_record_is_a_mesa_collector_that_takes_reporters_of_ones_own():
    """The daily record appends its own numbers without Mesa's deep copies, and still runs a
    reporter a user adds the Mesa way (alongside the built-in columns)."""
    sc = load_scenario(REPO / "scenarios" / "baseline.yaml")
    plain = GridModel(sc).run(6).datacollector.get_model_vars_dataframe()
    m = GridModel(sc)
    m.datacollector.model_reporters["staff"] = lambda model: len(model.staff.agents)
    m.datacollector.model_vars["staff"] = []
    own = m.run(6).datacollector.get_model_vars_dataframe()
    assert len(own) == 6 and own["staff"].iloc[-1] == len(m.staff.agents) >= 50
    assert own.drop(columns="staff").equals(plain)
    assert plain["day"].tolist() == [1, 2, 3, 4, 5, 6]
    mesas = mesa.DataCollector.get_model_vars_dataframe(m.datacollector)  # Mesa's own table of the columns
    pd.testing.assert_frame_equal(own, mesas)  # (dtypes included: numpy infers what pandas does)
    assert (own.dtypes == mesas.dtypes).all() and own["closure_rate"].dtype == np.float64


class _Log:
    """The incident columns a re-grade reads (ids in occurrence order)."""

    def __init__(self, cols: dict):
        self.cols = cols

    def column(self, name: str) -> np.ndarray:
        return self.cols[name]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    nows=st.lists(st.integers(1, 120), min_size=1, max_size=12),
)
def test_regrade_reads_only_the_window_yet_grades_as_over_the_whole_log(seed, n, nows):
    """Re-grading skips the incidents surfaced before its window (ids follow occurrence, surfacing
    never precedes it), and gives the grades a pass over every incident gives, whatever the order
    of the re-grades (one further back than the last starts the skip over)."""
    from sim.scenario.schema import Risk
    from sim.world.risk import RED, YELLOW, RiskGrader

    rng = np.random.default_rng(seed)
    n_grids = 5  # incidents in the first few grids (every grid is graded)
    world = build_world(load_scenario(REPO / "scenarios" / "baseline.yaml"))
    occurred = np.sort(rng.random(n) * 24.0 * 120)
    delay = np.where(rng.random(n) < 0.2, np.inf, rng.exponential(24.0 * rng.choice([0.1, 3.0, 40.0]), n))
    surfaced = occurred + delay
    accepted = np.where(rng.random(n) < 0.1, np.nan, surfaced)
    log = _Log({"t_surfaced": surfaced, "t_accepted": accepted, "grid": rng.integers(0, n_grids, n)})
    spec = Risk(window_days=int(rng.integers(1, 40)), yellow_per_100_households=0.2, red_per_100_households=0.5)
    grader = RiskGrader(spec, world)
    hh = grader.households
    for day in nows:
        now = 24.0 * day
        grader.regrade(log, now)
        start = now - 24.0 * spec.window_days
        seen = (surfaced >= start) & (surfaced < now) & ~np.isnan(accepted)
        rate = np.bincount(log.cols["grid"][seen], minlength=len(hh)) * 100.0 / hh
        want = np.where(rate >= 0.5, RED, np.where(rate >= 0.2, YELLOW, 0))
        assert np.array_equal(grader.level, want)
