"""Benchmark (prints figures, not a test): sim.core.clock.Clock against SimPy, Mesa 3.5's event scheduling and Ciw.

(The compiled twin the model runs, sim.core._core.Clock, is timed too where it was built; here it
calls the same Python callbacks, so it shows the calendar's own cost, not the compiled desks'.)

Why: the brief says time goes through SimPy or Mesa 3.5's scheduler unless our own calendar
is materially faster. Every engine runs the same M/M/c queue (λ=3.4/h, μ=1/h, c=4); all but
Ciw get identical pre-drawn inter-arrival and service times, chain arrivals the same way
(each arrival schedules the next) and must compute bit-identical waits. Ciw draws its own
randoms from the same λ, μ, c, so only its mean wait (near Erlang C) is comparable.

Usage: .venv/bin/python benchmarks/peers.py [--customers 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import time
import warnings
from collections import deque
from itertools import accumulate

import numpy as np

LAM, MU, C = 3.4, 1.0, 4
SEED = 2024


def erlang_c_wq(lam: float, mu: float, c: int) -> float:
    """Mean time in queue of M/M/c (Erlang C)."""
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def draw_inputs(n: int):
    """Pre-drawn gaps and service times; arrival times accumulated left to right in Python floats,
    so an engine that adds the gaps one by one (SimPy's now + delay) lands on exactly these times."""
    rng = np.random.default_rng(SEED)
    gaps = rng.exponential(1.0 / LAM, n).tolist()
    service = rng.exponential(1.0 / MU, n).tolist()
    arrivals = list(accumulate(gaps))
    return gaps, arrivals, service


# --- (a) sim.core.clock.Clock: callbacks with an argument, a deque line, a free-server count -----------


def run_clock(gaps, arrivals, service, Clock=None):
    if Clock is None:
        from sim.core.clock import Clock

    n = len(arrivals)
    clock = Clock()
    at = clock.at
    wait = [0.0] * n
    line: deque = deque()
    free = C

    def arrive(i):
        nonlocal free
        now = clock.now
        if i + 1 < n:
            at(arrivals[i + 1], arrive, i + 1)
        if free:
            free -= 1
            at(now + service[i], depart, None)  # wait stays 0.0
        else:
            line.append(i)

    def depart(_):
        nonlocal free
        if line:
            j = line.popleft()
            now = clock.now
            wait[j] = now - arrivals[j]
            at(now + service[j], depart, None)
        else:
            free += 1

    at(arrivals[0], arrive, 0)
    clock.run_until(math.inf)
    return wait


# --- (b1) SimPy, lean: bare Timeout events with callbacks, no process per customer ----------------


def run_simpy_callbacks(gaps, arrivals, service):
    import simpy
    from simpy.events import Timeout

    n = len(arrivals)
    env = simpy.Environment()
    wait = [0.0] * n
    line: deque = deque()
    free = C

    def arrive(ev):
        nonlocal free
        i = ev._value
        if i + 1 < n:
            Timeout(env, gaps[i + 1], i + 1).callbacks.append(arrive)
        if free:
            free -= 1
            Timeout(env, service[i]).callbacks.append(depart)
        else:
            line.append(i)

    def depart(_):
        nonlocal free
        if line:
            j = line.popleft()
            wait[j] = env.now - arrivals[j]
            Timeout(env, service[j]).callbacks.append(depart)
        else:
            free += 1

    Timeout(env, gaps[0], 0).callbacks.append(arrive)
    env.run()
    return wait


# --- (b2) SimPy, idiomatic: a source process and a process per customer on a simpy.Resource -------


def run_simpy_processes(gaps, arrivals, service):
    import simpy

    n = len(arrivals)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=C)
    wait = [0.0] * n

    def customer(i):
        arrived = env.now
        with servers.request() as req:
            yield req
            wait[i] = env.now - arrived
            yield env.timeout(service[i])

    def source():
        for i in range(n):
            yield env.timeout(gaps[i])
            env.process(customer(i))

    env.process(source())
    env.run()
    return wait


# --- (c) Mesa 3.5: Model.schedule_event(fn, at=...) + Model.run_until(...) ------------------------
# Mesa events take no arguments through this API and hold their callable by weak reference (no
# lambdas / throwaway partials), so the model keeps an arrival cursor and callbacks are bound methods.


def _mesa_model(gaps, arrivals, service, hourly_ticks: bool):
    import mesa

    n = len(arrivals)

    class QueueModel(mesa.Model):
        def __init__(self):
            super().__init__(rng=SEED)
            if not hourly_ticks:
                # Model() always schedules its step() every 1.0 time units; a pure event model stops
                # that generator, exactly as mesa.experimental.devs.DEVSimulator.setup() does.
                self._default_schedule.stop()
            self.wait = [0.0] * n
            self.line: deque = deque()
            self.free = C
            self.next_arrival = 0
            self.schedule_event(self.arrive, at=arrivals[0])

        def arrive(self):
            i = self.next_arrival
            self.next_arrival = i + 1
            if i + 1 < n:
                self.schedule_event(self.arrive, at=arrivals[i + 1])
            if self.free:
                self.free -= 1
                self.schedule_event(self.depart, at=self.time + service[i])
            else:
                self.line.append(i)

        def depart(self):
            if self.line:
                j = self.line.popleft()
                now = self.time
                self.wait[j] = now - arrivals[j]
                self.schedule_event(self.depart, at=now + service[j])
            else:
                self.free += 1

    return QueueModel()


def run_mesa(gaps, arrivals, service):
    model = _mesa_model(gaps, arrivals, service, hourly_ticks=False)
    model.run_until(math.inf)
    return model.wait


