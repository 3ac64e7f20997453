"""The district as a hierarchy: district → street → community → grid → households.

Built deterministically from the scenario's ``world`` block. Held twice: as flat numpy
arrays for the hot paths, and as one networkx graph (grid adjacency + parent links,
integer node ids) that Mesa sees as a ``mesa.discrete_space.Network``.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from sim.scenario.schema import Scenario

DEDICATED = "dedicated"


@dataclass(frozen=True)
class World:
    """Flat arrays describing every grid and community, plus the hierarchy graph.

    Node ids: grids are ``0..G-1`` (so a grid's id is its node id), communities follow,
    then streets, then the district node.
    """

    type_names: tuple[str, ...]
    grid_community: np.ndarray  # int, community index per grid
    grid_street: np.ndarray  # int, street index per grid
    grid_type: np.ndarray  # int, community-type index per grid
    grid_households: np.ndarray  # int, households per grid
    grid_beat: np.ndarray  # int, police beat per grid
    grid_dedicated: np.ndarray  # bool
    grid_names: tuple[str, ...]
    community_street: np.ndarray
    community_type: np.ndarray
    community_names: tuple[str, ...]
    n_streets: int
    graph: nx.Graph
    grid_source_ids: tuple[str, ...] = ()  # ids in the source register (imported worlds only)
    grid_rate_multiplier: np.ndarray | None = None  # grid × category arrival multipliers (fitted worlds only)
    grid_outlines: tuple[str, ...] = ()  # each grid's outline as WKT, lon/lat ("" where none; imported worlds only)

    @property
    def imported(self) -> bool:
        """Whether the grids come from a register (they carry source ids)."""
        return bool(self.grid_source_ids)

    @property
    def n_grids(self) -> int:
        """Number of grids."""
        return len(self.grid_households)

    @property
    def n_communities(self) -> int:
        """Number of communities."""
        return len(self.community_street)

    @property
    def n_beats(self) -> int:
        """Number of police beats (one more than the highest beat index)."""
        return int(self.grid_beat.max()) + 1 if self.n_grids else 0

    @property
    def n_households(self) -> int:
        """Number of households in the district."""
        return int(self.grid_households.sum())

    def community_node(self, c: int) -> int:
        """Graph node id of community ``c`` (communities follow the grids)."""
        return self.n_grids + c

    def street_node(self, s: int) -> int:
        """Graph node id of street ``s`` (streets follow the communities)."""
        return self.n_grids + self.n_communities + s

    @property
    def district_node(self) -> int:
        """Graph node id of the district (the last node)."""
        return self.n_grids + self.n_communities + self.n_streets

    def grid_neighbours(self, g: int) -> list[int]:
        """Adjacent grids (for backup and pooled teams), in id order."""
        return sorted(n for n, d in self.graph.adj[g].items() if d.get("kind") == "adjacent")


def _apportion(weights: dict[str, float], n: int) -> list[str]:
    """Largest-remainder split of ``n`` items by weight, then interleaved deterministically."""
    names = [k for k, w in weights.items() if w > 0]
    w = np.array([weights[k] for k in names], dtype=float)
    quota = w / w.sum() * n
    counts = np.floor(quota).astype(int)
    for i in np.argsort(-(quota - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    # interleave so each street gets a mix: spread item j of type k at position (j+0.5)/count
    keyed = [((j + 0.5) / c, i, names[i]) for i, c in enumerate(counts) for j in range(c)]
    return [name for _, _, name in sorted(keyed)]


def build_world(sc: Scenario) -> World:
    """Build the district from the scenario (no randomness but the fixed layout stream)."""
    spec = sc.world
    type_names = tuple(sc.community_types)
    type_index = {t: i for i, t in enumerate(type_names)}
    rng = np.random.default_rng(np.random.SeedSequence(spec.layout_seed))

    # communities: (street, type, n_grids, households_per_grid or None, name, explicit grids or None)
    comms: list[tuple[int, str, int, int | None, str, list | None]] = []
    if spec.communities:
        for i, c in enumerate(spec.communities):
            comms.append((c.street, c.type, c.grids, c.households_per_grid, c.name or f"C{i + 1}", c.grid_list))
    else:
        n_total = spec.streets * spec.communities_per_street
        kinds = _apportion(dict(spec.community_mix), n_total)
        for s in range(spec.streets):
            for j in range(spec.communities_per_street):
                t = kinds[s * spec.communities_per_street + j]  # each street a slice of the mix
                comms.append((s, t, spec.grids_per_community, None, f"S{s + 1}-C{j + 1}", None))
    if spec.dedicated_grids_per_street and DEDICATED in type_index:
        for s in range(spec.streets):
            comms.append((s, DEDICATED, spec.dedicated_grids_per_street, None, f"S{s + 1}-D", None))
    comms.sort(key=lambda c: c[0])  # communities grouped by street, stable otherwise

    g_comm, g_street, g_type, g_hh, g_ded, g_names = [], [], [], [], [], []
    explicit: list = []  # the GridSpec of each grid, or None
    for ci, (s, t, n, hh, name, listed) in enumerate(comms):
        rural = sc.community_types[t].rural
        base = hh or (spec.households_rural if rural else spec.households_urban)
        spread = 0.0 if hh else spec.household_spread
        for k in range(n):
            gs = listed[k] if listed else None
            if gs is not None and gs.households is not None:
                g_hh.append(gs.households)  # a register's count, no spread drawn
            else:
                factor = 1.0 + (rng.uniform(-spread, spread) if spread else 0.0)
                g_hh.append(max(1, int(round(base * factor))))
            g_comm.append(ci)
            g_street.append(s)
            g_type.append(type_index[t])
            g_ded.append(t == DEDICATED)
            g_names.append(gs.name or gs.source_id if gs is not None else f"{name}-{k + 1}")
            explicit.append(gs)

    grid_street = np.array(g_street, dtype=np.int64)
    # police beats: consecutive grids of one street, grids_per_beat at a time
    beats = np.empty(len(g_street), dtype=np.int64)
    nb = 0
    for s in range(spec.streets):
        idx = np.flatnonzero(grid_street == s)
        beats[idx] = nb + np.arange(len(idx)) // sc.police.grids_per_beat
        nb += (len(idx) + sc.police.grids_per_beat - 1) // sc.police.grids_per_beat

    world = World(
        type_names=type_names,
        grid_community=np.array(g_comm, dtype=np.int64),
        grid_street=grid_street,
        grid_type=np.array(g_type, dtype=np.int64),
        grid_households=np.array(g_hh, dtype=np.int64),
        grid_beat=beats,
        grid_dedicated=np.array(g_ded, dtype=bool),
        grid_names=tuple(g_names),
        community_street=np.array([c[0] for c in comms], dtype=np.int64),
        community_type=np.array([type_index[c[1]] for c in comms], dtype=np.int64),
        community_names=tuple(c[4] for c in comms),
        n_streets=spec.streets,
        graph=nx.Graph(),
        **_imported(explicit, list(sc.categories)),
    )
    _fill_graph(world, explicit)
    return world


def _imported(explicit: list, categories: list[str]) -> dict:
    """Source ids, fitted rate multipliers and map outlines where the world lists its grids
    (empty otherwise)."""
    if not any(g is not None for g in explicit):
        return {}
    ids = tuple(g.source_id if g is not None else "" for g in explicit)
    mult = None
    if any(g is not None and g.rate_multiplier for g in explicit):
        mult = np.array(
            [[g.rate_multiplier.get(c, 1.0) if g is not None else 1.0 for c in categories] for g in explicit]
        )
    outlines = tuple((g.polygon or "") if g is not None else "" for g in explicit)
    return {"grid_source_ids": ids, "grid_rate_multiplier": mult, "grid_outlines": outlines if any(outlines) else ()}


def _fill_graph(w: World, explicit: list) -> None:
    """Nodes for every unit, ``parent`` edges up the hierarchy, ``adjacent`` edges between grids
    (a listed grid's ``neighbours`` where the world lists its grids, a schematic ring otherwise)."""
    G = w.graph
    G.add_nodes_from(
        (g, {"kind": "grid", "name": w.grid_names[g], "community": int(w.grid_community[g])}) for g in range(w.n_grids)
    )
    G.add_nodes_from(
        (w.community_node(c), {"kind": "community", "name": w.community_names[c]}) for c in range(w.n_communities)
    )
    G.add_nodes_from((w.street_node(s), {"kind": "street", "name": f"S{s + 1}"}) for s in range(w.n_streets))
    G.add_node(w.district_node, kind="district", name="district")
    G.add_edges_from((g, w.community_node(int(w.grid_community[g])), {"kind": "parent"}) for g in range(w.n_grids))
    G.add_edges_from(
        (w.community_node(c), w.street_node(int(w.community_street[c])), {"kind": "parent"})
        for c in range(w.n_communities)
    )
    G.add_edges_from((w.street_node(s), w.district_node, {"kind": "parent"}) for s in range(w.n_streets))
    # grids of a community form a ring (a path when fewer than 3); consecutive communities
    # of one street touch at their boundary grids
    listed = np.array([g is not None for g in explicit], dtype=bool)
    node = {g.source_id: i for i, g in enumerate(explicit) if g is not None}
    G.add_edges_from(
        ((i, node[n]) for i, g in enumerate(explicit) if g is not None for n in g.neighbours), kind="adjacent"
    )
    for c in range(w.n_communities):
        gs = np.flatnonzero(w.grid_community == c).tolist()
        if listed[gs].any():
            continue
        G.add_edges_from(((a, b) for a, b in zip(gs, gs[1:], strict=False)), kind="adjacent")
        if len(gs) >= 3:
            G.add_edge(gs[-1], gs[0], kind="adjacent")
    for s in range(w.n_streets):
        cs = [c for c in np.flatnonzero(w.community_street == s).tolist() if not listed[w.grid_community == c].any()]
        for a, b in zip(cs, cs[1:], strict=False):
            ga = int(np.flatnonzero(w.grid_community == a)[-1])
            gb = int(np.flatnonzero(w.grid_community == b)[0])
            if not G.has_edge(ga, gb):
                G.add_edge(ga, gb, kind="adjacent")
