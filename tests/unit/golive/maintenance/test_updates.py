"""Proposed updates: the first version that fixes every advisory, requirements and package.json pins
rewritten (hashes dropped with a note), lockfile-only pins left to a re-lock, the patch a unified diff."""

from __future__ import annotations

import json

from golive.maintenance.updates import Bump, bump_requirements, first_fixed, patched_copy, plan_bumps, propose


def advisory(package, version, path, fixed, *, primary="GHSA-1", ecosystem="PyPI", line=1):
    return {"package": package, "version": version, "path": path, "fixed": fixed, "primary": primary,
            "ecosystem": ecosystem, "line": line}


def test_first_fixed_is_the_lowest_version_that_fixes_every_advisory():
    assert first_fixed("1.0.0", [["1.0.1", "2.0.1"], ["1.2.0"]]) == "1.2.0"
    assert first_fixed("2.0.0", [["1.0.1", "2.0.1"]]) == "2.0.1"  # a fix of an older branch is not one
    assert first_fixed("1.0.0", [["1.0.1"], []]) is None  # one advisory without a fix: no version fixes all


def test_plan_bumps_tells_patch_relock_and_no_fix_apart():
    bumps = {b.package: b for b in plan_bumps([
        advisory("uvicorn", "0.54.0", "requirements.txt", ["0.54.1"]),
        advisory("uvicorn", "0.54.0", "requirements.txt", ["0.54.3"], primary="GHSA-2"),
        advisory("jinja2", "3.0.0", "uv.lock", ["3.1.5"]),
        advisory("left-pad", "1.0.0", "package.json", [], ecosystem="npm")])}
    assert (bumps["uvicorn"].target, bumps["uvicorn"].how, bumps["uvicorn"].advisories) == (
        "0.54.3", "patch", ("GHSA-1", "GHSA-2"))
    assert (bumps["jinja2"].target, bumps["jinja2"].how) == ("3.1.5", "relock")
    assert bumps["left-pad"].how == "no-fix" and bumps["left-pad"].target is None


def test_requirements_pins_are_rewritten_markers_kept_hashes_dropped():
    text = ("# runtime\nUvicorn[standard]==0.54.0 ; python_version >= '3.10'\n"
            "starlette==1.10.0 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\nfastapi==0.136.3\n")
    bumps = [Bump("uvicorn", "PyPI", "0.54.0", "0.54.1", "r.txt", 2, ("A",)),
             Bump("starlette", "PyPI", "1.10.0", "1.10.1", "r.txt", 3, ("B",))]
    new, notes = bump_requirements(text, bumps)
    assert new == ("# runtime\nUvicorn[standard]==0.54.1 ; python_version >= '3.10'\n"
                   "starlette==1.10.1\nfastapi==0.136.3\n")
    assert len(notes) == 1 and "--hash" in notes[0] and "starlette" in notes[0]


def test_propose_writes_a_patch_and_a_copy_without_touching_the_tree(tmp_path):
    tree = tmp_path / "app"
    tree.mkdir()
    (tree / "requirements.txt").write_text("uvicorn==0.54.0\nhttpx==0.28.1\n")
    (tree / "package.json").write_text(json.dumps({"dependencies": {"lodash": "4.17.20", "react": "^18.0.0"}}))
    proposal = propose(tree, [advisory("uvicorn", "0.54.0", "requirements.txt", ["0.54.1"]),
                              advisory("lodash", "4.17.20", "package.json", ["4.17.21"], ecosystem="npm"),
                              advisory("jinja2", "3.0.0", "uv.lock", ["3.1.5"])])
    assert "-uvicorn==0.54.0\n+uvicorn==0.54.1\n" in proposal.patch
    assert proposal.patch.startswith("--- a/package.json\n+++ b/package.json\n")
    assert '+    "lodash": "4.17.21"' in proposal.patch
    assert any("uv.lock" in n and "regenerate" in n for n in proposal.notes)
    copy = patched_copy(tree, proposal, tmp_path / "work")
    assert (copy / "requirements.txt").read_text() == "uvicorn==0.54.1\nhttpx==0.28.1\n"
    assert json.loads((copy / "package.json").read_text())["dependencies"] == {"lodash": "4.17.21", "react": "^18.0.0"}
    assert (tree / "requirements.txt").read_text() == "uvicorn==0.54.0\nhttpx==0.28.1\n"
