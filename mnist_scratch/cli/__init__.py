"""The command line: ``mnist-scratch`` or ``python -m mnist_scratch``.

    mnist-scratch train [--layers 784,128,64,10] [--epochs N] [--recipe NAME] [--batch-norm] [--out model.npz] [--json]
    mnist-scratch evaluate model.npz [--json]          (a fully connected model or a CNN)
    mnist-scratch predict model.npz --index 7
    mnist-scratch download [--dataset fashion-mnist]
    mnist-scratch recipes

Whatever goes wrong, it says so in one line on stderr and exits with 1 (2 for
a bad argument), never with a traceback; ``--debug`` (or ``MNIST_SCRATCH_DEBUG=1``)
shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..data.sources import DATASETS

__all__ = ["main", "build_parser", "ascii_digit", "DEBUG_ENV_VAR"]

DEBUG_ENV_VAR = "MNIST_SCRATCH_DEBUG"


def _layers(text: str) -> list[int]:
    """``--layers``: whole numbers, 784 first and 10 last, whose parameters fit in memory (checked now,
    before any data is loaded or anything allocated)."""
    from ..network import check_size_fits
    from ..validation import ArgumentError

    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole numbers, like 784,128,64,10") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} needs at least two positive sizes, like 784,10,10")
    if sizes[0] != 784 or sizes[-1] != 10:
        raise argparse.ArgumentTypeError(f"{text!r}: the first layer must be 784 (28x28 pixels) and the last 10 (classes)")
    try:
        check_size_fits("", sizes)
    except ArgumentError as err:
        raise argparse.ArgumentTypeError(str(err).replace(f"sizes={sizes!r}", repr(text), 1)) from None
    return sizes


def _out_path(text: str) -> str:
    """``--out``: a file's name (not empty), to which the trained model is saved."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not a file's name: give the file to save the model to, "
                                         f"like --out model.npz")
    return text


def _whole_number(minimum: int):
    """An argparse type: a whole number of at least ``minimum``."""
    from ..validation import ArgumentError, Whole, whole_from_text

    def parse(text: str) -> int:
        try:
            return whole_from_text("", "the value", text, Whole(minimum))
        except ArgumentError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return parse


def _recipe(text: str):
    from ..recipes import get_recipe
    from ..recipes.table import RecipeName

    if not RecipeName().accepts(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not {RecipeName().description}")
    return get_recipe(text)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help=f"show the full traceback when something goes wrong (or set {DEBUG_ENV_VAR}=1)")
    parser = argparse.ArgumentParser(
        prog="mnist-scratch", description="A neural network from scratch in NumPy, on MNIST.", parents=[common])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def data_options(p):
        p.add_argument("--data-dir", metavar="DIR", help="folder with the MNIST files (default: $MNIST_SCRATCH_DATA_DIR or data/)")
        p.add_argument("--dataset", choices=list(DATASETS), default="mnist")

    p = sub.add_parser("train", parents=[common], help="train a network and report its test accuracy",
                       description="Train a network. With no options: the best 784-128-64-10 recipe.")
    p.add_argument("--recipe", type=_recipe, default="best", metavar="NAME",
                   help="a named recipe (see `mnist-scratch recipes`); default: best")
    p.add_argument("--layers", type=_layers, metavar="SIZES", help="layer sizes, e.g. 784,128,64,10 (default: the recipe's)")
    p.add_argument("--epochs", type=_whole_number(1), metavar="N", help="epochs (full-batch recipes: iterations)")
    p.add_argument("--seed", type=_whole_number(0), default=0, metavar="S")
    p.add_argument("--batch-norm", action="store_true", help="batch normalization in every hidden layer")
    data_options(p)
    p.add_argument("--out", type=_out_path, metavar="FILE", help="save the trained model to this .npz file")
    p.add_argument("--json", action="store_true", help="end with one line of JSON")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    p = sub.add_parser("evaluate", parents=[common], help="test accuracy, per-class accuracy and confusion matrix of a saved model")
    p.add_argument("model", metavar="MODEL", help="a .npz model file from `train --out`")
    data_options(p)
    p.add_argument("--json", action="store_true", help="print one line of JSON")

    p = sub.add_parser("predict", parents=[common], help="draw a test digit in the terminal and show the model's probabilities")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--index", type=_whole_number(0), required=True, metavar="I", help="index into the test set")
    data_options(p)

    p = sub.add_parser("download", parents=[common], help="download the data set into the data folder")
    data_options(p)

    p = sub.add_parser("recipes", parents=[common], help="list the named training recipes")
    p.add_argument("--json", action="store_true")
    return parser


def ascii_digit(pixels, width: int = 28) -> str:
    """A 28x28 image (values 0-1 or 0-255) as text, two characters per pixel."""
    import numpy as np

    image = np.asarray(pixels, dtype=float).reshape(-1, width)
    if image.max() > 1:
        image = image / 255
    ramp = " .:-=+*#%@"
    rows = ("".join(ramp[min(int(v * len(ramp)), len(ramp) - 1)] * 2 for v in row) for row in image)
    return "\n".join(rows)


def _load_data(args, model=None):
    from ..data.mnist import load_mnist

    scale = (model.recipe or {}).get("scale", "unit") if model is not None else "unit"
    return load_mnist(args.data_dir, dataset=args.dataset, scale=scale)


def _inputs_and_classes(model) -> tuple[int, int]:
    """How many pixels a saved model reads and how many classes it tells apart (any kind of network)."""
    inputs = 1
    for n in model.input_shape:
        inputs *= n
    return inputs, model.classes


