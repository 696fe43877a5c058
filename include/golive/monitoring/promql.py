"""PromQL checks with **promql-parser** (Rust bindings of the ``promql-parser`` crate, offline).

``check_expr`` parses an expression and lists the metric names it selects, so a validator can say
both "does not parse" and "selects a series nothing exports". Grafana's built-in variables
(``$__rate_interval`` …) are not PromQL: :func:`expand_grafana_variables` replaces them with
representative values before parsing, exactly as Grafana interpolates them before querying.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import promql_parser

from golive.monitoring.models import MonitoringError

__all__ = ["ParsedExpr", "check_expr", "expand_grafana_variables", "label_value", "selector"]

#: What Grafana substitutes for its built-in interval variables (a representative value is
#: enough to check the syntax: any duration parses the same).
GRAFANA_BUILTINS: dict[str, str] = {
    "__rate_interval": "1m",
    "__interval": "30s",
    "__range": "6h",
    "__interval_ms": "30000",
    "__range_s": "21600",
    "__range_ms": "21600000",
}
_VARIABLE = re.compile(
    r"\$\{(?P<braced>[A-Za-z0-9_]+)(?::[A-Za-z0-9_]+)?\}"  # ${name} and ${name:format}
    r"|\$(?P<plain>[A-Za-z0-9_]+)"  # $name
    r"|\[\[(?P<old>[A-Za-z0-9_]+)\]\]"  # [[name]] (deprecated syntax)
)


@dataclass(frozen=True)
class ParsedExpr:
    """Outcome of parsing one expression: the error (None when it parses) and the metrics it selects."""

    expr: str
    error: str | None = None
    metrics: frozenset[str] = field(default_factory=frozenset)

    @property
    def ok(self) -> bool:
        """True when the expression parsed."""
        return self.error is None


def label_value(value: str) -> str:
    """Quote ``value`` as a PromQL string literal (backslashes, quotes and newlines escaped)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def selector(labels: Mapping[str, str], regex_not: Mapping[str, str] | None = None,
             regex: Mapping[str, str] | None = None) -> str:
    """Render label matchers ``{a="x", b!~"y", c=~"z"}`` with safe quoting (empty braces omitted)."""
    parts = [f"{k}={label_value(v)}" for k, v in labels.items()]
    parts += [f"{k}=~{label_value(v)}" for k, v in (regex or {}).items()]
    parts += [f"{k}!~{label_value(v)}" for k, v in (regex_not or {}).items()]
    return "{" + ", ".join(parts) + "}" if parts else ""


def expand_grafana_variables(expr: str, variables: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """Replace Grafana variables in ``expr`` by values; return the text and the unknown variable names.

    ``variables`` maps dashboard variable names to a representative value; Grafana's built-ins are
    known. An unknown variable is replaced by ``unknown`` (so parsing can go on) and reported.
    """
    known = {**GRAFANA_BUILTINS, **(variables or {})}
    unknown: list[str] = []

    def sub(match: re.Match[str]) -> str:
        name = match["braced"] or match["plain"] or match["old"]
        if name in known:
            return known[name]
        unknown.append(name)
        return "unknown"

    return _VARIABLE.sub(sub, expr), unknown


def check_expr(expr: object) -> ParsedExpr:
    """Parse ``expr`` as PromQL; on success, collect the metric names of its selectors."""
    if not isinstance(expr, str) or not expr.strip():
        return ParsedExpr(str(expr), error="expr is empty or not a string")
    try:
        tree = promql_parser.parse(expr)
    except ValueError as exc:
        return ParsedExpr(expr, error=str(exc) or "syntax error")
    except Exception as exc:  # the bindings raise ValueError; anything else is reported, not raised
        return ParsedExpr(expr, error=f"{type(exc).__name__}: {exc}")
    names: set[str] = set()

    def visit(node: object) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            name = node.name
            if not name:
                for matcher in node.matchers.matchers:
                    if matcher.name == "__name__" and matcher.op == promql_parser.MatchOp.Equal:
                        name = matcher.value
            if name:
                names.add(name)
        return True

    try:
        promql_parser.walk(tree, visit)
    except Exception as exc:  # pragma: no cover - walking a parsed tree does not fail in practice
        raise MonitoringError(f"cannot walk the PromQL tree of {expr!r}: {exc}") from exc
    return ParsedExpr(expr, metrics=frozenset(names))
