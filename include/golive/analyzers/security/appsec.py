"""Static application-security checks over a target's Python source (AST and text, no import, no run).

These are *static* checks: they find the code that sets up a control and report where it is
(``file:line``), they cannot prove the running service behaves so — the live HTTP versions of these
checks (headers on real responses, a 429 under load, a CORS preflight) run against the deployed
service in the verification phase. They are generic (FastAPI/Starlette, Flask, Django idioms and
plain code), not tailored to one application; each returns a ``Check`` with the evidence or what is
missing.

* ``password_policy``: a minimum length of at least 12 enforced (a ``len(password) < N`` comparison,
  ``Field(min_length=N)`` on a password field, Django's ``MinimumLengthValidator``) together with
  character-class checks (two or more of upper, lower, digit, special) or a strength library.
* ``rate_limiting``: a limiter library in use (slowapi, limits, flask-limiter, fastapi-limiter,
  django-ratelimit…) or code that answers HTTP 429.
* ``cors``: CORS configured (Starlette/FastAPI ``CORSMiddleware``, flask-cors, django-cors-headers)
  without a wildcard origin (``"*"`` or a match-all regex), literal values resolved through constants
  and settings defaults where the code names them.
* ``security_headers``: which of HSTS, CSP, X-Content-Type-Options, X-Frame-Options and
  Referrer-Policy the code sets (header names in the code, Talisman, Django settings).
* ``input_validation``, ``auth_on_mutations``, ``no_secret_logging``, ``no_debug_mode``: the
  checklist's own checks (state-changing endpoints take schema-validated input and require an
  authenticated dependency; logging calls do not pass secrets; no debug mode).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.analyzers.files import python_files

SECURITY_HEADERS = ("Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options",
                    "X-Frame-Options", "Referrer-Policy")
MIN_PASSWORD_LENGTH = 12
LIMITER_MODULES = ("slowapi", "limits", "flask_limiter", "fastapi_limiter", "django_ratelimit", "ratelimit",
                   "aiolimiter", "starlette_limiter", "ratelimiter")
STRENGTH_MODULES = ("zxcvbn", "password_strength", "passlib.pwd", "password_validator")
DJANGO_STRENGTH = ("CommonPasswordValidator", "UserAttributeSimilarityValidator", "NumericPasswordValidator")
SCHEMA_BASES = frozenset({"BaseModel", "RootModel", "SQLModel", "Schema", "Serializer", "ModelSerializer",
                          "Form", "FlaskForm", "ModelForm", "Struct"})
MUTATING = frozenset({"post", "put", "patch", "delete"})
AUTH_NAME = re.compile(r"auth|user|token|login|current|principal|permission|scope|api_?key|verify|require|"
                       r"jwt|admin|credential|session|identity|bearer|guard|protect", re.IGNORECASE)
AUTH_EXEMPT_PATH = re.compile(r"login|logout|token|register|signup|sign-up|password-reset|reset-password|"
                              r"refresh|forgot", re.IGNORECASE)
SECRET_NAME = re.compile(r"password|passwd|pwd|secret|token|api_?key|credential|private_?key|authorization",
                         re.IGNORECASE)
NOT_A_SECRET_SUFFIX = re.compile(r"_(id|type|name|names|length|len|policy|expires|expiry|ttl|count|url|"
                                 r"path|min|max|minutes|seconds|scheme|header|field)$", re.IGNORECASE)
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


@dataclass
class Check:
    """The result of one static check: passed or not, a value, and the evidence (``file:line …``)."""

    name: str
    passed: bool
    value: float
    evidence: list[str] = field(default_factory=list)
    missing: str = ""

    def detail(self) -> str:
        """Evidence and what is missing, in one line."""
        parts = []
        if self.evidence:
            shown = "; ".join(self.evidence[:8])
            parts.append(shown + (f" (+{len(self.evidence) - 8} more)" if len(self.evidence) > 8 else ""))
        if self.missing:
            parts.append(self.missing)
        return " — ".join(parts) or ("found" if self.passed else "not found")


@dataclass
class Module:
    """One parsed source file."""

    path: str
    tree: ast.Module
    text: str


class SourceIndex:
    """The parsed non-test Python files of a tree, and the literal constants they define.

    ``constants`` maps a name (module-level assignment, or a class attribute/field default such as a
    settings field) to its literal value, so ``settings.cors_origins`` can be resolved to the list a
    settings class declares; ``aliases`` maps names to their assigned expressions and ``functions``
    names to their definitions (first one wins), so a check can follow a helper one level deep.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: list[Module] = []
        self.unparsable: list[str] = []
        for rel in python_files(root):
            text = (root / rel).read_text(encoding="utf-8", errors="replace")
            try:
                self.modules.append(Module(rel, ast.parse(text), text))
            except SyntaxError as exc:
                self.unparsable.append(f"{rel}:{exc.lineno}")
        self.constants: dict[str, Any] = {}
        self.aliases: dict[str, ast.expr] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        for module in self.modules:
            for node in ast.walk(module.tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.functions.setdefault(node.name, node)
                targets: list[ast.expr] = []
                value = None
                if isinstance(node, ast.Assign):
                    targets, value = node.targets, node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    targets, value = [node.target], node.value
                for target in targets:
                    name = target.id if isinstance(target, ast.Name) else \
                        target.attr if isinstance(target, ast.Attribute) else None
                    if name is None or value is None:
                        continue
                    self.aliases.setdefault(name, value)
                    literal = _literal(_unwrap_field_default(value))
                    if literal is not _MISSING:
                        self.constants.setdefault(name, literal)

    def walk(self) -> Iterator[tuple[Module, ast.AST]]:
        """Every node of every module."""
        for module in self.modules:
            for node in ast.walk(module.tree):
                yield module, node

    def resolve(self, node: ast.expr | None) -> Any:
        """The literal value of ``node``, following names and attributes to known constants."""
        if node is None:
            return _MISSING
        node = _unwrap_field_default(node)
        if isinstance(node, ast.Call) and _call_name(node) in ("list", "tuple", "set", "frozenset", "sorted") \
                and len(node.args) == 1:
            return self.resolve(node.args[0])
        value = _literal(node)
        if value is not _MISSING:
            return value
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        return self.constants.get(name, _MISSING) if name else _MISSING


_MISSING = object()


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _MISSING


def _unwrap_field_default(node: ast.expr) -> ast.expr:
    """``Field(default=x)`` / ``Field(x)`` / ``Field(default_factory=lambda: x)`` → ``x``."""
    if isinstance(node, ast.Call) and _call_name(node) == "Field":
        for kw in node.keywords:
            if kw.arg == "default":
                return kw.value
            if kw.arg == "default_factory" and isinstance(kw.value, ast.Lambda):
                return kw.value.body
        if node.args:
            return node.args[0]
    return node


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return ""


def _kw(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _where(module: Module, node: ast.AST) -> str:
    return f"{module.path}:{getattr(node, 'lineno', '?')}"


def _imports(index: SourceIndex, prefixes: tuple[str, ...]) -> list[str]:
    found = []
    for module, node in index.walk():
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            if any(name == p or name.startswith(p + ".") for p in prefixes):
                found.append(f"{_where(module, node)} imports {name}")
    return found


# -- password policy --------------------------------------------------------------------------------

def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


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
    if isinstance(right, ast.Call) and _call_name(right) == "len":
        left, right = right, left
        op = {ast.Lt: ast.Gt(), ast.LtE: ast.GtE(), ast.Gt: ast.Lt(), ast.GtE: ast.LtE()}.get(type(op), op)
    if not (isinstance(left, ast.Call) and _call_name(left) == "len"):
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
        elif isinstance(sub, ast.Call) and _call_name(sub) == "isalnum":
            found.add("special")
    return found


@dataclass
class _PolicyEvidence:
    lengths: list[tuple[int, str]] = field(default_factory=list)
    classes: dict[str, str] = field(default_factory=dict)
    strength: list[str] = field(default_factory=list)


def _policy_in_functions(index: SourceIndex, module: Module, found: _PolicyEvidence) -> None:
    """Length comparisons and character-class tests inside password-related functions."""
    for func in _functions(module.tree):
        if not _password_scope(func):
            continue
        for sub in ast.walk(func):
            n = _min_length(index, sub) if isinstance(sub, ast.Compare) else None
            if n is not None:
                found.lengths.append((n, _where(module, sub)))
        for name in sorted(_classes_in(index, func)):
            found.classes.setdefault(name, _where(module, func))


def _policy_in_declarations(index: SourceIndex, module: Module, found: _PolicyEvidence) -> None:
    """``password: str = Field(min_length=12)`` (and constr/StringConstraints); Django's validators."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and PASSWORD_SCOPE.search(node.target.id):
            for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
                value = index.resolve(_kw(call, "min_length"))
                if isinstance(value, int) and not isinstance(value, bool):
                    found.lengths.append((value, _where(module, call)))
        elif isinstance(node, ast.Dict):  # Django AUTH_PASSWORD_VALIDATORS entries
            text = ast.get_source_segment(module.text, node) or ""
            if "MinimumLengthValidator" in text:
                m = re.search(r"['\"]min_length['\"]\s*:\s*(\d+)", text)
                found.lengths.append((int(m.group(1)) if m else 8, _where(module, node)))
            found.strength += [f"{_where(module, node)} uses {v}" for v in DJANGO_STRENGTH if v in text]


def password_policy(index: SourceIndex) -> Check:
    """A minimum password length >= 12 enforced together with character-class or strength checks."""
    found = _PolicyEvidence()
    for module in index.modules:
        _policy_in_functions(index, module, found)
        _policy_in_declarations(index, module, found)
    strength = _imports(index, STRENGTH_MODULES) + found.strength
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


# -- rate limiting ----------------------------------------------------------------------------------

def rate_limiting(index: SourceIndex) -> Check:
    """A rate limiter in use, or code that answers HTTP 429 Too Many Requests."""
    evidence = []
    libs = _imports(index, LIMITER_MODULES)
    for module, node in index.walk():
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if libs and ("limit" in name.lower()):
                evidence.append(f"{_where(module, node)} calls {name}")
            for value in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(value, ast.Constant) and value.value == 429 and not isinstance(value.value, bool):
                    evidence.append(f"{_where(module, node)} answers 429")
        elif isinstance(node, ast.Attribute | ast.Name):
            name = node.attr if isinstance(node, ast.Attribute) else node.id
            if name in ("HTTP_429_TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS", "TooManyRequests",
                        "RateLimitExceeded"):
                evidence.append(f"{_where(module, node)} uses {name}")
    evidence = libs + list(dict.fromkeys(evidence))
    passed = bool(evidence) and (not libs or len(evidence) > len(libs) or any("429" in e for e in evidence))
    return Check("rate_limiting", passed, 1.0 if passed else 0.0, evidence,
                 "" if passed else "no rate limiter (slowapi, limits, flask-limiter…) and no 429 response")


# -- CORS -------------------------------------------------------------------------------------------

_MATCH_ALL = re.compile(r"^\^?(https?://)?\.\*\$?$|^\^?https?\?://\.\*\$?$")


def _wildcard(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip() == "*"
    if isinstance(value, list | tuple | set | frozenset):
        return any(isinstance(v, str) and v.strip() == "*" for v in value)
    return False


def _starlette_cors(index: SourceIndex, module: Module, node: ast.Call) -> tuple[bool, str] | None:
    """``add_middleware(CORSMiddleware, …)`` / ``Middleware(CORSMiddleware, …)`` / ``CORSMiddleware(app, …)``."""
    name = _call_name(node)
    first = _dotted(node.args[0]) if node.args else ""
    wrapped = name in ("add_middleware", "Middleware") and first.endswith("CORSMiddleware")
    if not (name == "CORSMiddleware" or wrapped):
        return None
    where = _where(module, node)
    origins_node = _kw(node, "allow_origins")
    origins = index.resolve(origins_node)
    regex = index.resolve(_kw(node, "allow_origin_regex"))
    if _wildcard(origins) or (isinstance(regex, str) and _MATCH_ALL.match(regex)):
        credentials = index.resolve(_kw(node, "allow_credentials")) is True
        return False, f"{where}: CORSMiddleware allows any origin" + (" with credentials" if credentials else "")
    if origins is _MISSING and origins_node is not None:
        text = ast.get_source_segment(module.text, origins_node)
        return True, f"{where}: CORSMiddleware origins from {text} (not a literal wildcard)"
    return True, f"{where}: CORSMiddleware origins {origins if origins is not _MISSING else []}"


def _flask_cors(index: SourceIndex, module: Module, node: ast.Call) -> tuple[bool, str] | None:
    """flask-cors ``CORS(app, origins=…)``: without origins or resources it allows every origin."""
    if _call_name(node) != "CORS" or not node.args:
        return None
    unrestricted = _kw(node, "origins") is None and _kw(node, "resources") is None
    if unrestricted or _wildcard(index.resolve(_kw(node, "origins"))):
        return False, f"{_where(module, node)}: flask-cors allows any origin"
    return True, f"{_where(module, node)}: flask-cors with explicit origins"


def _django_cors(module: Module, node: ast.Assign) -> tuple[bool, str] | None:
    """django-cors-headers settings."""
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        return None
    name, value = node.targets[0].id, _literal(node.value)
    if name in ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL") and value is True:
        return False, f"{_where(module, node)}: {name} = True"
    if name in ("CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST"):
        return not _wildcard(value), f"{_where(module, node)}: {name}"
    return None


def cors(index: SourceIndex) -> Check:
    """CORS configured and no wildcard origin (nor credentials with a wildcard)."""
    configs: list[str] = []
    problems: list[str] = []
    for module, node in index.walk():
        found = None
        if isinstance(node, ast.Call):
            found = _starlette_cors(index, module, node) or _flask_cors(index, module, node)
        elif isinstance(node, ast.Assign):
            found = _django_cors(module, node)
        if found is not None:
            (configs if found[0] else problems).append(found[1])
    passed = bool(configs) and not problems
    missing = "; ".join(problems) if problems else (
        "" if configs else "no CORS configuration (CORSMiddleware, flask-cors, django-cors-headers)")
    return Check("cors_restricted", passed, 1.0 if passed else 0.0, configs, missing)


# -- security headers -------------------------------------------------------------------------------

_DJANGO_HEADER_SETTINGS = {"SECURE_HSTS_SECONDS": "Strict-Transport-Security",
                           "SECURE_CONTENT_TYPE_NOSNIFF": "X-Content-Type-Options",
                           "X_FRAME_OPTIONS": "X-Frame-Options", "SECURE_REFERRER_POLICY": "Referrer-Policy",
                           "CSP_DEFAULT_SRC": "Content-Security-Policy",
                           "CONTENT_SECURITY_POLICY": "Content-Security-Policy"}


def security_headers(index: SourceIndex) -> Check:
    """How many of HSTS, CSP, X-Content-Type-Options, X-Frame-Options, Referrer-Policy the code sets."""
    found: dict[str, str] = {}
    lower = {h.lower(): h for h in SECURITY_HEADERS}
    for module, node in index.walk():
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip().lower() in lower:
            found.setdefault(lower[node.value.strip().lower()], _where(module, node))
        elif isinstance(node, ast.Call) and _call_name(node) == "Talisman":
            for header in SECURITY_HEADERS:
                found.setdefault(header, f"{_where(module, node)} (Talisman)")
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            setting = _DJANGO_HEADER_SETTINGS.get(node.targets[0].id)
            value = _literal(node.value)
            if setting and value not in (_MISSING, None, False, 0, ""):
                found.setdefault(setting, f"{_where(module, node)} ({node.targets[0].id})")
    evidence = [f"{h} at {found[h]}" for h in SECURITY_HEADERS if h in found]
    absent = [h for h in SECURITY_HEADERS if h not in found]
    return Check("security_headers", len(found) == len(SECURITY_HEADERS), float(len(found)), evidence,
                 f"not set: {', '.join(absent)}" if absent else "")


# -- endpoints (checklist checks) -------------------------------------------------------------------

@dataclass
class Endpoint:
    """A route handler: its method, path, function and where it is."""

    module: Module
    func: ast.FunctionDef | ast.AsyncFunctionDef
    method: str
    path: str
    decorator: ast.Call

    @property
    def where(self) -> str:
        """``file:line name``."""
        return f"{self.module.path}:{self.func.lineno} {self.method.upper()} {self.path or self.func.name}"


def endpoints(index: SourceIndex) -> list[Endpoint]:
    """Route handlers with a state-changing method (POST, PUT, PATCH, DELETE)."""
    found = []
    for module in index.modules:
        for func in _functions(module.tree):
            for dec in func.decorator_list:
                if not isinstance(dec, ast.Call) or not isinstance(dec.func, ast.Attribute):
                    continue
                path = dec.args[0].value if dec.args and isinstance(dec.args[0], ast.Constant) else ""
                path = path if isinstance(path, str) else ""
                attr = dec.func.attr.lower()
                methods: list[str] = []
                if attr in MUTATING:
                    methods = [attr]
                elif attr in ("route", "api_route", "api_view"):
                    methods_kw = _kw(dec, "methods")
                    listed = _literal(methods_kw) if methods_kw is not None else \
                        (_literal(dec.args[0]) if attr == "api_view" and dec.args else [])
                    if isinstance(listed, list | tuple | set):
                        methods = [str(m).lower() for m in listed if str(m).lower() in MUTATING]
                found += [Endpoint(module, func, m, path, dec) for m in methods]
    return found


def _params(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[ast.arg, ast.expr | None]]:
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    pairs = list(zip(positional, defaults, strict=True))
    pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    return [(a, d) for a, d in pairs if a.arg not in ("self", "cls")]


def _dependency_names(index: SourceIndex, expr: ast.AST | None, depth: int = 0) -> list[str]:
    """Names of the callables in ``Depends(x)`` / ``Security(x)`` inside ``expr`` (aliases followed)."""
    if expr is None or depth > 3:
        return []
    names = []
    for node in ast.walk(expr):
        if isinstance(node, ast.Call) and _call_name(node) in ("Depends", "Security"):
            target = node.args[0] if node.args else _kw(node, "dependency")
            names.append(_dotted(target) if target is not None else "")
        elif isinstance(node, ast.Name) and node.id in index.aliases and depth < 3:
            alias = index.aliases[node.id]
            if isinstance(alias, ast.Subscript | ast.Call):
                names += _dependency_names(index, alias, depth + 1)
    return names


def _router_dependencies(index: SourceIndex, ep: Endpoint) -> list[str]:
    """Auth dependencies attached to the endpoint's router (``APIRouter(dependencies=…)``, include_router)."""
    router = _dotted(ep.decorator.func.value) if isinstance(ep.decorator.func, ast.Attribute) else ""
    stem = Path(ep.module.path).stem
    names = []
    for node in ast.walk(ep.module.tree):  # router = APIRouter(dependencies=[Depends(auth)])
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and _call_name(node.value) in ("APIRouter", "FastAPI") \
                and any(_dotted(t) == router for t in node.targets):
            names += _dependency_names(index, _kw(node.value, "dependencies"))
    for module, node in index.walk():  # app.include_router(items.router, dependencies=[...])
        if not isinstance(node, ast.Call):
            continue
        deps = _kw(node, "dependencies")
        if deps is None:
            continue
        if _call_name(node) == "include_router" and node.args:
            included = _dotted(node.args[0])
            if (included == router and module is ep.module) or included.split(".")[-2:] == [stem, router]:
                names += _dependency_names(index, deps)
    return names


def auth_on_mutations(index: SourceIndex) -> Check:
    """Every state-changing endpoint (except login/token/registration) requires authentication."""
    eps = endpoints(index)
    protected: list[str] = []
    open_eps: list[str] = []
    for ep in eps:
        if AUTH_EXEMPT_PATH.search(ep.path) or AUTH_EXEMPT_PATH.search(ep.func.name):
            protected.append(f"{ep.where} (exempt: authentication endpoint)")
            continue
        names = []
        for arg, default in _params(ep.func):
            names += _dependency_names(index, default) + _dependency_names(index, arg.annotation)
        names += _dependency_names(index, _kw(ep.decorator, "dependencies"))
        names += _router_dependencies(index, ep)
        decorators = [_dotted(d) for d in ep.func.decorator_list]
        auth = [n for n in names + decorators if n and AUTH_NAME.search(n.split(".")[-1])
                and n != _dotted(ep.decorator)]
        (protected if auth else open_eps).append(ep.where + (f" ({auth[0]})" if auth else ""))
    if not eps:
        return Check("auth_on_mutations", True, 1.0, [], "no state-changing endpoints found")
    passed = not open_eps
    return Check("auth_on_mutations", passed, 1.0 if passed else 0.0, protected,
                 f"without an authentication dependency: {'; '.join(open_eps)}" if open_eps else "")


def _schema_classes(index: SourceIndex) -> set[str]:
    names: set[str] = set()
    changed = True
    classes = [n for _, n in index.walk() if isinstance(n, ast.ClassDef)]
    while changed:
        changed = False
        for cls in classes:
            if cls.name in names:
                continue
            bases = {_dotted(b).split(".")[-1] for b in cls.bases}
            if bases & (SCHEMA_BASES | names):
                names.add(cls.name)
                changed = True
    return names


_RAW_BODY = re.compile(r"request\.(json|get_json|form|data|body)\b|await\s+\w+\.(json|body|form)\(\)")
_PRIMITIVES = frozenset({"int", "str", "float", "bool", "UUID", "uuid.UUID", "date", "datetime", "Decimal",
                         "Request", "Response", "BackgroundTasks", "WebSocket", "HttpRequest"})
_UNTYPED = frozenset({"dict", "Dict", "Any", "object", "list", "List", "typing.Any"})


def _input_problems(index: SourceIndex, ep: Endpoint, schemas: set[str]) -> list[str]:
    """Why an endpoint's input is not schema-validated (empty when it is)."""
    path_params = set(re.findall(r"{(\w+)", ep.path))
    problems = []
    for arg, default in _params(ep.func):
        if arg.arg in path_params or _dependency_names(index, default) or _dependency_names(index, arg.annotation):
            continue
        names = {_dotted(n).split(".")[-1] for n in ast.walk(arg.annotation)} if arg.annotation else set()
        if not names:
            problems.append(f"parameter {arg.arg} has no type")
        elif not names & (schemas | _PRIMITIVES) and names & _UNTYPED:
            problems.append(f"parameter {arg.arg} is an untyped {min(names & _UNTYPED)}")
    body = ast.get_source_segment(ep.module.text, ep.func) or ""
    validators = "|".join([r"model_validate", r"parse_obj", r"\.load\(", r"\.is_valid\(",
                           *(re.escape(name) for name in schemas)])
    if _RAW_BODY.search(body) and not re.search(validators, body):
        problems.append("reads the raw request body without a schema")
    return problems


def input_validation(index: SourceIndex) -> Check:
    """State-changing endpoints take their input through schema classes (pydantic, marshmallow…)."""
    schemas = _schema_classes(index)
    eps = [e for e in endpoints(index) if e.method != "delete"]
    if not eps:
        return Check("input_validation", True, 1.0, [], "no state-changing endpoints found: nothing to validate")
    good: list[str] = []
    bad: list[str] = []
    for ep in eps:
        problems = _input_problems(index, ep, schemas)
        (bad if problems else good).append(ep.where + (f": {'; '.join(problems)}" if problems else ""))
    passed = not bad and bool(schemas)
    evidence = [f"schema classes: {', '.join(sorted(schemas)[:8])}"] if schemas else []
    return Check("input_validation", passed, 1.0 if passed else 0.0, evidence + good,
                 ("unvalidated input: " + " | ".join(bad)) if bad else ("" if schemas else "no schema classes"))


_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "msg"})


