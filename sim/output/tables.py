"""Tidy tables out of a finished (or paused) model: incidents, transitions, daily, workers.

What a table shows is the state *at the model's current time*: a surfacing or a
worsening planned for later is not shown as having happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.core.incidents import _FLOAT_COLS, CHANNELS, STATE_NAMES, State  # (one list of columns)
from sim.output.kpis import IncidentColumns, Labels
from sim.workforce.agents import ROLES
from sim.workforce.staffing import HOURS, TALLIES
from sim.workforce.turnover import EXIT_REASONS

TIME_COLUMNS = tuple(c for c in _FLOAT_COLS if c.startswith("t_") and c != "t_join")
"""The transition times of an incident, in the log's own column order (``t_join``, a desk's
queue bookkeeping, is not a transition)."""

SEVERITIES = ("minor", "general", "major")
STATE_LABELS = tuple(STATE_NAMES[i] for i in range(len(STATE_NAMES)))


def _cat(codes: np.ndarray, names) -> pd.Categorical:
    return pd.Categorical.from_codes(np.where(codes < 0, -1, codes), categories=list(names))


def _labels(codes: np.ndarray, names: Sequence) -> Labels:
    """A label column with its codes in the narrowest integer type (pandas' own for a categorical
    of ``names``): the wide codes are let go at once, not held until the table is built."""
    return Labels(codes.astype(_code_type(names), copy=False), names)


class _Flags(NamedTuple):
    """A yes/no column with missing values (``missing`` true: no answer)."""

    values: np.ndarray
    missing: np.ndarray


_Column = np.ndarray | Labels | _Flags


class _AsOfNow:
    """What the incident table shows of ``rows`` of the log at the model's current time: a
    surfacing or worsening planned for later has not happened. Each column is a fresh array
    where something is hidden or ``own`` is true, else the log's own column (not copied)."""

    def __init__(self, model, rows: slice, own: bool = True):
        col, now = model.log.column, model.clock.now
        t_surfaced, t_worsened = col("t_surfaced")[rows], col("t_worsened")[rows]
        self.late = ~(t_surfaced <= now)  # planned later, or never
        self.t_surfaced = _hide(t_surfaced > now, t_surfaced, np.nan, own)  # (never: NaN already)
        self.t_worsened = _hide(t_worsened > now, t_worsened, np.nan, own)
        severity, initial = col("severity")[rows], col("severity_initial")[rows]
        self.severity = _hide(~(t_worsened <= now) & (severity != initial), severity, initial, own)
        state = col("state")[rows]
        self.state = _hide((state == State.LATENT) & ~self.late, state, State.SURFACED, own)


def _hide(mask: np.ndarray, values: np.ndarray, instead, own: bool) -> np.ndarray:
    """``values`` with ``instead`` where ``mask`` is true (a fresh array; ``values`` itself if
    nothing is masked and ``own`` is false)."""
    if mask.any():
        return np.where(mask, instead, values)
    return values.copy() if own else values


INCIDENT_NEVER_MISSING = frozenset(
    {
        "id", "category", "severity", "severity_initial", "grid", "grid_name", "source_id", "team", "community",
        "street", "community_type", "household", "state", "t_occurred", "escalations", "resolver", "reopened",
        "reopens", "visits_failed", "absorbed_by_property",
    }
)  # fmt: skip
"""The incident table's columns that have a value in every row (what :func:`_incident_columns`
builds them from cannot be missing): stored as required Parquet columns (see :func:`_schema`)."""


