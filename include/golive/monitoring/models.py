"""Inputs of the monitoring phase: an application's SLOs and where its alerts go.

Nothing here imports Airflow: the monitoring agent runs inside a pod too.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from golive.errors import GoliveError
from golive.models import ApplicationName
from golive.patterns import DNS1123_LABEL

#: Prometheus' own duration syntax (model.ParseDuration): units in decreasing order, at least one.
PROM_DURATION = re.compile(r"^(?=\d)(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$")

#: Series the sample application exports (``include/sample_app/app/metrics.py``), as Prometheus
#: stores them, plus the series Prometheus itself adds for every target and alert.
APP_METRICS: frozenset[str] = frozenset({
    "http_requests_total",
    "http_requests_created",
    "http_request_duration_seconds_bucket",
    "http_request_duration_seconds_count",
    "http_request_duration_seconds_sum",
    "http_request_duration_seconds_created",
    "http_requests_in_progress",
    "app_info",
})
PROMETHEUS_METRICS: frozenset[str] = frozenset({"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds"})

#: Severities an alert may carry; critical pages, warning goes to chat, info is recorded only.
SEVERITIES: tuple[str, ...] = ("critical", "warning", "info")
ROUTED_SEVERITIES: tuple[str, ...] = ("critical", "warning")

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_SECRET_QUERY = re.compile(r"(token|key|secret|password|passwd|sig|signature|auth)", re.IGNORECASE)


class MonitoringError(GoliveError):
    """The monitoring configuration cannot be rendered, validated or written; the message says why."""


def duration_seconds(text: str) -> float:
    """Seconds of a Prometheus duration (``30d``, ``1h30m``, ``500ms``).

    :raises ValueError: when ``text`` is not a Prometheus duration.
    """
    if not isinstance(text, str) or not PROM_DURATION.match(text):
        raise ValueError(f"{text!r} is not a Prometheus duration (e.g. 30s, 5m, 1h30m, 30d)")
    scale = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return float(sum(int(n) * scale[u] for n, u in re.findall(r"(\d+)(ms|[ywdhms])", text)))


class _Strict(BaseModel):
    """Immutable models that refuse unknown fields."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class ServiceSLOs(_Strict):
    """Service-level objectives of one application, and how its series are labelled.

    The application's pods are scraped as ``job="<application>"`` in ``namespace``; each series
    carries the pod's ``track`` label (``stable`` or ``canary``).
    """

    application: ApplicationName = Field(description="Application name, a DNS-1123 label (the scrape job's "
                                                     "name; the request's rule).")
    namespace: str = Field(min_length=1, max_length=63, pattern=DNS1123_LABEL,
                           description="Kubernetes namespace of the application (DNS-1123 label).")
    availability_target: float = Field(default=99.5, gt=50, lt=100,
                                       description="Availability objective in percent over the SLO window.")
    latency_p95_seconds: float = Field(default=2.0, gt=0, le=600,
                                       description="95th-percentile latency objective, in seconds.")
    error_rate_max: float = Field(default=0.05, gt=0, lt=1,
                                  description="Highest acceptable 5xx ratio over 5 minutes (0-1).")
    window: str = Field(default="30d", description="SLO window as a Prometheus duration, e.g. 30d or 4w.")
    runbook_base_url: HttpUrl = Field(default=HttpUrl("https://runbooks.example.com/golive"),
                                      description="Base URL of the runbooks; each alert links to <base>/<alert>.")
    excluded_paths: tuple[str, ...] = Field(default=("/metrics", "/health"),
                                            description="Paths left out of the SLIs (probes, scrapes).")
    job_label: str = Field(default="job", description="Label holding the application (scrape job) name.")
    track_label: str = Field(default="track", description="Label holding the pod's track (stable/canary).")
    team: str = Field(default="golive", min_length=1, max_length=63, pattern=r"^[A-Za-z0-9_.-]+$",
                      description="Owning team, recorded as a label on every alert.")

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        """The SLO window must be a Prometheus duration of at least one hour."""
        seconds = duration_seconds(value)
        if seconds < 3600:
            raise ValueError(f"window {value!r} is shorter than 1h; an SLO window is hours to weeks (e.g. 30d)")
        return value

    @field_validator("job_label", "track_label")
    @classmethod
    def _label(cls, value: str) -> str:
        """Label names must be Prometheus label names."""
        if not _LABEL_NAME.match(value):
            raise ValueError(f"{value!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")
        return value

    @field_validator("excluded_paths")
    @classmethod
    def _paths(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """Excluded paths must be absolute and safe to quote in PromQL."""
        for path in value:
            if not path.startswith("/") or any(c in path for c in '"\\\n'):
                raise ValueError(f"excluded path {path!r} must start with '/' and hold no quote or backslash")
        return value

    @property
    def error_budget(self) -> float:
        """Fraction of requests allowed to fail over the window (99.5 % → 0.005)."""
        return round(1.0 - self.availability_target / 100.0, 10)

    @property
    def window_seconds(self) -> float:
        """The SLO window in seconds."""
        return duration_seconds(self.window)

    def runbook_url(self, alert: str) -> str:
        """Runbook address of ``alert``: ``<runbook_base_url>/<alert-in-kebab-case>``."""
        return f"{str(self.runbook_base_url).rstrip('/')}/{alert_slug(alert)}"


def alert_slug(alert: str) -> str:
    """An alert name in kebab case, as its runbook page is named (``TargetDown`` → ``target-down``)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", alert).lower()


class WebhookReceiver(_Strict):
    """One Alertmanager webhook receiver: a placeholder URL, or a file holding the real one.

    Real webhook URLs are secrets: mount them from a Secret and name the file in ``url_file``
    (Alertmanager reads it at load time); ``url`` is for placeholders and secret-free relays.
    """

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    url: HttpUrl | None = None
    url_file: str | None = Field(default=None, pattern=r"^/[^\s]*$",
                                 description="Absolute path of a file holding the webhook URL.")
    send_resolved: bool = True
    max_alerts: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _one_target(self) -> WebhookReceiver:
        """Exactly one of url and url_file; no credentials or tokens in the url."""
        if (self.url is None) == (self.url_file is None):
            raise ValueError(f"receiver {self.name!r}: give exactly one of url (placeholder) or url_file")
        if self.url is not None:
            parts = urlsplit(str(self.url))
            if parts.username or parts.password:
                raise ValueError(f"receiver {self.name!r}: the url carries credentials; put the URL in a "
                                 "Secret and use url_file")
            if parts.query and _SECRET_QUERY.search(parts.query):
                raise ValueError(f"receiver {self.name!r}: the url's query looks like a secret; put the URL "
                                 "in a Secret and use url_file")
        return self

    def as_alertmanager(self) -> dict[str, object]:
        """The receiver in Alertmanager's configuration format."""
        hook: dict[str, object] = {"send_resolved": self.send_resolved}
        if self.url is not None:
            hook["url"] = str(self.url)
        else:
            hook["url_file"] = self.url_file
        if self.max_alerts:
            hook["max_alerts"] = self.max_alerts
        return {"name": self.name, "webhook_configs": [hook]}


class AlertReceivers(_Strict):
    """Where alerts go: critical ones page, warnings go to chat. Placeholders by default."""

    pager: WebhookReceiver = WebhookReceiver(name="pager", url=HttpUrl("https://alerts.example.invalid/golive/pager"))
    chat: WebhookReceiver = WebhookReceiver(name="chat", url=HttpUrl("https://alerts.example.invalid/golive/chat"))
    group_by: tuple[str, ...] = ("alertname", "namespace", "application")
    group_wait: str = "30s"
    group_interval: str = "5m"
    repeat_interval: str = "4h"
    resolve_timeout: str = "5m"

    @field_validator("group_wait", "group_interval", "repeat_interval", "resolve_timeout")
    @classmethod
    def _duration(cls, value: str) -> str:
        """Alertmanager timings must be Prometheus durations."""
        duration_seconds(value)
        return value

    @field_validator("group_by")
    @classmethod
    def _group_by(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """group_by holds label names (or ``...``)."""
        for label in value:
            if label != "..." and not _LABEL_NAME.match(label):
                raise ValueError(f"group_by entry {label!r} is not a label name")
        return value

    @model_validator(mode="after")
    def _distinct(self) -> AlertReceivers:
        """The pager and chat receivers need different names."""
        if self.pager.name == self.chat.name:
            raise ValueError(f"pager and chat receivers share the name {self.pager.name!r}; name them apart")
        return self

