"""The hardening analyzer: static checks of password policy, rate limiting, CORS and security headers.

These checks read the source (the modules of ``golive.analyzers.security.appsec`` say what each one
recognises); they are static. The live HTTP versions — the headers on real responses, a 429 under a
burst, a CORS preflight from a foreign origin — come with the deployment's verification phase.

They apply to applications that answer HTTP: the profile of the tree (``golive.profile``, its
``golive.yaml`` or what is detected) decides. For a ``library`` or a ``worker`` the four measurements
are reported as not applicable, with the profile's reason; an invalid ``golive.yaml`` stops the
analyzer (its criteria become no-data naming the bad field).
"""

from __future__ import annotations

from golive.analyzers.base import Context
from golive.analyzers.security.appsec.cors import cors
from golive.analyzers.security.appsec.headers import security_headers
from golive.analyzers.security.appsec.index import Check, SourceIndex
from golive.analyzers.security.appsec.password import password_policy
from golive.analyzers.security.appsec.ratelimit import rate_limiting
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.profile import ResolvedProfile

_UNITS = {"password_policy": "", "rate_limiting": "", "cors_restricted": "", "security_headers": "headers"}
_SEVERITY = {"password_policy": Severity.HIGH, "rate_limiting": Severity.MEDIUM,
             "cors_restricted": Severity.MEDIUM, "security_headers": Severity.MEDIUM}


def _finding(check: Check) -> Finding:
    return Finding(tool="hardening", rule_id=check.name, severity=_SEVERITY[check.name],
                   message=f"{check.name.replace('_', ' ')}: {check.missing or 'missing'}",
                   fingerprint=f"hardening:{check.name}")


def not_applicable_reason(resolved: ResolvedProfile) -> str | None:
    """Why the HTTP hardening checks do not apply to this application (None when they do)."""
    profile = resolved.profile
    if profile.has_http_surface:
        return None
    return f"a {profile.kind} has no HTTP surface ({resolved.why('kind')})"


def _profile_details(resolved: ResolvedProfile) -> dict[str, object]:
    return {"kind": resolved.profile.kind, "source": resolved.source, "basis": resolved.why("kind")}


def run_hardening(ctx: Context) -> AnalyzerResult:
    """Measure ``password_policy``, ``rate_limiting``, ``cors_restricted`` (0/1) and ``security_headers`` (0-5)."""
    root = ctx.tree
    resolved = ctx.profile
    reason = not_applicable_reason(resolved)
    if reason is not None:
        return AnalyzerResult(
            agent=ctx.agent, tool="hardening",
            measurements=[Measurement(name=name, value=None, unit=unit, applicable=False, detail=reason)
                          for name, unit in _UNITS.items()],
            details={"tool_version": "static", "profile": _profile_details(resolved)})
    index = SourceIndex(root)
    checks = [password_policy(index), rate_limiting(index), cors(index), security_headers(index)]
    findings = [_finding(c) for c in checks if not c.passed]
    detail_suffix = f"; unparsable files skipped: {', '.join(index.unparsable)}" if index.unparsable else ""
    return AnalyzerResult(
        agent=ctx.agent, tool="hardening", findings=findings,
        measurements=[Measurement(name=c.name, value=c.value, unit=_UNITS[c.name], detail=c.detail() + detail_suffix)
                      for c in checks],
        details={"tool_version": "static", "files": len(index.modules),
                 "evidence": {c.name: c.evidence for c in checks}, "profile": _profile_details(resolved)})
