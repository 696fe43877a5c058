"""The insights report of one application's feedback: JSON (everything) and HTML with plots.

The plots are matplotlib figures (Agg canvas, no pyplot state) embedded as inline SVG, so the HTML
is one self-contained file wherever the store puts it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

COLOURS = {"csat": "#1565c0", "nps": "#6a1b9a", "positive": "#2e7d32", "neutral": "#9e9e9e",
           "negative": "#c62828", "priority": "#ef6c00"}


@dataclass(frozen=True)
class InsightsReport:
    """The rendered report: its HTML and the JSON document it was made from."""

    html: str
    data: dict[str, Any]


def _svg(fig: Any) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _figure(width: float = 6.0, height: float = 2.8) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def release_plot(releases: Sequence[Mapping[str, Any]]) -> str | None:
    """CSAT (%) and NPS per release, as SVG; None without releases."""
    if not releases:
        return None
    fig = _figure()
    ax = fig.add_subplot()
    labels = [str(r["version"]) for r in releases]
    xs = list(range(len(labels)))
    for metric in ("csat", "nps"):
        points = [(x, r[metric]) for x, r in zip(xs, releases, strict=True) if r[metric] is not None]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=COLOURS[metric],
                    label="CSAT %" if metric == "csat" else "NPS")
    ax.axhline(0, color="#bdbdbd", linewidth=0.8)
    ax.set_xticks(xs, labels)
    ax.set_ylim(-100, 100)
    ax.set_xlabel("release")
    ax.set_title("CSAT and NPS per release")
    ax.legend(loc="lower left", fontsize=8)
    return _svg(fig)


def topic_plot(topics: Sequence[Mapping[str, Any]]) -> str | None:
    """Each topic's priority as a horizontal bar, as SVG; None without topics."""
    if not topics:
        return None
    fig = _figure(height=max(1.6, 0.45 * len(topics) + 0.8))
    ax = fig.add_subplot()
    names = [str(t["topic"]) for t in topics][::-1]
    ax.barh(names, [float(t["priority"]) for t in topics][::-1], color=COLOURS["priority"])
    ax.set_xlabel("priority (frequency × severity × recency)")
    ax.set_title("Topics by priority")
    ax.tick_params(axis="y", labelsize=8)
    return _svg(fig)


def sentiment_plot(counts: Mapping[str, int]) -> str | None:
    """How many comments are positive, neutral and negative, as SVG; None without comments."""
    if not sum(counts.values()):
        return None
    fig = _figure(width=4.5, height=2.2)
    ax = fig.add_subplot()
    labels = ["positive", "neutral", "negative"]
    ax.bar(labels, [counts.get(k, 0) for k in labels], color=[COLOURS[k] for k in labels])
    ax.set_title("Sentiment of the comments (VADER)")
    return _svg(fig)


_ENV = Environment(loader=PackageLoader("golive.feedback", "templates"), autoescape=select_autoescape(["j2"]),
                   trim_blocks=True, lstrip_blocks=True)


def render_insights(*, application: str, run_id: str, analysis: Mapping[str, Any],
                    quarantined: Sequence[Mapping[str, Any]] = (), notes: Sequence[str] = ()) -> InsightsReport:
    """The report of ``analysis`` (:func:`golive.feedback.analysis.analyse`), with the batches
    quarantined in this run and any notes (an endpoint that did not answer)."""
    data = {"application": application, "run_id": run_id, **dict(analysis),
            "quarantined": [dict(q) for q in quarantined], "notes": list(notes)}
    plots = {"releases": release_plot(analysis.get("releases") or []),
             "topics": topic_plot(analysis.get("topics") or []),
             "sentiment": sentiment_plot(analysis.get("sentiment") or {})}
    html = _ENV.get_template("insights.html.j2").render(report=data, plots=plots)
    return InsightsReport(html=html, data=data)
