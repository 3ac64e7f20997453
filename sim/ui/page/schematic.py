"""The district map (辖区示意图): a named schematic, drawn as SVG for the browser.

Streets are blocks, communities boxes inside them, grids cells inside those, the
district's departments a band on top, so the ladder grid → community → street →
departments reads as nested places. Where the world was imported from a map
(``gridsim district`` keeps each grid's WKT outline) its real outlines are drawn instead,
communities outlined around their grids (see :mod:`sim.output.maps`). Every grid names itself on hover
(its SVG ``<title>``); text is at least 14 pt so a projector shows it. Plain SVG rather
than a matplotlib image: the browser draws it (and its Chinese text) in milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import numpy as np

from sim.core.incidents import State
from sim.output import maps
from sim.scenario.labels import text

WIDTH = 960.0
"""Width of the map in CSS pixels (text sizes are in the same pixels: 19 px ≈ 14 pt)."""
FONT = 19
MAP_HEIGHT = 760.0
"""Most a real map may be tall (CSS pixels), so a tall district still fits a projector's screen."""
SMALL = 19
OPEN_STATES = np.array(
    [State.ACCEPTED, State.WAITING, State.HANDLING, State.ESCALATED, State.RESOLVED, State.FEEDBACK, State.REOPENED],
    dtype=np.int64,
)
BACKLOG_BINS = (0, 1, 2, 3, 5, 10)
"""Lower edges of the backlog colour classes: 0, 1, 2, 3–4, 5–9, 10 and more."""
BACKLOG_COLOURS = ("#f7f7f7", "#ffe8a8", "#fec45c", "#fd8d3c", "#e3402a", "#99000d")
RISK_COLOURS = ("#4c9a2a", "#f2b134", "#d1495b")


@dataclass(frozen=True)
class Layout:
    """Where everything is drawn: grid shapes and centres, community / street boxes and
    centres, the departments band, and the canvas size (all in CSS pixels)."""

    grid_shapes: tuple[np.ndarray, ...]  # one (k, 2) ring per grid
    grid_xy: np.ndarray
    community_box: np.ndarray  # (C, 4): x, y, w, h
    community_xy: np.ndarray
    street_box: np.ndarray  # (S, 4)
    street_xy: np.ndarray
    departments_box: tuple[float, float, float, float]
    height: float
    community_names_fit: bool
    community_shapes: tuple[tuple[np.ndarray, ...], ...] = ()  # real maps: each community's outer rings


def _cells(n: int, w: float, h: float) -> tuple[int, int]:
    """Columns and rows for ``n`` equal cells filling a ``w`` × ``h`` box, cells near square."""
    cols = max(1, min(n, round(math.sqrt(n * w / max(h, 1e-9)))))
    return cols, math.ceil(n / cols)


def _rect(x: float, y: float, w: float, h: float) -> np.ndarray:
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])


