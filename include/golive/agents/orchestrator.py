"""Orchestrator agent: plans a go-live (which phases, which pod profile) from the application itself.

``python -m golive.agents.orchestrator plan --source PATH [--ref REF]`` reads the application's
PRD/README/requirements, scores how likely it is an ML workload (``golive.routing``) and prints
the routing decision as JSON (also to the pod's XCom file when run by ``AgentPodOperator``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from golive.cli import args as args_
from golive.cli.output import ExitCode, emit
from golive.results import PlanResult
from golive.routing import route_source
from golive.runtime import write_xcom


def plan(source: str, ref: str = "HEAD") -> dict[str, Any]:
    """The go-live plan of the application at ``source``: its routing decision (cpu or gpu)."""
    from golive.sources import checkout

    with tempfile.TemporaryDirectory(prefix="golive-plan-") as tmp:
        tree = checkout(source, ref, Path(tmp))
        decision = route_source(tree)
    return {"agent": "orchestrator", "action": "plan", "source": source, "ref": ref,
            "routing": {"ml_score": decision.score, "profile": decision.profile,
                        "evidence": decision.evidence, "reason": decision.reason}}


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(prog="python -m golive.agents.orchestrator", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    p_plan = sub.add_parser("plan", help="plan a go-live: route the workload to the cpu or gpu profile")
    p_plan.add_argument("--source", required=True, type=args_.source,
                        help="local path or git URL of the application")
    p_plan.add_argument("--ref", default="HEAD", type=args_.ref, help="git ref (default HEAD)")
    args = parser.parse_args(argv)
    try:
        result = plan(args.source, args.ref)
    except Exception as exc:
        print(f"orchestrator plan failed: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    write_xcom(result, PlanResult)
    emit(result)
    return ExitCode.OK


if __name__ == "__main__":
    raise SystemExit(main())
