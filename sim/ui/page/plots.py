"""The daily plots (每日指标): closure rate, backlog, wait before handling, satisfaction.

Drawn with matplotlib in the chosen language (CJK font from :mod:`sim.ui.fonts`), text at
14 pt or more for a projector, written as SVG with the text kept as text (the browser
draws it; tests can read it). A fixed layout, no ``tight_layout``: it keeps a day step's
redraw fast.
"""

from __future__ import annotations

import io

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.scenario.labels import text
from sim.ui.fonts import use_cjk_font

SERIES = ("closure_rate", "backlog", "response_hours", "satisfied_share")
"""Columns of the daily record plotted, in order (their titles are ``kpi.<column>`` labels)."""
BESIDE = {"backlog": "awaiting_acceptance"}
"""A second column drawn in the same plot: reported cases nobody has accepted yet (the weekend queue)."""
PT = 14


class KpiFigure:
    """The four daily plots, built once (per page and language) and updated in place after
    each step: rebuilding axes and ticks every step would cost most of the redraw."""

    def __init__(self, lang: str = "en"):
        use_cjk_font()
        self.lang = lang
        self.fig = fig = Figure(figsize=(9.6, 6.4))
        axes = fig.subplots(2, 2)
        fig.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.1, hspace=0.5, wspace=0.22)
        self.lines = {}
        for ax, col in zip(axes.flat, SERIES, strict=True):
            (self.lines[col],) = ax.plot([], [], color="#1f5fbf", lw=2.2)
            if col in BESIDE:
                (self.lines[BESIDE[col]],) = ax.plot([], [], color="#e07b00", lw=2.2)
            ax.set_title(text(f"kpi.{col}", lang), fontsize=PT + 2)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
            ax.tick_params(labelsize=PT)
            ax.set_xlabel(text("kpi.day", lang), fontsize=PT)
            ax.grid(alpha=0.3)
        self.title = fig.suptitle("", fontsize=PT + 4)

    def update(self, daily) -> Figure:
        """Show ``daily`` (the model's daily record as a DataFrame); returns the figure."""
        for col, line in self.lines.items():
            if len(daily) and col in daily:
                line.set_data(daily["day"].to_numpy(), daily[col].to_numpy(dtype=float))  # day 1 = the first day
            else:
                line.set_data([], [])
            ax = line.axes
            ax.relim()
            ax.autoscale_view()
            if not len(daily):
                ax.set_xlim(0, 1, auto=None)  # leaves autoscaling on for the days to come
        self.title.set_text(text("kpi.title", self.lang, n=len(daily)))
        return self.fig


def kpi_figure(daily, lang: str = "en") -> Figure:
    """The four daily plots of ``daily`` (the model's daily record as a DataFrame)."""
    return KpiFigure(lang).update(daily)


def svg(fig: Figure) -> str:
    """``fig`` as an SVG string with its text kept as text (``svg.fonttype: none``)."""
    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    out = buf.getvalue()
    return out[out.index("<svg") :].replace('width="691.2pt" height="460.8pt"', 'width="100%"', 1)
