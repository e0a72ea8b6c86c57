"""The command line, run as a learner runs it: in a separate process (and through ``cli.main``), with
fully connected and convolutional model files, on MNIST and on a (fake) Fashion-MNIST folder."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest
from _package_helpers import TINY, _rewrite

from mnist_scratch import cli
from mnist_scratch.cnn import CNN
from mnist_scratch.data.sources import DATASETS, PARTS, DataFile
from mnist_scratch.files.model_file import load_model, save_model


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


def test_train_evaluate_predict_with_batch_norm(tmp_path):
    model = tmp_path / "bn.npz"
    result = run("train", "--layers", "784,16,10", "--epochs", "1", "--batch-norm", "--out", str(model),
                 "--json", "--no-progress")
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["batch_norm"] is True and summary["test_accuracy"] > 0.85
    assert "784-16-10 with batch norm" in result.stdout
    evaluation = json.loads(run("evaluate", str(model), "--json").stdout.strip().splitlines()[-1])
    assert evaluation["batch_norm"] is True
    assert evaluation["test_accuracy"] == pytest.approx(summary["test_accuracy"])
    assert "with batch norm" in run("evaluate", str(model)).stdout
    assert "test image 0: true label 7" in run("predict", str(model), "--index", "0").stdout
    result = run("train", "--recipe", "cnn", "--batch-norm", check=False)
    assert result.returncode == 1 and "batch norm (--batch-norm) applies only to the fully connected" in result.stderr
    result = run("train", "--recipe", "myonn-784-100-10", "--batch-norm", check=False)
    assert result.returncode == 1 and "needs batches of at least 2 rows" in result.stderr


@pytest.mark.parametrize("args,message", [
    (["train", "--layers", "784,x,10"], "is not a comma-separated list of whole numbers"),
    (["train", "--layers", "100,10"], "the first layer must be 784"),
    (["train", "--epochs", "0"], "the value=0 is not allowed: the value must be a whole number >= 1"),
    (["train", "--epochs", "1.5"], "the value='1.5' is not allowed: the value must be a whole number >= 1"),
    (["train", "--recipe", "fastest"], "'fastest' is not a recipe's name or number: 1 (kaggle-784-10-10), 2"),
    (["train", "--out", ""], "argument --out: '' is not a file's name: give the file to save the model to"),
    (["train", "--out", "  "], "argument --out: '  ' is not a file's name"),
    (["train", "--layers", "784,100000000,10"], "argument --layers: '784,100000000,10' is not allowed: the network's "
                                                "parameters must fit in memory, and would take 880 GiB, more than"),
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


# --------------------------------------------------------------------------- never a traceback
def _one_line_error(result, code=1):
    assert result.returncode == code, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def five_outputs(tmp_path_factory):
    from mnist_scratch.files.model_file import save_model
    from mnist_scratch.model import Model

    return save_model(Model([784, 8, 5]), tmp_path_factory.mktemp("models") / "five.npz")


@pytest.mark.parametrize("command", [["evaluate"], ["predict", "--index", "0"]])
def test_a_model_with_another_number_of_outputs(five_outputs, command):
    line = _one_line_error(run(command[0], str(five_outputs), *command[1:], check=False))
    assert line == (f"mnist-scratch {command[0]}: error: {five_outputs}: this model maps 784 inputs to 5 outputs, "
                    f"but MNIST handwritten digits has 784 pixels and 10 classes")


def test_predict_into_a_closed_pipe(tmp_path):
    model = tmp_path / "m.npz"
    run("train", "--layers", "784,10,10", "--epochs", "1", "--out", str(model), "--no-progress")
    result = subprocess.run(f"{sys.executable} -m mnist_scratch predict {model} --index 3 | head -1",
                            shell=True, capture_output=True, text=True, timeout=300)
    assert result.stdout.count("\n") == 1 and result.stderr == ""


@pytest.mark.parametrize("out,message", [
    ("{tmp}", "{tmp}: cannot be written: there is a folder of that name; remove it or choose another file name"),
    ("{tmp}/", "{tmp}/: cannot be written: there is a folder of that name; remove it or choose another file name"),
    ("{tmp}/a-file/m.npz", "{tmp}/a-file/m.npz: cannot be written: part of the path is a file, not a folder"),
])
def test_train_checks_out_before_training(tmp_path, monkeypatch, capsys, out, message):
    from mnist_scratch import cli

    (tmp_path / "a-file").write_text("x")
    monkeypatch.setattr("mnist_scratch.recipes.run_recipe", lambda *a, **k: pytest.fail("trained anyway"))
    assert cli.main(["train", "--out", out.format(tmp=tmp_path)]) == 1
    assert capsys.readouterr().err == f"mnist-scratch train: error: {message.format(tmp=tmp_path)}\n"


def test_unwritable_out_is_refused_before_training(tmp_path, monkeypatch, capsys):
    import errno

    from mnist_scratch import cli
    from mnist_scratch.data import atomic

    def refuse(folder, name):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic, "create_new_file", refuse)  # (tests run as root: simulate it)
    monkeypatch.setattr("mnist_scratch.recipes.run_recipe", lambda *a, **k: pytest.fail("trained anyway"))
    assert cli.main(["train", "--out", str(tmp_path / "m.npz")]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"mnist-scratch train: error: {tmp_path}/m.npz: cannot be written: permission denied: you cannot write in this folder; choose another one"


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(monkeypatch, capsys):
    from mnist_scratch import cli

    def broken(*args, **kwargs):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(cli, "_recipes", broken)
    assert cli.main(["recipes"]) == 1
    err = capsys.readouterr().err
    assert err == ("mnist-scratch recipes: error: RuntimeError: something nobody expected "
                   "(unexpected; run again with --debug to see where it happened)\n")
    with pytest.raises(RuntimeError):
        cli.main(["recipes", "--debug"])
    with pytest.raises(RuntimeError):
        cli.main(["--debug", "recipes"])
    monkeypatch.setenv("MNIST_SCRATCH_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["recipes"])


def test_multi_line_errors_become_one_line(tmp_path):
    result = run("download", "--data-dir", str(tmp_path / "empty"), "--dataset", "fashion-mnist", check=False)
    if result.returncode == 0:
        pytest.skip("Fashion-MNIST could be downloaded here")
    line = _one_line_error(result)
    assert line.startswith("mnist-scratch download: error: Could not download") and "Tried: - http" in line


@pytest.mark.parametrize("args", [["--out", ""], ["--layers", "784,100000000,10"]])
def test_nonsense_out_or_layers_neither_train_nor_allocate(monkeypatch, capsys, args):
    monkeypatch.setattr("mnist_scratch.recipes.run_recipe", lambda *a, **k: pytest.fail("trained anyway"))
    monkeypatch.setattr("mnist_scratch.data.mnist.load_mnist", lambda *a, **k: pytest.fail("loaded data anyway"))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", *args])
    assert exit_.value.code == 2 and "Traceback" not in capsys.readouterr().err


def test_a_model_file_with_a_bad_scale_is_named(tmp_path):
    from mnist_scratch.model import Model

    arrays = dict(np.load(save_model(Model([784, 8, 10]), tmp_path / "m.npz")))
    meta = json.loads(str(arrays["metadata"]))
    meta["recipe"] = {"scale": "bogus"}
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "bad-scale.npz", **arrays)
    line = _one_line_error(run("evaluate", str(tmp_path / "bad-scale.npz"), check=False))
    assert line == (f"mnist-scratch evaluate: error: {tmp_path}/bad-scale.npz: has a bad 'recipe' in its metadata: "
                    f"its scale is 'bogus', and the pixels of a model's input are scaled 'unit', 'raw', 'myonn'")


# --------------------------------------------------------------------------- convolutional model files, real MNIST
def test_evaluate_and_predict_a_cnn_file(cnn, tmp_path, mnist, capsys):
    path = save_model(cnn, tmp_path / "cnn.npz")
    assert cli.main(["evaluate", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["layers"] == ["1x28x28", "conv5x5x2", "pool2", "conv5x5x3", "pool2", 8, 10]
    expected = float((cnn.predict(mnist.X_test) == mnist.y_test).mean())
    assert summary["test_accuracy"] == pytest.approx(expected, abs=1e-12)
    assert np.sum(summary["confusion_matrix"]) == 10000
    out = run("predict", str(path), "--index", "7").stdout          # as a learner runs it
    probs = cnn.predict_proba(mnist.X_test[7:8])[0]
    assert f"test image 7: true label {mnist.y_test[7]}, predicted {probs.argmax()} ({probs.max():.1%})" in out


def test_cli_errors_with_cnn_files_are_one_line(tmp_path):
    five = save_model(CNN(**TINY, classes=5), tmp_path / "five.npz")
    for command in (["evaluate"], ["predict", "--index", "0"]):
        line = _one_line_error(run(command[0], str(five), *command[1:], check=False))
        assert line == (f"mnist-scratch {command[0]}: error: {five}: this model maps 784 inputs to 5 outputs, "
                        f"but MNIST handwritten digits has 784 pixels and 10 classes")
    big = save_model(CNN(**TINY, image_shape=(1, 32, 32)), tmp_path / "big.npz")
    assert "this model maps 1024 inputs to 10 outputs" in _one_line_error(run("evaluate", str(big), check=False))
    broken = _rewrite(save_model(CNN(**TINY), tmp_path / "broken.npz"), W3=None)
    line = _one_line_error(run("predict", str(broken), "--index", "0", check=False))
    assert line.startswith(f"mnist-scratch predict: error: {broken}: holds arrays") and "(missing: W3)" in line


# --------------------------------------------------------------------------- Fashion-MNIST, faked
def _idx(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes: magic 00 00 08 <dims>, each size as 4 big-endian bytes, the data."""
    head = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return head + array.astype(np.uint8).tobytes()


