"""Pydantic models shared by the DAGs, the operators, the agents (inside pods) and the ledger.

Nothing here imports Airflow: this module runs inside the workload pods too.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from golive.patterns import (
    DNS1123_LABEL,
    GIT_REF,
    MAX_APP_LENGTH,
    MAX_SOURCE_LENGTH,
    MAX_VERSION_LENGTH,
    SOURCE,
    VERSION,
)
from golive.profile.model import ApplicationProfile

#: Where golive's pods take git credentials from (a source URL never carries them).
_CREDENTIALS_HINT = ("give the URL without them: git in the agent pods takes credentials from the Secret "
                     "named by GOLIVE_GIT_CREDENTIALS_SECRET (GIT_ASKPASS, a credential helper); see the "
                     "README's Security section")


def is_git_source(source: str) -> bool:
    """True when ``source`` names a git repository rather than a local path."""
    return "://" in source or source.startswith("git@")


def carries_credentials(source: str) -> bool:
    """True when ``source`` is a URL with a password or token before '@' (any user-info for https)."""
    scheme, sep, rest = source.partition("://")
    if not sep:
        return False
    authority = rest.split("/", 1)[0]
    if "@" not in authority:
        return False
    return scheme.lower() != "ssh" or ":" in authority.rsplit("@", 1)[0]


def check_source(value: str) -> str:
    """``value`` when it is a git URL without credentials or a local path (``golive.patterns.SOURCE``).

    The messages never quote the value: a refused URL may carry a token.
    """
    if carries_credentials(value):
        raise ValueError(f"source must not carry credentials (user:password@ or a token before '@'): "
                         f"{_CREDENTIALS_HINT}")
    if value.startswith("-"):
        raise ValueError("source must be a path or a git URL and may not start with '-'")
    if not is_git_source(value) or value.startswith("file://"):
        path = value.removeprefix("file://")
        if ".." in path.split("/"):
            raise ValueError("source path may not contain a '..' component (give the path inside an allowed "
                             "source root)")
    if ("://" in value or value.startswith("git@")) and not re.fullmatch(SOURCE, value):
        raise ValueError("source URL must be https://host/…, ssh://[user@]host/…, file:///… or git@host:repo, "
                         "without spaces")
    if not re.fullmatch(SOURCE, value):
        raise ValueError("source must be a path or a git URL without control characters")
    return value


SourceStr = Annotated[str, Field(min_length=1, max_length=MAX_SOURCE_LENGTH, json_schema_extra={"pattern": SOURCE}),
                      AfterValidator(check_source)]


def check_ref(value: str) -> str:
    """``value`` when it is a git ref git itself accepts (``golive.patterns.GIT_REF``): no '..', '//',
    '@{', no component starting with '.' or ending with '.lock', not starting with '-', '/' or '.',
    not ending with '/' or '.'."""
    if not re.fullmatch(GIT_REF, value):
        raise ValueError(f"ref {value!r} is not a branch, tag or commit name git accepts (at most 200 of letters, "
                         "digits and ._/@+-; no '..', '//', '@{', leading '-', '/' or '.', component starting "
                         "with '.' or ending with '.lock', trailing '/' or '.')")
    return value


GitRef = Annotated[str, Field(json_schema_extra={"pattern": GIT_REF}), AfterValidator(check_ref)]

#: The application's name: a DNS-1123 label the charts keep whole (``golive.patterns.MAX_APP_LENGTH``).
ApplicationName = Annotated[str, Field(min_length=1, max_length=MAX_APP_LENGTH, pattern=DNS1123_LABEL)]
#: An application name or empty (the scheduled DAGs' "every live application").
ApplicationOrAll = Annotated[str, Field(max_length=MAX_APP_LENGTH, pattern=f"^$|{DNS1123_LABEL}")]


def check_service_url(text: str) -> str:
    """The URL of a deployed application: http(s), a host, no credentials, no fragment; returned without a
    trailing '/'. Raises ``ValueError``; a URL with credentials is never quoted."""
    if len(text) > 2048 or any(c.isspace() or ord(c) < 32 for c in text):
        raise ValueError("url must be a single http(s) URL without spaces")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError as exc:
        raise ValueError(f"url {text!r} is not a valid URL: {exc}") from None
    if parts.username is not None or parts.password is not None:
        raise ValueError("url must not carry user:password@ (credentials would be logged)")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"url {text!r} must be http:// or https:// with a host")
    if parts.fragment:
        raise ValueError(f"url {text!r} must not have a #fragment")
    return text.rstrip("/")


_PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"
#: ``check_service_url``'s rule as a JSON-schema pattern, so the Params refuse what the model refuses.
SERVICE_URL_OR_NONE = (r"^$|^https?://(\[[0-9A-Fa-f:.]+\]|[^\s@#/:?\[\]]+)"
                       rf"(:{_PORT})?([/?][^\s@#]*)?$")
#: A service URL (``check_service_url``) or empty.
ServiceURLOrNone = Annotated[str, Field(max_length=2048, json_schema_extra={"pattern": SERVICE_URL_OR_NONE}),
                             AfterValidator(lambda v: check_service_url(v) if v else v)]
#: A version: an image tag that is also a label value (``golive.patterns.VERSION``; no '+').
VersionStr = Annotated[str, Field(min_length=1, max_length=MAX_VERSION_LENGTH, pattern=VERSION)]


class Environment(StrEnum):
    """Where the application goes live."""

    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class Strategy(StrEnum):
    """How the new version replaces the old one."""

    ROLLING = "rolling"
    BLUE_GREEN = "blue-green"
    CANARY = "canary"


class CriterionStatus(StrEnum):
    """Outcome of one measured criterion."""

    PASS = "pass"
    WARNING = "warning"
    FAIL = "fail"
    NO_DATA = "no-data"
    NOT_APPLICABLE = "not-applicable"


class VerdictStatus(StrEnum):
    """Outcome of a whole gate."""

    PASS = "PASS"
    WARNING = "WARNING"
    FAIL = "FAIL"


class Severity(StrEnum):
    """Severity of a finding, in SARIF-compatible order."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)


