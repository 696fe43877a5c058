"""Alertmanager routing of the application's alerts, and its validator.

The route tree sends the application's critical alerts to the pager receiver and its warnings to
the chat receiver, grouped by alert name, namespace and application; an inhibit rule keeps a
critical alert from also sending the warning of the same alert name in the same namespace.
Receivers are webhooks whose URLs are placeholders or files (``url_file``) mounted from a Secret:
no secret is ever rendered into the configuration.

The validator evaluates the route tree the way Alertmanager does (children in order, first match
wins unless ``continue``, receivers inherited from the parent) to prove that each severity reaches
a receiver that notifies someone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from golive.monitoring.models import PROM_DURATION, ROUTED_SEVERITIES, AlertReceivers, ServiceSLOs

__all__ = ["Matcher", "parse_matcher", "render_alert_routing", "resolve_receivers", "validate_alert_routing"]

_MATCHER = re.compile(
    r'^\s*(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*'
    r'(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s",{}]*))\s*$'
)
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_DURATIONS = ("group_wait", "group_interval", "repeat_interval")


class Matcher:
    """One Alertmanager label matcher (``severity="critical"``, ``path=~"/api/.*"``)."""

    def __init__(self, name: str, op: str, value: str) -> None:
        """Build a matcher; regular expressions are anchored, as in Alertmanager."""
        self.name, self.op, self.value = name, op, value
        self._regex = re.compile(f"^(?:{value})$") if op in ("=~", "!~") else None

    def matches(self, labels: Mapping[str, str]) -> bool:
        """True when ``labels`` satisfy the matcher (a missing label is the empty string)."""
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        if self._regex is None:  # pragma: no cover - the constructor compiles every regex operator
            raise ValueError(f"matcher {self} has no compiled regular expression")
        found = bool(self._regex.match(actual))
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'


def parse_matcher(text: str) -> Matcher:
    """Parse one matcher string.

    :raises ValueError: when ``text`` is not ``label op "value"`` or its regular expression is invalid.
    """
    match = _MATCHER.match(str(text))
    if not match:
        raise ValueError(f"matcher {text!r} is not of the form label=\"value\" (ops = != =~ !~)")
    value = match["quoted"] if match["quoted"] is not None else match["bare"]
    value = re.sub(r"\\(.)", r"\1", value or "")
    try:
        return Matcher(match["name"], match["op"], value)
    except re.error as exc:
        raise ValueError(f"matcher {text!r}: invalid regular expression: {exc}") from exc


def render_alert_routing(slos: ServiceSLOs, receivers: AlertReceivers | None = None) -> dict[str, Any]:
    """Render the Alertmanager configuration (``alertmanager.yaml`` as a dict) for ``slos.application``.

    The application's subtree matches ``application`` and ``namespace``; inside it, critical alerts go
    to ``receivers.pager`` and warnings to ``receivers.chat`` (also the default for anything else).
    """
    rc = receivers or AlertReceivers()
    app_route: dict[str, Any] = {
        "receiver": rc.chat.name,
        "matchers": [f'application="{slos.application}"', f'namespace="{slos.namespace}"'],
        "routes": [
            {"receiver": rc.pager.name, "matchers": ['severity="critical"'], "group_wait": "10s",
             "repeat_interval": "1h", "continue": False},
            {"receiver": rc.chat.name, "matchers": ['severity="warning"'], "continue": False},
        ],
    }
    return {
        "global": {"resolve_timeout": rc.resolve_timeout},
        "route": {
            "receiver": rc.chat.name,
            "group_by": list(rc.group_by),
            "group_wait": rc.group_wait,
            "group_interval": rc.group_interval,
            "repeat_interval": rc.repeat_interval,
            "routes": [app_route],
        },
        "inhibit_rules": [{
            "source_matchers": ['severity="critical"'],
            "target_matchers": ['severity="warning"'],
            "equal": ["alertname", "namespace"],
        }],
        "receivers": [rc.pager.as_alertmanager(), rc.chat.as_alertmanager()],
    }


def _route_matchers(route: Mapping[str, Any]) -> list[Matcher]:
    """Matchers of a route, from ``matchers`` and the older ``match`` / ``match_re`` maps."""
    out = [parse_matcher(m) for m in route.get("matchers") or []]
    out += [Matcher(str(k), "=", str(v)) for k, v in (route.get("match") or {}).items()]
    out += [Matcher(str(k), "=~", str(v)) for k, v in (route.get("match_re") or {}).items()]
    return out


def _walk(route: Mapping[str, Any], path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every route of the tree with its path (``route.routes[0]…``), depth first."""
    yield path, route
    for i, child in enumerate(route.get("routes") or []):
        if isinstance(child, Mapping):
            yield from _walk(child, f"{path}.routes[{i}]")


