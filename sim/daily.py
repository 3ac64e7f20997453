"""The daily record: one row a day of counts and states, collected by Mesa's ``DataCollector``.

``DAILY_FIELDS`` is the one list of its columns (``daily.parquet`` has them in this order).
``reported`` counts the cases that surfaced that day (上报, 派单, 巡查发现), ``accepted`` those a
first responder took up (首问负责); ``awaiting_acceptance`` is the queue between the two at
midnight (it fills over weekends), ``backlog`` the accepted cases not yet closed, ``latent``
those not yet surfaced, and ``closure_rate`` closed / reported so far (as the run's KPI).
"""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from sim import kernels
from sim._mesa import mesa
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

_FIELD_SET = frozenset(DAILY_FIELDS)
_ROW = itemgetter(*DAILY_FIELDS)  # a day's values, in the columns' order

_LAST_DAY_HOUR = 24.0 * (DAYS_MAX + 1)  # a surfacing planned past the longest possible run is never reported


class DailyCounts:
    """Takes the day's row at midnight from the workflow's running counters (differenced
    day to day), the hour accounts, risk grades, staff, vacancies and the register.

    What changes only at known events is counted again only then: staff counts when someone
    moves (``staff.moves``), grade counts when the grades are redone, the register's excess
    when it changes."""

    def __init__(self, workflow, workday, risk, staff, turnover, register, log, residents):
        self.workflow, self.workday, self.risk, self.staff = workflow, workday, risk, staff
        self.turnover, self.register, self.log, self.residents = turnover, register, log, residents
        # the workflow's running counters at the last midnight: accepted, resolved, closed,
        # escalated, reopened, feedback, satisfied, wait_sum, started (float zeros before the
        # first, so day 1's differences are floats: the columns' dtypes follow)
        self._prev: tuple = (0.0,) * 9
        self._binned = 0  # incidents whose planned surfacing day is counted in _reported
        self._reported = np.zeros(64, dtype=np.int64)  # cases surfacing on each day (planned when they occur)
        self._reported_so_far = 0
        self._grades: tuple = (None, (0, 0, 0))  # (the grades counted, their counts)
        self._absent: tuple = (-1, -1, 0, -1, 0)  # (staff.moves, staff.n, from day, to day, count)

    def _reported_on(self, d: int) -> int:
        """Cases that surface on day ``d`` (from 0), counting every incident logged so far (each
        counted once, when first seen: its planned surfacing never moves)."""
        n = self.log.n
        if n > self._binned:
            ts = self.log.column("t_surfaced")[self._binned : n]
            need = kernels.count_days(ts, self._reported, _LAST_DAY_HOUR)
            if need:  # (nothing counted yet)
                self._fit_days(need)
                kernels.count_days(ts, self._reported, _LAST_DAY_HOUR)
            self._binned = n
        return int(self._reported[d]) if d < len(self._reported) else 0

    def _fit_days(self, need: int) -> None:
        if need > len(self._reported):
            self._reported = np.concatenate(
                [self._reported, np.zeros(max(need, 2 * len(self._reported)) - len(self._reported), np.int64)]
            )

    def _grade_counts(self) -> tuple[int, int, int]:
        """Grids graded green, yellow, red (counted again only when the grades are redone)."""
        level = self.risk.level
        if self._grades[0] is not level:
            c = np.bincount(level, minlength=3)
            self._grades = (level, (int(c[0]), int(c[1]), int(c[2])))
        return self._grades[1]

    def _absent_on(self, day: int) -> int:
        """People employed and on leave at the end of ``day`` (from 1): those not back before it.
        The same count until someone moves or the first of them is back."""
        st = self.staff
        moves, n, first, last, count = self._absent
        if moves == st.moves and n == st.n and first <= day <= last:
            return count
        n = st.n
        until = st.absent_until[:n]
        away = until[(st.left[:n] < 0) & (until > day - 1)]
        count = len(away)
        last = int(away.min()) if count else 1 << 62  # the count holds while day - 1 < every until
        self._absent = (st.moves, n, day, last, count)
        return count

    def snapshot(self, day: int, occurred: int) -> dict:
        """The row of ``day`` (the day just closed, numbered from 1), ``occurred`` new incidents."""
        wf = self.workflow
        p_acc, p_res, p_clo, p_esc, p_reo, p_fb, p_sat, p_wait, p_start = self._prev
        acc, res, clo, esc, reo = wf.n_accepted, wf.n_resolved, wf.n_closed, wf.n_escalated, wf.n_reopened
        fb_all, sat_all, wait, started = wf.n_feedback, wf.n_satisfied, wf.wait_sum, wf.n_started
        self._prev = (acc, res, clo, esc, reo, fb_all, sat_all, wait, started)
        today = self.workday.today
        fb, sat = fb_all - p_fb, sat_all - p_sat
        green, yellow, red = self._grade_counts()
        reported = self._reported_on(day - 1)
        self._reported_so_far += reported
        known = self._reported_so_far
        nan = float("nan")
        shift = today.get("shift")
        return {  # (in the order of DAILY_FIELDS)
            "day": day,
            "occurred": occurred,
            "reported": reported,
            "accepted": int(acc - p_acc),
            "resolved": res - p_res,
            "closed": clo - p_clo,
            "escalated": esc - p_esc,
            "reopened": reo - p_reo,
            "awaiting_acceptance": known - acc,
            "backlog": acc - clo,
            "latent": self.log.n - known,
            "closure_rate": clo / known if known else nan,
            "response_hours": (wait - p_wait) / (started - p_start) if started > p_start else nan,
            "satisfied_share": sat / fb if fb else nan,
            "satisfaction": self.residents.mean_satisfaction(),
            "worker_utilization": today["cases"] / shift if shift else nan,
            "green": green,
            "yellow": yellow,
            "red": red,
            "at_work": len(self.turnover.working()),
            "absent": self._absent_on(day),
            "vacant_posts": self.turnover.vacant()[1],
            "overtime_hours": today.get("overtime", 0.0),
            "overhead_hours": today.get("overhead", 0.0),
            "patrol_hours": today.get("patrol", 0.0),
            "registered_excess": self.register.excess(),
        }


