"""mnist_scratch: a neural network from scratch in NumPy, trained on MNIST.

The one array convention
------------------------
**Samples are rows.** Everywhere in this package:

* a batch of inputs ``X`` has shape ``(n, 784)``: one flattened 28x28 image per row;
* labels ``y`` have shape ``(n,)``; one-hot targets ``Y`` have shape ``(n, 10)``;
* layer ``l`` has weights ``W[l]`` of shape ``(inputs, outputs)`` and biases
  ``b[l]`` of shape ``(outputs,)``, so ``Z = A_prev @ W + b``;
* activations ``A[l]`` have shape ``(n, units)``.

(Some tutorials put samples in columns and write ``Z = W X + b``; the maths is
the same with every matrix transposed.)

A tour
------
>>> from mnist_scratch import load_mnist, Model, train, accuracy
>>> X_train, y_train, X_test, y_test = load_mnist()            # doctest: +SKIP
>>> model = Model([784, 128, 64, 10])                           # doctest: +SKIP
>>> history = train(model, X_train, y_train, epochs=12, lr=2e-3, schedule="cosine")  # doctest: +SKIP
>>> accuracy(y_test, model.predict(X_test))                     # doctest: +SKIP
0.98...

Layout
------
The math a learner opens sits here at the top, one concept per module, each
readable beside the equations in its docstring: ``activations``, ``losses``,
``init``, ``network`` (forward and backward), ``model`` (``Model``: an
architecture with its parameters and passes), ``gradient_check``, ``optim``,
``schedules``, ``train`` (the one training loop), ``evaluate``, ``batchnorm``
(with ``bn_network``, the network of ``Model(sizes, batch_norm=True)``), and
``conv`` and ``cnn`` for a convolutional network. ``interface`` writes down
the members every network has, so that one loop trains them all.

The machinery has rooms of its own: :mod:`mnist_scratch.training` (history,
stopping, the data checks, threads, the flat-parameter speed trick),
:mod:`mnist_scratch.files` (model files), :mod:`mnist_scratch.recipes`,
:mod:`mnist_scratch.cli` (the command line), :mod:`mnist_scratch.validation`
(the declared constraints on every public argument), :mod:`mnist_scratch.data`
(finding, downloading, verifying and loading the files) and
:mod:`mnist_scratch.lab` (the classroom tools: self-checks, plots, widgets).
"""

from ._version import __version__
from .activations import relu, relu_prime, sigmoid, sigmoid_prime, softmax, tanh, tanh_prime
from .cnn import CNN
from .data import (DataFileError, DataNotFoundError, load_csv, load_idx, load_mnist, save_csv,
                   train_dev_split)
from .evaluate import accuracy, confusion_matrix, misclassified, per_class_accuracy
from .gradient_check import gradient_check, numerical_gradient, relative_error
from .interface import Network
from .losses import cross_entropy, mse, one_hot
from .files.model_file import ModelFileError, load_model, save_model
from .model import Model
from .network import backward, cost, forward, init_params
from .recipes import BEST, RECIPES, get_recipe, run_recipe
from .train import History, StopTraining, TrainingDiverged, TrainingStalled, train, train_cnn

__all__ = [
    "__version__", "relu", "relu_prime", "sigmoid", "sigmoid_prime", "softmax", "tanh", "tanh_prime",
    "DataFileError", "DataNotFoundError", "load_csv", "load_idx", "load_mnist", "one_hot", "save_csv",
    "train_dev_split", "accuracy", "confusion_matrix", "misclassified", "per_class_accuracy", "gradient_check", "numerical_gradient", "relative_error", "cross_entropy", "mse",
    "ModelFileError", "load_model", "save_model", "Model", "backward", "cost", "forward", "init_params",
    "BEST", "RECIPES", "get_recipe", "run_recipe", "History", "StopTraining", "TrainingDiverged", "TrainingStalled",
    "train",
    "CNN", "train_cnn", "Network",
]
