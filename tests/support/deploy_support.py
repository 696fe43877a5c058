"""Helpers shared by the deployment- and canary-agent integration tests (no tests in here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from repo_paths import REPO

from golive.agents import canary as canary_agent
from golive.agents import deployment
from golive.deploy.naming import deployment_name, preview_service_name, service_name
from golive.kube.client import load_client
from golive.kube.namespaces import POD_SECURITY_LABELS, ensure_namespace
from golive.kube.objects import apply, delete, get
from golive.kube.services import service_url

DEV_VALUES = REPO / "charts" / "sample-app" / "values-dev.yaml"
SAMPLE_APP = REPO / "include" / "sample_app"
APP = "shop"


def restricted_namespaces(core: Any, *names: str) -> None:
    """Make ``names`` exist and enforce Pod Security "restricted" through ``core`` (a ``CoreV1Api``), as
    golive's platform does: the session's localkube is shared, and an earlier module may have made one
    without the labels."""
    for name in names:
        ensure_namespace(core, name)
        core.patch_namespace(name, {"metadata": {"labels": dict(POD_SECURITY_LABELS)}})


@dataclass
class Env:
    """One test's namespace on the session's localkube and how to run the agents in it."""

    namespace: str
    kubeconfig: Path
    client: Any
    capsys: pytest.CaptureFixture[str]

    def args(self, *extra: str, strategy: str = "rolling") -> list[str]:
        """The common options: fast dev values, a high rate limit for the test traffic."""
        return ["--application", APP, "--namespace", self.namespace, "--strategy", strategy,
                "--values-file", str(DEV_VALUES), "--set", "config.rateLimitPerMinute=100000",
                "--timeout", "90", *extra]

    def deployment(self, action: str, *extra: str, strategy: str = "rolling") -> tuple[int, dict[str, Any]]:
        """Run the deployment agent in-process (``main``, the CLI's own code path); (exit code, JSON)."""
        self.capsys.readouterr()
        code = deployment.main([action, *self.args(*extra, strategy=strategy)])
        return code, _one_json(self.capsys.readouterr().out)

    def deployment_process(self, action: str, *extra: str, strategy: str = "rolling") -> tuple[int, dict[str, Any]]:
        """Run ``python -m golive.agents.deployment`` as a process, like a pod does."""
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig)}
        proc = subprocess.run([sys.executable, "-m", "golive.agents.deployment", action,
                               *self.args(*extra, strategy=strategy)],
                              env=env, capture_output=True, text=True, timeout=300, check=False)
        assert proc.stdout.strip(), f"no JSON printed; stderr:\n{proc.stderr[-3000:]}"
        return proc.returncode, _one_json(proc.stdout)

    def canary(self, action: str, *extra: str) -> tuple[int, dict[str, Any]]:
        """Run the canary agent in-process; (exit code, JSON)."""
        self.capsys.readouterr()
        code = canary_agent.main([action, "--application", APP, "--namespace", self.namespace,
                                  "--source", str(SAMPLE_APP), *extra])
        return code, _one_json(self.capsys.readouterr().out)

    def url(self, service: str | None = None) -> str:
        """The URL of the live (or another) Service."""
        return service_url(service or service_name(APP), self.namespace, self.client)

    def revision(self, variant: str) -> int:
        """The current revision of one variant's Deployment."""
        obj = get("Deployment", deployment_name(APP, variant), self.namespace, self.client)
        assert obj is not None, f"{variant} Deployment missing"
        return int(obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"])

    def exists(self, kind: str, name: str) -> bool:
        """Whether an object exists."""
        return get(kind, name, self.namespace, self.client) is not None


def _one_json(text: str) -> dict[str, Any]:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one JSON document, got:\n{text[-3000:]}"
    return json.loads(lines[0])


def versions(url: str, n: int = 8) -> set[str]:
    """The versions ``n`` GET /version answers report."""
    seen = set()
    with httpx.Client(timeout=5.0, limits=httpx.Limits(max_keepalive_connections=0)) as http:
        for _ in range(n):
            response = http.get(f"{url}/version")
            assert response.status_code == 200, response.text
            seen.add(response.json()["version"])
    return seen


@contextmanager
def namespace_env(localkube: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                  prefix: str) -> Iterator[Env]:
    """A fresh namespace; the agents find the cluster through ``$KUBECONFIG``. Workloads are deleted after."""
    kubeconfig = Path(localkube.kubeconfig or localkube.write_kubeconfig())
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.delenv("GOLIVE_EVIDENCE", raising=False)
    monkeypatch.delenv("GOLIVE_CHART_DIR", raising=False)
    client = load_client(kubeconfig)
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}], "default", client)
    try:
        yield Env(namespace=name, kubeconfig=kubeconfig, client=client, capsys=capsys)
    finally:
        for variant in ("stable", "canary", "blue", "green"):
            delete("Deployment", deployment_name(APP, variant), name, client)
        for svc in (service_name(APP), preview_service_name(APP)):
            delete("Service", svc, name, client)


@dataclass
class Poller:
    """Polls ``url``/version in the background; records every answer (status, version) or error."""

    url: str
    interval: float = 0.05
    answers: list[tuple[int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Poller:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        with httpx.Client(timeout=5.0, limits=httpx.Limits(max_keepalive_connections=0)) as http:
            while not self._stop.is_set():
                try:
                    response = http.get(f"{self.url}/version")
                    version = response.json().get("version", "") if response.status_code == 200 else ""
                    self.answers.append((response.status_code, str(version)))
                except (httpx.HTTPError, ValueError) as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                time.sleep(self.interval)