def _secret_like(name: str | None) -> bool:
    return bool(name and SECRET_NAME.search(name) and not NOT_A_SECRET_SUFFIX.search(name))


def _is_logging_call(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "print"
    return isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS \
        and bool(re.search(r"log", _dotted(func.value), re.IGNORECASE))


def _logged_secrets(value: ast.AST) -> list[str]:
    """Names (variables, attributes, dict keys) in a logged value that look like secrets."""
    for sub in ast.walk(value):
        name = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else None
        if _secret_like(name):
            return [str(name)]
    if isinstance(value, ast.Dict):
        return [f"field {k.value}" for k in value.keys
                if isinstance(k, ast.Constant) and isinstance(k.value, str) and _secret_like(k.value)]
    return []


def no_secret_logging(index: SourceIndex) -> Check:
    """No logging (or print) call passes a value named like a password, token, key or secret."""
    hits = []
    calls = 0
    for module, node in index.walk():
        if not isinstance(node, ast.Call) or not _is_logging_call(node):
            continue
        calls += 1
        for value in [*node.args, *(k.value for k in node.keywords)]:
            hits += [f"{_where(module, node)} logs {name}" for name in _logged_secrets(value)]
    hits = list(dict.fromkeys(hits))
    return Check("no_secret_logging", not hits, 0.0 if hits else 1.0,
                 [f"{calls} logging calls checked"] if not hits else [], "; ".join(hits))


def no_debug_mode(index: SourceIndex) -> Check:
    """No framework debug mode switched on in code (``debug=True``, ``DEBUG = True``)."""
    hits = []
    for module, node in index.walk():
        if isinstance(node, ast.Call) and _call_name(node) in ("FastAPI", "Starlette", "Flask", "run", "Quart"):
            if index.resolve(_kw(node, "debug")) is True:
                hits.append(f"{_where(module, node)} {_call_name(node)}(debug=True)")
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DEBUG" for t in node.targets):
            if _literal(node.value) is True:
                hits.append(f"{_where(module, node)} DEBUG = True")
    return Check("no_debug_mode", not hits, 0.0 if hits else 1.0, [], "; ".join(hits))
