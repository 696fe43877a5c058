"""The security hardening agent: analyzers on fixture trees, OSV matching (offline and online over real
HTTP), the static hardening checks, the checklist, scoring and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from repo_paths import TEST_DATA

from golive.agents import security
from golive.analyzers.base import Context, guarded
from golive.analyzers.security.advisories import (
    affects,
    cvss3_base_score,
    load_snapshot,
    match_offline,
    snapshot_info,
)
from golive.analyzers.security.appsec.cors import cors
from golive.analyzers.security.appsec.endpoints import auth_on_mutations, input_validation
from golive.analyzers.security.appsec.exposure import no_debug_mode, no_secret_logging
from golive.analyzers.security.appsec.headers import security_headers
from golive.analyzers.security.appsec.index import SourceIndex
from golive.analyzers.security.appsec.password import password_policy
from golive.analyzers.security.appsec.ratelimit import rate_limiting
from golive.analyzers.security.checklist import CHECKS, load_checklist
from golive.analyzers.security.requirements import declared_dependencies
from golive.cli.gate import gate_results
from golive.gates.security import SECURITY
from golive.models import AnalyzerResult, CriterionStatus, Measurement, VerdictStatus
from golive.settings import get_settings

TARGETS = TEST_DATA / "targets"
SECRETS_IN_BAD = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "Sup3rS3cretPassw0rd")


@pytest.fixture(scope="module")
def good() -> list[AnalyzerResult]:
    return gate_results(security.SPEC, Context(agent="security", source=TARGETS / "good"))


@pytest.fixture(scope="module")
def bad() -> list[AnalyzerResult]:
    return gate_results(security.SPEC, Context(agent="security", source=TARGETS / "bad"))


def _criterion(verdict, name):
    return next(c for c in verdict.criteria if c.name == name)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def _run(name: str, root: Path, **env: str) -> AnalyzerResult:
    return guarded(name, security.REGISTRY[name], Context(agent="security", source=root))


# -- the fixture trees ------------------------------------------------------------------------------

def test_good_tree_passes(good):
    assert [r.tool for r in good] == list(SECURITY.analyzers)
    assert all(r.error is None for r in good), [r.error for r in good]
    verdict = SECURITY.score(good)
    assert verdict.status is VerdictStatus.PASS and verdict.score == 100.0
    assert next(r for r in good if r.tool == "checklist").details["ran_analyzers"] == []


def test_bad_tree_fails_on_secrets_sast_and_advisories(bad):
    verdict = SECURITY.score(bad)
    assert verdict.status is VerdictStatus.FAIL
    secrets = _criterion(verdict, "secrets")
    assert secrets.status is CriterionStatus.FAIL and secrets.value == 3
    assert "AWS Access Key at shop/core.py:3" in secrets.reason
    assert _criterion(verdict, "sast_high").value == 1
    deps = _criterion(verdict, "vulnerable_dependencies_high")
    assert deps.status is CriterionStatus.FAIL and deps.value == 2
    assert "jinja2==2.10" in deps.reason and "GHSA-462w-v97r-4m45" in deps.reason and "2024-10-10" in deps.reason
    for key in ("secrets", "sast_high", "vulnerable_dependencies_high"):
        assert any(r.startswith(f"key criterion {key} failed") for r in verdict.reasons)
    for name in ("password_policy", "rate_limiting"):
        assert _criterion(verdict, name).value == 0
    assert _criterion(verdict, "cors_restricted").value == 1  # no CORS configuration: same-origin policy
    assert _criterion(verdict, "security_headers").value == 0
    assert _criterion(verdict, "checklist_completion").value < 50


def test_no_finding_or_output_carries_a_secret_value(bad):
    dumped = json.dumps([r.model_dump(mode="json") for r in bad])
    for value in SECRETS_IN_BAD[1:]:
        assert value not in dumped
    secret_findings = [f for r in bad if r.tool == "secrets" for f in r.findings]
    assert secret_findings and all("value not shown" in f.message for f in secret_findings)
    assert all(f.fingerprint.startswith("secrets:") and len(f.fingerprint) == 32 for f in secret_findings)


def test_bad_dependencies_group_aliases_and_report_unpinned(bad):
    deps = next(r for r in bad if r.tool == "dependencies")
    jinja = [f for f in deps.findings if f.message.startswith("jinja2 2.10 is affected by GHSA-462w")]
    assert len(jinja) == 1 and "PYSEC-2019-217" in jinja[0].message and "fixed in 2.10.1" in jinja[0].message
    assert jinja[0].path == "requirements.txt" and jinja[0].line == 1
    assert not any(f.rule_id == "PYSEC-2019-217" for f in deps.findings)  # merged into its GHSA alias
    unpinned = [f for f in deps.findings if f.rule_id == "unpinned-requirement"]
    assert [f.message.split(" ")[0] for f in unpinned] == ["flask>=2.0"]
    assert deps.value("unpinned_dependencies") == 1


# -- dependencies -----------------------------------------------------------------------------------

def test_snapshot_is_real_osv_and_dated():
    records = load_snapshot()
    assert len(records) >= 40
    assert snapshot_info()["date"] == "2024-10-10"
    for record in records:
        assert record["id"].startswith(("GHSA-", "PYSEC-"))
        assert all(a["package"]["ecosystem"] == "PyPI" for a in record["affected"])
    ghsa = [r for r in records if r["id"].startswith("GHSA-")]
    assert all(r["database_specific"]["severity"] in ("LOW", "MODERATE", "HIGH", "CRITICAL") for r in ghsa)


def _dep(text: str, tmp_path: Path):
    (tmp_path / "requirements.txt").write_text(text)
    deps, _ = declared_dependencies(tmp_path)
    return deps


def test_version_matching_follows_osv_ranges(tmp_path):
    records = load_snapshot()
    deps = _dep("jinja2==2.10.1\nJinja2==3.1.3\npyyaml==5.4\nstarlette==0.36.1\nurllib3==2.0.5\n", tmp_path)
    found = {f"{d.name}=={d.version}": [v.primary for v in vs] for d, vs in match_offline(deps, records).items()}
    assert "GHSA-462w-v97r-4m45" not in found.get("jinja2==2.10.1", [])  # fixed in 2.10.1
    assert found["jinja2==3.1.3"] == ["GHSA-h75v-3vvj-5mfj"]  # fixed in 3.1.4 only
    assert "GHSA-8q59-q68h-6hv4" not in found.get("pyyaml==5.4", [])
    assert "starlette==0.36.1" not in found  # its only advisory here is withdrawn
    assert set(found["urllib3==2.0.5"]) >= {"GHSA-v845-jxx5-vc9f", "GHSA-g4mx-q9vg-27p4", "GHSA-34jh-p97f-mpxf"}


def test_last_affected_and_explicit_versions():
    record = {"id": "TEST-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "Demo_Pkg"},
                                            "ranges": [{"type": "ECOSYSTEM", "events": [
                                                {"introduced": "1.0"}, {"last_affected": "1.4"}]}],
                                            "versions": ["0.9.1"]}]}
    assert affects(record, "demo-pkg", "1.4")[0] is True
    assert affects(record, "demo-pkg", "1.4.1")[0] is False
    assert affects(record, "demo-pkg", "0.9.1")[0] is True
    assert affects(record, "demo-pkg", "0.9")[0] is False


def test_requirement_files_includes_hashes_markers_and_pyproject(tmp_path):
    _tree(tmp_path, {
        "requirements.txt": "-r requirements/base.txt\nrequests==2.19.1 \\\n    --hash=sha256:abc\n"
                            "pywin32==306 ; sys_platform == 'win32'\n-e .\n",
        "requirements/base.txt": "# base\nDjango==4.0.3  # pinned\n",
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["pillow>=9"]\n',
    })
    deps, notes = declared_dependencies(tmp_path)
    assert {(d.name, d.version) for d in deps} == {("requests", "2.19.1"), ("django", "4.0.3"), ("pillow", None)}
    assert any("editable" in n for n in notes)
    found = {d.name: vs for d, vs in match_offline(deps, load_snapshot()).items()}
    assert found["requests"][0].primary == "GHSA-x84v-xcm2-53pg" and found["requests"][0].severity == "HIGH"
    assert any(v.primary == "GHSA-w24h-v9qh-8gxj" and v.severity == "CRITICAL" for v in found["django"])


def test_cvss_v3_base_scores():
    assert cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == 9.8
    assert cvss3_base_score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N") == 8.6
    assert cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N") == 5.4
    assert cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N") == 0.0
    assert cvss3_base_score("CVSS:4.0/AV:N") is None


class _OSV(BaseHTTPRequestHandler):
    """A local OSV API answering from the snapshot (querybatch pages one id at a time)."""

    fail = False

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # http.server names the handlers so
        if self.fail or self.path != "/v1/querybatch":
            self._send(500, {"message": "internal error"})
            return
        queries = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["queries"]
        results = []
        for query in queries:
            ids = sorted(r["id"] for r in load_snapshot() if not r.get("withdrawn")
                         and affects(r, query["package"]["name"], query["version"])[0])
            start = int(query.get("page_token") or 0)
            page = {"vulns": [{"id": i, "modified": "2024-10-10T00:00:00Z"} for i in ids[start:start + 1]]}
            if start + 1 < len(ids):
                page["next_page_token"] = str(start + 1)
            results.append(page)
        self._send(200, {"results": results})

    def do_GET(self) -> None:
        vuln_id = self.path.rsplit("/", 1)[-1]
        record = next((r for r in load_snapshot() if r["id"] == vuln_id), None)
        self._send(200 if record else 404, record or {"message": "not found"})


@pytest.fixture
def osv_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OSV)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    _OSV.fail = False


def test_online_mode_queries_the_osv_api_and_agrees_with_offline(osv_server, monkeypatch):
    url = f"http://127.0.0.1:{osv_server.server_address[1]}"
    monkeypatch.setenv("GOLIVE_OSV_MODE", "online")
    monkeypatch.setenv("GOLIVE_OSV_URL", url)
    online = _run("dependencies", TARGETS / "bad")
    assert online.error is None
    assert f"online OSV API {url}" in next(m.detail for m in online.measurements
                                           if m.name == "vulnerable_dependencies_high")
    monkeypatch.setenv("GOLIVE_OSV_MODE", "offline")
    get_settings.cache_clear()
    offline = _run("dependencies", TARGETS / "bad")
    assert sorted(f.rule_id for f in online.findings) == sorted(f.rule_id for f in offline.findings)
    assert online.value("vulnerable_dependencies_high") == offline.value("vulnerable_dependencies_high") == 2


def test_online_failure_is_no_data_never_a_pass(osv_server, monkeypatch):
    _OSV.fail = True
    monkeypatch.setenv("GOLIVE_OSV_MODE", "online")
    monkeypatch.setenv("GOLIVE_OSV_URL", f"http://127.0.0.1:{osv_server.server_address[1]}/v1/querybatch")
    result = _run("dependencies", TARGETS / "good")
    assert result.error and "HTTP 500" in result.error
    verdict = SECURITY.score([result])
    assert _criterion(verdict, "vulnerable_dependencies_high").status is CriterionStatus.NO_DATA
    assert verdict.status is VerdictStatus.FAIL


def test_online_unreachable_api_is_a_tool_error(monkeypatch):
    monkeypatch.setenv("GOLIVE_OSV_MODE", "online")
    monkeypatch.setenv("GOLIVE_OSV_URL", "http://127.0.0.1:1")
    result = _run("dependencies", TARGETS / "good")
    assert result.error and "could not be queried" in result.error


def test_unknown_osv_mode_is_a_tool_error(monkeypatch):
    monkeypatch.setenv("GOLIVE_OSV_MODE", "sometimes")
    assert "neither 'offline' nor 'online'" in _run("dependencies", TARGETS / "good").error


# -- secrets ----------------------------------------------------------------------------------------

def test_secrets_in_tests_count_only_when_provider_specific(tmp_path):
    _tree(tmp_path, {
        "app.py": "VALUE = 1\n",
        "tests/test_login.py": 'password = "correct-horse-battery-staple-77"\n'
                               'KEY = "AKIAIOSFODNN7EXAMPLE"\n',
        ".venv/lib/creds.py": 'password = "hunter2hunter2hunter2"\n',
        "notes.py": 'api_key = "sk_live_51Hxxxxxxxxxxxxxxxxxxxxx"  # pragma: allowlist secret\n',
    })
    result = _run("secrets", tmp_path)
    assert result.value("secrets_found") == 1  # the AWS key; the keyword match in a test is not counted
    assert {(f.path, f.severity.value) for f in result.findings} == {
        ("tests/test_login.py", "high"), ("tests/test_login.py", "low")}


# -- static hardening checks ------------------------------------------------------------------------

def _index(tmp_path: Path, files: dict[str, str]) -> SourceIndex:
    return SourceIndex(_tree(tmp_path, files))


def test_cors_wildcards_are_found_through_settings(tmp_path):
    index = _index(tmp_path, {
        "settings.py": "class Settings:\n    cors_origins: list[str] = ['*']\n",
        "main.py": "app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, "
                   "allow_credentials=True)\n",
    })
    check = cors(index)
    assert not check.passed and "allows any origin with credentials" in check.missing


@pytest.mark.parametrize(("code", "passed"), [
    ("app.add_middleware(CORSMiddleware, allow_origins=['https://a.example'])\n", True),
    ("app.add_middleware(CORSMiddleware, allow_origins=os.environ['ORIGINS'].split(','))\n", True),
    ("app.add_middleware(CORSMiddleware, allow_origin_regex='.*')\n", False),
    ("CORS(app)\n", False),
    ("CORS(app, origins=['https://a.example'])\n", True),
    ("CORS_ALLOW_ALL_ORIGINS = True\n", False),
    ("x = 1\n", True),
])
def test_cors_variants(tmp_path, code, passed):
    assert cors(_index(tmp_path, {"main.py": code})).passed is passed


def test_password_policy_needs_length_12_and_classes(tmp_path):
    weak = _index(tmp_path / "a", {"auth.py": """
        import re
        def validate_password(password: str) -> None:
            if len(password) < 8 or not re.search(r"[A-Z]", password) or not re.search(r"\\d", password):
                raise ValueError("weak")
    """})
    check = password_policy(weak)
    assert not check.passed and "longest found: 8" in check.missing
    strong = _index(tmp_path / "b", {"auth.py": """
        MIN_LEN = 12
        def validate_password(password: str) -> None:
            if len(password) < MIN_LEN or not any(c.isupper() for c in password) \\
                    or not any(c.isdigit() for c in password):
                raise ValueError("weak")
    """})
    assert password_policy(strong).passed
    django = _index(tmp_path / "c", {"settings.py": """
        AUTH_PASSWORD_VALIDATORS = [
            {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
             "OPTIONS": {"min_length": 14}},
            {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        ]
    """})
    assert password_policy(django).passed
    helper = _index(tmp_path / "d", {"policy.py": """
        MIN_PASSWORD_LENGTH = 12
        def _kind(char: str) -> str:
            return "upper" if char.isupper() else "digit" if char.isdigit() else "other"
        def password_problems(password: str) -> list[str]:
            kinds = {_kind(c) for c in password}
            checks = [(len(password) >= MIN_PASSWORD_LENGTH, "length"), ("upper" in kinds, "upper")]
            return [what for ok, what in checks if not ok]
    """})
    check = password_policy(helper)
    assert check.passed and "upper check at policy.py:5" in check.evidence


def test_rate_limiting_and_headers(tmp_path):
    index = _index(tmp_path, {"mw.py": """
        from slowapi import Limiter
        limiter = Limiter(key_func=lambda r: r.client.host)
        HEADERS = {"X-Frame-Options": "DENY", "x-content-type-options": "nosniff", "Referrer-Policy": "no-referrer"}
    """})
    assert rate_limiting(index).passed
    headers = security_headers(index)
    assert headers.value == 3 and "Strict-Transport-Security" in headers.missing
    unused = _index(tmp_path / "b", {"mw.py": "import slowapi\n"})
    assert not rate_limiting(unused).passed


@pytest.mark.parametrize(("code", "passed"), [
    ("def limited():\n    return 'slow down', 429\n", True),
    ("response = app.make_response(('Too many requests', 429))\n", True),
    ("abort(429)\n", True),
    ("if response.status_code == 429:\n    retry()\n", False),
    ("def ok():\n    return 'fine', 200\n", False),
])
def test_rate_limiting_finds_hand_written_limiters(tmp_path, code, passed):
    assert rate_limiting(_index(tmp_path, {"app.py": code})).passed is passed


def test_flask_path_parameters_need_no_schema(tmp_path):
    index = _index(tmp_path, {"blog.py": """
        from pydantic import BaseModel
        class PostForm(BaseModel):
            title: str
        @bp.route("/<int:id>/update", methods=("GET", "POST"))
        def update(id):
            form = PostForm.model_validate(request.form.to_dict())
        @bp.route("/<slug>/delete", methods=("POST",))
        def delete(slug): ...
        @bp.route("/<int:id>/rename", methods=("POST",))
        def rename(id, name): ...
    """})
    check = input_validation(index)
    assert "update" not in check.missing and "/delete" not in check.missing
    assert "parameter name has no type" in check.missing


def test_endpoint_checks_auth_input_logging_debug(tmp_path):
    index = _index(tmp_path, {"api.py": """
        from typing import Annotated
        from fastapi import APIRouter, Depends, FastAPI, Request
        from pydantic import BaseModel

        class ItemIn(BaseModel):
            name: str

        CurrentUser = Annotated[str, Depends(get_current_user)]
        router = APIRouter()
        admin = APIRouter(dependencies=[Depends(require_admin)])
        app = FastAPI(debug=True)

        @router.post("/items")
        def create(item: ItemIn, user: CurrentUser): ...

        @router.put("/items/{item_id}")
        def replace(item_id: int, item: ItemIn): ...

        @admin.delete("/items/{item_id}")
        def delete(item_id: int): ...

        @router.post("/login")
        def login(body: dict): ...

        @router.patch("/raw", dependencies=[Depends(verify_token)])
        async def raw(request: Request):
            data = await request.json()
            logger.info("patched with token %s", request.headers["x"], extra={"api_key": data})
            return data
    """})
    auth = auth_on_mutations(index)
    assert not auth.passed and "PUT /items/{item_id}" in auth.missing
    assert "DELETE" not in auth.missing and "/raw" not in auth.missing and "login" not in auth.missing
    validation = input_validation(index)
    assert not validation.passed
    assert "/login: parameter body is an untyped dict" in validation.missing
    assert "/raw: reads the raw request body" in validation.missing
    logging = no_secret_logging(index)
    assert not logging.passed and "logs field api_key" in logging.missing
    assert not no_debug_mode(index).passed


# -- checklist --------------------------------------------------------------------------------------

def test_checklist_items_name_their_evidence():
    items = load_checklist()
    assert len(items) >= 10
    tools = {i["evidence"].get("tool") for i in items} - {None}
    assert tools <= set(SECURITY.analyzers)
    assert {i["evidence"]["check"] for i in items if "check" in i["evidence"]} <= set(CHECKS)
    assert all(i["source"].startswith("seed") for i in items)


def test_checklist_alone_runs_the_analyzers_it_needs():
    result = _run("checklist", TARGETS / "bad")
    assert result.details["ran_analyzers"] == ["bandit", "dependencies", "hardening", "secrets"]
    open_items = {f.rule_id for f in result.findings}
    assert {"no-secrets-in-code", "dependencies-audited", "sast-clean", "rate-limiting"} <= open_items


def test_checklist_item_with_failed_evidence_is_open_with_the_reason(good):
    evidence = [r for r in good if r.tool not in ("secrets", "checklist")]
    evidence.append(AnalyzerResult(agent="security", tool="secrets", error="detect-secrets crashed"))
    result = guarded("checklist", security.REGISTRY["checklist"],
                     Context(agent="security", source=TARGETS / "good", evidence=tuple(evidence)))
    item = next(f for f in result.findings if f.rule_id == "no-secrets-in-code")
    assert "secrets could not run: detect-secrets crashed" in item.message
    assert result.value("checklist_completion") < 100


def test_checklist_weighs_least_and_keys_are_as_specified():
    weights = {r.measurement: r.weight for r in SECURITY.rules}
    assert weights["checklist_completion"] == min(weights.values())
    assert {r.measurement for r in SECURITY.rules if r.key} == {
        "sast_high", "secrets_found", "vulnerable_dependencies_high"}
    assert {r.measurement for r in SECURITY.rules} == set(SECURITY.producers)


def test_a_missing_analyzer_makes_its_criteria_no_data(good):
    verdict = SECURITY.score([r for r in good if r.tool != "hardening"])
    assert verdict.status is VerdictStatus.FAIL
    for name in ("password_policy", "rate_limiting", "cors_restricted", "security_headers"):
        assert _criterion(verdict, name).status is CriterionStatus.NO_DATA
    verdict = SECURITY.score([*good, AnalyzerResult(agent="security", tool="secrets", measurements=[
        Measurement(name="secrets_found", value=None, unit="", detail="scanner stopped")])])
    assert "no data: scanner stopped" in _criterion(verdict, "secrets").reason


# -- CLI --------------------------------------------------------------------------------------------

def _cli_run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE_", "GOLIVE_"))}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "golive.agents.security", *args], capture_output=True,
                          text=True, env=full_env, timeout=240, check=False)


@pytest.mark.parametrize("args", [["--help"], ["analyze", "--help"], ["scan", "--help"]])
def test_help_works_for_every_action(args):
    proc = _cli_run(*args)
    assert proc.returncode == 0 and "usage: python -m golive.agents.security" in proc.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["scan", "--source", "/nonexistent/app"], "/nonexistent/app: no such file or directory"),
    (["analyze", "--tool", "trivy", "--source", "."], "invalid choice: 'trivy'"),
    (["analyze", "--tool", "checklist", "--source", ".", "--evidence", "/nonexistent.json"], "--evidence"),
    (["scan", "--source", "ftp://example.com/x"], "--source"),
])
def test_bad_input_exits_2(args, message):
    proc = _cli_run(*args)
    assert proc.returncode == 2 and message in proc.stderr and proc.stdout == ""


def test_analyze_secrets_prints_no_secret_value():
    proc = _cli_run("analyze", "--tool", "secrets", "--source", str(TARGETS / "bad"))
    assert proc.returncode == 0
    for value in SECRETS_IN_BAD[1:]:
        assert value not in proc.stdout + proc.stderr
    assert AnalyzerResult.model_validate_json(proc.stdout).value("secrets_found") == 3


def test_analyze_checklist_with_evidence_file(tmp_path, good):
    evidence = tmp_path / "evidence.json"
    evidence.write_text(json.dumps({"results": [r.model_dump(mode="json") for r in good]}))
    proc = _cli_run("analyze", "--tool", "checklist", "--source", str(TARGETS / "good"), "--evidence", str(evidence))
    assert proc.returncode == 0, proc.stderr
    result = AnalyzerResult.model_validate_json(proc.stdout)
    assert result.details["ran_analyzers"] == [] and result.value("checklist_completion") == 100


def test_scan_from_a_git_url_exits_1_writes_sarif_and_the_ledger(tmp_path):
    origin = tmp_path / "origin"
    subprocess.run(["cp", "-r", str(TARGETS / "bad"), str(origin)], check=True)
    git_env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.x", "GIT_COMMITTER_NAME": "t",
               "GIT_COMMITTER_EMAIL": "t@e.x", "HOME": str(tmp_path), "PATH": os.environ["PATH"]}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "bad"], ["tag", "v1"]):
        subprocess.run(["git", *args], cwd=origin, env=git_env, check=True, capture_output=True)
    sarif = tmp_path / "out" / "bad.sarif"
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    proc = _cli_run("scan", "--source", origin.as_uri(), "--ref", "v1", "--sarif", str(sarif),
                    "--ledger-url", url, "--run-id", "cli-sec-1")
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["verdict"]["status"] == "FAIL"
    log = json.loads(sarif.read_text())
    assert log["version"] == "2.1.0" and {r["tool"]["driver"]["name"] for r in log["runs"]} == set(SECURITY.analyzers)
    from golive.ledger import Ledger

    record = Ledger.from_url(url).latest_evaluation(gate="security", application="origin", ref="v1")
    assert record is not None and record["task_id"] == "cli.security.scan" and record["status"] == "FAIL"


# -- the application profile: HTTP hardening does not apply to a library ----------------------------
HARDENING = ("password_policy", "rate_limiting", "cors_restricted", "security_headers")
HTTP_ITEMS = {"password-policy", "rate-limiting", "cors-restricted", "security-headers", "https-hsts",
              "input-validation", "auth-on-mutations"}


def _library(root: Path) -> Path:
    return _tree(root, {
        "pyproject.toml": '[project]\nname = "lib"\nversion = "1.0"\ndependencies = []\n',
        "lib/__init__.py": '"""A library."""\n\n\ndef add(a: int, b: int) -> int:\n    """Add."""\n    return a + b\n',
    })


def test_hardening_on_a_library_is_not_applicable(tmp_path):
    result = _run("hardening", _library(tmp_path))
    assert result.error is None and result.findings == []
    assert [m.name for m in result.measurements] == list(HARDENING)
    for m in result.measurements:
        assert (m.applicable, m.value) == (False, None)
        assert m.detail.startswith("a library has no HTTP surface (kind library: ")
    assert result.details["profile"] == {"kind": "library", "source": "detected",
                                         "basis": result.measurements[0].detail.split("(", 1)[1][:-1]}


def test_hardening_on_the_good_service_is_unchanged(good):
    result = next(r for r in good if r.tool == "hardening")
    assert all(m.applicable and m.value is not None for m in result.measurements)
    assert result.details["profile"]["kind"] == "service"
    verdict = SECURITY.score(good)
    assert all(_criterion(verdict, n).status is CriterionStatus.PASS for n in HARDENING)


def test_a_declared_worker_skips_hardening_and_its_checklist_items(tmp_path):
    root = _tree(tmp_path, {"requirements.txt": "fastapi==0.136.3\n", "golive.yaml": "kind: worker\n",
                            "job.py": "print('work')\n"})
    results = gate_results(security.SPEC, Context(agent="security", source=root))
    hardening = next(r for r in results if r.tool == "hardening")
    assert "kind worker declared in golive.yaml" in hardening.measurements[0].detail
    checklist = next(r for r in results if r.tool == "checklist")
    states = {i["id"]: i["state"] for i in checklist.details["items"]}
    assert {i for i, s in states.items() if s == "not-applicable"} == HTTP_ITEMS
    assert not {f.rule_id for f in checklist.findings} & HTTP_ITEMS
    applicable = len(states) - len(HTTP_ITEMS)
    assert f"of {applicable} items done" in checklist.measurements[0].detail
    verdict = SECURITY.score(results)
    for name in HARDENING:
        criterion = _criterion(verdict, name)
        assert criterion.status is CriterionStatus.NOT_APPLICABLE and "no HTTP surface" in criterion.reason
    assert verdict.status is VerdictStatus.PASS and verdict.score == 100.0


def test_an_invalid_profile_makes_hardening_no_data_naming_the_field(tmp_path):
    root = _tree(tmp_path, {"golive.yaml": "kind: service\nendpoints: {health: nope}\n"})
    result = _run("hardening", root)
    assert result.error is not None and "golive.yaml: endpoints.health: " in result.error
    verdict = SECURITY.score([result])
    assert _criterion(verdict, "cors_restricted").status is CriterionStatus.NO_DATA
    assert "endpoints.health" in _criterion(verdict, "cors_restricted").reason


def test_checklist_with_nothing_applicable_is_itself_not_applicable(tmp_path, monkeypatch):
    from golive.analyzers.security import checklist

    items = tuple(i for i in checklist.load_checklist() if i["id"] == "https-hsts")
    monkeypatch.setattr(checklist, "load_checklist", lambda: items)
    result = _run("checklist", _library(tmp_path))
    m = result.measurements[0]
    assert (m.applicable, m.value) == (False, None) and "no checklist item applies to a library" in m.detail
