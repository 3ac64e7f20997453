"""Effort allocation: how workers respond to the way they are scored (multitask incentives).

After each scoring period a worker re-divides their discretionary hours between patrol
(巡查), door-to-door visits (入户走访) and information entry (信息录入), and re-sets how
deeply they handle cases. Following Holmström & Milgrom (1991), effort on each task follows
its *marginal score per hour* — the weight of the metric it feeds, divided by its target,
times the worker's own output per hour last period (zero once the metric is at its cap) —
tempered by intrinsic motivation toward the work's true value (Bénabou & Tirole 2003):

    b_a = (1 − μ) · ms_a / Σ ms + μ · v_a / Σ v
    s*_a = b_a^κ / Σ b^κ          (the optimum of Σ b_a s_a^ρ with κ = 1 / (1 − ρ))
    s_a ← (1 − η) · s_a + η · s*_a

Depth of handling moves the same way between what rewards speed (closed cases, disputes,
timeliness, closure rate) and what rewards quality (satisfaction), with intrinsic
motivation on the side of quality:

    d* = d_min + (1 − d_min) · ((1 − μ) · Q / (Q + S) + μ)

Padding (hours into easily counted records) and rushing (shallow, fast handling) are
therefore possible outcomes of a scheme, not assumptions. μ, κ, η and the productivities
are scenario parameters (``effort``).

The gaming responses (``effort.gaming``, each off at 0; Bevan & Hood 2006) are driven by
the worker's *shortfall* last period on what is counted — Σ w_m · max(0, 1 − x_m / t_m) / Σ w_m
over a group of metrics — so they depend on the scheme's targets:

    premature closure:  d* ← max(d_min, d* − γ_pc · shortfall(closed cases, disputes))
    padding:            π  = min(1, γ_pad · shortfall(records))   (share of entry hours)
    shedding upward:    p_shed = min(1, γ_shed · shortfall(closed cases, disputes,
                                                              timeliness, closure rate))
    cherry-picking:     p_cp   = min(1, γ_cp · shortfall(closed cases, disputes))
                        (the chance of taking the quickest queued case, not the next in
                        priority order: sim.core.desks.Team._take)
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import ACTIVITIES, METRICS, Scenario

LINKED = {"patrol": "discoveries", "visits": "visits", "entry": "records"}
MIN_HOURS = 1e-6  # hours of an activity in a period below which its output per hour is not judged
"""The counted metric each discretionary activity produces."""
SPEED = ("closed_cases", "disputes_closed", "timeliness", "closure_rate")
QUALITY = ("satisfaction",)
CASE_COUNTS = ("closed_cases", "disputes_closed")
"""What premature closure and cherry-picking chase (counts of closed cases)."""

_LARGEST = float(np.finfo(np.float64).max)


def nan_to_num(v: np.ndarray) -> np.ndarray:
    """``numpy.nan_to_num`` of a float64 array (NaN to 0, ±inf to ± the largest float) in two
    ufunc calls, not numpy's dozen: it runs each scoring period."""
    return np.where(np.isnan(v), 0.0, np.clip(v, -_LARGEST, _LARGEST))


