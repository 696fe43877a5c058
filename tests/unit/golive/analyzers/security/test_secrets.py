"""The secrets analyzer on real files: pinned revisions and lockfile hashes from public projects are
not secrets, planted secrets are, ``.secrets.baseline`` audits are honoured, and the provider-specific
counts equal those of ``detect-secrets scan`` run directly."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from repo_paths import TEST_DATA

from golive.analyzers.base import Context
from golive.analyzers.security.secret_filters import is_revision_or_integrity, revision_values
from golive.analyzers.security.secrets import BASELINE, HEURISTIC_TYPES, run_secrets, scan_tree
from golive.models import Severity

VENDORED = TEST_DATA / "secrets" / "vendored"
DETECT_SECRETS = [sys.executable, "-m", "detect_secrets"]
COMMIT = "f71fa2c1f9cf5cb705f73dffe4b21f7c61470ba9"
SRI = "sha512-OfC2uemaknXr87bdLUkWog7nYuliM9Ij5HUcajsVcMCpQrcLmtxRbVFTIqmcSkSeYRBFBRxs2FiUqFJDLdiebA=="
# planted at run time, never committed: AWS's documented example key pair, a PEM private key block,
# a GitHub token shape and a database password in application code
AWS_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
PEM = ("-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
       + "-----END RSA PRIVATE KEY-----\n")
GITHUB = "ghp_" + "R7dE2xq9Lk4vBn8TzW1cYp6Hs3UfJ0aMiQoG"
PASSWORD = "Tr0ub4dor-" + "horse-battery-9921"
PROVIDER_TYPES = ("AWS Access Key", "Private Key", "GitHub Token")


def _project(tmp_path: Path) -> Path:
    """The vendored files plus an application holding real-looking secrets."""
    root = tmp_path / "project"
    shutil.copytree(VENDORED, root)
    # npm-shrinkwrap.json has package-lock's format but is not in detect-secrets' lockfile list
    shutil.copy(VENDORED / "package-lock.json", root / "npm-shrinkwrap.json")
    (root / "app").mkdir()
    (root / "app" / "settings.py").write_text(
        f'AWS_ACCESS_KEY_ID = "{AWS_ID}"\nAWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"\n'
        f'GITHUB_TOKEN = "{GITHUB}"\nDB_PASSWORD = "{PASSWORD}"\n', encoding="utf-8")
    (root / "app" / "deploy_key.pem").write_text(PEM, encoding="utf-8")
    return root


def _cli_scan(root: Path) -> dict[str, list[dict[str, object]]]:
    run = subprocess.run([*DETECT_SECRETS, "scan", "--all-files", "."], cwd=root, capture_output=True,
                         text=True, check=True, timeout=120)
    results: dict[str, list[dict[str, object]]] = json.loads(run.stdout)["results"]
    return results


def _by_type(pairs: list[tuple[str, str]]) -> Counter[str]:
    return Counter(kind for kind, _ in pairs)


@pytest.mark.parametrize(("line", "secret", "excluded"), [
    (f"    rev: {COMMIT} # frozen: v4.4.0", COMMIT, True),
    (f'    rev: "{COMMIT}" # frozen: 1.4.0', COMMIT, True),
    (f'      "integrity": "{SRI}",', SRI, True),
    (f"  integrity: {SRI}", SRI.removeprefix("sha512-"), True),
    (f'commit_sha = "{"a" * 24}{"0123456789abcdef" * 2}{"b" * 8}"', "a" * 24 + "0123456789abcdef" * 2 + "b" * 8,
     True),
    (f"    sha: {AWS_ID}", AWS_ID, False),  # a revision key holding a key is still a key
    (f'password: "{COMMIT}"', COMMIT, False),  # hex after any other key stays a detection
    (f"rev: {COMMIT}0000", f"{COMMIT}0000", False),  # 44 hex: not a commit id
])
def test_revision_filter_excludes_only_revision_shapes_under_revision_keys(line: str, secret: str,
                                                                           excluded: bool) -> None:
    assert is_revision_or_integrity(secret, line) is excluded


def test_revision_values_ignores_other_keys() -> None:
    assert revision_values(f"token: {COMMIT}") == [] and revision_values(f"rev: {COMMIT}") == [COMMIT]


def test_vendored_revisions_and_lockfiles_are_not_secrets_side_by_side_with_the_cli(tmp_path: Path) -> None:
    root = tmp_path / "vendored"
    shutil.copytree(VENDORED, root)
    shutil.copy(VENDORED / "package-lock.json", root / "npm-shrinkwrap.json")
    cli = _cli_scan(root)
    cli_count = sum(len(v) for v in cli.values())
    found, note = scan_tree(root)
    print(f"\nvendored files: detect-secrets scan {cli_count} detections "
          f"{dict(Counter(str(s['type']) for v in cli.values() for s in v))} in {sorted(cli)}; golive {len(found)}")
    assert note == ""
    assert len(cli.get(".pre-commit-config.yaml", [])) == 7  # the seven 40-hex hook pins
    assert found == []
    result = run_secrets(Context(agent="security", source=root))
    assert result.value("secrets_found") == 0 and result.findings == []


def test_planted_secrets_count_as_the_cli_finds_them(tmp_path: Path) -> None:
    root = _project(tmp_path)
    cli = _cli_scan(root)
    cli_types = _by_type([(str(s["type"]), f) for f, v in cli.items() for s in v])
    found, _ = scan_tree(root)
    ours = _by_type([(d.kind, d.path) for d in found])
    print(f"\ndetect-secrets scan by type: {dict(sorted(cli_types.items()))}\n"
          f"golive secrets by type:      {dict(sorted(ours.items()))}")
    for kind in PROVIDER_TYPES:
        assert ours[kind] == cli_types[kind] >= 1, kind
    assert sum(ours[k] for k in HEURISTIC_TYPES) < sum(cli_types[k] for k in HEURISTIC_TYPES)
    assert not [d for d in found if not d.path.startswith("app/")]  # only the planted ones remain
    result = run_secrets(Context(agent="security", source=root))
    places = {(d.path, d.line) for d in found}
    assert result.value("secrets_found") == len(places) == 5
    counted = [f for f in result.findings if f.counts_toward == "secrets_found"]
    assert len(counted) == 5 and all(f.severity is Severity.HIGH for f in counted)
    text = json.dumps(result.model_dump(mode="json"))
    assert AWS_ID not in text and PASSWORD not in text and GITHUB not in text  # never the value


def _audit(baseline: dict[str, object], path: str, kind: str, is_secret: bool) -> None:
    results = baseline["results"]
    assert isinstance(results, dict)
    for entry in results[path]:
        if entry["type"] == kind:
            entry["is_secret"] = is_secret


def test_baseline_audited_false_is_not_counted_and_audited_true_or_unaudited_still_count(tmp_path: Path) -> None:
    root = _project(tmp_path)
    run = subprocess.run([*DETECT_SECRETS, "scan", "--all-files", "."], cwd=root, capture_output=True,
                         text=True, check=True, timeout=120)
    baseline = json.loads(run.stdout)
    _audit(baseline, "app/settings.py", "Secret Keyword", False)  # every keyword match there
    _audit(baseline, "app/deploy_key.pem", "Private Key", False)
    _audit(baseline, "app/settings.py", "AWS Access Key", True)
    (root / BASELINE).write_text(json.dumps(baseline, indent=2), encoding="utf-8")

    result = run_secrets(Context(agent="security", source=root))
    audited = [f for f in result.findings if "audited as not a secret in .secrets.baseline" in f.message]
    assert {f.rule_id for f in audited} == {"secret-keyword", "private-key"}
    assert all(f.severity is Severity.LOW and f.counts_toward is None for f in audited)
    high = {(f.rule_id, f.path, f.line) for f in result.findings if f.severity is Severity.HIGH}
    assert ("aws-access-key", "app/settings.py", 1) in high  # audited true: counts
    assert ("github-token", "app/settings.py", 3) in high  # not audited: counts
    # line 1 (AWS id), line 2 (AWS secret: also AWS Access Key), line 3 (GitHub); the password line
    # (keyword only) and the audited private key are no longer counted
    assert result.value("secrets_found") == 3
    assert result.details["audited_not_secrets"] == len(audited)
    assert not [f for f in result.findings if f.path == BASELINE]


def test_unreadable_baseline_counts_everything_and_says_so(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / BASELINE).write_text("{not json", encoding="utf-8")
    result = run_secrets(Context(agent="security", source=root))
    assert result.value("secrets_found") == 5
    assert "could not be read" in result.details["baseline"]