class GoLiveRequest(_Strict):
    """The conf of one go-live run, validated at trigger time (Params) and again in the first task."""

    application: ApplicationName = Field(
        title="Application",
        description=f"Application name, a DNS-1123 label: lowercase letters, digits and '-', at most "
                    f"{MAX_APP_LENGTH}.",
    )
    version: VersionStr = Field(
        title="Version", description=f"Version (image tag and label value) to take live, e.g. 1.4.2: letters, "
                                     f"digits, '_', '.', '-', at most {MAX_VERSION_LENGTH}, starting and ending "
                                     "with a letter or digit (no '+').",
    )
    source: SourceStr = Field(
        title="Source", description="Local path of the application's source tree (under an allowed source "
                                    "root), or a git URL without credentials.",
    )
    ref: GitRef = Field(
        default="HEAD",
        title="Git ref", description="Branch, tag or commit of the source to verify (HEAD for a local path).",
    )
    environment: Environment = Field(
        default=Environment.DEV, title="Environment", description="Target environment: dev, staging or prod.",
    )
    strategy: Strategy = Field(
        default=Strategy.ROLLING, title="Strategy",
        description="Deployment strategy: rolling, blue-green or canary.",
    )
    quality_threshold: float = Field(
        default=85.0, ge=0, le=100, title="Quality threshold",
        description="Acceptance threshold of the quality and security gates (0-100).",
    )
    namespace: str = Field(
        default="golive-apps", min_length=1, max_length=63, pattern=DNS1123_LABEL,
        title="Namespace", description="Kubernetes namespace of the application (DNS-1123 label).",
    )
    profile: ApplicationProfile | None = Field(
        default=None, title="Application profile",
        description="The application's golive.yaml as an object (docs/golive.schema.json); it replaces the "
                    "tree's golive.yaml, and what it leaves out is detected from the tree.",
    )



class QualitySubmission(_Strict):
    """One submission to the quality verification DAG."""

    application: ApplicationName = Field(title="Application",
                                         description=f"Application name (DNS-1123 label, at most {MAX_APP_LENGTH}).")
    source: SourceStr = Field(title="Source",
                              description="Local path of the source tree (under an allowed source root), or a "
                                          "git URL without credentials.")
    ref: GitRef = Field(default="HEAD", title="Git ref",
                     description="Branch, tag or commit that was submitted.")
    submitted_by: str = Field(default="unknown", min_length=1, max_length=200, title="Submitted by",
                              description="Who submitted this change (user or pipeline).")
    quality_threshold: float = Field(default=85.0, ge=0, le=100, title="Quality threshold",
                                     description="Acceptance threshold (0-100).")


class RepairRequest(_Strict):
    """One run of the repair DAG: diagnose the source, fix a copy with the safe tool fixes, re-score it."""

    application: ApplicationName = Field(title="Application",
                                         description=f"Application name (DNS-1123 label, at most {MAX_APP_LENGTH}).")
    source: SourceStr = Field(title="Source",
                              description="Local path of the source tree (under an allowed source root), or a "
                                          "git URL without credentials. A local git repository also gets the fix "
                                          "as the branch golive/repair-<run>.")
    ref: GitRef = Field(default="HEAD", title="Git ref", description="Branch, tag or commit to diagnose and repair.")


class MaintenanceRequest(_Strict):
    """The conf of a ``golive_maintenance`` run (a scheduled run has none: every live application)."""

    application: ApplicationOrAll = Field(default="", title="Application",
                                          description="Only this live application (empty: every live one).")
    retention_days: int = Field(default=90, ge=1, le=3650, strict=True, title="Retention (days)",
                                description="Ledger rows and reports of runs older than this are deleted.")


class FeedbackRequest(_Strict):
    """The conf of a ``golive_feedback`` run (a scheduled or asset-triggered run has none)."""

    application: ApplicationOrAll = Field(default="", title="Application",
                                          description="Only this application (empty: all live ones, or the "
                                                      "go-live's).")
    url: ServiceURLOrNone = Field(default="", title="Service URL",
                                  description="Where the application's feedback endpoint is served (empty: its "
                                              "live URL from the ledger).")


