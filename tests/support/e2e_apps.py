"""Applications the scheduler-driven e2e modules take live: an earlier version put live by hand, and a
copy of the sample app whose quality verdict lands in the warning band."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from golive_local.platform import Platform
from kubernetes.client import CoreV1Api

from golive.kube.client import load_client
from golive.kube.namespaces import ensure_namespace
from golive_airflow.dag_defaults import SAMPLE_APP_SOURCE


def seed_previous_version(platform: Platform, application: str, version: str, namespace: str) -> None:
    """Put ``version`` live with the deployment agent, as an earlier go-live would have."""
    env = {**platform.env(), "KUBECONFIG": str(platform.kubeconfig)}
    ensure_namespace(CoreV1Api(load_client(str(platform.kubeconfig))), namespace)
    for action in ("deploy", "promote"):
        out = subprocess.run([sys.executable, "-m", "golive.agents.deployment", action, "--application", application,
                              "--namespace", namespace, "--version", version, "--strategy", "rolling"],
                             env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]


def lint_heavy_copy(directory: Path) -> Path:
    """The sample app plus a module of 40 unused imports: lint_findings fails, nothing key does
    (a quality score of about 89.5: WARNING under a threshold of 90)."""
    app = directory / "lint-heavy-app"
    shutil.copytree(SAMPLE_APP_SOURCE, app, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    names = [f"from os.path import {name} as unused_{i}" for i, name in
             enumerate(["join", "split", "basename", "dirname", "exists", "isdir", "isfile", "abspath"] * 5)]
    (app / "app" / "legacy_imports.py").write_text('"""Imports nobody uses (lint debt)."""\n' + "\n".join(names) + "\n")
    return app