@lru_cache(maxsize=8)
def _tiles(grid_community: tuple, community_street: tuple, n_streets: int) -> Layout:
    gc, cs = np.array(grid_community), np.array(community_street)
    band = 56.0
    gap = 12.0
    s_cols = math.ceil(math.sqrt(n_streets))
    s_rows = math.ceil(n_streets / s_cols)
    s_w = (WIDTH - gap * (s_cols - 1)) / s_cols
    per_street = np.bincount(cs, minlength=n_streets)
    c_cols = max(_cells(int(n), 1, 1)[0] for n in per_street) if n_streets else 1
    c_rows = max(math.ceil(int(n) / c_cols) for n in per_street) if n_streets else 1
    c_w = (s_w - 8) / c_cols
    names_fit = c_w >= 64
    head = FONT + 8 if names_fit else 4
    per_comm = np.bincount(gc, minlength=len(cs))
    g_cols = max(1, max(_cells(int(n), c_w, c_w)[0] for n in per_comm))
    g_size = (c_w - 8) / g_cols
    g_rows = max(math.ceil(int(n) / g_cols) for n in per_comm)
    c_h = head + g_rows * g_size + 8
    s_h = FONT + 14 + c_rows * c_h + 6
    top = band + gap
    street_box = np.array(
        [[(s % s_cols) * (s_w + gap), top + (s // s_cols) * (s_h + gap), s_w, s_h] for s in range(n_streets)]
    )
    community_box = np.zeros((len(cs), 4))
    grid_shapes: list[np.ndarray] = [np.zeros((4, 2))] * len(gc)
    for s in range(n_streets):
        sx, sy = street_box[s, :2]
        for k, c in enumerate(np.flatnonzero(cs == s)):
            cx = sx + 4 + (k % c_cols) * c_w
            cy = sy + FONT + 14 + (k // c_cols) * c_h
            community_box[c] = (cx + 2, cy, c_w - 4, c_h - 4)
            for j, g in enumerate(np.flatnonzero(gc == c)):
                gx = cx + 4 + (j % g_cols) * g_size
                gy = cy + head + (j // g_cols) * g_size
                grid_shapes[g] = _rect(gx + 1, gy + 1, g_size - 2, g_size - 2)
    height = top + s_rows * (s_h + gap)
    grid_xy = np.array([sh.mean(axis=0) for sh in grid_shapes])
    return Layout(  # community and street places at their name bars, clear of the grid cells
        tuple(grid_shapes),
        grid_xy,
        community_box,
        community_box[:, :2] + np.c_[community_box[:, 2] / 2, np.full(len(cs), head / 2 + 2)],
        street_box,
        street_box[:, :2] + np.c_[street_box[:, 2] / 2, np.full(n_streets, (FONT + 14) / 2)],
        (0.0, 0.0, WIDTH, band),
        height,
        names_fit,
    )


@lru_cache(maxsize=4)
def _real(outlines: tuple[str, ...], grid_community: tuple, grid_street: tuple, n_comm: int, n_streets: int) -> Layout:
    """The layout from the world's own map (flattened by :mod:`sim.output.maps`), fitted into
    the canvas under the departments band, north up; communities outlined by their grids' union."""
    import shapely

    gm = maps.flat_map(outlines, grid_community, n_comm)

    x0, y0, x1, y1 = shapely.total_bounds(np.array(gm.grids, dtype=object))
    lo, hi = np.array([x0, y0]), np.array([x1, y1])
    band, gap = 56.0, 12.0
    span = np.maximum(hi - lo, 1e-9)
    scale = min(WIDTH / span[0], MAP_HEIGHT / span[1])
    # vertices closer than half a pixel are not drawn: the SVG the browser gets stays small
    fine = 0.5 / scale
    grid_rings = [maps.rings(g)[0] for g in shapely.simplify(np.array(gm.grids, dtype=object), fine)]
    comm_rings = [maps.rings(c) for c in shapely.simplify(np.array(gm.communities, dtype=object), fine)]
    left = (WIDTH - span[0] * scale) / 2

    def to_px(xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, float)
        return np.c_[left + (xy[:, 0] - lo[0]) * scale, band + gap + (hi[1] - xy[:, 1]) * scale]

    shapes = tuple(to_px(r) for r in grid_rings)
    communities = tuple(tuple(to_px(r) for r in rs) for rs in comm_rings)

    def boxes(owner: np.ndarray, n: int) -> np.ndarray:
        out = np.zeros((n, 4))
        for k in range(n):
            members = [shapes[g] for g in np.flatnonzero(owner == k)]
            if members:
                p = np.vstack(members)
                out[k] = (*p.min(axis=0), *(p.max(axis=0) - p.min(axis=0)))
        return out

    cb = boxes(np.array(grid_community), n_comm)
    sb = boxes(np.array(grid_street), n_streets)
    c_xy = np.array([to_px(np.asarray(c.representative_point().coords))[0] for c in gm.communities])
    return Layout(
        shapes,
        to_px(gm.centres),
        cb,
        c_xy.reshape(-1, 2),
        sb,
        sb[:, :2] + sb[:, 2:] / 2,
        (0.0, 0.0, WIDTH, band),
        band + gap + span[1] * scale + gap,
        bool(n_comm <= 40),
        communities,
    )


def layout(world) -> Layout:
    """The map's layout for ``world``: its real grid outlines where it was imported from a map
    (``gridsim district`` on a GeoJSON, GeoPackage or Shapefile), else the named schematic
    (computed once per shape)."""
    if maps.has_map(world):
        return _real(
            tuple(world.grid_outlines),
            tuple(world.grid_community.tolist()),
            tuple(world.grid_street.tolist()),
            int(world.n_communities),
            int(world.n_streets),
        )
    return _tiles(tuple(world.grid_community.tolist()), tuple(world.community_street.tolist()), int(world.n_streets))


def backlog_per_grid(log, n_grids: int) -> np.ndarray:
    """Open cases per grid now (accepted and not yet closed)."""
    n = log.n
    if n == 0:
        return np.zeros(n_grids, dtype=np.int64)
    state, grid = log.column("state")[:n], log.column("grid")[:n]
    return np.bincount(grid[np.isin(state, OPEN_STATES)], minlength=n_grids)


def backlog_bins(b: np.ndarray) -> tuple[int, ...]:
    """Lower edges of the backlog colour classes for backlogs ``b``: none open, then
    ``BACKLOG_BINS`` stretched by 2, 5, 10, 20 … where needed so that nine grids in ten sit below
    the top class (a real district's busy grids hold hundreds of open cases, a schematic one's a few)."""
    p90 = float(np.percentile(b, 90)) if len(b) else 0.0
    f = 1
    while BACKLOG_BINS[-1] * f < p90:
        f = f * 5 // 2 if str(f)[0] == "2" else f * 2
    return (0, 1) + tuple(e * f for e in BACKLOG_BINS[2:])


def backlog_colour(b: np.ndarray, bins: tuple[int, ...] | None = None) -> np.ndarray:
    """The colour class of each grid's backlog (``bins``: lower edges, default :func:`backlog_bins`)."""
    edges = np.array(backlog_bins(b) if bins is None else bins)
    return np.array(BACKLOG_COLOURS)[np.searchsorted(edges, b, side="right") - 1]


def street_name(s: int, lang: str) -> str:
    """A street's display name (the world numbers streets from 1)."""
    return text("map.street_name", lang, n=s + 1)


def _path(ring: np.ndarray) -> str:
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + "Z"


def svg(
    world,
    lay: Layout,
    fill: np.ndarray,
    backlog: np.ndarray,
    lang: str,
    title: str,
    busy_workers: np.ndarray,
    busy_police: np.ndarray,
    follow: dict | None = None,
    chosen: int | None = None,
) -> str:
    """The map as an SVG string: grids filled with ``fill`` colours (names and open cases on
    hover), community and street boxes named, dots where staff are busy, and the followed
    case's path (``follow``: ``grid``, ``levels`` as map places visited, ``at`` the current
    place, ``who`` the handler's label) drawn over it; the ``chosen`` grid (picked for
    following, on the map or in the picker) outlined."""
    h = lay.height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {h + FONT * 2:.0f}" '
        f'width="100%" style="max-width:{WIDTH:.0f}px;font-family:sans-serif" data-map="district">',
        f'<text x="0" y="{h + FONT * 1.6:.0f}" font-size="{FONT}" fill="#333">{escape(title)}</text>',
    ]
    x, y, w, bh = lay.departments_box
    out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{bh}" rx="6" fill="#e8eef7" stroke="#6b7fa3"/>')
    out.append(
        f'<text x="{x + w / 2:.0f}" y="{y + bh / 2 + FONT / 3:.0f}" font-size="{FONT + 3}" text-anchor="middle" '
        f'fill="#23395d">{escape(text("map.departments", lang))}</text>'
    )
    real = bool(lay.community_shapes)
    for s, (sx, sy, sw, sh) in enumerate([] if real else lay.street_box):
        out.append(
            f'<rect x="{sx:.1f}" y="{sy:.1f}" width="{sw:.1f}" height="{sh:.1f}" rx="8" fill="#f3f3f0" stroke="#888"/>'
        )
        out.append(
            f'<text x="{sx + 8:.1f}" y="{sy + FONT + 4:.1f}" font-size="{FONT}" font-weight="bold" fill="#333">'
            f"{escape(street_name(s, lang))}</text>"
        )
    for c, (cx, cy, cw, ch) in enumerate([] if real else lay.community_box):
        out.append(
            f'<rect x="{cx:.1f}" y="{cy:.1f}" width="{cw:.1f}" height="{ch:.1f}" rx="4" fill="#ffffff" '
            f'stroke="#555" stroke-width="1.2"><title>{escape(text("map.community", lang))} '
            f"{escape(world.community_names[c])}</title></rect>"
        )
        if lay.community_names_fit:
            name = world.community_names[c].split("-", 1)[-1]
            out.append(
                f'<text x="{cx + 4:.1f}" y="{cy + FONT:.1f}" font-size="{SMALL}" fill="#444">{escape(name)}</text>'
            )
    gc, gs = world.grid_community, world.grid_street
    for g, ring in enumerate(lay.grid_shapes):
        tip = text(
            "map.tip",
            lang,
            grid=world.grid_names[g],
            community=world.community_names[gc[g]],
            street=street_name(int(gs[g]), lang),
            open=int(backlog[g]),
        )
        out.append(
            f'<path d="{_path(ring)}" fill="{fill[g]}" stroke="#777" stroke-width="0.6" data-grid="{g}">'
            f"<title>{escape(tip)}</title></path>"
        )
    if real:
        out.extend(_community_outlines(world, lay, lang))
    r = max(2.5, min(8.0, 0.18 * float(np.ptp(lay.grid_shapes[0][:, 0])) if len(lay.grid_shapes) else 4.0))
    for gw in np.flatnonzero(busy_workers):
        gx, gy = lay.grid_xy[gw]
        out.append(f'<circle cx="{gx - r:.1f}" cy="{gy:.1f}" r="{r:.1f}" fill="#1f5fbf" stroke="white"/>')
    for gp in np.flatnonzero(busy_police):
        gx, gy = lay.grid_xy[gp]
        out.append(
            f'<rect x="{gx:.1f}" y="{gy - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" fill="#111a4a" '
            f'stroke="white" transform="rotate(45 {gx + r:.1f} {gy:.1f})"/>'
        )
    if chosen is not None and 0 <= chosen < len(lay.grid_shapes):
        out.append(
            f'<path d="{_path(lay.grid_shapes[chosen])}" fill="none" stroke="#7a1fa2" stroke-width="4" '
            f'stroke-dasharray="6 4" pointer-events="none" data-chosen="{chosen}"/>'
        )
    if follow is not None:
        out.extend(_follow_overlay(lay, world, follow, lang))
    out.append("</svg>")
    return "".join(out)


def _community_outlines(world, lay: Layout, lang: str) -> list[str]:
    """Real maps: each community's outline over its grids, and its name at its centre (both
    let clicks and hovers through to the grids)."""
    out = ['<g pointer-events="none" data-communities="1">']
    for parts in lay.community_shapes:
        d = "".join(_path(r) for r in parts)
        out.append(f'<path d="{d}" fill="none" stroke="#333" stroke-width="2.2" stroke-linejoin="round"/>')
    if lay.community_names_fit:
        for c, (x, y) in enumerate(lay.community_xy):
            out.append(
                f'<text x="{x:.1f}" y="{y:.1f}" font-size="{SMALL}" text-anchor="middle" fill="#222" stroke="white" '
                f'stroke-width="4" paint-order="stroke">{escape(world.community_names[c])}</text>'
            )
    out.append("</g>")
    return out


def place_xy(lay: Layout, world, grid: int, scope: str) -> tuple[float, float]:
    """Where a case of ``grid`` sits on the map when a desk of ``scope`` (grid, community,
    street, district) holds it."""
    if scope == "grid":
        return tuple(lay.grid_xy[grid])
    if scope == "community":
        return tuple(lay.community_xy[world.grid_community[grid]])
    if scope == "street":
        return tuple(lay.street_xy[world.grid_street[grid]])
    x, y, w, h = lay.departments_box
    return (x + 0.75 * w, y + h / 2)  # right of the band's name


def _follow_overlay(lay: Layout, world, follow: dict, lang: str) -> list[str]:
    g = follow["grid"]
    c, s = world.grid_community[g], world.grid_street[g]
    out = ['<g data-follow="1" pointer-events="none">']
    if lay.community_shapes:
        d = "".join(_path(r) for r in lay.community_shapes[c])
        out.append(f'<path d="{d}" fill="none" stroke="#7a1fa2" stroke-width="3" stroke-dasharray="8 5"/>')
    for box in () if lay.community_shapes else (lay.street_box[s], lay.community_box[c]):
        bx, by, bw, bh = box
        out.append(
            f'<rect x="{bx:.1f}" y="{by:.1f}" width="{bw:.1f}" height="{bh:.1f}" fill="none" stroke="#7a1fa2" '
            'stroke-width="3" stroke-dasharray="8 5"/>'
        )
    out.append(f'<path d="{_path(lay.grid_shapes[g])}" fill="none" stroke="#7a1fa2" stroke-width="4"/>')
    pts = [place_xy(lay, world, g, scope) for scope in follow["visited"]]
    if len(pts) > 1:
        d = "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        out.append(f'<path d="{d}" fill="none" stroke="#7a1fa2" stroke-width="4" stroke-opacity="0.8"/>')
    if follow.get("at") is not None:
        x, y = place_xy(lay, world, g, follow["at"])
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="16" fill="#7a1fa2" fill-opacity="0.25" '
            'stroke="#7a1fa2" stroke-width="4"/>'
        )
        label = follow.get("who") or text("map.follow_here", lang)
        tx = min(max(x + 20, 4), WIDTH - 12 * len(label) - 4)
        ty = max(y - 18, FONT + 2)
        out.append(
            f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="{FONT + 3}" font-weight="bold" fill="#5a0f7a" '
            f'stroke="white" stroke-width="4" paint-order="stroke" data-holder="1">{escape(label)}</text>'
        )
    out.append("</g>")
    return out
