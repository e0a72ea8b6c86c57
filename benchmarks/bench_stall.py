"""The stall detector on recorded runs: its confusion matrix and its false-alarm rate everywhere.

    python -m benchmarks.bench_stall                        # record every run, then report (see below for how long)
    python -m benchmarks.bench_stall --only issue lessons   # record some groups: issue recipes lessons playground
    python -m benchmarks.bench_stall --replay               # report on the runs recorded last time

Run it from the repository's root. Recording takes about 30 minutes of CPU time (recipes 1-7 most
of it: they train as ``benchmarks/recipes.py`` does), much longer on a busy machine.

Every call of ``train`` in these runs is recorded (``stall_recorder.py``) with the stall
detector switched off, so that each run goes on to its end: its blocks, ``(steps, samples,
cost, accuracy)``, are what the detector judges, and its end says what truly happened. The
detector (:func:`mnist_scratch.training.stall.stalled_at`, the very rule ``train`` applies)
is then replayed over each run's blocks. The groups:

* ``issue``: the failures of issue 21 (784-64-10 with sigmoid and squared error at lr 1e9;
  the playground's momentum at lr 0.5 and 1.0 on 1,000 images in batches of 16);
* ``recipes``: every recipe of ``mnist_scratch/recipes/table.py``, as ``run_recipe`` trains it;
* ``lessons``: every lesson, run top to bottom in a fresh kernel, every ``train`` it calls;
* ``playground``: the playground's sliders across their range (learning rate every half
  decade from 1e-4 to 3.16, each optimizer, batch sizes, training images, depth, width, L2, epochs).

**The truth** comes from the run's end, not from the detector: a run *failed to learn*
when its last epoch's training accuracy is at most chance + 10 points (chance: the share
of the most common label, 11.2% for MNIST's training digits); a run that the divergence
guard stopped (NaN, or a cost that exploded) is counted apart. Exit status 1 if the
detector raises a false alarm on any run that learned.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from mnist_scratch.training import stall
from mnist_scratch.training.stall_causes import diagnose

try:
    from benchmarks.stall_recorder import SOURCE_ENV, TRACE_ENV, install
except ModuleNotFoundError as err:              # started as a script, so the repository is not on the path
    if err.name != "benchmarks":
        raise
    raise SystemExit("run it from the repository's root: python -m benchmarks.bench_stall ...") from None

HERE = Path(__file__).resolve().parent
TRACES = HERE.parent / "artifacts" / "stall_traces.jsonl"
#: The runs, compact (costs to 4 figures), for tests/package/training/test_stall.py to replay in seconds.
TABLE = HERE.parent / "tests" / "fixtures" / "stall_runs.jsonl.gz"
GROUPS = ("issue", "recipes", "lessons", "playground")
#: A run failed to learn when its last epoch's training accuracy is at most chance + this.
FAILED_ABOVE_CHANCE = 0.10


# --------------------------------------------------------------------------- recording
def record_issue(path):
    import mnist_scratch as ms
    from mnist_scratch.lab.playground import Playground

    install(path, "issue")
    X, y, X_test, y_test = ms.load_mnist()
    model = ms.Model([784, 64, 10], activation="sigmoid", loss="mse")
    ms.train(model, X[:5000], y[:5000], epochs=3, optimizer="sgd", lr=1e9, progress=False)
    panel = Playground((X, y, X_test, y_test))
    for lr in (0.5, 1.0):
        panel.run(lr=lr, optimizer="momentum", batch_size=16, subset=1000)


def record_recipes(path, only=None):
    from mnist_scratch.data import load_mnist
    from mnist_scratch.recipes import RECIPES, get_recipe, run_recipe

    install(path, "recipes")
    for recipe in [get_recipe(r) for r in only] if only else RECIPES.values():
        start = time.perf_counter()
        run_recipe(recipe, data=load_mnist(scale=recipe.scale), progress=False)
        print(f"  recipe {recipe.name}: {time.perf_counter() - start:.0f} s", flush=True)


def record_lessons(path):
    """Every lesson, run by the lesson runner the tests use (each solution right after its stub), in a
    kernel whose IPython start-up installs the recorder (the repository's root on its PYTHONPATH)."""
    from tools.runner import run_lesson

    with tempfile.TemporaryDirectory() as ipython_dir:
        startup = Path(ipython_dir) / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-stall-recorder.py").write_text("from benchmarks.stall_recorder import install_from_env\n"
                                                      "install_from_env()\n")
        for lesson in sorted((HERE.parent / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            env = {**os.environ, "IPYTHONDIR": ipython_dir, "PYTHONPATH": str(HERE.parent), TRACE_ENV: str(path),
                   SOURCE_ENV: lesson.stem}
            start = time.perf_counter()
            run = run_lesson(lesson, env=env)
            problems = "; ".join(str(p)[:200] for p in run.problems)
            print(f"  {lesson.stem}: {time.perf_counter() - start:.0f} s{', ' + problems if problems else ''}",
                  flush=True)


def playground_settings():
    """The sliders across their range: every half decade of learning rate, each optimizer and batch size."""
    rates = [round(10 ** (e / 2), 6) for e in range(-8, 2)]          # 1e-4, 3.2e-4, ... 1, 3.16
    for subset in (1000, 5000):
        for batch_size in (16, 64, 256, None):
            for optimizer in ("sgd", "momentum", "adam"):
                for lr in rates:
                    yield dict(lr=lr, optimizer=optimizer, batch_size=batch_size, subset=subset)
    for optimizer in ("sgd", "momentum", "adam"):                      # the other sliders, at their ends
        for lr in (1e-3, 1e-2, 0.1, 1.0):
            yield dict(lr=lr, optimizer=optimizer, hidden=(64, 32, 16))
            yield dict(lr=lr, optimizer=optimizer, hidden=(4,))
            yield dict(lr=lr, optimizer=optimizer, hidden=(256,), epochs=1)
            yield dict(lr=lr, optimizer=optimizer, epochs=40, subset=1000)
            yield dict(lr=lr, optimizer=optimizer, l2=0.1)
            yield dict(lr=lr, optimizer=optimizer, subset=59000, epochs=2, batch_size=256)


def record_playground(path):
    import mnist_scratch as ms
    from mnist_scratch.lab.playground import Playground

    install(path, "playground")
    panel = Playground(ms.load_mnist())
    panel._draw = panel._draw_samples = lambda *args: None  # training as the sliders set it, without the pictures
    for settings in playground_settings():
        panel.run(**settings)


# --------------------------------------------------------------------------- the report
def load(path) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def judge(run: dict) -> dict:
    """The truth from the run's end, and the detector's verdict replayed over its blocks."""
    blocks = [tuple(b) for b in run["blocks"]]
    fired = stall.stalled_at(blocks, run["chance"])
    step = sum(b[0] for b in blocks[:fired + 1]) if fired is not None else None
    cause = None
    if fired is not None:
        s = run["settings"]
        verdict = stall.stall_stretch(blocks[:fired + 1], run["chance"], final=fired == len(blocks) - 1)
        cause = diagnose(blocks[:fired + 1], verdict, classes=(s["model"].get("sizes") or [10])[-1],
                               lr=s.get("lr") or 0.0, loss=s["model"].get("loss", "cross_entropy"),
                               targets=s.get("targets") or (0.0, 1.0))[0].split(":")[0]
    if run["ended"] == "diverged":
        truth = "diverged"
    else:
        truth = "failed" if run["last"].get("train_acc", 0) <= run["chance"] + FAILED_ABOVE_CHANCE else "learned"
    return {"truth": truth, "fired": fired is not None, "step": step, "steps": sum(b[0] for b in blocks), "cause": cause,
            "why": None if fired is not None or truth != "failed" else why_missed(blocks, run["chance"])}


def why_missed(blocks, chance) -> str:
    """Why a run that failed to learn was not reported, in the detector's own terms."""
    last = stall.stall_stretch(blocks, chance, final=True)
    if last is None:
        return (f"too short to judge (fewer than {stall.FINAL_STEPS} steps or {stall.WINDOW_SAMPLES:,} samples)")
    if last["accuracy"] > last["limit"]:
        return f"its accuracy, {last['accuracy']:.1%}, is above the chance limit ({last['limit']:.1%})"
    return ("its cost was still falling (or its accuracy rising) beyond noise when it ended "
            f"(cost {last['drop']:+.3f}, accuracy {last['rise']:+.1%} from the last stretch's first half to its second)")


def describe(run: dict) -> str:
    s = run["settings"]
    model = s["model"]
    arch = "-".join(map(str, model.get("sizes", []))) or model.get("kind", "?")
    extra = "".join(f", {k} {s[k]}" for k in ("l2", "dropout", "schedule") if s.get(k))
    return (f"{run['source']}{'' if run['cell'] is None else ' [' + str(run['cell']) + ']'}: {arch} "
            f"{model.get('activation', '')}/{model.get('loss', '')} init {model.get('init', '-')}"
            f"{' bn' if model.get('batch_norm') else ''}, {s.get('optimizer')} lr {s.get('lr')}, batch "
            f"{s.get('batch_size')}, {s.get('epochs')} epochs on {s['rows']:,}{extra}")


def write_table(runs: list[dict], path: Path) -> None:
    """The recorded runs as the test replays them, compact: per run its name, chance, how it ended, and its
    blocks as columns: ``steps`` and ``samples`` (one number when all blocks have the same), ``hits`` (right
    answers) and the costs in units of 1e-4, each given as its change from the block before."""
    import gzip

    with gzip.open(path, "wt", compresslevel=9) as f:
        for run in runs:
            blocks = run["blocks"]
            costs = [round(c * 1e4) for _, _, c, _ in blocks]
            row = {"name": describe(run), "source": run["source"], "chance": round(run["chance"], 4),
                   "ended": run["ended"], "train_acc": round(run["last"].get("train_acc", 0), 4)}
            for key, column in (("steps", 0), ("samples", 1)):
                values = [b[column] for b in blocks]
                row[key] = values[0] if values and len(set(values)) == 1 else values
            row["hits"] = [round(a * n) for _, n, _, a in blocks]
            row["cost_changes"] = costs[:1] + [b - a for a, b in zip(costs, costs[1:])]
            f.write(json.dumps(row, separators=(",", ":")) + "\n")


def report(runs: list[dict]) -> int:
    table = defaultdict(lambda: defaultdict(int))
    notes = []
    for run in runs:
        v = judge(run)
        group = _group_of(run)
        table[group][v["truth"], v["fired"]] += 1
        table["all"][v["truth"], v["fired"]] += 1
        acc = run["last"].get("train_acc", float("nan"))
        if v["truth"] == "learned" and v["fired"]:
            notes.append(f"FALSE ALARM at step {v['step']} of {v['steps']} (ends at {acc:.1%}): {describe(run)}")
        elif v["truth"] == "failed" and not v["fired"]:
            notes.append(f"missed ({v['steps']} steps, ends at {acc:.1%}; {v['why']}): {describe(run)}")
            table["missed because"][v["why"].split(" (")[0].split(":")[0].split(",")[0]] += 1
        elif v["truth"] == "failed":
            notes.append(f"caught at step {v['step']} of {v['steps']} (ends at {acc:.1%}; \"{v['cause']}\"): "
                         f"{describe(run)}")
    print(f"{'runs':14} {'learned':>8} {'false alarms':>13} {'rate':>6}   {'failed':>6} {'caught':>6} "
          f"{'missed':>6}   {'diverged':>8} {'(stall first)':>13}")
    order = sorted((g for g in table if g != "missed because"), key=lambda g: (g == "all", g))
    for group in order:
        t = table[group]
        learned = t["learned", False] + t["learned", True]
        failed = t["failed", False] + t["failed", True]
        rate = f"{t['learned', True] / learned:6.1%}" if learned else f"{'-':>6}"
        print(f"{group:14} {learned:8d} {t['learned', True]:13d} {rate}   {failed:6d} {t['failed', True]:6d} "
              f"{t['failed', False]:6d}   {t['diverged', False] + t['diverged', True]:8d} {t['diverged', True]:13d}")
    all_ = table["all"]
    print("\nconfusion matrix (every run that did not diverge):")
    print(f"{'':22} {'detector fires':>15} {'detector silent':>16}")
    print(f"{'failed to learn':22} {all_['failed', True]:15d} {all_['failed', False]:16d}")
    print(f"{'learned':22} {all_['learned', True]:15d} {all_['learned', False]:16d}")
    print("\nthe failures missed, by reason: " + "; ".join(f"{n} {why}" for why, n in table["missed because"].items()))
    print()
    for note in sorted(notes, key=lambda n: (not n.startswith("FALSE"), not n.startswith("missed"), n)):
        print(note)
    return 1 if all_["learned", True] else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=GROUPS, help="record only these groups")
    parser.add_argument("--replay", action="store_true", help="report on the runs recorded last time")
    parser.add_argument("--recipes", nargs="+", metavar="RECIPE", help="with --only recipes: just these recipes")
    parser.add_argument("--traces", type=Path, default=TRACES, help=f"the recorded runs (default: {TRACES})")
    parser.add_argument("--table", type=Path, default=TABLE, help=f"where to write the compact table the test "
                                                                  f"replays (default: {TABLE}; '-': nowhere)")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    if not args.replay:
        args.traces.parent.mkdir(parents=True, exist_ok=True)
        if args.traces.exists():
            kept = [r for r in load(args.traces) if _group(r) not in (args.only or GROUPS)]
            args.traces.write_text("".join(json.dumps(r) + "\n" for r in kept))
        for group in args.only or GROUPS:
            start = time.perf_counter()
            print(f"recording {group}…", flush=True)
            globals()[f"record_{group}"](args.traces, *([args.recipes] if group == "recipes" else []))
            print(f"recorded {group} in {time.perf_counter() - start:.0f} s", flush=True)
    runs = load(args.traces)
    if str(args.table) != "-":
        write_table(runs, args.table)
    return report(runs)


def _group_of(run: dict) -> str:
    """The row of the report a run goes in: each lesson, each recipe, the playground, the issue."""
    if run["source"][:2].isdigit():
        return f"lesson {run['source'][:2]}"
    if run["source"] == "recipes":
        from mnist_scratch.recipes import RECIPES

        s = run["settings"]
        for recipe in RECIPES.values():
            if all(s.get(k) == v for k, v in recipe.train.items() if k in ("optimizer", "lr", "batch_size", "epochs")):
                if recipe.kind == "cnn" or list(s["model"].get("sizes", [])) == list(recipe.sizes):
                    return f"recipe {recipe.number}"
    return run["source"]


def _group(run: dict) -> str:
    return "lessons" if run["source"][:2].isdigit() else run["source"]


if __name__ == "__main__":
    raise SystemExit(main())
