"""The world: district → street → community → grid → households, deterministic from its spec."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import scenario_from_dict
from sim.model import GridModel
from sim.world import build_world


def _world(**spec):
    return build_world(scenario_from_dict({"world": spec}))


@settings(max_examples=30, deadline=None)
@given(streets=st.integers(1, 3), per_street=st.integers(1, 4), grids=st.integers(1, 5),
       dedicated=st.integers(0, 2), layout_seed=st.integers(0, 1000))
def test_compact_spec_builds_a_consistent_hierarchy(streets, per_street, grids, dedicated, layout_seed):
    spec = dict(streets=streets, communities_per_street=per_street, grids_per_community=grids,
                dedicated_grids_per_street=dedicated, layout_seed=layout_seed,
                community_mix={"old_estate": 1, "rural_village": 1, "gated": 1})
    w = _world(**spec)
    assert w.n_grids == streets * (per_street * grids + dedicated)
    assert w.n_communities == streets * (per_street + (1 if dedicated else 0))
    # a grid's street is its community's street; parents in the graph say the same
    assert (w.grid_street == w.community_street[w.grid_community]).all()
    G = w.graph
    for g in range(w.n_grids):
        parents = [n for n in G[g] if G.edges[g, n]["kind"] == "parent"]
        assert parents == [w.community_node(int(w.grid_community[g]))]
    for c in range(w.n_communities):
        assert G.has_edge(w.community_node(c), w.street_node(int(w.community_street[c])))
    assert nx.is_connected(G)
    # integer node ids: grids 0..G-1, then communities, streets, the district
    assert sorted(G.nodes) == list(range(w.district_node + 1))
    assert all(G.nodes[g]["kind"] == "grid" for g in range(w.n_grids))
    assert G.nodes[w.district_node]["kind"] == "district"
    # the same spec builds the same world
    w2 = _world(**spec)
    assert (w.grid_households == w2.grid_households).all() and sorted(G.edges) == sorted(w2.graph.edges)


def test_households_follow_the_urban_and_rural_rule():
    w = _world(streets=1, communities_per_street=2, grids_per_community=40, household_spread=0.0,
               community_mix={"old_estate": 1, "rural_village": 1})
    rural = np.asarray(w.type_names)[w.grid_type] == "rural_village"
    assert rural.any() and (~rural).any()
    assert (w.grid_households[~rural] == 200).all() and (w.grid_households[rural] == 50).all()
    spread = _world(streets=1, communities_per_street=2, grids_per_community=40, household_spread=0.15,
                    community_mix={"old_estate": 1, "rural_village": 1})
    urban = spread.grid_households[~rural]
    assert urban.min() >= 170 and urban.max() <= 230 and urban.std() > 0  # 200 ± 15%
    assert abs(urban.mean() - 200) < 10


def test_explicit_community_list():
    w = _world(streets=2, communities=[
        {"name": "Old", "type": "old_estate", "street": 1, "grids": 2, "households_per_grid": 180},
        {"name": "Farm", "type": "rural_village", "street": 0, "grids": 3},
    ])
    assert w.n_grids == 5 and w.n_streets == 2
    assert list(w.community_names) == ["Farm", "Old"]  # grouped by street
    assert (w.grid_households[3:] == 180).all()  # given explicitly
    assert (np.abs(w.grid_households[:3] - 50) <= 50 * 0.15 + 1).all()  # the rural rule, with spread
    assert (w.grid_street == [0, 0, 0, 1, 1]).all()


def test_model_exposes_the_graph_as_a_mesa_network_without_layout(monkeypatch):
    import sim.model
    from mesa.discrete_space import Network

    seen = {}

    class Spy(Network):
        def __init__(self, G, *args, **kwargs):
            seen["layout"] = kwargs.get("layout", "mesa default: spring layout")
            super().__init__(G, *args, **kwargs)

    monkeypatch.setattr(sim.model, "Network", Spy)
    model = GridModel(scenario_from_dict({"world": {"communities_per_street": 2, "grids_per_community": 3}}))
    w = model.world
    assert seen["layout"] is None  # no spring layout computed at build time
    assert isinstance(model.space, Network)
    assert sorted(cell.coordinate for cell in model.space.all_cells) == sorted(w.graph.nodes)
    assert all(isinstance(n, int) for n in w.graph.nodes)
    # every grid worker stands in its grid's cell
    for a in model.grid_workers:
        assert a.cell.coordinate < w.n_grids


def test_police_beats_span_consecutive_grids_of_one_street():
    sc = scenario_from_dict({"world": {"streets": 2, "communities_per_street": 2, "grids_per_community": 3},
                             "police": {"grids_per_beat": 4}})
    w = build_world(sc)
    for b in np.unique(w.grid_beat):
        gs = np.flatnonzero(w.grid_beat == b)
        assert len(gs) <= 4 and len(set(w.grid_street[gs])) == 1
        assert (np.diff(gs) == 1).all()


def test_unknown_community_type_is_rejected_naming_it():
    from sim.config import ScenarioError

    with pytest.raises(ScenarioError, match="villa"):
        scenario_from_dict({"world": {"communities": [{"type": "villa"}]}}, source="x.yaml")
