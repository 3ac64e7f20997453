"""Benchmark: gridsim's event calendar against SimPy, Mesa 3.5's event list and Ciw.

Why gridsim keeps its own small calendar (``sim/clock.py``): every engine below runs the
same M/M/c queue — the model's degenerate case — and the ones that can take our inputs
get the identical pre-drawn inter-arrival and service times, so they must agree on every
wait; the table shows customers per second. Ciw draws its own randoms (same λ, μ, c).

Usage: python benchmarks/peers.py [--customers 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import deque

import numpy as np

LAM, MU, C = 3.4, 1.0, 4


def erlang_c_wq(lam: float, mu: float, c: int) -> float:
    a, b = lam / mu, 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    p = b / (1.0 - a / c * (1.0 - b))
    return p / (c * mu - lam)


class Queue:
    """The M/M/c bookkeeping shared by the callback engines: FIFO line, free servers, waits."""

    def __init__(self, arrivals: np.ndarray, service: list[float]):
        self.arrivals = arrivals.tolist()
        self.service = service
        self.free = C
        self.line: deque = deque()
        self.wait = [0.0] * len(service)

    def arrive(self, i: int, now: float, start) -> None:
        if self.free:
            self.free -= 1
            start(i, now)
        else:
            self.line.append(i)

    def depart(self, now: float, start) -> None:
        if self.line:
            start(self.line.popleft(), now)
        else:
            self.free += 1


def run_clock(arr, svc):
    from sim.clock import Clock

    q, clock = Queue(arr, svc), Clock()

    def start(i, now):
        q.wait[i] = now - q.arrivals[i]
        clock.at(now + q.service[i], depart, None)

    def depart(_):
        q.depart(clock.now, start)

    def arrive(i):
        q.arrive(i, clock.now, start)

    for i, t in enumerate(q.arrivals):  # arrivals planned up front, as gridsim plans a day
        clock.at(t, arrive, i)
    clock.run_until(float("inf"))
    return q.wait


def run_simpy_callbacks(arr, svc):
    import simpy

    q, env = Queue(arr, svc), simpy.Environment()

    def start(i, now):
        q.wait[i] = now - q.arrivals[i]
        env.timeout(q.service[i]).callbacks.append(depart)

    def depart(_):
        q.depart(env.now, start)

    def make_arrival(i):
        return lambda _: q.arrive(i, env.now, start)

    for i, t in enumerate(q.arrivals):
        env.timeout(t).callbacks.append(make_arrival(i))
    env.run()
    return q.wait


def run_simpy_processes(arr, svc):
    import simpy

    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=C)
    arrivals = arr.tolist()
    wait = [0.0] * len(svc)

    def customer(i):
        with servers.request() as req:
            yield req
            wait[i] = env.now - arrivals[i]
            yield env.timeout(svc[i])

    def source():
        prev = 0.0
        for i, t in enumerate(arrivals):
            yield env.timeout(t - prev)
            prev = t
            env.process(customer(i))

    env.process(source())
    env.run()
    return wait


def run_mesa(arr, svc):
    import mesa

    class QueueModel(mesa.Model):
        def __init__(self):
            super().__init__(rng=0)
            self.queue = Queue(arr, svc)
            self.next_arrival = 0  # Mesa events carry no arguments: the model keeps the cursor
            self.schedule_event(self.arrive, at=self.queue.arrivals[0])

        def start(self, i, now):
            self.queue.wait[i] = now - self.queue.arrivals[i]
            self.schedule_event(self.depart, at=now + self.queue.service[i])

        def depart(self):
            self.queue.depart(self.time, self.start)

        def arrive(self):
            i = self.next_arrival
            self.next_arrival += 1
            if self.next_arrival < len(self.queue.arrivals):
                self.schedule_event(self.arrive, at=self.queue.arrivals[self.next_arrival])
            self.queue.arrive(i, self.time, self.start)

    model = QueueModel()
    model.run_until(float(arr[-1]) + 1e6)
    return model.queue.wait


def run_ciw(n):
    import ciw

    ciw.seed(1)
    net = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(LAM)],
                             service_distributions=[ciw.dists.Exponential(MU)], number_of_servers=[C])
    sim = ciw.Simulation(net)
    sim.simulate_until_max_customers(n, method="Finish")
    return [r.waiting_time for r in sim.get_all_records()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n = args.customers
    rng = np.random.default_rng(np.random.SeedSequence(2024))
    arr = np.cumsum(rng.exponential(1 / LAM, n))
    svc = rng.exponential(1 / MU, n).tolist()

    engines = {
        "gridsim Clock": lambda: run_clock(arr, svc),
        "SimPy callbacks": lambda: run_simpy_callbacks(arr, svc),
        "SimPy processes": lambda: run_simpy_processes(arr, svc),
        "Mesa 3.5 events": lambda: run_mesa(arr, svc),
        "Ciw (own randoms)": lambda: run_ciw(n),
    }
    print(f"M/M/{C}: λ={LAM}/h, μ={MU}/h, ρ={LAM / C / MU:.2f}, {n:,} customers; "
          f"Erlang C mean wait {erlang_c_wq(LAM, MU, C):.4f} h")
    print(f"{'engine':<20}{'customers/s':>14}{'× Clock':>9}{'mean wait h':>13}")
    best = {name: float("inf") for name in engines}
    waits = {}
    for _ in range(args.repeat):  # interleaved, best of R: this machine's noise hits all alike
        for name, fn in engines.items():
            t0 = time.perf_counter()
            waits[name] = fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    reference = waits["gridsim Clock"]
    for name in engines:
        if name != "Ciw (own randoms)":
            assert np.allclose(waits[name], reference, atol=1e-9), f"{name} disagrees with the Clock on the waits"
    base = n / best["gridsim Clock"]
    for name in engines:
        rate = n / best[name]
        print(f"{name:<20}{rate:>14,.0f}{rate / base:>9.2f}{float(np.mean(waits[name])):>13.4f}")
    print(f"(best of {args.repeat}, engines interleaved; those fed the same inputs agree on every wait)")


if __name__ == "__main__":
    main()
