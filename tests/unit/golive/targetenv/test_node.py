"""Building a Node test environment with npm: the package's lifecycle scripts get the installer's
environment, never golive's."""

from __future__ import annotations

import json

from golive.settings import get_settings
from golive.targetenv.discover import node_plan
from golive.targetenv.node import node_env


def test_an_install_script_never_sees_golives_credentials(tmp_path, monkeypatch):
    seen_file = tmp_path / "preinstall-env.json"
    seeded = {"KUBECONFIG": "/srv/golive/kubeconfig-seeded", "GOLIVE_LEDGER_URL": "postgresql://u:ledger-s3cret@db/x",
              "AIRFLOW__CORE__FERNET_KEY": "fernet-s3cret", "GITHUB_TOKEN": "ghp_seededtoken"}
    for name, value in seeded.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GOLIVE_ENV_CACHE_DIR", str(tmp_path / "envs"))
    monkeypatch.setenv("GOLIVE_ENV_IGNORE_SCRIPTS", "false")  # the package's scripts run: the case to guard
    tree = tmp_path / "package"
    tree.mkdir()
    script = tmp_path / "dump-env.js"
    script.write_text(f"require('fs').writeFileSync({json.dumps(str(seen_file))}, JSON.stringify(process.env));\n",
                      encoding="utf-8")
    (tree / "package.json").write_text(json.dumps({"name": "envspy", "version": "0.0.1", "private": True,
                                                   "scripts": {"preinstall": f"node {script}"}}),
                                       encoding="utf-8")
    get_settings.cache_clear()
    try:
        plan = node_plan(tree)
        assert plan is not None
        node_env(plan)
    finally:
        get_settings.cache_clear()
    seen = json.loads(seen_file.read_text(encoding="utf-8"))
    assert "PATH" in seen, "the script ran"
    leaked = {k for k, v in seen.items() if k in seeded or any(s in v for s in seeded.values())}
    assert not leaked, f"golive's variables reached the package's install script: {sorted(leaked)}"
