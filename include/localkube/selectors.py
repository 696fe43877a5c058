"""Label and field selectors, with the grammar kube-apiserver accepts.

Label selectors: ``key=value``, ``key==value``, ``key!=value``, ``key in (a,b)``,
``key notin (a,b)``, ``key`` (exists) and ``!key`` (does not exist), comma separated. ``!=`` and
``notin`` match objects that lack the key, as in Kubernetes. Field selectors: ``path=value``,
``path==value`` and ``path!=value`` over dotted paths (``involvedObject.name``, ``status.phase``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_PREFIX = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_KEY_RE = re.compile(rf"^({_PREFIX}/)?{_NAME}$")
_VALUE_RE = re.compile(rf"^({_NAME})?$")
_SET_RE = re.compile(r"^(?P<key>[^\s!=()]+)\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)$")


class SelectorError(ValueError):
    """The selector text does not parse; the message names the offending requirement."""


@dataclass(frozen=True)
class Requirement:
    """One label requirement: ``op`` is one of ``=``, ``!=``, ``in``, ``notin``, ``exists``, ``!``."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy this requirement."""
        present = self.key in labels
        value = labels.get(self.key)
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        if self.op == "exists":
            return present
        return not present  # "!"


@dataclass(frozen=True)
class LabelSelector:
    """A conjunction of label requirements; the empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether an object with ``labels`` is selected."""
        actual = labels or {}
        return all(req.matches(actual) for req in self.requirements)

    def __str__(self) -> str:
        parts = []
        for req in self.requirements:
            if req.op in ("=", "!="):
                parts.append(f"{req.key}{req.op}{req.values[0]}")
            elif req.op in ("in", "notin"):
                parts.append(f"{req.key} {req.op} ({','.join(req.values)})")
            elif req.op == "exists":
                parts.append(req.key)
            else:
                parts.append(f"!{req.key}")
        return ",".join(parts)


def _split_terms(text: str) -> list[str]:
    terms, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise SelectorError(f"unbalanced parenthesis in selector {text!r}")
        if char == "," and depth == 0:
            terms.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if depth:
        raise SelectorError(f"unbalanced parenthesis in selector {text!r}")
    terms.append("".join(current).strip())
    return [t for t in terms if t]


def _check_key(key: str, term: str) -> str:
    if not _KEY_RE.match(key):
        raise SelectorError(f"unable to parse requirement {term!r}: invalid label key {key!r}")
    return key


def _check_value(value: str, term: str) -> str:
    if not _VALUE_RE.match(value):
        raise SelectorError(f"unable to parse requirement {term!r}: invalid label value {value!r}")
    return value


def _parse_term(term: str) -> Requirement:
    match = _SET_RE.match(term)
    if match:
        values = tuple(_check_value(v.strip(), term) for v in match["values"].split(",") if v.strip())
        if not values:
            raise SelectorError(f"unable to parse requirement {term!r}: empty value set")
        return Requirement(_check_key(match["key"], term), match["op"], values)
    if term.startswith("!"):
        return Requirement(_check_key(term[1:].strip(), term), "!")
    for token, op in (("!=", "!="), ("==", "="), ("=", "=")):
        if token in term:
            key, _, value = term.partition(token)
            value = value.strip()
            if "=" in value:
                raise SelectorError(f"unable to parse requirement {term!r}")
            return Requirement(_check_key(key.strip(), term), op, (_check_value(value, term),))
    return Requirement(_check_key(term, term), "exists")


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse a ``labelSelector`` query value; raises :class:`SelectorError` on bad syntax."""
    if not text or not text.strip():
        return LabelSelector()
    return LabelSelector(tuple(_parse_term(term) for term in _split_terms(text)))


def selector_from_spec(spec: Mapping[str, Any] | None) -> LabelSelector:
    """Build a selector from a ``{matchLabels, matchExpressions}`` object (Deployments, Services…)."""
    if not spec:
        return LabelSelector()
    reqs = [Requirement(k, "=", (str(v),)) for k, v in sorted((spec.get("matchLabels") or {}).items())]
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in spec.get("matchExpressions") or []:
        op = ops.get(expr.get("operator", ""))
        if op is None:
            raise SelectorError(f"unsupported matchExpressions operator {expr.get('operator')!r}")
        reqs.append(Requirement(expr["key"], op, tuple(expr.get("values") or ())))
    return LabelSelector(tuple(reqs))


@dataclass(frozen=True)
class FieldRequirement:
    """``path op value`` where op is ``=`` or ``!=``."""

    path: str
    op: str
    value: str

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Whether ``obj`` satisfies the requirement (a missing field reads as ``""``)."""
        actual = field_value(obj, self.path)
        return (actual == self.value) if self.op == "=" else (actual != self.value)


@dataclass(frozen=True)
class FieldSelector:
    """A conjunction of field requirements."""

    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Whether ``obj`` is selected."""
        return all(req.matches(obj) for req in self.requirements)


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """Read a dotted path as the string a field selector compares against."""
    current: Any = obj
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return ""
        current = current[part]
    if current is None:
        return ""
    if isinstance(current, bool):
        return "true" if current else "false"
    return str(current)


def parse_field_selector(text: str | None) -> FieldSelector:
    """Parse a ``fieldSelector`` query value; raises :class:`SelectorError` on bad syntax."""
    if not text or not text.strip():
        return FieldSelector()
    reqs = []
    for term in _split_terms(text):
        for token, op in (("!=", "!="), ("==", "="), ("=", "=")):
            if token in term:
                path, _, value = term.partition(token)
                path = path.strip()
                if not path or not re.match(r"^[A-Za-z0-9_.\[\]'/-]+$", path):
                    raise SelectorError(f"invalid field selector {term!r}")
                reqs.append(FieldRequirement(path, op, value.strip()))
                break
        else:
            raise SelectorError(f"invalid field selector {term!r}: expected path=value or path!=value")
    return FieldSelector(tuple(reqs))
