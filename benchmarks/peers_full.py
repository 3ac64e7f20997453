"""Benchmark: the full gridsim model against hand-written SimPy, Ciw and Mesa 3.5 equivalents.

Two workloads, each in every engine, in one run, interleaved:
* **M/M/c** — λ = 3.4/h, μ = 1/h, c = 4 (``scenarios/validation/mmc.yaml`` for gridsim);
* **tandem** — that desk, then with probability q = 0.3 a second desk of 2 servers with
  mean handling 1.25 h (``scenarios/validation/tandem.yaml``): a Jackson network whose two
  mean waits are Erlang C (λ1 = 3.4, λ2 = qλ1 by Burke's theorem).

gridsim runs its whole model (residents, surfacing, acceptance, desks, workflow, feedback,
the incident log, the daily collector): the path a user runs. The peers are the minimal code a
user would write instead (SimPy processes on a Resource; Ciw's network; Mesa 3.5's
``Model.schedule_event``). Every engine draws its own randoms, so each mean wait is checked
against Erlang C with a batch-means 95 % interval. Prints customers per second, the ratio of
gridsim to each peer, and the waits.
Usage: python benchmarks/peers_full.py [--customers 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import time
import warnings
from collections import deque
from pathlib import Path

import numpy as np

from sim.model import GridModel  # imported before timing: the engines are timed, not their imports
from sim.scenario.loading import load_scenario
from sim.studies.erlang import erlang_c

ROOT = Path(__file__).resolve().parent.parent
LAM, MU1, C1 = 3.4, 1.0, 4
Q, MU2, C2 = 0.3, 0.8, 2
SEED = 7


def batch_ci(x, batches: int = 20) -> tuple[float, float, float]:
    """Mean and batch-means 95 % interval (waits are autocorrelated: batches, not points)."""
    x = np.asarray(x, dtype=float)
    k = len(x) // batches
    means = x[: k * batches].reshape(batches, k).mean(axis=1)
    half = 2.093 * means.std(ddof=1) / math.sqrt(batches)  # t(0.975, 19)
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


# --------------------------------------------------------------------------- gridsim (full model)


def gridsim(n: int, tandem: bool):
    days = max(1, round(n / (LAM * 24)))
    name = "tandem" if tandem else "mmc"
    model = GridModel(
        load_scenario(ROOT / "scenarios" / "validation" / f"{name}.yaml", [f"days={days}"]),
        seed=SEED,
        transitions=tandem,
    )
    model.run()
    log = model.log
    m = log.n
    surfaced, started = log.column("t_surfaced")[:m], log.column("t_handling")[:m]
    ok = ~np.isnan(started)
    w1 = (started - surfaced)[ok]
    w2 = None
    if tandem:
        tr = log.transitions()
        esc = tr[tr["state"] == "escalated"]  # then the first handling at level 1 (the second desk)
        h2 = tr[(tr["state"] == "handling") & (tr["level"] == 1)].drop_duplicates("incident")
        j = esc.drop_duplicates("incident").merge(h2, on="incident", suffixes=("_e", "_h"))
        w2 = (j["time_h"] - j["time_e"]).to_numpy()
    return m, w1, w2


# --------------------------------------------------------------------------- SimPy processes


def simpy_run(n: int, tandem: bool):
    import simpy

    rng = np.random.default_rng(SEED)
    gaps, s1, s2, u = (
        rng.exponential(1 / LAM, n).tolist(),
        rng.exponential(1 / MU1, n).tolist(),
        rng.exponential(1 / MU2, n).tolist(),
        rng.random(n).tolist(),
    )
    env = simpy.Environment()
    desk1, desk2 = simpy.Resource(env, C1), simpy.Resource(env, C2)
    w1, w2 = [0.0] * n, []

    def customer(i):
        t = env.now
        with desk1.request() as req:
            yield req
            w1[i] = env.now - t
            yield env.timeout(s1[i])
        if tandem and u[i] < Q:
            t = env.now
            with desk2.request() as req:
                yield req
                w2.append(env.now - t)
                yield env.timeout(s2[i])

    def source():
        for i in range(n):
            yield env.timeout(gaps[i])
            env.process(customer(i))

    env.process(source())
    env.run()
    return n, w1, w2 if tandem else None


# --------------------------------------------------------------------------- Ciw


def ciw_run(n: int, tandem: bool):
    import ciw

    ciw.seed(SEED)
    if tandem:
        net = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(LAM), None],
            service_distributions=[ciw.dists.Exponential(MU1), ciw.dists.Exponential(MU2)],
            number_of_servers=[C1, C2],
            routing=[[0.0, Q], [0.0, 0.0]],
        )
    else:
        net = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(LAM)],
            service_distributions=[ciw.dists.Exponential(MU1)],
            number_of_servers=[C1],
        )
    sim = ciw.Simulation(net)
    sim.simulate_until_max_customers(n, method="Arrive")
    recs = sim.get_all_records()
    w1 = [r.waiting_time for r in recs if r.node == 1]
    w2 = [r.waiting_time for r in recs if r.node == 2] if tandem else None
    return len(w1), w1, w2


# --------------------------------------------------------------------------- Mesa 3.5 schedule_event


def mesa_run(n: int, tandem: bool):
    import mesa

    rng = np.random.default_rng(SEED)
    gaps, s1, s2, u = (
        rng.exponential(1 / LAM, n),
        rng.exponential(1 / MU1, n).tolist(),
        rng.exponential(1 / MU2, n).tolist(),
        rng.random(n).tolist(),
    )
    arrivals = np.cumsum(gaps).tolist()

    class Tandem(mesa.Model):
        def __init__(self):
            super().__init__(rng=SEED)
            self._default_schedule.stop()  # a pure event model: no hourly step()
            self.w1, self.w2 = [0.0] * n, []
            self.line1, self.line2 = deque(), deque()
            self.free1, self.free2 = C1, C2
            self.next = 0
            self.done1, self.done2 = deque(), deque()  # whose service ends next, per desk (FIFO by end time)
            self.schedule_event(self.arrive, at=arrivals[0])

        def arrive(self):
            i = self.next
            self.next = i + 1
            if i + 1 < n:
                self.schedule_event(self.arrive, at=arrivals[i + 1])
            self.join1(i)

        def join1(self, i):
            if self.free1:
                self.free1 -= 1
                self.start1(i)
            else:
                self.line1.append((i, self.time))

        def start1(self, i):
            self._after(s1[i], lambda: self.end1(i))

        def _after(self, dt, fn):
            ev = _Call(fn)
            self._calls.add(ev)  # Mesa holds callbacks weakly: keep each alive until it runs
            self.schedule_event(ev, at=self.time + dt)

        def end1(self, i):
            if self.line1:
                j, t = self.line1.popleft()
                self.w1[j] = self.time - t
                self.start1(j)
            else:
                self.free1 += 1
            if tandem and u[i] < Q:
                if self.free2:
                    self.free2 -= 1
                    self.w2.append(0.0)
                    self._after(s2[i], self.end2)
                else:
                    self.line2.append((i, self.time))

        def end2(self):
            if self.line2:
                j, t = self.line2.popleft()
                self.w2.append(self.time - t)
                self._after(s2[j], self.end2)
            else:
                self.free2 += 1

    class _Call:
        __slots__ = ("fn", "__weakref__")

        def __init__(self, fn):
            self.fn = fn

        def __call__(self):
            model._calls.discard(self)
            self.fn()

    model = Tandem.__new__(Tandem)
    model._calls = set()
    Tandem.__init__(model)
    model.run_until(math.inf)
    return n, model.w1, model.w2 if tandem else None


# --------------------------------------------------------------------------- timing

ENGINES = {
    "gridsim (full model)": gridsim,
    "SimPy processes": simpy_run,
    "Ciw": ciw_run,
    "Mesa 3.5 schedule_event": mesa_run,
}


def timed(fn, *args):
    gc.collect()
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    theory = {
        "mmc": (erlang_c(LAM, MU1, C1)[1], None),
        "tandem": (erlang_c(LAM, MU1, C1)[1], erlang_c(Q * LAM, MU2, C2)[1]),
    }
    for work, tandem in (("mmc", False), ("tandem", True)):
        times = {k: [] for k in ENGINES}
        out = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(args.repeat):
                for name, fn in ENGINES.items():
                    dt, out[name] = timed(fn, args.customers, tandem)
                    times[name].append(dt / out[name][0])  # seconds per customer
        w1t, w2t = theory[work]
        title = (
            f"M/M/{C1} (λ={LAM}/h, μ={MU1}/h)"
            if not tandem
            else f"tandem: M/M/{C1} then, with q={Q}, M/M/{C2} (μ2={MU2}/h)"
        )
        print(f"\n{title}; ~{args.customers:,} customers; median of {args.repeat}, interleaved")
        print(f"Erlang C mean wait: desk 1 {w1t:.4f} h" + (f", desk 2 {w2t:.4f} h" if tandem else ""))
        head = f"{'engine':<26}{'customers/s':>12}{'gridsim ×':>10}{'desk-1 wait [95% CI]':>30}"
        print(head + (f"{'desk-2 wait [95% CI]':>30}" if tandem else ""))
        grid_rate = 1 / statistics.median(times["gridsim (full model)"])
        for name in ENGINES:
            rate = 1 / statistics.median(times[name])
            _, w1, w2 = out[name]
            m1, lo1, hi1 = batch_ci(w1)
            row = (
                f"{name:<26}{rate:>12,.0f}{grid_rate / rate:>9.2f}×"
                f"{f'{m1:.4f} [{lo1:.4f}, {hi1:.4f}]':>26}{'  ok' if lo1 <= w1t <= hi1 else '  MISS'}"
            )
            if tandem:
                m2, lo2, hi2 = batch_ci(w2)
                row += f"{f'{m2:.4f} [{lo2:.4f}, {hi2:.4f}]':>26}{'  ok' if lo2 <= w2t <= hi2 else '  MISS'}"
            print(row)


if __name__ == "__main__":
    main()