@pytest.fixture
def fake_fashion(tmp_path, monkeypatch):
    """A Fashion-MNIST folder of 192 + 40 random images under the official names. load_mnist
    accepts only files with the official hashes, so the fakes' hashes stand in for them."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    parts = {"train_images": rng.integers(0, 256, (192, 28, 28)), "train_labels": rng.integers(0, 10, 192),
             "test_images": rng.integers(0, 256, (40, 28, 28)), "test_labels": np.arange(40) % 10}
    files = DATASETS["fashion-mnist"].files
    for part in PARTS:
        data = _idx(parts[part])
        (folder / files[part].name).write_bytes(data)
        fake = DataFile(files[part].name, "md5:" + "0" * 32, hashlib.sha256(data).hexdigest())
        monkeypatch.setitem(files, part, fake)
    return folder


def test_the_cnn_recipe_trains_on_fashion_mnist_through_the_same_path(fake_fashion, tmp_path, capsys):
    out = tmp_path / "fashion-cnn.npz"
    data = ["--dataset", "fashion-mnist", "--data-dir", str(fake_fashion)]
    assert cli.main(["train", "--recipe", "cnn", "--epochs", "1", "--out", str(out), "--json", "--no-progress",
                     *data]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["recipe"] == "cnn" and summary["dataset"] == "fashion-mnist" and summary["epochs"] == 1
    assert summary["layers"] == ["1x28x28", "conv5x5x16", "pool2", "conv5x5x32", "pool2", 128, 10]
    assert summary["model"] == str(out)
    model = load_model(out)
    assert isinstance(model, CNN) and model.recipe["dataset"] == "fashion-mnist"
    assert model.recipe["train"]["optimizer"] == "adam" and model.recipe["train"]["batch_size"] == 64
    untrained = CNN(**model.architecture, seed=0)           # the recipe's seed: 3 steps moved every array
    assert all(not np.array_equal(model.params[k], untrained.params[k]) for k in model.params)

    assert cli.main(["evaluate", str(out), "--json", *data]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["test_accuracy"] == summary["test_accuracy"] and np.sum(result["confusion_matrix"]) == 40
    assert cli.main(["predict", str(out), "--index", "3", *data]) == 0
    assert "test image 3: true label Dress, predicted " in capsys.readouterr().out
