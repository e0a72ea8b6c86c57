"""The command line: ``mnist-scratch`` or ``python -m mnist_scratch``.

    mnist-scratch train [--layers 784,128,64,10] [--epochs N] [--recipe NAME] [--out model.npz] [--json]
    mnist-scratch evaluate model.npz [--json]
    mnist-scratch predict model.npz --index 7
    mnist-scratch download [--dataset fashion-mnist]
    mnist-scratch recipes
"""

from __future__ import annotations

import argparse
import json
import sys

from .data.sources import DATASETS

__all__ = ["main", "build_parser", "ascii_digit"]


def _layers(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole numbers, like 784,128,64,10") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} needs at least two positive sizes, like 784,10,10")
    if sizes[0] != 784 or sizes[-1] != 10:
        raise argparse.ArgumentTypeError(f"{text!r}: the first layer must be 784 (28x28 pixels) and the last 10 (classes)")
    return sizes


def _whole_number(minimum: int):
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


def _recipe(text: str):
    from .recipes import get_recipe

    try:
        return get_recipe(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mnist-scratch", description="A neural network from scratch in NumPy, on MNIST.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def data_options(p):
        p.add_argument("--data-dir", metavar="DIR", help="folder with the MNIST files (default: $MNIST_SCRATCH_DATA_DIR or data/)")
        p.add_argument("--dataset", choices=list(DATASETS), default="mnist")

    p = sub.add_parser("train", help="train a network and report its test accuracy",
                       description="Train a network. With no options: the best 784-128-64-10 recipe.")
    p.add_argument("--recipe", type=_recipe, default="best", metavar="NAME",
                   help="a named recipe (see `mnist-scratch recipes`); default: best")
    p.add_argument("--layers", type=_layers, metavar="SIZES", help="layer sizes, e.g. 784,128,64,10 (default: the recipe's)")
    p.add_argument("--epochs", type=_whole_number(1), metavar="N", help="epochs (full-batch recipes: iterations)")
    p.add_argument("--seed", type=_whole_number(0), default=0, metavar="S")
    data_options(p)
    p.add_argument("--out", metavar="FILE", help="save the trained model to this .npz file")
    p.add_argument("--json", action="store_true", help="end with one line of JSON")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    p = sub.add_parser("evaluate", help="test accuracy, per-class accuracy and confusion matrix of a saved model")
    p.add_argument("model", metavar="MODEL", help="a .npz model file from `train --out`")
    data_options(p)
    p.add_argument("--json", action="store_true", help="print one line of JSON")

    p = sub.add_parser("predict", help="draw a test digit in the terminal and show the model's probabilities")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--index", type=_whole_number(0), required=True, metavar="I", help="index into the test set")
    data_options(p)

    p = sub.add_parser("download", help="download the data set into the data folder")
    data_options(p)

    p = sub.add_parser("recipes", help="list the named training recipes")
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
    from .data.mnist import load_mnist

    scale = (model.recipe or {}).get("scale", "unit") if model is not None else "unit"
    return load_mnist(args.data_dir, dataset=args.dataset, scale=scale)


def _train(args) -> int:
    from .model_io import save_model
    from .recipes import run_recipe

    recipe = args.recipe
    if args.out and recipe.kind == "cnn":    # model_io saves fully connected models only, for now
        raise ValueError("saving CNN models is not supported yet; run the cnn recipe without --out")
    model, history, result = run_recipe(recipe, data_dir=args.data_dir, dataset=args.dataset,
                                        seed=args.seed, sizes=args.layers, epochs=args.epochs,
                                        progress=not args.no_progress)
    print(f"{recipe.name}: {'-'.join(map(str, result['layers']))}, {result['epochs']} epochs, "
          f"{result['train_seconds']:.1f} s, test accuracy {result['test_accuracy']:.2%}")
    if args.out:
        result["model"] = str(save_model(model, args.out))
        print(f"saved to {result['model']}")
    if args.json:
        print(json.dumps(result))
    return 0


def _evaluate(args) -> int:
    from .evaluate import confusion_matrix, per_class_accuracy
    from .model_io import load_model

    model = load_model(args.model)
    _, _, X_test, y_test = _load_data(args, model)
    predicted = model.predict(X_test)
    C = confusion_matrix(y_test, predicted, model.sizes[-1])
    result = {"model": args.model, "layers": model.sizes, "test_accuracy": float((predicted == y_test).mean()),
              "per_class_accuracy": [round(float(a), 4) for a in per_class_accuracy(y_test, predicted, model.sizes[-1])],
              "confusion_matrix": C.tolist()}
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{args.model}: {'-'.join(map(str, model.sizes))}, test accuracy {result['test_accuracy']:.2%}")
    print("per-class accuracy: " + "  ".join(f"{k}:{a:.1%}" for k, a in enumerate(result["per_class_accuracy"])))
    print("confusion matrix (rows: true class, columns: predicted):")
    for k, row in enumerate(C):
        print(f"  {k} " + " ".join(f"{v:5d}" for v in row))
    return 0


def _predict(args, parser) -> int:
    from .model_io import load_model

    model = load_model(args.model)
    _, _, X_test, y_test = _load_data(args, model)
    if args.index >= len(X_test):
        parser.error(f"argument --index: {args.index} is out of range; the test set has {len(X_test)} images (0-{len(X_test) - 1})")
    probs = model.predict_proba(X_test[args.index])[0]
    classes = DATASETS[args.dataset].classes
    print(ascii_digit(X_test[args.index] - X_test[args.index].min()))
    print(f"test image {args.index}: true label {classes[y_test[args.index]]}, "
          f"predicted {classes[int(probs.argmax())]} ({probs.max():.1%})")
    for k, p in enumerate(probs):
        print(f"  {classes[k]:>11} {p:6.1%} {'#' * round(p * 40)}")
    return 0


def _download(args) -> int:
    from .data.download import download

    found = download(args.dataset, args.data_dir)
    for part, path in found.items():
        print(f"{part:13} {path}")
    return 0


def _recipes(args) -> int:
    from .recipes import RECIPES

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
    from .data.download import DownloadError
    from .data.errors import DataFileError, DataNotFoundError
    from .model_io import ModelFileError
    from .train import TrainingDiverged

    try:
        if args.command == "train":
            return _train(args)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "predict":
            return _predict(args, parser)
        if args.command == "download":
            return _download(args)
        return _recipes(args)
    except (DataFileError, DataNotFoundError, DownloadError, ModelFileError, TrainingDiverged,
            FileNotFoundError, ValueError) as err:
        print(f"mnist-scratch {args.command}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