def _final_level(t_accepted: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The ladder level a case was last at, if it was ever accepted (else −1: missing)."""
    return np.where(np.isnan(t_accepted), level.dtype.type(-1), level)


def _incident_columns(model, rows: slice, own: bool) -> dict[str, _Column]:
    """The incident table's columns for ``rows`` of the log, each as numpy arrays: the one
    definition both the pandas table and the Arrow row groups are built from. ``own``: every
    column is a fresh array (a pandas table); else unchanged log columns stay views of it."""
    log, w, sc = model.log, model.world, model.config

    def col(name: str) -> np.ndarray:
        return log.column(name)[rows]

    def own_(name: str) -> np.ndarray:  # the log's columns are views into it: a pandas table gets its own
        return col(name).copy() if own else col(name)

    grid = col("grid")
    now = _AsOfNow(model, rows, own)
    t = {c: own_(c) for c in TIME_COLUMNS}
    t["t_surfaced"], t["t_worsened"] = now.t_surfaced, now.t_worsened
    satisfied = col("satisfied")
    reopens = own_("reopens")
    columns: dict[str, _Column] = {
        "id": np.arange(rows.start, rows.stop, dtype=np.int64),
        "category": _labels(col("category"), sc.categories),
        "severity": _labels(now.severity, SEVERITIES),
        "severity_initial": _labels(col("severity_initial"), SEVERITIES),
        "grid": own_("grid"),
        "grid_name": _labels(grid, w.grid_names),
        "team": model.plan.team_of_grid[grid],
        "community": w.grid_community[grid],
        "street": w.grid_street[grid],
        "community_type": Labels(w.grid_type.astype(_code_type(w.type_names))[grid], w.type_names),
        "household": own_("household"),
        "channel": _labels(np.where(now.late, -1, col("channel")), CHANNELS),
        "state": _labels(now.state, STATE_LABELS),
        **t,
        "final_level": _labels(_final_level(t["t_accepted"], col("level")), [lv.name for lv in sc.levels]),
        "escalations": own_("escalations"),
        "handler_role": _labels(col("handler"), ROLES),
        "resolver": own_("resolver"),
        "resolver_depth": own_("depth"),
        "satisfied": _Flags(satisfied == 1, satisfied < 0),  # no feedback: missing
        "reopened": reopens > 0,
        "reopens": reopens,
        "visits_failed": own_("visits_failed"),
        "absorbed_by_property": col("absorbed") == 1,
    }
    if w.imported:  # a register's world: each grid's id in the source beside its name
        columns = dict(
            [*list(columns.items())[:5], ("source_id", _labels(grid, w.grid_source_ids)), *list(columns.items())[5:]]
        )
    return columns


def _pandas(columns: dict[str, _Column]) -> pd.DataFrame:
    def one(c: _Column):
        if isinstance(c, Labels):
            return _cat(c.codes, c.names)
        if isinstance(c, _Flags):
            return pd.arrays.BooleanArray(c.values, c.missing)
        return c

    return pd.DataFrame({k: one(c) for k, c in columns.items()}, copy=False)  # fresh arrays: no second copy


def _schema(columns: dict[str, _Column], never_missing: frozenset[str]):
    """The Arrow schema ``pa.Table.from_pandas`` gives the pandas table of ``columns`` (types and
    pandas metadata), with the ``never_missing`` columns not nullable: Parquet stores those as
    required columns, with no definition level per value to write and read (a fifth of the
    incident table's encoding). Read back, the pandas table is the same."""
    import pyarrow as pa

    schema = pa.Table.from_pandas(_pandas(columns), preserve_index=False).schema
    fields = [f.with_nullable(f.name not in never_missing) for f in schema]
    return pa.schema(fields, metadata=schema.metadata)


def _arrow(columns: dict[str, _Column], schema):
    """``columns`` as the Arrow table ``pa.Table.from_pandas`` makes of their pandas table
    (``schema``: :func:`_schema`), without the pandas table.
    Each array is put together from its buffers: numbers and label codes are not copied, and
    the validity bitmaps are packed by numpy (Arrow's own conversion finds a float's NaN one
    value at a time: ten times slower, the larger part of a long run's incident table)."""
    import pyarrow as pa

    arrays = []
    for field, c in zip(schema, columns.values(), strict=True):
        t = field.type
        if isinstance(c, Labels):
            codes = c.codes.astype(t.index_type.to_pandas_dtype(), copy=False)
            valid = codes >= 0 if len(codes) and codes.min() < 0 else None
            indices = _from_numpy(field.with_type(t.index_type), codes, valid)
            arrays.append(pa.DictionaryArray.from_arrays(indices, _dictionary(c.names, t.value_type), safe=False))
        elif isinstance(c, _Flags):
            arrays.append(_from_numpy(field, c.values, ~c.missing))
        elif pa.types.is_floating(t):  # NaN: missing, as pandas writes it
            arrays.append(_from_numpy(field, c, ~np.isnan(c)))
        else:
            arrays.append(_from_numpy(field, c.astype(t.to_pandas_dtype(), copy=False), None))
    return pa.Table.from_arrays(arrays, schema=schema)


def _from_numpy(field, values: np.ndarray, valid: np.ndarray | None):
    """An Arrow array of ``field``'s type over ``values`` (numbers: their memory, not copied;
    yes/no: packed to bits), missing where ``valid`` is false (``None``: nothing missing); an
    error if ``field`` is not nullable and a value is missing (a required Parquet column cannot
    hold it)."""
    import pyarrow as pa

    n = len(values)
    missing = 0 if valid is None else n - int(np.count_nonzero(valid))
    if missing and not field.nullable:
        raise ValueError(f"column {field.name!r} has {missing} missing values but is declared never missing")
    type_ = field.type
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little")) if missing else None
    if values.dtype == np.bool_:
        data = pa.py_buffer(np.packbits(values, bitorder="little"))
    else:
        data = pa.py_buffer(np.ascontiguousarray(values))
    return pa.Array.from_buffers(type_, n, [bitmap, data], null_count=missing)


def _dictionary(names: Sequence, type_):
    import pyarrow as pa

    return pa.array(list(names), type=type_)


def _row_groups(build, n: int, rows: int, never_missing: frozenset[str]):
    """Arrow tables of ``rows`` rows each (the last shorter; one empty table if ``n`` is 0) from
    ``build(rows, own)``, the column builder of a table."""
    schema = _schema(build(slice(0, 0), True), never_missing)
    for start in range(0, max(n, 1), rows):
        yield _arrow(build(slice(start, min(start + rows, n)), False), schema)


def incidents_table(model) -> pd.DataFrame:
    """One row per incident with every transition time (hours since Monday 00:00 of day 0)."""
    return _pandas(_incident_columns(model, slice(0, model.log.n), own=True))


def incident_kpi_columns(model) -> IncidentColumns:
    """The incident table's columns the KPIs read, straight from the log (no table built): the
    summary of a city-year without its 1.9 M-row pandas table."""
    log, w = model.log, model.world
    col = log.column
    now = _AsOfNow(model, slice(0, log.n), own=False)
    state, severity, t_surfaced = _labels(now.state, STATE_LABELS), now.severity.astype(np.int8), now.t_surfaced
    del now  # (label codes in one byte: a city-year's summary holds a few 2 MB columns, not 15 MB ones)
    t_accepted = col("t_accepted")
    satisfied = col("satisfied")
    levels = [lv.name for lv in model.config.levels]
    return IncidentColumns(
        state=state,
        severity=severity,
        t_occurred=col("t_occurred"),
        t_surfaced=t_surfaced,
        t_accepted=t_accepted,
        t_handling=col("t_handling"),
        t_closed=col("t_closed"),
        final_level=Labels(_final_level(t_accepted, col("level").astype(_code_type(levels))), levels),
        handler_role=Labels(col("handler"), ROLES),
        community_type=Labels(w.grid_type.astype(_code_type(w.type_names))[col("grid")], w.type_names),
        escalations=col("escalations"),
        reopened=col("reopens") > 0,
        satisfied=np.where(satisfied < 0, np.nan, satisfied == 1),
    )


def _code_type(names: Sequence) -> type:
    """The narrowest integer type holding a code into ``names`` (or −1): pandas' choice for a categorical."""
    n = len(names)
    return np.int8 if n < 127 else np.int16 if n < 32_767 else np.int32 if n < 2**31 - 1 else np.int64


def incident_row_groups(model, rows: int):
    """:func:`incidents_table` as Arrow tables of ``rows`` rows each, built straight from the
    log's columns (the Parquet writer's row groups): a city-year is never one pandas table."""
    return _row_groups(lambda r, own: _incident_columns(model, r, own), model.log.n, rows, INCIDENT_NEVER_MISSING)


def _transition_columns(model, tr: dict[str, np.ndarray]) -> dict[str, _Column]:
    """The transition table's columns from the log's columns ``tr`` (some of its rows)."""
    return {
        "incident": tr["incident"],
        "time": tr["time"],
        "state": Labels(tr["state"], STATE_LABELS),  # (one-byte codes already)
        "level": Labels(tr["level"], [lv.name for lv in model.config.levels]),
        "actor": tr["actor"],
    }


def _transition_log(model):
    """The model's transition log (an error if it records none)."""
    if not model.log.recording:
        raise RuntimeError("this model was built with transitions=False: no transition log")
    return model.log.transition_log


def transitions_table(model) -> pd.DataFrame:
    """Long-format log: one row per transition up to the model's time, with the acting agent (−1 if none)."""
    now = model.clock.now
    return _pandas(_transition_columns(model, _transition_log(model).columns(lambda c: c["time"] <= now)))


def transition_row_groups(model, rows: int):
    """:func:`transitions_table` as Arrow tables of ``rows`` rows each, read from the log a
    chunk at a time (a city-year's transitions, mostly on disk, are never in memory at once)."""
    return _transition_arrow(model, _transition_log(model), rows)


def _transition_arrow(model, log, rows: int):
    empty = {name: np.empty(0, d) for name, d in log.rows.dtypes.items()}
    columns = _transition_columns(model, empty)
    schema = _schema(columns, frozenset(columns))  # (a transition's every field is known)
    for block in log.row_groups(rows, until=model.clock.now):
        yield _arrow(_transition_columns(model, block), schema)
        del block  # (not held while the next one is read)


def daily_table(model) -> pd.DataFrame:
    """Mesa DataCollector's daily aggregates as a table."""
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def workers_table(model) -> pd.DataFrame:
    """One row per person: role, team, hours by activity, overtime, absence, exits, outputs.

    Grid-level staff (everyone ever employed, leavers included) carry the full hour
    accounts of ``sim.workforce.workday``; leaders, police, departments and informants carry their
    busy hours and cases only (the other columns are empty for them). A referral desk (department,
    property manager) books the handling hours of every case, so with cases worked in parallel
    its busy hours can exceed its duty hours.
    """
    now = model.clock.now
    st, tv = model.staff, model.turnover
    n = st.n
    slots = np.arange(n)
    agents = st.agents
    busy = np.array([a.busy_hours + (now - a.busy_since if a.current >= 0 else 0.0) for a in agents])
    post = st.post[:n]
    home = model.staff_grid(slots)
    staff = pd.DataFrame(
        {
            "agent": [a.unique_id for a in agents],
            "role": [a.role for a in agents],
            "desk": [f"{model.config.levels[0].name}:{t}" if t >= 0 else "reserve pool" for t in st.team[:n]],
            "level": 0,
            "busy_hours": busy,
            "duty_hours": st.total["shift"][:n],
            "cases_handled": [a.cases_handled for a in agents],
            "team": st.team[:n],
            "grid": home,
            "post": post,
            "community_type": pd.Categorical(
                [model.world.type_names[t] for t in model.world.grid_type[home]],
                categories=list(model.world.type_names),
            ),
            "hired_day": st.hired[:n],
            "exit_day": st.left[:n],
            "exit_reason": _cat(st.reason[:n], EXIT_REASONS),
            **{f"{h}_hours": st.total[h][:n] for h in HOURS},
            **{k: st.total[k][:n] for k in TALLIES if k != "need"},
            "post_vacant_days": np.where(post >= 0, tv.vacant_days[np.maximum(post, 0)], np.nan),
            "depth": st.depth[:n],
            **{f"share_{a}": st.shares[:n, k] for k, a in enumerate(("patrol", "visits", "entry"))},
        }
    )
    rows = []
    for desk in model.desks_by_id[len(model.desks[0]) :]:
        for a in desk.workers:
            if desk.discipline == "referral":  # cases in parallel: the hours of each case in hand so far
                b = a.busy_hours + desk.in_hand_hours(now)
            else:
                b = a.busy_hours + (now - a.busy_since if a.current >= 0 else 0.0)
            rows.append((a.unique_id, a.role, desk.name, desk.level, b, a.roster.on_hours(0.0, now), a.cases_handled))
    for a in model.informants:
        rows.append((a.unique_id, a.role, f"grid:{a.grid}", 0, 0.0, a.roster.on_hours(0.0, now), 0))
    others = pd.DataFrame(rows, columns=["agent", "role", "desk", "level", "busy_hours", "duty_hours", "cases_handled"])
    return pd.concat([staff, others], ignore_index=True)


def scores_table(model) -> pd.DataFrame:
    """One row per worker and scoring period: counted metrics, hours, score, rank, true value."""
    return model.scorer.table()


def grids_table(model) -> pd.DataFrame:
    """One row per grid: type, team, actual and registered households, risk, vacancy days."""
    w, plan, tv = model.world, model.plan, model.turnover
    vac = np.bincount(plan.post_grid, tv.vacant_days, minlength=w.n_grids)
    df = pd.DataFrame(
        {
            "grid": np.arange(w.n_grids),
            "grid_name": list(w.grid_names),
            "community": w.grid_community,
            "community_type": _cat(w.grid_type, w.type_names),
            "team": plan.team_of_grid,
            "households_actual": w.grid_households,
            "households_registered": model.register.registered,
            "posts": np.bincount(plan.post_grid, minlength=w.n_grids),
            "informants": plan.informants,
            "vacancy_days": vac,
            "risk_level": _cat(model.risk.level, ("green", "yellow", "red")),
        }
    )
    if w.imported:  # a register's world: each grid's id in the source beside its name
        df.insert(2, "source_id", list(w.grid_source_ids))
    return df
