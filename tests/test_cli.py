"""The command line, run as a learner runs it: in a separate process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "mnist_scratch", *args], capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_recipes_lists_all_seven():
    out = run("recipes").stdout
    for name in ("kaggle-784-10-10", "he-784-10-10", "deep-gd-500", "deep-gd-1000", "myonn-784-100-10", "best",
                 "cnn"):
        assert name in out
    listed = json.loads(run("recipes", "--json").stdout.splitlines()[-1])
    assert [r["number"] for r in listed] == [1, 2, 3, 4, 5, 6, 7]


def test_cnn_recipe_refuses_to_save_before_training(tmp_path):
    result = run("train", "--recipe", "cnn", "--out", str(tmp_path / "cnn.npz"), check=False)
    assert result.returncode == 1 and "saving CNN models is not supported yet" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "cnn.npz").exists()


def test_train_evaluate_predict(tmp_path):
    model = tmp_path / "tiny.npz"
    result = run("train", "--layers", "784,16,10", "--epochs", "1", "--seed", "3", "--out", str(model),
                 "--json", "--no-progress")
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["layers"] == [784, 16, 10] and summary["epochs"] == 1 and summary["seed"] == 3
    assert summary["test_accuracy"] > 0.85 and summary["train_seconds"] > 0
    assert model.is_file()

    evaluation = json.loads(run("evaluate", str(model), "--json").stdout.strip().splitlines()[-1])
    assert evaluation["test_accuracy"] == pytest.approx(summary["test_accuracy"])
    assert len(evaluation["confusion_matrix"]) == 10
    assert sum(map(sum, evaluation["confusion_matrix"])) == 10000
    assert "confusion matrix" in run("evaluate", str(model)).stdout

    out = run("predict", str(model), "--index", "0").stdout
    assert "test image 0: true label 7" in out
    assert "@@" in out or "##" in out  # the digit is drawn
    import re

    assert len([line for line in out.splitlines() if re.match(r"^\s+\d\s+\d+\.\d%", line)]) == 10


@pytest.mark.parametrize("args,message", [
    (["train", "--layers", "784,x,10"], "is not a comma-separated list of whole numbers"),
    (["train", "--layers", "100,10"], "the first layer must be 784"),
    (["train", "--epochs", "0"], "must be at least 1"),
    (["train", "--recipe", "fastest"], "recipe 'fastest' is not known"),
    (["train", "--dataset", "kmnist"], "invalid choice: 'kmnist'"),
    (["predict", "model.npz"], "the following arguments are required: --index"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_bad_arguments_give_usage_and_exit_2(args, message):
    result = run(*args, check=False)
    assert result.returncode == 2
    assert "usage: mnist-scratch" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_runtime_errors_are_one_line_not_tracebacks(tmp_path):
    result = run("evaluate", str(tmp_path / "nope.npz"), check=False)
    assert result.returncode == 1 and "nope.npz: no such model file" in result.stderr
    assert "Traceback" not in result.stderr
    bad = tmp_path / "bad.npz"
    bad.write_text("not a model")
    result = run("evaluate", str(bad), check=False)
    assert result.returncode == 1 and "is not a readable model file" in result.stderr
    result = run("train", "--data-dir", str(tmp_path), "--dataset", "fashion-mnist", "--epochs", "1", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_predict_index_out_of_range(tmp_path):
    model = tmp_path / "m.npz"
    run("train", "--layers", "784,10,10", "--epochs", "1", "--out", str(model), "--no-progress")
    result = run("predict", str(model), "--index", "10000", check=False)
    assert result.returncode == 2 and "10000 is out of range; the test set has 10000 images" in result.stderr
