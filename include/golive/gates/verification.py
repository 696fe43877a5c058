"""The verification gate (seed Phase 5): is the deployment rolled out, and does the running service behave?"""

from __future__ import annotations

from golive.gates.spec import GateSpec
from golive.models import CriterionRule

#: Analyzers ``verify`` runs after the others: the burst empties the rate-limit bucket the others need,
#: and the logs are read once the HTTP checks have exercised the new version (its errors show there).
LATE: tuple[str, ...] = ("logs", "ratelimit")
#: Where each analyzer looks: the Kubernetes API, or the running service over HTTP.
KUBERNETES_ANALYZERS: tuple[str, ...] = ("rollout", "pods", "logs")
HTTP_ANALYZERS: tuple[str, ...] = ("health", "version", "headers", "cors", "password", "ratelimit")

PRODUCERS: dict[str, str] = {
    "rollout_complete": "rollout",
    "pods_ready_ratio": "pods",
    "pod_restarts": "pods",
    "error_log_lines": "logs",
    "health_ok": "health",
    "version_matches": "version",
    "security_headers_live": "headers",
    "cors_foreign_refused": "cors",
    "rate_limited": "ratelimit",
    "weak_password_refused": "password",
}

#: The verification criteria. Weights (total 26): the four facts without which the release is not live
#: are key criteria — rollout complete and health (4 each), every pod Ready and the right version running
#: (3 each); restarts and error lines in the new pods' logs are early signs of a bad release (2 each,
#: with a warning band); each live hardening control weighs 2 — what the static security gate read in
#: the source, now observed on the wire.
RULES: tuple[CriterionRule, ...] = (
    CriterionRule(name="rollout_complete", measurement="rollout_complete", unit="", comparison=">=", pass_at=1,
                  weight=4, key=True, description="deployment rolled out (kubectl rollout status)"),
    CriterionRule(name="pods_ready", measurement="pods_ready_ratio", unit="%", comparison=">=", pass_at=100,
                  weight=3, key=True, description="pods of the current ReplicaSet Ready"),
    CriterionRule(name="pod_restarts", measurement="pod_restarts", unit="restarts", comparison="<=", pass_at=0,
                  warn_at=2, weight=2, description="container restarts in the current pods"),
    CriterionRule(name="error_log_lines", measurement="error_log_lines", unit="lines", comparison="<=",
                  pass_at=0, warn_at=3, weight=2, key=True,  # a new version that logs errors must not go live
                  description="ERROR / Traceback / CRITICAL lines in the current pods' logs"),
    CriterionRule(name="health", measurement="health_ok", unit="", comparison=">=", pass_at=1, weight=4,
                  key=True, description="the health endpoint answers 200 ok on every probe"),
    CriterionRule(name="version", measurement="version_matches", unit="", comparison=">=", pass_at=1, weight=3,
                  key=True, description="the running version is the expected one"),
    CriterionRule(name="security_headers_live", measurement="security_headers_live", unit="headers",
                  comparison=">=", pass_at=4, warn_at=3, weight=2,
                  description="security headers on live responses (HSTS, CSP, X-Content-Type-Options, "
                              "X-Frame-Options, Referrer-Policy)"),
    CriterionRule(name="cors_foreign_refused", measurement="cors_foreign_refused", unit="", comparison=">=",
                  pass_at=1, weight=2, description="CORS preflight from a foreign origin refused"),
    CriterionRule(name="rate_limited", measurement="rate_limited", unit="", comparison=">=", pass_at=1, weight=2,
                  description="a request burst is answered 429"),
    CriterionRule(name="weak_password_refused", measurement="weak_password_refused", unit="", comparison=">=",
                  pass_at=1, weight=2, description="weak passwords refused at registration, a strong one accepted"),
)

VERIFICATION = GateSpec(
    name="verification",
    analyzers=("rollout", "pods", "logs", "health", "version", "headers", "cors", "password", "ratelimit"),
    rules=RULES,
    producers=PRODUCERS,
    late=LATE,
)
