"""The secrets analyzer: detect-secrets (its Python API, default plugins and filters) over the whole tree.

Every file of the tree is scanned except ``.git``, virtual environments and the other excluded
directories (``golive.analyzers.files``). A finding never carries the secret: only its type, file, line
and a fingerprint derived from detect-secrets' hash (not the bare hash of the value, which a
dictionary attack could reverse for a weak password). ``# pragma: allowlist secret`` is honoured.

``secrets_found`` counts the places (file and line) holding a secret — several detectors often flag
the same one (an AWS secret key is also a high-entropy string) — from:

* every provider-specific detection (AWS keys, private keys, GitHub/Slack/Stripe… tokens), in tests too;
* keyword and high-entropy detections outside test code — in test code these are nearly always
  fixtures (``password = "correct-horse…"``); they are reported as LOW findings but not counted;
* never "Public IP" detections (an address is not a credential): LOW findings only.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from golive.analyzers.base import Context
from golive.analyzers.files import is_test_path, walk_files
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import ToolError, tool_version

HEURISTIC_TYPES = frozenset({"Secret Keyword", "Base64 High Entropy String", "Hex High Entropy String"})
NOT_SECRETS = frozenset({"Public IP (ipv4)"})
MAX_FILE_BYTES = 2 * 1024 * 1024
_LOCK = threading.Lock()  # detect-secrets keeps its settings in a process-wide singleton


def scan_tree(root: Path) -> list[tuple[str, str, int, str]]:
    """Scan ``root``: ``[(type, relative path, line, hashed secret)…]``, sorted."""
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    files = [rel for rel in walk_files(root) if (root / rel).is_file()
             and (root / rel).stat().st_size <= MAX_FILE_BYTES]
    collection = SecretsCollection(root=str(root))
    with _LOCK, default_settings():
        for rel in files:
            collection.scan_file(rel)
    found = []
    for filename, secret in collection:
        found.append((secret.type, Path(filename).as_posix(), int(secret.line_number or 0), secret.secret_hash))
    return sorted(found, key=lambda s: (s[1], s[2], s[0]))


def run_secrets(ctx: Context) -> AnalyzerResult:
    """Hard-coded secrets in the tree: findings (never the value) and ``secrets_found``."""
    version = tool_version("detect-secrets")
    try:
        found = scan_tree(ctx.tree)
    except (OSError, ValueError) as exc:
        raise ToolError(f"detect-secrets could not scan the tree: {exc}") from exc
    findings: list[Finding] = []
    places: set[tuple[str, int]] = set()  # several detectors often flag the same secret: count places
    for kind, rel, line, hashed in found:
        in_tests = is_test_path(rel)
        if kind in NOT_SECRETS:
            severity, note = Severity.LOW, "not counted: an address is not a credential"
        elif kind in HEURISTIC_TYPES and in_tests:
            severity, note = Severity.LOW, "not counted: keyword/entropy match in test code"
        else:
            severity, note = Severity.HIGH, ""
            places.add((rel, line))
        fingerprint = hashlib.sha256(f"golive-secret:{kind}:{rel}:{hashed}".encode()).hexdigest()[:24]
        findings.append(Finding(
            tool="secrets", rule_id=kind.lower().replace(" ", "-").replace("(", "").replace(")", ""),
            severity=severity, message=f"{kind} in the source (value not shown)" + (f"; {note}" if note else ""),
            path=rel, line=line or None, fingerprint=f"secrets:{fingerprint}"))
    high = [f for f in findings if f.severity is Severity.HIGH]
    shown = ", ".join(f"{f.message.split(' in the')[0]} at {f.path}:{f.line}" for f in high)
    detail = f"{len(places)} places ({len(high)} detections): {shown}"[:600] if high else "no secrets found"
    return AnalyzerResult(
        agent=ctx.agent, tool="secrets", findings=findings,
        measurements=[Measurement(name="secrets_found", value=float(len(places)), unit="secrets", detail=detail)],
        details={"tool_version": version, "not_counted": len(findings) - len(high)})