def shortfall(x: np.ndarray, w: np.ndarray, t: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Per row: the weighted share of metrics ``cols`` below target, Σ w·max(0, 1 − x/t) / Σ w
    (0 where they carry no weight; a metric with nothing to measure is on target)."""
    xs, ws, ts = x[:, cols], w[:, cols], t[:, cols]
    gap = np.where(np.isnan(xs), 0.0, np.maximum(0.0, 1.0 - nan_to_num(xs) / ts))
    tot = ws.sum(axis=1)
    return np.where(tot > 0, (ws * gap).sum(axis=1) / np.where(tot > 0, tot, 1.0), 0.0)


class Effort:
    """Updates each scored worker's activity shares and handling depth after a period."""

    def __init__(self, sc: Scenario):
        ef = sc.effort
        self.spec = ef
        init = np.array([ef.initial.get(a, 0.0) for a in ACTIVITIES])
        self.initial = init / init.sum()
        self.value = np.array([ef.value_per_hour.get(a, 0.0) for a in ACTIVITIES])
        self.prior = np.array([ef.productivity.get(a, 0.0) for a in ACTIVITIES])
        self.metric = np.array([METRICS.index(LINKED[a]) for a in ACTIVITIES])
        self.speed = np.array([METRICS.index(m) for m in SPEED])
        self.quality = np.array([METRICS.index(m) for m in QUALITY])
        self.counts = np.array([METRICS.index(m) for m in CASE_COUNTS])
        self.records = np.array([METRICS.index("records")])
        self.gaming = ef.gaming

    def preferred(self, hours: np.ndarray, x: np.ndarray, w: np.ndarray, t: np.ndarray, cap: float) -> np.ndarray:
        """s* for each row: the allocation the worker would choose given last period."""
        ef = self.spec
        out_ = nan_to_num(x[:, self.metric])
        seen = hours > MIN_HOURS  # fewer hours than that in a period say nothing about productivity
        prod = np.where(seen, out_ / np.where(seen, hours, 1.0), self.prior)
        tm = t[:, self.metric]
        below = ~(out_ / tm >= cap)
        ms = w[:, self.metric] / tm * prod * below
        tot = ms.sum(axis=1, keepdims=True)
        n_act = len(ACTIVITIES)
        ms_n = np.where(tot > 0, ms / np.where(tot > 0, tot, 1.0), 1.0 / n_act)
        v_n = self.value / self.value.sum() if self.value.sum() > 0 else np.full(n_act, 1.0 / n_act)
        b = (1.0 - ef.intrinsic) * ms_n + ef.intrinsic * v_n
        bk = np.where(b > 0, b, 0.0) ** ef.responsiveness if ef.responsiveness > 0 else np.ones_like(b)
        return bk / bk.sum(axis=1, keepdims=True)

    def preferred_depth(self, w: np.ndarray) -> np.ndarray:
        """d* for each row: the handling depth the worker would choose, from the weights on quality
        versus speed, tempered by intrinsic motivation."""
        ef = self.spec
        q, s = w[:, self.quality].sum(axis=1), w[:, self.speed].sum(axis=1)
        rel = np.where(q + s > 0, q / np.where(q + s > 0, q + s, 1.0), 1.0)
        return ef.min_depth + (1.0 - ef.min_depth) * ((1.0 - ef.intrinsic) * rel + ef.intrinsic)

    def update(self, st, slots: np.ndarray, x: np.ndarray, w: np.ndarray, t: np.ndarray, cap: float) -> None:
        """Move the shares and depth of staff ``st``'s ``slots`` part of the way to their preferred values."""
        if not len(slots):
            return
        eta = self.spec.adaptation
        hours = np.column_stack([st.period[a][slots] for a in ACTIVITIES])
        star = self.preferred(hours, x, w, t, cap)
        st.shares[slots] = (1.0 - eta) * st.shares[slots] + eta * star
        d_star = self.preferred_depth(w)
        g = self.gaming
        if g.premature_closure > 0:
            d_star = np.maximum(self.spec.min_depth, d_star - g.premature_closure * shortfall(x, w, t, self.counts))
        st.depth[slots] = (1.0 - eta) * st.depth[slots] + eta * d_star
        if g.padding > 0:
            st.padding[slots] = np.minimum(1.0, g.padding * shortfall(x, w, t, self.records))
        shed = np.minimum(1.0, g.shedding * shortfall(x, w, t, self.speed)) if g.shedding > 0 else None
        cherry = np.minimum(1.0, g.cherry_picking * shortfall(x, w, t, self.counts)) if g.cherry_picking > 0 else None
        for j, k in enumerate(slots.tolist()):
            a = st.agents[k]
            a.depth = float(st.depth[k])
            if shed is not None:
                a.shed = float(shed[j])
            if cherry is not None:
                a.cherry = float(cherry[j])
