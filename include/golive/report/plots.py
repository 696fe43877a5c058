"""Charts of the report, drawn with matplotlib's Agg canvas and returned as base64 PNG data URIs.

matplotlib is imported lazily (it costs about a second) and through its object-oriented API
(``Figure`` + ``FigureCanvasAgg``), so no pyplot global state or interactive backend is touched.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

from golive.report.summary import criterion_points, excluded_why

STATUS_COLOURS = {"pass": "#2e7d32", "warning": "#f9a825", "fail": "#c62828", "no-data": "#757575",
                  "not-applicable": "#bdbdbd"}
BAND_COLOURS = ("#f4c7c3", "#fce8b2", "#b7e1cd")  # fail, warning band, pass
DPI = 90


def _number(value: Any, default: float = 0.0) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return default


def _png(fig: Any) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _gauge(ax: Any, score: float, threshold: float, floor: float, status: str) -> None:
    """Draw a 0–100 bar with the fail / warning / pass bands, the threshold and the score."""
    floor = min(max(floor, 0.0), threshold)
    edges = [(0.0, floor), (floor, threshold), (threshold, 100.0)]
    for (lo, hi), colour in zip(edges, BAND_COLOURS, strict=True):
        if hi > lo:
            ax.barh(0, hi - lo, left=lo, height=0.8, color=colour, edgecolor="none")
    colour = {"PASS": STATUS_COLOURS["pass"], "WARNING": STATUS_COLOURS["warning"]}.get(
        status.upper(), STATUS_COLOURS["fail"])
    ax.barh(0, score, height=0.34, color=colour)
    ax.axvline(threshold, color="#212121", linewidth=1.5)
    ax.text(threshold, 0.5, f" threshold {threshold:g}", va="bottom", ha="left", fontsize=8)
    ax.text(min(score, 100.0), -0.5, f"score {score:g}", va="top",
            ha="right" if score > 50 else "left", fontsize=8, fontweight="bold")
    ax.set_xlim(0, 100)
    ax.set_ylim(-1.1, 1.1)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_yticks([])
    ax.tick_params(axis="x", labelsize=7)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def evaluation_chart(ev: Mapping[str, Any]) -> str:
    """One PNG per evaluation: the score-vs-threshold gauge above a horizontal bar per criterion
    of the points it earned (weight × 1 / 0.5 / 0) against its maximum (its weight).

    An optional criterion without data, or a not-applicable one, is drawn hatched: it leaves the
    maximum, as in scoring.
    """
    from matplotlib.figure import Figure

    criteria = list(ev.get("criteria") or [])
    n = max(len(criteria), 1)
    height = 1.3 + 0.32 * n
    fig = Figure(figsize=(7.2, height))
    gs = fig.add_gridspec(2, 1, height_ratios=[1.0, max(0.32 * n, 0.6)], hspace=0.55,
                          left=0.32, right=0.97, top=1 - 0.25 / height, bottom=0.55 / height)
    gauge = fig.add_subplot(gs[0])
    _gauge(gauge, _number(ev.get("score")), _number(ev.get("threshold"), 100.0),
           _number(ev.get("warning_floor")), str(ev.get("status", "")))
    gauge.set_title(f"{ev.get('gate', '?')} (try {ev.get('try_number', '?')}): {ev.get('status', '?')}",
                    fontsize=9, loc="left")
    ax = fig.add_subplot(gs[1])
    if not criteria:
        ax.text(0.5, 0.5, "no criteria recorded", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _png(fig)
    labels, maxima, earned, colours, hatches, notes = [], [], [], [], [], []
    for c in criteria:
        status = str(c.get("status", ""))
        weight = _number(c.get("weight"))
        excluded = excluded_why(c)
        labels.append(("★ " if c.get("key") else "") + str(c.get("name", "?"))[:40])
        maxima.append(weight)
        earned.append(0.0 if excluded else weight * criterion_points(status))
        colours.append(STATUS_COLOURS.get(status, STATUS_COLOURS["fail"]))
        hatches.append("//" if excluded else "")
        notes.append(f"not counted ({excluded})" if excluded
                     else f"{earned[-1]:g}/{weight:g} {status}")
    ys = list(range(len(criteria)))[::-1]
    ax.barh(ys, maxima, height=0.7, color="#eeeeee", edgecolor="#9e9e9e", hatch=None)
    for y, m, h in zip(ys, maxima, hatches, strict=True):
        if h:
            ax.barh(y, m, height=0.7, color="none", edgecolor="#9e9e9e", hatch=h)
    ax.barh(ys, earned, height=0.45, color=colours)
    top = max(maxima) if maxima else 1.0
    for y, m, note in zip(ys, maxima, notes, strict=True):
        ax.text(m + top * 0.01, y, note, va="center", fontsize=7)
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_xlim(0, top * 1.45 if top > 0 else 1)
    ax.set_xlabel("points (weight × pass 1 / warning 0.5 / fail, no-data 0)", fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def overview_chart(gates: Sequence[Mapping[str, Any]]) -> str:
    """One PNG with a score-vs-threshold bar for every evaluation (superseded ones labelled)."""
    from matplotlib.figure import Figure

    n = max(len(gates), 1)
    height = 0.5 + 0.45 * n
    fig = Figure(figsize=(7.2, height))
    ax = fig.add_axes((0.3, 0.45 / height, 0.67, 1 - 0.6 / height))
    for y, g in zip(range(n - 1, -1, -1), gates, strict=False):
        score = _number(g.get("score"))
        threshold = _number(g.get("threshold"), 100.0)
        floor = min(max(_number(g.get("warning_floor")), 0.0), threshold)
        for (lo, hi), colour in zip([(0.0, floor), (floor, threshold), (threshold, 100.0)], BAND_COLOURS,
                                    strict=True):
            if hi > lo:
                ax.barh(y, hi - lo, left=lo, height=0.8, color=colour, edgecolor="none")
        status = str(g.get("status", "")).upper()
        colour = {"PASS": STATUS_COLOURS["pass"], "WARNING": STATUS_COLOURS["warning"]}.get(
            status, STATUS_COLOURS["fail"])
        ax.barh(y, score, height=0.36, color=colour, alpha=0.45 if g.get("superseded") else 1.0)
        ax.plot([threshold, threshold], [y - 0.4, y + 0.4], color="#212121", linewidth=1.5)
        ax.text(min(score, 100.0) + 1, y, f"{score:g}", va="center", fontsize=7)
    ax.set_yticks(list(range(n - 1, -1, -1))[:len(gates)], [str(g.get("label", "?")) for g in gates],
                  fontsize=8)
    ax.set_xlim(0, 105)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_ylim(-0.6, n - 0.4)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("score (bands: fail / warning / pass; black line: threshold)", fontsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)
