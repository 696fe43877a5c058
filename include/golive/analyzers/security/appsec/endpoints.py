"""State-changing route handlers (``endpoints``) and the checklist checks on them: ``auth_on_mutations``
(an authentication dependency on each) and ``input_validation`` (schema-validated input)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from golive.analyzers.security.appsec.index import (
    Check,
    Module,
    SourceIndex,
    call_name,
    dotted_name,
    function_defs,
    keyword_arg,
    literal_value,
)

SCHEMA_BASES = frozenset({"BaseModel", "RootModel", "SQLModel", "Schema", "Serializer", "ModelSerializer",
                          "Form", "FlaskForm", "ModelForm", "Struct"})
MUTATING = frozenset({"post", "put", "patch", "delete"})
AUTH_NAME = re.compile(r"auth|user|token|login|current|principal|permission|scope|api_?key|verify|require|"
                       r"jwt|admin|credential|session|identity|bearer|guard|protect", re.IGNORECASE)
AUTH_EXEMPT_PATH = re.compile(r"login|logout|token|register|signup|sign-up|password-reset|reset-password|"
                              r"refresh|forgot", re.IGNORECASE)


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
        for func in function_defs(module.tree):
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
                    methods_kw = keyword_arg(dec, "methods")
                    listed = literal_value(methods_kw) if methods_kw is not None else \
                        (literal_value(dec.args[0]) if attr == "api_view" and dec.args else [])
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
        if isinstance(node, ast.Call) and call_name(node) in ("Depends", "Security"):
            target = node.args[0] if node.args else keyword_arg(node, "dependency")
            names.append(dotted_name(target) if target is not None else "")
        elif isinstance(node, ast.Name) and node.id in index.aliases and depth < 3:
            alias = index.aliases[node.id]
            if isinstance(alias, ast.Subscript | ast.Call):
                names += _dependency_names(index, alias, depth + 1)
    return names


def _router_dependencies(index: SourceIndex, ep: Endpoint) -> list[str]:
    """Auth dependencies attached to the endpoint's router (``APIRouter(dependencies=…)``, include_router)."""
    router = dotted_name(ep.decorator.func.value) if isinstance(ep.decorator.func, ast.Attribute) else ""
    stem = Path(ep.module.path).stem
    names = []
    for node in ast.walk(ep.module.tree):  # router = APIRouter(dependencies=[Depends(auth)])
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and call_name(node.value) in ("APIRouter", "FastAPI") \
                and any(dotted_name(t) == router for t in node.targets):
            names += _dependency_names(index, keyword_arg(node.value, "dependencies"))
    for module, node in index.walk():  # app.include_router(items.router, dependencies=[...])
        if not isinstance(node, ast.Call):
            continue
        deps = keyword_arg(node, "dependencies")
        if deps is None:
            continue
        if call_name(node) == "include_router" and node.args:
            included = dotted_name(node.args[0])
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
        names += _dependency_names(index, keyword_arg(ep.decorator, "dependencies"))
        names += _router_dependencies(index, ep)
        decorators = [dotted_name(d) for d in ep.func.decorator_list]
        auth = [n for n in names + decorators if n and AUTH_NAME.search(n.split(".")[-1])
                and n != dotted_name(ep.decorator)]
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
            bases = {dotted_name(b).split(".")[-1] for b in cls.bases}
            if bases & (SCHEMA_BASES | names):
                names.add(cls.name)
                changed = True
    return names


#: A path parameter: FastAPI/Starlette ``{item_id}``, Flask/Werkzeug ``<id>`` or ``<int:id>``, Django
#: ``<int:pk>``; the router parses it, so it needs no schema of its own.
_PATH_PARAM = re.compile(r"{(\w+)|<(?:[^:<>]+:)?(\w+)>")
_RAW_BODY = re.compile(r"request\.(json|get_json|form|data|body)\b|await\s+\w+\.(json|body|form)\(\)")
_PRIMITIVES = frozenset({"int", "str", "float", "bool", "UUID", "uuid.UUID", "date", "datetime", "Decimal",
                         "Request", "Response", "BackgroundTasks", "WebSocket", "HttpRequest"})
_UNTYPED = frozenset({"dict", "Dict", "Any", "object", "list", "List", "typing.Any"})


def _input_problems(index: SourceIndex, ep: Endpoint, schemas: set[str]) -> list[str]:
    """Why an endpoint's input is not schema-validated (empty when it is)."""
    path_params = {brace or angle for brace, angle in _PATH_PARAM.findall(ep.path)}
    problems = []
    for arg, default in _params(ep.func):
        if arg.arg in path_params or _dependency_names(index, default) or _dependency_names(index, arg.annotation):
            continue
        names = {dotted_name(n).split(".")[-1] for n in ast.walk(arg.annotation)} if arg.annotation else set()
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