def _check_model_fits(model, args) -> None:
    """A model for another input size or number of classes cannot be evaluated on this data set."""
    classes = DATASETS[args.dataset].classes
    inputs, outputs = _inputs_and_classes(model)
    if inputs != 784 or outputs != len(classes):
        raise ValueError(f"{args.model}: this model maps {inputs} inputs to {outputs} outputs, "
                         f"but {DATASETS[args.dataset].title} has 784 pixels and {len(classes)} classes")


def _train(args) -> int:
    from ..files.model_file import model_path, save_model
    from ..recipes import run_recipe

    if args.out is not None:  # before training, so that a bad --out does not cost a trained model
        args.out = model_path(args.out, check=True)
    recipe = args.recipe
    model, history, result = run_recipe(recipe, data_dir=args.data_dir, dataset=args.dataset,
                                        seed=args.seed, sizes=args.layers, epochs=args.epochs,
                                        progress=not args.no_progress, batch_norm=args.batch_norm)
    print(f"{recipe.name}: {'-'.join(map(str, result['layers']))}{' with batch norm' * args.batch_norm}, "
          f"{result['epochs']} epoch{'' if result['epochs'] == 1 else 's'}, "
          f"{result['train_seconds']:.1f} s, test accuracy {result['test_accuracy']:.2%}")
    if args.out is not None:
        result["model"] = str(save_model(model, args.out))
        print(f"saved to {result['model']}")
    if args.json:
        print(json.dumps(result))
    return 0


def _evaluate(args) -> int:
    from ..evaluate import confusion_matrix, per_class_accuracy
    from ..files.model_file import load_model

    model = load_model(args.model)
    _check_model_fits(model, args)
    _, _, X_test, y_test = _load_data(args, model)
    predicted = model.predict(X_test)
    classes = _inputs_and_classes(model)[1]
    C = confusion_matrix(y_test, predicted, classes)
    result = {"model": args.model, "layers": model.layers, "batch_norm": bool(model.describe().get("batch_norm", False)),
              "test_accuracy": float((predicted == y_test).mean()),
              "per_class_accuracy": [round(float(a), 4) for a in per_class_accuracy(y_test, predicted, classes)],
              "confusion_matrix": C.tolist()}
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{args.model}: {'-'.join(map(str, result['layers']))}{' with batch norm' * result['batch_norm']}, "
          f"test accuracy {result['test_accuracy']:.2%}")
    print("per-class accuracy: " + "  ".join(f"{k}:{a:.1%}" for k, a in enumerate(result["per_class_accuracy"])))
    print("confusion matrix (rows: true class, columns: predicted):")
    for k, row in enumerate(C):
        print(f"  {k} " + " ".join(f"{v:5d}" for v in row))
    return 0


def _predict(args, parser) -> int:
    from ..files.model_file import load_model

    model = load_model(args.model)
    _check_model_fits(model, args)
    _, _, X_test, y_test = _load_data(args, model)
    if args.index >= len(X_test):
        parser.error(f"argument --index: {args.index} is out of range; the test set has {len(X_test)} images (0-{len(X_test) - 1})")
    probs = model.predict_proba(X_test[args.index:args.index + 1])[0]
    classes = DATASETS[args.dataset].classes
    print(ascii_digit(X_test[args.index] - X_test[args.index].min()))
    print(f"test image {args.index}: true label {classes[y_test[args.index]]}, "
          f"predicted {classes[int(probs.argmax())]} ({probs.max():.1%})")
    for k, p in enumerate(probs):
        print(f"  {classes[k]:>11} {p:6.1%} {'#' * round(p * 40)}")
    return 0


def _download(args) -> int:
    from ..data.download import download

    found = download(args.dataset, args.data_dir)
    for part, path in found.items():
        print(f"{part:13} {path}")
    return 0


def _recipes(args) -> int:
    from ..recipes import RECIPES

    if args.json:
        print(json.dumps([{"number": r.number, "name": r.name, "description": r.describe(),
                           "reference": r.reference, "metric": r.metric, "source": r.source}
                          for r in RECIPES.values()]))
        return 0
    for r in RECIPES.values():
        print(f"{r.number}  {r.name:18} {r.describe()}")
        print(f"   {'':18} reference: {r.reference:.2%} {r.metric} accuracy ({r.source})")
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = getattr(args, "debug", False) or os.environ.get(DEBUG_ENV_VAR, "") not in ("", "0")
    commands = {"train": _train, "evaluate": _evaluate, "download": _download, "recipes": _recipes,
                "predict": lambda a: _predict(a, parser)}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mnist-scratch predict ... | head -1`: the reader has gone; so do we
        _silence_stdout()
        return 1
    except Exception as err:
        if debug:
            raise
        print(f"mnist-scratch {args.command}: error: {_one_line(err)}", file=sys.stderr)
        return 1


def _one_line(err: Exception) -> str:
    from ..data.download import DownloadError
    from ..data.errors import DataFileError, DataNotFoundError, FileWriteError
    from ..files.model_file import ModelFileError
    from ..training.history import TrainingDiverged

    text = " ".join(line.strip() for line in str(err).splitlines() if line.strip())
    expected = (DataFileError, DataNotFoundError, DownloadError, FileWriteError, ModelFileError,
                TrainingDiverged, FileNotFoundError, ValueError, OSError)
    if isinstance(err, expected):
        return text
    return f"{type(err).__name__}: {text} (unexpected; run again with --debug to see where it happened)"


def _silence_stdout() -> None:
    """Point stdout at the null device, so that Python's final flush does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
