"""mnist_scratch.validation: one declared table of the public API's arguments, walked: every nonsense
value, one message shape.

For every function and class in :data:`mnist_scratch.validation.TABLE` (and every
optimizer's and schedule's options), each declared argument is given every value of
:data:`NONSENSE` that its constraint refuses, and the call must raise
``ArgumentError("{where}: {name}={value} is not allowed: {name} must be {what is allowed}")``
before doing anything else. Every public function and class is either in the table or
in :data:`NOT_DECLARED`, with the reason.
"""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.validation import TABLE, ArgumentError, show

#: Values that are nonsense for most arguments: negative, zero, fractions, NaN, infinities, huge,
#: text, None, booleans, empty and odd containers, complex numbers, arrays of the wrong shape.
NONSENSE = [-1, 0, -0.5, 0.5, 1.5, 2, 7, float("nan"), float("inf"), -float("inf"), 10 ** 30, 1e300, "3", "",
            "seven", " ", None, True, False, [], [1.5], [-1, 2], [0, 0], [784, 10 ** 12, 10], [[1, 2], [3]], {},
            {"every": 3}, object(), 1 + 2j, np.float64("nan"), np.int64(-3), np.array([[1, 2]]), np.zeros((0, 0)),
            np.full((5, 5), np.nan), np.zeros((5, 5, 2)), np.zeros((5, 5), complex), np.zeros(10),
            [(0, 0), (float("nan"), 5)], [(-1e9, -1e9), (1e9, 1e9)], print]

#: Public callables deliberately left out of the table, and why.
NOT_DECLARED = {
    **{name: "array math (an activation or a cost): takes any array, as NumPy does, on every training step"
       for name in ("relu", "relu_prime", "sigmoid", "sigmoid_prime", "softmax", "tanh", "tanh_prime",
                    "cross_entropy", "mse")},
    **{name: "the math of every training step (arrays in, arrays out); its names (activation, loss) are "
             "looked up in the registries, whose errors list the choices"
       for name in ("forward", "backward", "cost")},
    **{name: "takes arrays only, and checks their shapes itself"
       for name in ("accuracy", "misclassified", "relative_error")},
    **{name: "mnist_scratch/data (another engineer's part of issue 21): to be declared there"
       for name in ("load_csv", "load_idx", "load_mnist", "save_csv", "train_dev_split")},
    "train_cnn": "a deprecated alias: it passes every argument on to train, which checks it",
    "History": "what train returns; not built by a learner",
    "Network": "the base class of networks (mnist_scratch/interface.py, the lead's)",
    "Network.predict": "batch_size: to be declared in mnist_scratch/interface.py (the lead's)",
    "Network.predict_proba": "batch_size: to be declared in mnist_scratch/interface.py (the lead's)",
    "Model.forward": "a training step's hot path: X is checked by check_input", "Model.forward_train": "",
    "Model.backward": "", "CNN.forward": "", "CNN.forward_train": "", "CNN.backward": "", "Network.forward": "",
    "Network.forward_train": "", "Network.backward": "", "Network.check_input": "X is checked by itself",
    "CNN.loss_and_grads": "X is checked by check_input", "CNN.feature_maps": "X is checked by check_input",
    # the lab's modules, whose functions a lesson calls with its own arrays
    "check": "the exercise self-checks: they take a learner's function and must never crash (lab/test_check.py)",
    "plots": "the lessons' figures, called by the lessons with their own arrays: not declared yet",
    "my_network": "the learner's own network: parts are checked by the self-checks when loaded",
}


