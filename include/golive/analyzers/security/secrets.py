"""The secrets analyzer: detect-secrets (its Python API, plugins and filters) over the whole tree.

Every file of the tree is scanned except ``.git``, virtual environments and the other excluded
directories (``golive.analyzers.files``). A finding never carries the secret: only its type, file, line
and a fingerprint derived from detect-secrets' hash (not the bare hash of the value, which a
dictionary attack could reverse for a weak password). ``# pragma: allowlist secret`` is honoured.

**Configured as ``detect-secrets scan`` is by default** (:func:`scan_config`): every plugin, and
detect-secrets' default filters (``is_sequential_string``, ``is_potential_uuid``,
``is_likely_id_string``, ``is_templated_secret``, ``is_prefixed_with_dollar_sign``,
``is_indirect_reference``, ``is_lock_file``, ``is_not_alphanumeric_string``, ``is_swagger_file``,
the allowlist pragma), plus golive's custom filter
:func:`golive.analyzers.security.secret_filters.is_revision_or_integrity` (a pinned commit or an SRI
hash is not a secret), registered the way detect-secrets registers custom filters
(``file://…::function``). The gibberish filter needs ``gibberish-detector``, which detect-secrets does
not install and ``scan`` does not enable by default; it is not used.

**The project's ``.secrets.baseline``** (detect-secrets' baseline, read with
``detect_secrets.core.baseline.load``) is honoured the way ``detect-secrets audit`` means it: a
detection recorded there with ``is_secret: false`` is a LOW finding "audited as not a secret" and is
not counted; entries audited as secrets, or not audited, count like any other detection. The
baseline file itself is never scanned. An unreadable baseline is ignored (everything counts) and
said in the result's details.

``secrets_found`` counts the places (file and line) holding a secret — several detectors often flag
the same one (an AWS secret key is also a high-entropy string) — from:

* every provider-specific detection (AWS keys, private keys, GitHub/Slack/Stripe… tokens), in tests too;
* keyword and high-entropy detections outside test code — in test code these are nearly always
  fixtures (``password = "correct-horse…"``); they are reported as LOW findings but not counted;
* never "Public IP" detections (an address is not a credential): LOW findings only.

The first counted detection of each place carries ``counts_toward="secrets_found"``; a waiver can
never take it back (``golive.waivers`` refuses waivers on secrets).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.analyzers.base import Context
from golive.analyzers.files import is_test_path, walk_files
from golive.analyzers.security import secret_filters
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import ToolError, tool_version

HEURISTIC_TYPES = frozenset({"Secret Keyword", "Base64 High Entropy String", "Hex High Entropy String"})
NOT_SECRETS = frozenset({"Public IP (ipv4)"})
MAX_FILE_BYTES = 2 * 1024 * 1024
BASELINE = ".secrets.baseline"
MEASUREMENT = "secrets_found"
GOLIVE_FILTER = f"file://{Path(secret_filters.__file__).resolve()}::is_revision_or_integrity"
_LOCK = threading.Lock()  # detect-secrets keeps its settings in a process-wide singleton


@dataclass(frozen=True)
class Detection:
    """One detect-secrets detection: its type, file, line, hash, and whether the baseline audited it
    as not a secret."""

    kind: str
    path: str
    line: int
    hashed: str
    audited_false: bool = False


def scan_config() -> dict[str, Any]:
    """detect-secrets settings (``plugins_used``, ``filters_used``) as ``scan`` sets them by default,
    plus golive's revision/integrity filter."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import Settings

    defaults = sorted(set(Settings().filters) - Settings.DEFAULT_FILTERS)
    plugins: list[type] = list(get_mapping_from_secret_type_to_class().values())
    return {
        "plugins_used": [{"name": plugin.__name__} for plugin in plugins],
        "filters_used": [{"path": path} for path in defaults] + [{"path": GOLIVE_FILTER}],
    }


