"""The maintenance agent's ``propose``: a small service whose pin the test snapshot flags gets a patch
bumping it to the first fixed version, and the patched copy is re-verified by the security gate's own
analyzers and score (the real tools) and rescanned: the flagged advisory is gone from the copy."""

from __future__ import annotations

import json

from repo_paths import REPO

from golive.agents import maintenance as agent
from golive.docs.store import ArtifactStore
from golive.maintenance.layout import RESCAN, maintenance_rel

SNAPSHOT = REPO / "tests" / "data" / "maintenance" / "osv"
RUN = "scheduled__2026-12-02T03:00:00+00:00"


def test_propose_patches_the_pin_and_re_verifies_the_copy_with_the_security_gate(golive_home, tmp_path, capsys):
    tree = tmp_path / "svc"
    tree.mkdir()
    (tree / "requirements.txt").write_text("uvicorn==0.54.0\n")
    (tree / "main.py").write_text('"""A service."""\n\n\ndef answer() -> int:\n    """The answer."""\n    return 42\n')
    store = ArtifactStore((golive_home / "docs").as_uri())
    manifest = {"application": "svc", "run_id": RUN, "source": str(tree), "ref": "HEAD"}
    manifest_url = store.write_text(maintenance_rel("svc", RUN, "manifest.json"), json.dumps(manifest))
    argv = ["--manifest", manifest_url, "--store", store.base, "--snapshot", str(SNAPSHOT)]
    assert agent.main(["rescan", *argv]) == 0
    assert json.loads(store.read_text(maintenance_rel("svc", RUN, RESCAN)))["counts"]["new"] == 1
    capsys.readouterr()
    assert agent.main(["propose", *argv, "--gates", "security"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["status"] == "proposed" and result["files"] == ["requirements.txt"]
    assert [(b["package"], b["current"], b["target"]) for b in result["bumps"]] == [("uvicorn", "0.54.0", "0.54.1")]
    patch = store.read_text(maintenance_rel("svc", RUN, "updates.patch"))
    assert "-uvicorn==0.54.0\n+uvicorn==0.54.1\n" in patch
    [security] = result["verification"]
    # the gate's own verdict: this toy service has no hardening (headers, rate limit…), so it fails there,
    # and the proposal is reported as not verified; its dependencies pass
    assert security["gate"] == "security" and security["status"] == "FAIL" and not result["verified"]
    assert any(r.startswith("security_headers fail") for r in security["reasons"])
    assert not any("dependencies" in r for r in security["reasons"])
    assert result["remaining_advisories"] == []  # the copy no longer has the flagged pin
    assert (tree / "requirements.txt").read_text() == "uvicorn==0.54.0\n"