# --------------------------------------------------------------------------- how to call each entry
@pytest.fixture(scope="module")
def calls(tmp_path_factory):
    """For every entry of the table: a function that calls it with valid values and one override."""
    from mnist_scratch.cnn import CNN
    from mnist_scratch.gradient_check import gradient_check, numerical_gradient
    from mnist_scratch.init import init_weights
    from mnist_scratch.lab import (Playground, PredictionBrowser, center_of_mass, check_environment,
                                   preprocess_drawing)
    from mnist_scratch.lab.browser import prediction_browser
    from mnist_scratch.lab.playground import playground

    rng = np.random.default_rng(0)
    X, y = rng.random((1100, 784), dtype=np.float32), rng.integers(0, 10, 1100)
    data = (X, y, X[:50], y[:50])
    model = ms.Model([784, 8, 10])
    panel = Playground(data)
    tmp = tmp_path_factory.mktemp("files")
    found = {
        "train": lambda **kw: ms.train(**{"model": model, "X": X[:64], "y": y[:64], "epochs": 1, "progress": False,
                                          **kw}),
        "Model": lambda **kw: ms.Model(**{"sizes": [784, 8, 10], **kw}),
        "CNN": lambda **kw: CNN(**kw),
        "init_params": lambda **kw: ms.init_params(**{"sizes": [784, 8, 10], **kw}),
        "init_weights": lambda **kw: init_weights(**{"fan_in": 4, "fan_out": 3, **kw}),
        "one_hot": lambda **kw: ms.one_hot(**{"y": np.array([0, 1]), "num_classes": 3, **kw}),
        "confusion_matrix": lambda **kw: ms.confusion_matrix(**{"y_true": [0, 1], "y_pred": [1, 0], **kw}),
        "per_class_accuracy": lambda **kw: ms.per_class_accuracy(**{"y_true": [0, 1], "y_pred": [1, 0], **kw}),
        "gradient_check": lambda **kw: gradient_check(**{"params": ms.init_params([4, 3, 2]), "X": np.zeros((2, 4)),
                                                         "Y": np.array([0, 1]), **kw}),
        "numerical_gradient": lambda **kw: numerical_gradient(**{"f": lambda: 0.0, "x": np.zeros(3),
                                                                 "indices": [0], **kw}),
        "get_recipe": lambda **kw: ms.get_recipe(**{"name": "best", **kw}),
        "run_recipe": lambda **kw: ms.run_recipe(**{"recipe": "best", "data": data, "epochs": 1, "progress": False,
                                                    **kw}),
        "save_model": lambda **kw: ms.save_model(**{"model": model, "path": tmp / "m", **kw}),
        "load_model": lambda **kw: ms.load_model(**{"path": tmp / "none.npz", **kw}),
        "playground": lambda **kw: playground(**{"data": data, **kw}),
        "Playground": lambda **kw: Playground(**{"data": data, **kw}),
        "Playground.run": lambda **kw: panel.run(**{"epochs": 1, "subset": 10, **kw}),
        "Playground.wait": lambda **kw: panel.wait(**kw),
        "prediction_browser": lambda **kw: prediction_browser(**{"model": model, "X": X[:20], "y": y[:20], **kw}),
        "PredictionBrowser": lambda **kw: PredictionBrowser(**{"model": model, "X": X[:20], "y": y[:20], **kw}),
        "preprocess_drawing": lambda **kw: preprocess_drawing(**{"image": np.eye(20), **kw}),
        "center_of_mass": lambda **kw: center_of_mass(**{"image": np.eye(20), **kw}),
        "check_environment": lambda **kw: check_environment(**{"verbose": False, **kw}),
    }
    try:
        from mnist_scratch.lab import DrawDigit, draw_digit

        pad = DrawDigit(model, images=X[:5])
        found.update({
            "draw_digit": lambda **kw: draw_digit(**{"model": model, **kw}),
            "DrawDigit": lambda **kw: DrawDigit(**{"model": model, **kw}),
            "DrawDigit.stroke": lambda **kw: pad.stroke(**kw),
            "DrawDigit.load_image": lambda **kw: pad.load_image(**kw),
            "DrawDigit.load_test_digit": lambda **kw: pad.load_test_digit(**kw),
        })
    except ImportError:  # no ipycanvas here: the canvas's entries are skipped below
        pass
    return found


def _cases():
    import mnist_scratch.lab  # noqa: F401 (declares the lab tools)

    return [(name, arg) for name in sorted(TABLE) for arg in TABLE[name]]


def _expect(where: str, arg: str, value, constraint) -> str:
    return re.escape(f"{where}: {arg}={show(value)} is not allowed: {arg} must be {constraint.description}")


@pytest.mark.parametrize("name,arg", _cases())
def test_every_declared_argument_refuses_nonsense_in_one_message(calls, name, arg):
    if name not in calls:
        if name.startswith(("DrawDigit", "draw_digit")):
            pytest.skip("ipycanvas is not installed")
        pytest.fail(f"{name} is in validation.TABLE, but this test does not know how to call it: add it to calls")
    constraint = TABLE[name][arg]
    refused = [v for v in NONSENSE if not constraint.accepts(v)]
    assert len(refused) >= 8, f"{name}({arg}=…) accepts nearly any nonsense: {constraint.description}"
    for value in refused:
        with pytest.raises(ArgumentError, match=f"^{_expect(name + '()', arg, value, constraint)}$"):
            calls[name](**{arg: value})


