"""``password_policy``: a minimum password length of at least 12 enforced together with character-class
checks or a strength library."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from golive.analyzers.security.appsec.index import (
    Check,
    Module,
    SourceIndex,
    call_name,
    function_defs,
    imports_of,
    keyword_arg,
    location,
)

MIN_PASSWORD_LENGTH = 12
STRENGTH_MODULES = ("zxcvbn", "password_strength", "passlib.pwd", "password_validator")
DJANGO_STRENGTH = ("CommonPasswordValidator", "UserAttributeSimilarityValidator", "NumericPasswordValidator")
PASSWORD_SCOPE = re.compile(r"pass(word|phrase)?|pwd|strength|credential", re.IGNORECASE)
_CLASS_PATTERNS = {
    "upper": re.compile(r"\[[^\]]*A-Z|\\p\{Lu\}|\[:upper:\]"),
    "lower": re.compile(r"\[[^\]]*a-z|\\p\{Ll\}|\[:lower:\]"),
    "digit": re.compile(r"\\d|\[[^\]]*0-9|\[:digit:\]"),
    "special": re.compile(r"\\W|\[\^[^\]]*(A-Z|a-z|0-9|\\w)|\[[^\]]*[!@#$%&*?]|\[:punct:\]"),
}
_CLASS_METHODS = {"isupper": "upper", "islower": "lower", "isdigit": "digit", "isnumeric": "digit",
                  "isdecimal": "digit"}
_STRING_CONSTANTS = {"ascii_uppercase": "upper", "ascii_lowercase": "lower", "digits": "digit",
                     "punctuation": "special"}


def _password_scope(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if PASSWORD_SCOPE.search(func.name):
        return True
    args = [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]
    if any(PASSWORD_SCOPE.search(a.arg) for a in args):
        return True
    for dec in func.decorator_list:
        if isinstance(dec, ast.Call) and any(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                             and PASSWORD_SCOPE.search(a.value) for a in dec.args):
            return True
    return False


def _min_length(index: SourceIndex, node: ast.Compare) -> int | None:
    """``len(x) < N`` (and friends) → the minimum length it enforces."""
    if len(node.ops) != 1:
        return None
    left, op, right = node.left, node.ops[0], node.comparators[0]
    if isinstance(right, ast.Call) and call_name(right) == "len":
        left, right = right, left
        op = {ast.Lt: ast.Gt(), ast.LtE: ast.GtE(), ast.Gt: ast.Lt(), ast.GtE: ast.LtE()}.get(type(op), op)
    if not (isinstance(left, ast.Call) and call_name(left) == "len"):
        return None
    value = index.resolve(right)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    if isinstance(op, ast.Lt | ast.GtE):
        return value
    if isinstance(op, ast.LtE | ast.Gt):
        return value + 1
    return None


def _classes_in(index: SourceIndex, node: ast.AST, depth: int = 0) -> set[str]:
    """Character classes a password check tests, following names to module-level definitions once."""
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and depth == 0:
            if sub.id in index.functions:  # a helper the check calls: _char_kind(c)
                found |= _classes_in(index, index.functions[sub.id], depth + 1)
            elif sub.id in index.aliases:  # a module-level pattern table: RULES = [re.compile(...)]
                found |= _classes_in(index, index.aliases[sub.id], depth + 1)
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            found |= {name for name, pattern in _CLASS_PATTERNS.items() if pattern.search(sub.value)}
        elif isinstance(sub, ast.Attribute):
            if sub.attr in _CLASS_METHODS:
                found.add(_CLASS_METHODS[sub.attr])
            if sub.attr in _STRING_CONSTANTS:
                found.add(_STRING_CONSTANTS[sub.attr])
        elif isinstance(sub, ast.Call) and call_name(sub) == "isalnum":
            found.add("special")
    return found


@dataclass
class _PolicyEvidence:
    lengths: list[tuple[int, str]] = field(default_factory=list)
    classes: dict[str, str] = field(default_factory=dict)
    strength: list[str] = field(default_factory=list)


def _policy_in_functions(index: SourceIndex, module: Module, found: _PolicyEvidence) -> None:
    """Length comparisons and character-class tests inside password-related functions."""
    for func in function_defs(module.tree):
        if not _password_scope(func):
            continue
        for sub in ast.walk(func):
            n = _min_length(index, sub) if isinstance(sub, ast.Compare) else None
            if n is not None:
                found.lengths.append((n, location(module, sub)))
        for name in sorted(_classes_in(index, func)):
            found.classes.setdefault(name, location(module, func))


def _policy_in_declarations(index: SourceIndex, module: Module, found: _PolicyEvidence) -> None:
    """``password: str = Field(min_length=12)`` (and constr/StringConstraints); Django's validators."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and PASSWORD_SCOPE.search(node.target.id):
            for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
                value = index.resolve(keyword_arg(call, "min_length"))
                if isinstance(value, int) and not isinstance(value, bool):
                    found.lengths.append((value, location(module, call)))
        elif isinstance(node, ast.Dict):  # Django AUTH_PASSWORD_VALIDATORS entries
            text = ast.get_source_segment(module.text, node) or ""
            if "MinimumLengthValidator" in text:
                m = re.search(r"['\"]min_length['\"]\s*:\s*(\d+)", text)
                found.lengths.append((int(m.group(1)) if m else 8, location(module, node)))
            found.strength += [f"{location(module, node)} uses {v}" for v in DJANGO_STRENGTH if v in text]


def password_policy(index: SourceIndex) -> Check:
    """A minimum password length >= 12 enforced together with character-class or strength checks."""
    found = _PolicyEvidence()
    for module in index.modules:
        _policy_in_functions(index, module, found)
        _policy_in_declarations(index, module, found)
    strength = imports_of(index, STRENGTH_MODULES) + found.strength
    best = max((n for n, _ in found.lengths), default=0)
    evidence = [f"minimum length {n} at {where}" for n, where in sorted(set(found.lengths), reverse=True)[:3]]
    evidence += [f"{name} check at {where}" for name, where in sorted(found.classes.items())] + strength
    strong = len(found.classes) >= 2 or bool(strength)
    missing = []
    if best < MIN_PASSWORD_LENGTH:
        missing.append(f"no minimum password length >= {MIN_PASSWORD_LENGTH} enforced"
                       + (f" (longest found: {best})" if best else ""))
    if not strong:
        missing.append("no character-class (upper/lower/digit/special) or strength check of passwords")
    passed = not missing
    return Check("password_policy", passed, 1.0 if passed else 0.0, evidence, "; ".join(missing))