def resolve_receivers(route: Mapping[str, Any], labels: Mapping[str, str],
                      inherited: str | None = None) -> list[tuple[str | None, list[str]]]:
    """Where Alertmanager sends an alert with ``labels``: ``[(receiver, names of matched label keys)]``.

    Children are tried in order; the first that matches takes the alert unless it has ``continue``;
    a route without a matching child delivers to its own (or its inherited) receiver. The second
    element lists the label names the matched path filtered on (to see whether severity was routed).
    """
    receiver = route.get("receiver") or inherited
    found: list[tuple[str | None, list[str]]] = []
    for child in route.get("routes") or []:
        if not isinstance(child, Mapping):
            continue
        matchers = _route_matchers(child)
        if all(m.matches(labels) for m in matchers):
            for name, keys in resolve_receivers(child, labels, receiver):
                found.append((name, [m.name for m in matchers] + keys))
            if not child.get("continue", False):
                break
    return found or [(receiver, [])]


def _receiver_errors(index: int, receiver: Mapping[str, Any]) -> list[str]:
    """Problems of one receiver: a name, and webhooks with one http(s) url or url_file."""
    name = receiver.get("name")
    where = f"receiver {name!r}" if name else f"receiver #{index}"
    errors = [] if name else [f"{where}: no name"]
    for hi, hook in enumerate(receiver.get("webhook_configs") or []):
        url, url_file = hook.get("url"), hook.get("url_file")
        if bool(url) == bool(url_file):
            errors.append(f"{where}: webhook_configs[{hi}] needs exactly one of url or url_file")
        elif url:
            parts = urlsplit(str(url))
            if parts.scheme not in ("http", "https") or not parts.netloc:
                errors.append(f"{where}: webhook_configs[{hi}] url {url!r} is not an http(s) URL")
            elif parts.password:
                errors.append(f"{where}: webhook_configs[{hi}] url carries a password; use url_file")
    return errors


def _notifies(receiver: Mapping[str, Any]) -> bool:
    """True when the receiver has at least one notification configuration."""
    return any(receiver.get(key) for key in receiver if str(key).endswith("_configs"))


def _receiver_table(cfg: Mapping[str, Any]) -> tuple[list[str], dict[str, Mapping[str, Any]]]:
    """The problems of the receivers and the receivers by name."""
    errors: list[str] = []
    receivers = cfg.get("receivers")
    defined: dict[str, Mapping[str, Any]] = {}
    if not isinstance(receivers, list) or not receivers:
        errors.append("alert routing: no receivers")
        receivers = []
    for index, receiver in enumerate(receivers):
        if not isinstance(receiver, Mapping):
            errors.append(f"receiver #{index}: not a mapping")
            continue
        errors += _receiver_errors(index, receiver)
        name = receiver.get("name")
        if name in defined:
            errors.append(f"receiver {name!r}: defined twice")
        if name:
            defined[str(name)] = receiver
    return errors, defined


def _route_node_errors(where: str, node: Mapping[str, Any], defined: Mapping[str, Any]) -> list[str]:
    """A route's receiver, durations and ``group_by``."""
    errors: list[str] = []
    name = node.get("receiver")
    if name is not None and name not in defined:
        listed = ", ".join(sorted(defined)) or "none"
        errors.append(f"{where}: receiver {name!r} is not defined (defined: {listed})")
    for key in _DURATIONS:
        if key in node and not PROM_DURATION.match(str(node[key])):
            errors.append(f"{where}: {key} {node[key]!r} is not a duration (e.g. 30s, 5m, 4h)")
    group_by = node.get("group_by")
    if group_by is not None:
        if not isinstance(group_by, list):
            errors.append(f"{where}: group_by must be a list of label names")
        else:
            errors += [f"{where}: group_by entry {label!r} is not a label name"
                       for label in group_by if label != "..." and not _LABEL.match(str(label))]
    return errors