class DailyRecord(mesa.DataCollector):
    """Mesa's data collector for the daily record, one row a day. Every value is a plain
    number, so ``collect`` keeps the row's values as they are (Mesa's own deep-copies each of the
    ~26 values a day, a fixed cost that showed in the profile of small districts), and the rows
    are put into Mesa's columns (``model_vars``) when someone looks at them, one column at a time."""

    def __init__(self):
        self._rows: list[tuple] = []  # rows collected since the columns were last looked at
        self._columns: dict[str, list] = {}
        super().__init__(model_reporters={k: (lambda m, k=k: m._today[k]) for k in DAILY_FIELDS})

    @property
    def model_vars(self) -> dict[str, list]:
        """Mesa's columns of model variables (name -> one value a collection), rows up to now in."""
        self._put_rows()
        return self._columns

    @model_vars.setter
    def model_vars(self, columns: dict[str, list]) -> None:
        self._put_rows()  # (into the columns being replaced)
        self._columns = columns

    def get_model_vars_dataframe(self):
        """Mesa's table of the daily columns, each of ours made one numpy array at once: pandas
        infers a list's type value by value, a tenth of a long run's output step (numpy infers
        the same int64 or float64 from these plain numbers; anything else is left to pandas)."""
        import pandas as pd

        columns = {}
        for name, values in self.model_vars.items():
            array = np.array(values) if values and name in _FIELD_SET else None
            columns[name] = array if array is not None and array.dtype.kind in "if" else values
        return pd.DataFrame(columns) if self.model_reporters else super().get_model_vars_dataframe()

    def _put_rows(self) -> None:
        rows = self._rows
        if rows:
            self._rows = []
            for var, values in zip(DAILY_FIELDS, zip(*rows, strict=True), strict=True):
                column = self._columns.get(var)
                if column is not None:  # (unless someone took a column away)
                    column.extend(values)

    def collect(self, model) -> None:
        """Keep today's row (``model._today``, a fresh dict each day); Mesa's own way (deep copies)
        only when someone has added reporters of their own."""
        today = model._today
        if self.agent_reporters or self.agenttype_reporters or not today.keys() >= self.model_reporters.keys():
            super().collect(model)  # someone added reporters of their own: Mesa's way for all
            return
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        self._rows.append(_ROW(today))


def state_counts(log) -> dict[str, int]:
    """How many incidents of ``log`` are in each workflow state."""
    st = np.frombuffer(log.state, dtype=np.int64) if log.n else np.empty(0, np.int64)
    c = np.bincount(st, minlength=len(State))
    return {s.name.lower(): int(c[s]) for s in State}
