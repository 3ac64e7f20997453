"""The daily record: one row a day of counts and states, collected by Mesa's ``DataCollector``.

``DAILY_FIELDS`` is the one list of its columns (``daily.parquet`` has them in this order).
``reported`` counts the cases that surfaced that day (上报, 派单, 巡查发现), ``accepted`` those a
first responder took up (首问负责); ``awaiting_acceptance`` is the queue between the two at
midnight (it fills over weekends), ``backlog`` the accepted cases not yet closed, ``latent``
those not yet surfaced, and ``closure_rate`` closed / reported so far (as the run's KPI).
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.core.incidents import State
from sim.scenario.schema import DAYS_MAX

DAILY_FIELDS = (
    "day",
    "occurred",
    "reported",
    "accepted",
    "resolved",
    "closed",
    "escalated",
    "reopened",
    "awaiting_acceptance",
    "backlog",
    "latent",
    "closure_rate",
    "response_hours",
    "satisfied_share",
    "satisfaction",
    "worker_utilization",
    "green",
    "yellow",
    "red",
    "at_work",
    "absent",
    "vacant_posts",
    "overtime_hours",
    "overhead_hours",
    "patrol_hours",
    "registered_excess",
)

_COUNTERS = ("accepted", "resolved", "closed", "escalated", "reopened", "feedback", "satisfied", "wait_sum", "started")


class DailyCounts:
    """Takes the day's row at midnight from the workflow's running counters (differenced
    day to day), the hour accounts, risk grades, staff, vacancies and the register."""

    def __init__(self, workflow, workday, risk, staff, turnover, register, log, residents):
        self.workflow, self.workday, self.risk, self.staff = workflow, workday, risk, staff
        self.turnover, self.register, self.log, self.residents = turnover, register, log, residents
        self._prev = dict.fromkeys(_COUNTERS, 0.0)
        self._binned = 0  # incidents whose planned surfacing day is counted in _reported
        self._reported = np.zeros(64, dtype=np.int64)  # cases surfacing on each day (planned when they occur)
        self._reported_so_far = 0

    def _reported_on(self, d: int) -> int:
        """Cases that surface on day ``d`` (from 0), counting every incident logged so far."""
        n = self.log.n
        if n > self._binned:
            ts = self.log.column("t_surfaced")[self._binned : n]
            # a surfacing planned past the longest possible run (a tiny patrol hazard: ~1e115 h) is never reported
            days = (ts[ts < 24.0 * (DAYS_MAX + 1)] // 24.0).astype(np.int64)
            if len(days):
                need = int(days.max()) + 1
                if need > len(self._reported):
                    self._reported = np.concatenate(
                        [self._reported, np.zeros(max(need, 2 * len(self._reported)) - len(self._reported), np.int64)]
                    )
                self._reported[:need] += np.bincount(days, minlength=need)
            self._binned = n
        return int(self._reported[d]) if d < len(self._reported) else 0

    def snapshot(self, day: int, occurred: int) -> dict:
        """The row of ``day`` (the day just closed, numbered from 1), ``occurred`` new incidents."""
        wf, prev = self.workflow, self._prev
        today = self.workday.today
        fb, sat = wf.n_feedback - prev["feedback"], wf.n_satisfied - prev["satisfied"]
        counts = np.bincount(self.risk.level, minlength=3)
        st, tv = self.staff, self.turnover
        n_st = st.n
        reported = self._reported_on(day - 1)
        self._reported_so_far += reported
        known = self._reported_so_far
        row = {
            "day": day,
            "occurred": occurred,
            "reported": reported,
            "accepted": int(wf.n_accepted - prev["accepted"]),
            "resolved": wf.n_resolved - prev["resolved"],
            "closed": wf.n_closed - prev["closed"],
            "escalated": wf.n_escalated - prev["escalated"],
            "reopened": wf.n_reopened - prev["reopened"],
            "awaiting_acceptance": known - wf.n_accepted,
            "backlog": wf.n_accepted - wf.n_closed,
            "latent": self.log.n - known,
            "closure_rate": wf.n_closed / known if known else float("nan"),
            "response_hours": (
                (wf.wait_sum - prev["wait_sum"]) / (wf.n_started - prev["started"])
                if wf.n_started > prev["started"]
                else float("nan")
            ),
            "satisfied_share": sat / fb if fb else float("nan"),
            "satisfaction": self.residents.mean_satisfaction(),
            "worker_utilization": today["cases"] / today["shift"] if today.get("shift") else float("nan"),
            "green": int(counts[0]),
            "yellow": int(counts[1]),
            "red": int(counts[2]),
            "at_work": int(np.count_nonzero(tv.at_work[:n_st])),
            "absent": int(np.count_nonzero((st.left[:n_st] < 0) & (st.absent_until[:n_st] > day - 1))),
            "vacant_posts": int(np.count_nonzero((tv.holder < 0) & (tv.standin < 0))),
            "overtime_hours": today.get("overtime", 0.0),
            "overhead_hours": today.get("overhead", 0.0),
            "patrol_hours": today.get("patrol", 0.0),
            "registered_excess": float(self.register.stale.sum() / self.register.actual.sum()),
        }
        prev.update(
            accepted=wf.n_accepted,
            resolved=wf.n_resolved,
            closed=wf.n_closed,
            escalated=wf.n_escalated,
            reopened=wf.n_reopened,
            feedback=wf.n_feedback,
            satisfied=wf.n_satisfied,
            wait_sum=wf.wait_sum,
            started=wf.n_started,
        )
        return row


class DailyRecord(mesa.DataCollector):
    """Mesa's data collector for the daily record, one row a day. Every value is a plain
    number, so ``collect`` appends it as it is (Mesa's own deep-copies each of the ~24 values
    a day, a fixed cost that showed in the profile of small districts)."""

    def __init__(self):
        super().__init__(model_reporters={k: (lambda m, k=k: m._today[k]) for k in DAILY_FIELDS})

    def collect(self, model) -> None:
        """Append today's row from ``model._today`` directly; Mesa's own way (deep copies) only when
        someone has added reporters of their own."""
        today = model._today
        if self.agent_reporters or self.agenttype_reporters or not today.keys() >= self.model_reporters.keys():
            super().collect(model)  # someone added reporters of their own: Mesa's way for all
            return
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        for var, values in self.model_vars.items():
            values.append(today[var])


def state_counts(log) -> dict[str, int]:
    """How many incidents of ``log`` are in each workflow state."""
    st = np.frombuffer(log.state, dtype=np.int64) if log.n else np.empty(0, np.int64)
    c = np.bincount(st, minlength=len(State))
    return {s.name.lower(): int(c[s]) for s in State}
