"""Evaluate the shipped model on the held-out data; write the metrics JSON golive reads.

    python model_eval.py --out METRICS.json     (golive passes its $GOLIVE_METRICS_PATH)

Writes ``{"accuracy": <fraction>, "samples": N, "device": ...}``. numpy only: the device is
recorded as given by ``$GOLIVE_DEVICE`` (this model has no GPU path; it always computes on the CPU).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def evaluate(model_path: Path, data_path: Path) -> dict[str, float | int | str]:
    """Accuracy of the logistic-regression model in ``model_path`` on the rows of ``data_path``."""
    model = json.loads(model_path.read_text(encoding="utf-8"))
    rows = np.loadtxt(data_path, delimiter=",", skiprows=1)
    x, y = rows[:, :-1], rows[:, -1]
    predicted = (x @ np.asarray(model["weights"]) + float(model["bias"]) > 0).astype(float)
    return {"accuracy": round(float(np.mean(predicted == y)), 4), "samples": len(y),
            "device_requested": os.environ.get("GOLIVE_DEVICE", "cpu"), "computed_on": "cpu"}


def main() -> int:
    """Parse ``--out``, evaluate, write the metrics."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=os.environ.get("GOLIVE_METRICS_PATH", "metrics.json"))
    parser.add_argument("--model", default=str(HERE / "model.json"))
    parser.add_argument("--data", default=str(HERE / "data" / "holdout.csv"))
    args = parser.parse_args()
    metrics = evaluate(Path(args.model), Path(args.data))
    Path(args.out).write_text(json.dumps(metrics), encoding="utf-8")
    print(f"accuracy {metrics['accuracy']} on {metrics['samples']} held-out samples")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