def run_mesa_ticking(gaps, arrivals, service, horizon):
    """Same, with Model's default hourly step() left on (the public API untouched); run to the last departure."""
    model = _mesa_model(gaps, arrivals, service, hourly_ticks=True)
    model.run_until(horizon)
    return model.wait


# --- (c') mesa.time.EventList + mesa.time.Event used as a bare calendar (no Model) ----------------


def run_mesa_eventlist(gaps, arrivals, service):
    from mesa.time import Event, EventList

    n = len(arrivals)
    events = EventList()
    add, pop = events.add_event, events.pop_event
    wait = [0.0] * n
    line: deque = deque()
    free = C
    now = 0.0

    def arrive(i):
        nonlocal free
        if i + 1 < n:
            add(Event(arrivals[i + 1], arrive, function_args=[i + 1]))
        if free:
            free -= 1
            add(Event(now + service[i], depart))
        else:
            line.append(i)

    def depart():
        nonlocal free
        if line:
            j = line.popleft()
            wait[j] = now - arrivals[j]
            add(Event(now + service[j], depart))
        else:
            free += 1

    add(Event(arrivals[0], arrive, function_args=[0]))
    while True:
        try:
            ev = pop()
        except IndexError:
            break
        now = ev.time
        ev.execute()
    return wait


# --- (d) Ciw: its own network and randoms, same λ, μ, c ---------------------------------------------


def run_ciw(n, method="Finish"):
    """Ciw's one-node M/M/c network until ``n`` customers (``method`` as Ciw's
    ``simulate_until_max_customers``); every record's wait."""
    import ciw

    ciw.seed(SEED)
    net = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAM)],
        service_distributions=[ciw.dists.Exponential(rate=MU)],
        number_of_servers=[C],
    )
    sim = ciw.Simulation(net)
    sim.simulate_until_max_customers(n, method=method)
    return [r.waiting_time for r in sim.get_all_records()]


def timed(fn):
    """Run fn with the cyclic GC paused, as Clock.run_until pauses it, so no engine pays for collections."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out
    finally:
        if was:
            gc.enable()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n, repeat = args.customers, args.repeat
    gaps, arrivals, service = draw_inputs(n)
    inputs = (gaps, arrivals, service)

    # reference run (also a warm-up): its last departure is the horizon for the ticking Mesa run
    ref = run_clock(*inputs)
    horizon = max(a + w + s for a, w, s in zip(arrivals, ref, service, strict=True))

    CLOCK = "sim.core.clock.Clock"
    engines = {
        CLOCK: lambda: run_clock(*inputs),
        "SimPy callbacks": lambda: run_simpy_callbacks(*inputs),
        "SimPy Resource+procs": lambda: run_simpy_processes(*inputs),
        "Mesa schedule_event": lambda: run_mesa(*inputs),
        "Mesa, hourly step on": lambda: run_mesa_ticking(*inputs, horizon),
        "mesa.time.EventList": lambda: run_mesa_eventlist(*inputs),
        "Ciw (own randoms)": lambda: run_ciw(n),
    }
    from sim.core.compiled import core

    if core is not None:  # the compiled twin the model runs (same calendar, Python callbacks here)
        engines = {
            CLOCK: engines[CLOCK],
            "sim.core._core.Clock": lambda: run_clock(*inputs, Clock=core.Clock),
            **{k: v for k, v in engines.items() if k != CLOCK},
        }
    shared = [k for k in engines if not k.startswith("Ciw")]

    times = {k: [] for k in engines}
    waits = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(repeat):  # interleaved, so this machine's drift hits every engine alike
            for name, fn in engines.items():
                dt, waits[name] = timed(fn)
                times[name].append(dt)

    for name in shared:
        assert waits[name] == ref, (
            f"{name} computed different waits than sim.core.clock.Clock from identical inputs "
            f"(mean {statistics.fmean(waits[name]):.12f} h vs {statistics.fmean(ref):.12f} h)"
        )

    events = 2 * n  # one arrival and one departure per customer, whatever the engine does inside
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"M/M/{C}: λ={LAM}/h, μ={MU}/h, ρ={LAM / (C * MU):.3f}; {n:,} customers ({events:,} events); "
        f"median of {repeat}, engines interleaved, cyclic GC paused for all"
    )
    print(f"Erlang C mean wait Wq = {erlang_c_wq(LAM, MU, C):.4f} h")
    print(f"{'engine':<22}{'customers/s':>12}{'events/s':>12}{'µs/event':>10}{'vs Clock':>10}{'mean wait h':>13}")
    for name in engines:
        rate = n / med[name]
        print(
            f"{name:<22}{rate:>12,.0f}{events / med[name]:>12,.0f}{1e6 * med[name] / events:>10.2f}"
            f"{med[CLOCK] / med[name]:>9.2f}×{statistics.fmean(waits[name]):>13.6f}"
        )
    print(f"(the {len(shared)} engines fed the same inputs computed identical waits for all {n:,} customers)")
    mesa_warn = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    print("warnings raised while running:", "; ".join(mesa_warn) if mesa_warn else "none")
    peers = [k for k in engines if not k.startswith("sim.")]
    ratios = ", ".join(f"{med[k] / med[CLOCK]:.1f}× {k}" for k in peers)
    verdict = "faster than every peer" if all(med[k] > med[CLOCK] for k in peers) else "NOT faster than every peer"
    print(f"Conclusion: sim.core.clock.Clock is {verdict} (its speed relative to each: {ratios}).")
    if "sim.core._core.Clock" in engines:
        twin = med[CLOCK] / med["sim.core._core.Clock"]
        print(f"Its compiled twin sim.core._core.Clock runs {twin:.1f}× as fast again.")


if __name__ == "__main__":
    main()