def test_the_registries_options_refuse_nonsense_in_one_message():
    from mnist_scratch.optim import OPTIMIZERS, make_optimizer
    from mnist_scratch.schedules import SCHEDULES, make_schedule

    checked = 0
    for name, cls in OPTIMIZERS.items():
        for option, constraint in cls.constraints.items():
            for value in [v for v in NONSENSE if not constraint.accepts(v)]:
                with pytest.raises(ArgumentError, match=_expect(f"make_optimizer({name!r})", option, value,
                                                                constraint)):
                    make_optimizer(name, **{option: value})
                checked += 1
    for name, cls in SCHEDULES.items():
        for option, constraint in cls.constraints.items():
            for value in [v for v in NONSENSE if not constraint.accepts(v)]:
                with pytest.raises(ArgumentError, match=_expect(f"schedule {name!r}", option, value, constraint)):
                    make_schedule((name, {option: value}))
                checked += 1
    assert checked > 100


def test_every_public_function_and_class_is_declared_or_listed_with_a_reason():
    import mnist_scratch.lab as lab

    missing = []
    for module in (ms, lab):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.ismodule(obj) and name not in NOT_DECLARED:
                missing.append(name)
            if inspect.ismodule(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)) or not callable(obj):
                continue
            if name not in TABLE and name not in NOT_DECLARED:
                missing.append(name)
            if inspect.isclass(obj):  # its public methods that take arguments
                for method, function in vars(obj).items():
                    if method.startswith("_") or not inspect.isfunction(function):
                        continue
                    if len(inspect.signature(function).parameters) > 1 and f"{name}.{method}" not in TABLE \
                            and f"{name}.{method}" not in NOT_DECLARED:
                        missing.append(f"{name}.{method}")
    assert not missing, f"public, but neither declared in validation.TABLE nor listed in NOT_DECLARED: {missing}"
    assert not set(NOT_DECLARED) & set(TABLE), "listed as not declared, but declared"


# --------------------------------------------------------------------------- sizes against memory
@pytest.mark.parametrize("call,where", [
    (lambda: ms.Model([784, 10 ** 9, 10]), r"Model\(\): sizes=\[784, 1000000000, 10\]"),
    (lambda: ms.Model([784, 100_000_000, 10], batch_norm=True), r"Model\(\): sizes=\[784, 100000000, 10\]"),
    (lambda: ms.init_params([784, 10 ** 8, 10]), r"init_params\(\): sizes=\[784, 100000000, 10\]"),
    (lambda: ms.CNN(channels=(4096, 4096), hidden=1 << 20), r"CNN\(\): channels=\[4096, 4096\], kernel=5"),
    (lambda: __import__("mnist_scratch.init").init.init_weights(10 ** 6, 10 ** 6), r"init_weights\(\): fan_in="),
    (lambda: ms.one_hot(np.zeros(10 ** 6, int), 1 << 16), r"one_hot\(\): num_classes=65536"),
])
def test_sizes_are_checked_against_memory_before_anything_is_allocated(call, where):
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ArgumentError, match=where + r".* is not allowed: .* must fit in memory, and would take "
                                                        r"[\d.,]+ [KMGT]iB, more than "):
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 << 20, f"{peak:,} bytes were allocated before the refusal"


def test_check_memory_asks_the_machine_only_about_large_arrays(monkeypatch):
    """Small arrays (a mini-batch's one-hot targets) are allowed without reading /proc/meminfo; large ones
    are measured against half the free memory."""
    from mnist_scratch.validation import arrays

    def no_lookup():
        raise AssertionError("available_memory() was called for a small array")

    monkeypatch.setattr(arrays, "available_memory", no_lookup)
    arrays.check_memory("f()", {"n": 1}, arrays.ALWAYS_ALLOWED_BYTES)
    monkeypatch.setattr(arrays, "available_memory", lambda: 4 * arrays.ALWAYS_ALLOWED_BYTES)
    arrays.check_memory("f()", {"n": 2}, 2 * arrays.ALWAYS_ALLOWED_BYTES)
    with pytest.raises(ArgumentError, match=r"f\(\): n=3 is not allowed: .* must fit in memory, and would take "
                                            r"192 MiB, more than half the 256 MiB of memory free"):
        arrays.check_memory("f()", {"n": 3}, 3 * arrays.ALWAYS_ALLOWED_BYTES)