class TrainRequest(_Strict):
    """One run of the release train (``golive_release_train``): its applications and their order come
    from the manifest the DAG was built from; the conf may change the versions and the environment."""

    versions: dict[ApplicationName, VersionStr] = Field(
        default_factory=dict, title="Versions",
        description="Per application of the manifest, the version to take live instead of the manifest's "
                    "(e.g. {\"sandbox-manager\": \"1.1.0\"}).",
        json_schema_extra={"additionalProperties": False})  # a key that is no application name: refused
    environment: Environment | None = Field(
        default=None, title="Environment",
        description="Target environment of every go-live (default: the manifest's).")


class Finding(_Strict):
    """One thing an analyzer found, located in the target's source."""

    tool: str
    rule_id: str
    severity: Severity = Severity.MEDIUM
    message: str
    path: str | None = None
    line: int | None = None
    fingerprint: str = ""
    #: The measurement this finding is one unit of (``sast_high``), so that scoring can recount it
    #: without a waived finding; None when the finding feeds no count.
    counts_toward: str | None = None

    @model_validator(mode="after")
    def _default_fingerprint(self) -> Finding:
        if not self.fingerprint:
            self.fingerprint = f"{self.tool}:{self.rule_id}:{self.path}:{self.line}"
        return self


class Measurement(_Strict):
    """One raw value an analyzer measured; ``value`` is None when the tool could not measure it.

    ``applicable=False`` says the measurement does not apply to this application (a library has no
    HTTP surface): ``value`` is then None and ``detail`` is the reason; the criterion is recorded as
    not-applicable, never as a pass, a fail or no data.
    """

    name: str
    value: float | None
    unit: str
    detail: str = ""
    applicable: bool = True

    @model_validator(mode="after")
    def _not_applicable_has_no_value(self) -> Measurement:
        if not self.applicable and (self.value is not None or not self.detail):
            raise ValueError(f"measurement {self.name}: a not-applicable measurement has no value and "
                             "says why in detail")
        return self


class AnalyzerResult(_Strict):
    """What one analyzer run (one pod) returns: measurements, findings, or the error that stopped it."""

    agent: str
    tool: str
    measurements: list[Measurement] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    error: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)

    def value(self, name: str) -> float | None:
        """Return the measured value called ``name`` (None if absent or unmeasured)."""
        for m in self.measurements:
            if m.name == name:
                return m.value
        return None


class CriterionRule(_Strict):
    """How a measured value becomes a criterion status: thresholds, weight, key and optional flags."""

    name: str
    measurement: str
    unit: str
    comparison: Literal[">=", "<="]
    pass_at: float
    warn_at: float | None = None
    weight: float = Field(gt=0)
    key: bool = False
    optional: bool = False
    description: str = ""

    def threshold_text(self) -> str:
        """Human-readable threshold, e.g. ``>= 80 %``."""
        text = f"{self.comparison} {self.pass_at:g} {self.unit}".strip()
        if self.warn_at is not None:
            text += f" (warning {self.comparison} {self.warn_at:g})"
        return text


class Criterion(_Strict):
    """One evaluated criterion: raw value, unit, threshold, status, weight, key flag and the reason."""

    name: str
    value: float | None
    unit: str
    threshold: str
    status: CriterionStatus
    weight: float = Field(gt=0)
    key: bool = False
    optional: bool = False
    reason: str
    #: The analyzer's own value when waivers changed it (``value`` is then the recount without the
    #: waived findings); None when no waiver applied.
    raw_value: float | None = None


class WaiverStatus(StrEnum):
    """What a waiver did to the finding it matched."""

    ACTIVE = "active"  # the finding is waived: the measurement it fed is recounted without it
    EXPIRED = "expired"  # past its expiry day: the finding counts again
    REFUSED = "refused"  # it matched a detected secret, which no waiver can hide


class AppliedWaiver(_Strict):
    """One waiver of the application profile matched against one finding, as the ledger records it."""

    waiver: str = Field(description="What the waiver names: 'id <fingerprint>' or 'rule <rule>' [path <glob>].")
    fingerprint: str
    tool: str
    rule_id: str
    path: str | None = None
    line: int | None = None
    measurement: str | None = Field(default=None, description="The measurement the finding counted toward.")
    status: WaiverStatus
    reason: str
    owner: str
    expires: date
    note: str = ""


class Verdict(_Strict):
    """The outcome of a gate, with everything needed to explain it (the waivers it applied too)."""

    gate: str
    status: VerdictStatus
    score: float = Field(ge=0, le=100)
    threshold: float
    warning_floor: float
    reasons: list[str]
    criteria: list[Criterion]
    waivers: list[AppliedWaiver] = Field(default_factory=list)


class ApprovalDecision(_Strict):
    """A human's answer to a WARNING verdict (or the automatic answer to a PASS)."""

    decision: Literal["approved", "rejected", "not-required"]
    approver: str
    comment: str = ""
