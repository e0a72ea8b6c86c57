"""Train every named recipe and compare it with the accuracy its source reports.

    python benchmarks/recipes.py                 # all seven (1-6: about 15 minutes on 2 cores; 7 is a CNN)
    python benchmarks/recipes.py --only 1 6      # some of them
    python benchmarks/recipes.py --json          # last line: a JSON list

Each row: recipe, the accuracy reached (test, or dev where the source reports dev),
the reference, and the training seconds on this machine. A reference the source states
approximately ("~94.0%") is met within the tolerance recorded beside it in
mnist_scratch/recipes/__init__.py (half a point). Exit status 1 names every recipe below its reference.
"""

from __future__ import annotations

import argparse
import json

from mnist_scratch.data import load_mnist
from mnist_scratch.recipes import RECIPES, get_recipe, run_recipe


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Train every recipe and compare with its reference.")
    parser.add_argument("--only", nargs="+", metavar="RECIPE", help="names or numbers")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    recipes = [get_recipe(r) for r in args.only] if args.only else list(RECIPES.values())

    data = {scale: load_mnist(scale=scale) for scale in {r.scale for r in recipes}}
    rows = []
    print(f"{'recipe':24} {'accuracy':>9} {'reference':>14} {'':4} {'seconds':>8}")
    for recipe in recipes:
        _, _, result = run_recipe(recipe, data=data[recipe.scale], progress=False)
        reached = result["dev_accuracy"] if recipe.metric == "dev" else result["test_accuracy"]
        row = {"name": recipe.name, "number": recipe.number, "metric": recipe.metric,
               "accuracy": reached, "test_accuracy": result["test_accuracy"],
               "reference": recipe.reference, "tolerance": recipe.tolerance,
               "train_seconds": result["train_seconds"], "meets_reference": recipe.meets_reference(reached)}
        rows.append(row)
        reference = f"{'~' if recipe.tolerance else ''}{recipe.reference:.2%}" + (
            f" ±{recipe.tolerance:.1%}" if recipe.tolerance else "")
        print(f"{recipe.number} {recipe.name:22} {reached:9.2%} {reference:>14} {recipe.metric:4} "
              f"{result['train_seconds']:8.1f}  {'ok' if row['meets_reference'] else 'BELOW REFERENCE'}", flush=True)
    if args.json:
        print(json.dumps(rows))
    below = [f"{r['name']} reached {r['accuracy']:.2%} < {r['reference']:.2%}" for r in rows if not r["meets_reference"]]
    if below:
        print("goals missed: " + "; ".join(below))
    return 1 if below else 0


if __name__ == "__main__":
    raise SystemExit(main())
