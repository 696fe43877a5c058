"""The Maintenance agent: the ``golive_maintenance`` DAG's pods, one live application each::

    python -m golive.agents.maintenance rescan --manifest URL [--store URL] [--snapshot DIR]
    python -m golive.agents.maintenance propose --manifest URL [--store URL] [--gates quality,security]
    python -m golive.agents.maintenance rotate --manifest URL [--store URL] [--timeout S]

The DAG's worker (it owns the ledger) writes the manifest: the application, the run, its deployed
source (``source``, ``ref``, the ``commit`` its go-live pinned), when it went live, what the go-live's
security gate knew, its namespace, Deployments, Secret and the secret key names to rotate.

``rescan`` checks the deployed tree's pins against the advisory snapshot (``--snapshot``, else
``GOLIVE_MAINTENANCE_SNAPSHOT_DIR``, else the shipped one): :mod:`golive.maintenance.rescan`.
``propose`` bumps each vulnerable pin to its first fixed version (:mod:`golive.maintenance.updates`),
writes ``updates.patch``, and re-verifies a patched copy with the quality and security gates (the
agents' own gate code: :func:`golive.cli.gate.gate_results` and each gate's score) and a rescan.
``rotate`` rotates the Secret's keys with a rolling restart and a health check, restoring the old
values when the application is not healthy (:mod:`golive.maintenance.rotation`).

Each writes its result next to the manifest (``<app>/maintenance/<run>/{rescan,updates,rotation}.json``
in the documentation store), prints it as JSON and writes it as the pod's XCom. Exit codes: 0 done
(new advisories, a proposal whose gates fail and a rotation that restored the old values, healthy, are
results: ``record`` fails the group for the last, without a retry), 1 the step failed (the application
unhealthy before the rotation or after restoring, a store or cluster error), 2 bad input, 4 the
source could not be fetched.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from golive.cli.args import name_list, read_manifest, store_url
from golive.cli.output import ExitCode, emit
from golive.docs.store import ArtifactStore, StoreError
from golive.feedback.layout import read_json
from golive.maintenance.layout import PATCH, RESCAN, ROTATION, UPDATES, maintenance_rel
from golive.runtime import write_xcom

GATES = ("quality", "security")
REQUIRED = ("application", "run_id", "source")


def _tree(manifest: Mapping[str, Any], workdir: Path) -> Path:
    from golive.sources import checkout

    return checkout(str(manifest["source"]), str(manifest.get("ref") or "HEAD"), workdir,
                    commit=manifest.get("commit") or None)


def _write(store: ArtifactStore, manifest: Mapping[str, Any], name: str, doc: Any) -> str:
    import json

    return store.write_text(maintenance_rel(str(manifest["application"]), str(manifest["run_id"]), name),
                            json.dumps(doc, indent=1, sort_keys=True, default=str))


def _snapshot(path: Path | None) -> Path:
    from golive.analyzers.security.advisories import OSV_DIR
    from golive.settings import get_settings

    return path or get_settings().maintenance_snapshot_dir or OSV_DIR


def do_rescan(manifest: Mapping[str, Any], store: ArtifactStore, snapshot: Path | None) -> tuple[int, dict[str, Any]]:
    """Rescan the deployed tree; returns (exit code, result)."""
    from golive.maintenance.rescan import parse_moment, rescan

    known = manifest.get("known_at_golive")
    with tempfile.TemporaryDirectory(prefix="golive-maintenance-") as tmp:
        tree = _tree(manifest, Path(tmp))
        found = rescan(tree, kind=str(manifest.get("kind") or "service"), snapshot_dir=_snapshot(snapshot),
                       live_since=parse_moment(manifest.get("live_since")),
                       known_at_golive=None if known is None else set(known),
                       reported=set(manifest.get("reported") or []))
    result = {"agent": "maintenance", "action": "rescan", "application": manifest["application"],
              "run": manifest["run_id"], **found}
    result["url"] = _write(store, manifest, RESCAN, result)
    return ExitCode.OK, result


def _verify_gate(name: str, tree: Path) -> dict[str, Any]:
    """One gate (``quality`` / ``security``) on ``tree``, scored by its own spec: the verdict in short."""
    from golive.analyzers.base import Context
    from golive.cli.gate import gate_results, profile_waivers

    if name == "quality":
        from golive.agents.quality import SPEC
    else:
        from golive.agents.security import SPEC
    ctx = Context(agent=SPEC.name, source=tree)
    verdict = SPEC.gate.score(gate_results(SPEC, ctx), waivers=profile_waivers(ctx), on=date.today())
    return {"gate": name, "status": verdict.status.value, "score": verdict.score, "threshold": verdict.threshold,
            "reasons": list(verdict.reasons)[:20]}


def do_propose(manifest: Mapping[str, Any], store: ArtifactStore, gates: Sequence[str],
               snapshot: Path | None) -> tuple[int, dict[str, Any]]:
    """Propose the updates of the rescan's advisories, re-verified on a patched copy; (exit code, result)."""
    from golive.maintenance.rescan import rescan
    from golive.maintenance.updates import patched_copy, propose

    found = read_json(store.url(maintenance_rel(str(manifest["application"]), str(manifest["run_id"]), RESCAN)))
    with tempfile.TemporaryDirectory(prefix="golive-maintenance-") as tmp:
        tree = _tree(manifest, Path(tmp) / "source")
        proposal = propose(tree, found.get("advisories") or [])
        verification: list[dict[str, Any]] = []
        remaining = None
        if proposal.changed:
            copy = patched_copy(tree, proposal, Path(tmp))
            verification = [_verify_gate(g, copy) for g in gates]
            after = rescan(copy, kind=str(manifest.get("kind") or "service"), snapshot_dir=_snapshot(snapshot))
            remaining = [a["fingerprint"] for a in after["advisories"]]
    result: dict[str, Any] = {
        "agent": "maintenance", "action": "propose", "application": manifest["application"],
        "run": manifest["run_id"], "bumps": [b.as_dict() for b in proposal.bumps], "notes": proposal.notes,
        "files": sorted(proposal.changed), "verification": verification, "remaining_advisories": remaining,
        "verified": bool(verification) and all(v["status"] == "PASS" for v in verification),
        "status": "proposed" if proposal.changed else ("manual" if proposal.bumps else "nothing-to-propose"),
    }
    if proposal.changed:
        result["patch"] = store.write_text(
            maintenance_rel(str(manifest["application"]), str(manifest["run_id"]), PATCH), proposal.patch)
    result["url"] = _write(store, manifest, UPDATES, result)
    return ExitCode.OK, result


