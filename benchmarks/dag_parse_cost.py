"""Each DAG file's own parse cost against the cost of its imports, measured side by side.

Airflow 3's DAG processor parses each file in a child forked from its manager, so a parse pays for
what the file imports beyond the manager's modules, and for building its DAG. For every file in dags/,
a fresh interpreter (repeated --runs times) first imports what the DAG processor holds
(``airflow.dag_processing.processor``, untimed), then executes only the file's top-level import
statements, then the whole file with those modules already loaded: the first number is what the
file's imports cost a parse, the second what the file itself costs (building the DAG objects, and what
Airflow imports lazily while the first DAG and its operators are built). Prints medians and the ratio
own/imports. "2nd parse" builds the DAG once more in the same interpreter. "cold" is the same own cost
without the DAG processor's modules loaded first (a bare interpreter, as ``python dags/x.py`` runs it).
Target: own ≤ 50 ms; no heavy library (great_expectations, pandas, analyzers) among the imports.

    python benchmarks/dag_parse_cost.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("great_expectations", "pandas", "matplotlib", "bandit", "radon", "locust", "schemathesis",
         "detect_secrets", "torch")

PROBE = r"""
import ast, json, sys, time
path, primed = sys.argv[1], sys.argv[2] == "primed"
if primed:
    import airflow.dag_processing.processor
source = open(path).read()
tree = ast.parse(source)
imports = ast.Module(body=[n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))], type_ignores=[])
t0 = time.perf_counter()
exec(compile(imports, path, "exec"), {"__name__": "dag_imports"})
t1 = time.perf_counter()
exec(compile(source, path, "exec"), {"__name__": "dag_file", "__file__": path})
t2 = time.perf_counter()
exec(compile(source, path, "exec"), {"__name__": "dag_file_again", "__file__": path})
t3 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "own": t2 - t1, "again": t3 - t2,
                  "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def measure(path: Path, runs: int) -> dict:
    """Median import and own cost of one DAG file over ``runs`` fresh interpreters."""
    samples = []
    for _ in range(runs):
        for mode in ("primed", "cold"):
            out = subprocess.run([sys.executable, "-c", PROBE, str(path), mode], capture_output=True, text=True,
                                 check=True, cwd=ROOT)
            samples.append({"mode": mode, **json.loads(out.stdout.strip().splitlines()[-1])})
    primed = [s for s in samples if s["mode"] == "primed"]
    return {"imports": statistics.median(s["imports"] for s in primed),
            "own": statistics.median(s["own"] for s in primed),
            "again": statistics.median(s["again"] for s in primed),
            "cold": statistics.median(s["own"] for s in samples if s["mode"] == "cold"),
            "heavy": sorted(set(primed[0]["modules"]) & set(HEAVY))}


def main() -> int:
    """Measure and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'DAG file':<34} {'imports (ms)':>13} {'own (ms)':>9} {'own/imports':>12} {'2nd parse':>10}"
          f" {'cold own':>9}  heavy imports  target own<=50ms")
    worst = 0.0
    for path in sorted((ROOT / "dags").glob("*.py")):
        m = measure(path, args.runs)
        worst = max(worst, m["own"])
        ok = "ok" if m["own"] <= 0.050 and not m["heavy"] else "MISSED"
        print(f"{path.name:<34} {m['imports'] * 1000:>13.1f} {m['own'] * 1000:>9.1f} "
              f"{m['own'] / m['imports']:>12.3f} {m['again'] * 1000:>10.1f} {m['cold'] * 1000:>9.1f}  "
              f"{','.join(m['heavy']) or 'none':<14} {ok}")
    print(f"worst own parse cost: {worst * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
