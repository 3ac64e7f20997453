"""The daily record: one row a day of counts and states, collected by Mesa's ``DataCollector``.

``DAILY_FIELDS`` is the one list of its columns (``daily.parquet`` has them in this order).
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.core.incidents import State

DAILY_FIELDS = (
    "day",
    "occurred",
    "surfaced",
    "resolved",
    "closed",
    "escalated",
    "reopened",
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

_COUNTERS = ("surfaced", "resolved", "closed", "escalated", "reopened", "feedback", "satisfied", "wait_sum", "started")


class DailyCounts:
    """Takes the day's row at midnight from the workflow's running counters (differenced
    day to day), the hour accounts, risk grades, staff, vacancies and the register."""

    def __init__(self, workflow, workday, risk, staff, turnover, register, log, residents):
        self.workflow, self.workday, self.risk, self.staff = workflow, workday, risk, staff
        self.turnover, self.register, self.log, self.residents = turnover, register, log, residents
        self._prev = dict.fromkeys(_COUNTERS, 0.0)

    def snapshot(self, day: int, occurred: int) -> dict:
        """The row of ``day`` (the day just closed, numbered from 1), ``occurred`` new incidents."""
        wf, prev = self.workflow, self._prev
        today = self.workday.today
        fb, sat = wf.n_feedback - prev["feedback"], wf.n_satisfied - prev["satisfied"]
        counts = np.bincount(self.risk.level, minlength=3)
        st, tv = self.staff, self.turnover
        employed = st.left[: st.n] < 0
        row = {
            "day": day,
            "occurred": occurred,
            "surfaced": wf.n_accepted - prev["surfaced"],
            "resolved": wf.n_resolved - prev["resolved"],
            "closed": wf.n_closed - prev["closed"],
            "escalated": wf.n_escalated - prev["escalated"],
            "reopened": wf.n_reopened - prev["reopened"],
            "backlog": wf.n_accepted - wf.n_closed,
            "latent": self.log.n - wf.n_accepted,
            "closure_rate": wf.n_closed / wf.n_accepted if wf.n_accepted else float("nan"),
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
            "at_work": int(tv.at_work[: st.n].sum()),
            "absent": int((employed & (st.absent_until[: st.n] > day - 1)).sum()),
            "vacant_posts": int(((tv.holder < 0) & (tv.standin < 0)).sum()),
            "overtime_hours": today.get("overtime", 0.0),
            "overhead_hours": today.get("overhead", 0.0),
            "patrol_hours": today.get("patrol", 0.0),
            "registered_excess": float(self.register.stale.sum() / self.register.actual.sum()),
        }
        prev.update(
            surfaced=wf.n_accepted,
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
