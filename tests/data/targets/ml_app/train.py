"""Make the fixture's data and model (run once; the outputs are committed): two Gaussian classes in 4-D.

    python train.py      # writes data/train.csv, data/holdout.csv and model.json (deterministic, seed 7)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def make(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` labelled rows: features x0..x3, label 0/1 (class means 2 apart on every axis)."""
    labels = rng.integers(0, 2, n)
    features = rng.normal(0.0, 1.0, (n, 4)) + labels[:, None] * 2.0
    return np.column_stack([features, labels])


def fit(rows: np.ndarray, steps: int = 500, rate: float = 0.5) -> tuple[np.ndarray, float]:
    """Logistic regression by gradient descent: (weights, bias)."""
    x, y = rows[:, :4], rows[:, 4]
    w, b = np.zeros(4), 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        w -= rate * x.T @ (p - y) / len(y)
        b -= rate * float(np.mean(p - y))
    return w, b


def main() -> None:
    """Write the data sets and the trained model."""
    rng = np.random.default_rng(7)
    train, holdout = make(rng, 400), make(rng, 200)
    header = "x0,x1,x2,x3,label"
    (HERE / "data").mkdir(exist_ok=True)
    np.savetxt(HERE / "data" / "train.csv", train, delimiter=",", header=header, comments="", fmt="%.5f")
    np.savetxt(HERE / "data" / "holdout.csv", holdout, delimiter=",", header=header, comments="", fmt="%.5f")
    w, b = fit(train)
    (HERE / "model.json").write_text(json.dumps({"kind": "logistic-regression", "weights": w.round(6).tolist(),
                                                  "bias": round(b, 6)}, indent=2) + "\n")


if __name__ == "__main__":
    main()