def _route_tree_errors(route: Mapping[str, Any], defined: Mapping[str, Any]) -> tuple[list[str], bool]:
    """The problems of every route of the tree, and whether all their matchers parsed."""
    errors: list[str] = []
    matchers_ok = True
    for path, node in _walk(route, "route"):
        try:
            described = ", ".join(str(m) for m in _route_matchers(node)) or "no matchers"
        except ValueError as exc:
            errors.append(f"{path}: {exc}")
            matchers_ok = False
            continue
        errors += _route_node_errors(f"{path} ({described})", node, defined)
    return errors, matchers_ok


def _inhibit_rule_errors(ii: int, rule: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    where = f"inhibit_rules[{ii}]"
    for key in ("source_matchers", "target_matchers"):
        for text in rule.get(key) or []:
            try:
                parse_matcher(text)
            except ValueError as exc:
                errors.append(f"{where}: {key}: {exc}")
    if not (rule.get("source_matchers") or rule.get("source_match")) or not (
            rule.get("target_matchers") or rule.get("target_match")):
        errors.append(f"{where}: needs source and target matchers")
    errors += [f"{where}: equal entry {label!r} is not a label name"
               for label in rule.get("equal") or [] if not _LABEL.match(str(label))]
    return errors


def _default_sample_labels(route: Mapping[str, Any]) -> dict[str, str]:
    """The equality matchers of the tree's routes on labels other than ``severity``."""
    labels: dict[str, str] = {}
    for _, node in _walk(route, "route"):
        for m in _route_matchers(node):
            if m.op == "=" and m.name != "severity":
                labels.setdefault(m.name, m.value)
    return labels


def _severity_errors(route: Mapping[str, Any], severities: Iterable[str], sample_labels: Mapping[str, str],
                     defined: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Each severity must reach, through a ``severity`` matcher, a receiver that notifies someone."""
    errors: list[str] = []
    for severity in severities:
        labels = {"alertname": "RoutingProbe", **sample_labels, "severity": severity}
        for name, keys in resolve_receivers(route, labels):
            if "severity" not in keys:
                errors.append(f"severity {severity}: no route matches severity=\"{severity}\"; such alerts "
                              f"fall through to receiver {name!r}")
            elif name is None or name not in defined:
                errors.append(f"severity {severity}: routed to receiver {name!r}, which is not defined")
            elif not _notifies(defined[name]):
                errors.append(f"severity {severity}: routed to receiver {name!r}, which notifies nobody")
    return errors


def validate_alert_routing(
    cfg: Mapping[str, Any],
    *,
    severities: Iterable[str] = ROUTED_SEVERITIES,
    sample_labels: Mapping[str, str] | None = None,
) -> list[str]:
    """Check an Alertmanager configuration; return every problem found (empty means valid).

    Every route's receiver must be defined (and receiver names unique), matchers must parse,
    durations must be Prometheus durations and ``group_by`` label names; each severity in
    ``severities`` must be routed by a route that matches on ``severity`` to a receiver that notifies
    someone. ``sample_labels`` are the other labels of the probe alert (e.g. application and
    namespace, so that an application's subtree is entered); by default the equality matchers of
    the tree's routes on labels other than ``severity``.
    """
    if not isinstance(cfg, Mapping):
        return ["alert routing: not a mapping"]
    errors, defined = _receiver_table(cfg)
    route = cfg.get("route")
    if not isinstance(route, Mapping):
        return [*errors, "alert routing: no route"]
    if not route.get("receiver"):
        errors.append("route (root): has no receiver; the root route needs a default receiver")
    if route.get("matchers") or route.get("match") or route.get("match_re"):
        errors.append("route (root): must not have matchers (it receives every alert)")
    tree_errors, matchers_ok = _route_tree_errors(route, defined)
    errors += tree_errors
    for ii, rule in enumerate(cfg.get("inhibit_rules") or []):
        errors += _inhibit_rule_errors(ii, rule)
    if not matchers_ok:
        return errors
    if sample_labels is None:
        sample_labels = _default_sample_labels(route)
    return errors + _severity_errors(route, severities, sample_labels, defined)