def do_rotate(manifest: Mapping[str, Any], store: ArtifactStore, timeout: float) -> tuple[int, dict[str, Any]]:
    """Rotate the manifest's secret keys; (exit code, result)."""
    from golive.deploy.naming import secret_name, service_name
    from golive.kube.client import load_client
    from golive.kube.services import service_url
    from golive.maintenance.rotation import rotate

    application = str(manifest["application"])
    base = {"agent": "maintenance", "action": "rotate", "application": application, "run": manifest["run_id"]}
    keys = [str(k) for k in manifest.get("keys") or []]
    namespace = manifest.get("namespace")
    if not keys or not namespace:
        result = {**base, "status": "nothing-to-rotate", "keys": [],
                  "reason": "no secret key is recorded for it in the Kubernetes backend" if namespace
                  else "no namespace is recorded for its go-live"}
        result["url"] = _write(store, manifest, ROTATION, result)
        return ExitCode.OK, result
    client = load_client()
    health_url = manifest.get("health_url") or (
        service_url(service_name(application), str(namespace), client) + str(manifest.get("health_path") or "/health"))
    rotation = rotate(client=client, namespace=str(namespace), secret=str(manifest.get("secret") or
                                                                          secret_name(application)),
                      keys=keys, health_url=health_url, timeout=timeout)
    result = {**base, **rotation.as_dict(), "health_url": health_url}
    result["url"] = _write(store, manifest, ROTATION, result)
    return (ExitCode.FAIL if rotation.status == "restore-unhealthy" else ExitCode.OK), result


def _manifest(url: str, parser: argparse.ArgumentParser) -> dict[str, Any]:
    doc = read_manifest(url, parser)
    missing = [k for k in REQUIRED if not doc.get(k)]
    if missing:
        parser.error(f"--manifest: {url} has no {', '.join(missing)}")
    return doc


def build_parser() -> argparse.ArgumentParser:
    """The agent's argument parser (one sub-command per action)."""
    parser = argparse.ArgumentParser(prog="python -m golive.agents.maintenance", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    for name, what in (("rescan", "the deployed pins against the current advisory snapshot"),
                       ("propose", "dependency updates as a patch, re-verified by the gates on a copy"),
                       ("rotate", "rotate the secret keys: rolling restart, health verified")):
        p = sub.add_parser(name, help=what)
        p.add_argument("--manifest", required=True, type=store_url, help="URL of the manifest the worker wrote")
        p.add_argument("--store", type=store_url, default=None,
                       help="documentation store base URL (default GOLIVE_DOCS_STORE_URL, "
                            "else file://$GOLIVE_HOME/docs)")
        if name in ("rescan", "propose"):
            p.add_argument("--snapshot", type=Path, default=None,
                           help="advisory snapshot directory (default GOLIVE_MAINTENANCE_SNAPSHOT_DIR, else shipped)")
        if name == "propose":
            p.add_argument("--gates", type=name_list(GATES, "gates"), default=list(GATES),
                           help="gates that re-verify the patched copy (default quality,security)")
        if name == "rotate":
            p.add_argument("--timeout", type=float, default=None,
                           help="seconds to wait for the restart and /health "
                                "(default GOLIVE_MAINTENANCE_HEALTH_TIMEOUT)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    from golive.kube.client import KubeError
    from golive.maintenance.rotation import RotationError
    from golive.settings import get_settings
    from golive.sources import SourceError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.action != "rotate" and args.snapshot is not None and not (args.snapshot / "snapshot.json").is_file():
        parser.error(f"--snapshot {args.snapshot}: no snapshot.json in it")
    manifest = _manifest(args.manifest, parser)
    settings = get_settings()
    store = ArtifactStore(args.store or settings.docs_store)
    try:
        if args.action == "rescan":
            code, result = do_rescan(manifest, store, args.snapshot)
        elif args.action == "propose":
            code, result = do_propose(manifest, store, args.gates, args.snapshot)
        else:
            code, result = do_rotate(manifest, store, args.timeout or settings.maintenance_health_timeout)
    except SourceError as exc:
        print(f"maintenance {args.action} failed: {exc}", file=sys.stderr)
        return ExitCode.SOURCE
    except (StoreError, KubeError, RotationError) as exc:
        print(f"maintenance {args.action} failed: {exc}", file=sys.stderr)
        return ExitCode.FAIL
    emit(result)
    write_xcom(result)
    return code


if __name__ == "__main__":
    from golive.logs import configure_logging

    configure_logging()
    sys.exit(main())