def audited_not_secrets(root: Path) -> tuple[set[tuple[str, str, str]], str]:
    """``(path, type, hash)`` of the baseline's entries audited ``is_secret: false``, and a note when
    the baseline exists but cannot be read (then nothing is taken as audited)."""
    from detect_secrets.core import baseline
    from detect_secrets.exceptions import UnableToReadBaselineError
    from detect_secrets.settings import transient_settings

    path = root / BASELINE
    if not path.is_file():
        return set(), ""
    try:
        data = baseline.load_from_file(str(path))
        with transient_settings({}):  # load() configures the process-wide settings: restore them
            collection = baseline.load(data, str(path))
    except (UnableToReadBaselineError, KeyError, TypeError, ValueError) as exc:
        return set(), f"{BASELINE} could not be read ({type(exc).__name__}); no detection taken as audited"
    return ({(Path(name).as_posix(), s.type, s.secret_hash) for name, s in collection if s.is_secret is False},
            "")


def scan_tree(root: Path) -> tuple[list[Detection], str]:
    """Scan ``root``: its detections sorted by (path, line, type), and the baseline note (or "")."""
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import transient_settings

    files = [rel for rel in walk_files(root) if rel != BASELINE and (root / rel).is_file()
             and (root / rel).stat().st_size <= MAX_FILE_BYTES]
    collection = SecretsCollection(root=str(root))
    with _LOCK:
        audited, note = audited_not_secrets(root)
        with transient_settings(scan_config()):
            for rel in files:
                collection.scan_file(rel)
    found = []
    for filename, secret in collection:
        rel = Path(filename).as_posix()
        found.append(Detection(secret.type, rel, int(secret.line_number or 0), secret.secret_hash,
                               (rel, secret.type, secret.secret_hash) in audited))
    return sorted(found, key=lambda d: (d.path, d.line, d.kind)), note


def _classify(d: Detection) -> tuple[Severity, str]:
    if d.audited_false:
        return Severity.LOW, f"not counted: audited as not a secret in {BASELINE}"
    if d.kind in NOT_SECRETS:
        return Severity.LOW, "not counted: an address is not a credential"
    if d.kind in HEURISTIC_TYPES and is_test_path(d.path):
        return Severity.LOW, "not counted: keyword/entropy match in test code"
    return Severity.HIGH, ""


def run_secrets(ctx: Context) -> AnalyzerResult:
    """Hard-coded secrets in the tree: findings (never the value) and ``secrets_found``."""
    version = tool_version("detect-secrets")
    try:
        found, baseline_note = scan_tree(ctx.tree)
    except (OSError, ValueError) as exc:
        raise ToolError(f"detect-secrets could not scan the tree: {exc}") from exc
    findings: list[Finding] = []
    places: set[tuple[str, int]] = set()  # several detectors often flag the same secret: count places
    for d in found:
        severity, note = _classify(d)
        counted = severity is Severity.HIGH and (d.path, d.line) not in places
        if severity is Severity.HIGH:
            places.add((d.path, d.line))
        fingerprint = hashlib.sha256(f"golive-secret:{d.kind}:{d.path}:{d.hashed}".encode()).hexdigest()[:24]
        findings.append(Finding(
            tool="secrets", rule_id=d.kind.lower().replace(" ", "-").replace("(", "").replace(")", ""),
            severity=severity, message=f"{d.kind} in the source (value not shown)" + (f"; {note}" if note else ""),
            path=d.path, line=d.line or None, fingerprint=f"secrets:{fingerprint}",
            counts_toward=MEASUREMENT if counted else None))
    high = [f for f in findings if f.severity is Severity.HIGH]
    shown = ", ".join(f"{f.message.split(' in the')[0]} at {f.path}:{f.line}" for f in high)
    detail = f"{len(places)} places ({len(high)} detections): {shown}"[:600] if high else "no secrets found"
    audited = sum(1 for d in found if d.audited_false)
    details: dict[str, Any] = {"tool_version": version, "not_counted": len(findings) - len(high),
                               "audited_not_secrets": audited}
    if baseline_note:
        details["baseline"] = baseline_note
    return AnalyzerResult(
        agent=ctx.agent, tool="secrets", findings=findings,
        measurements=[Measurement(name=MEASUREMENT, value=float(len(places)), unit="secrets", detail=detail)],
        details=details)
