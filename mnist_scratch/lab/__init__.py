"""The lab: classroom tools a lesson uses beside the math.

=================  ===========================================================
``check``          exercise self-checks: ``check.softmax(your_softmax)``
``my_network``     the learner's own network, carried across lessons: ``my_network.load(upto=3)``
``plots``          the lessons' pictures (``math_figures``: the activation and graph pictures)
``playground``     the hyperparameter playground (sliders, Train, Stop, curves)
``browser``        the prediction browser
``drawing``        draw a digit and see what the network reads
``preprocess``     MNIST-style preprocessing of a drawing
``environment``    ``check_environment()``: can widgets render here?
``render``         a figure as PNG bytes, redrawn in place inside a widget
=================  ===========================================================

>>> from mnist_scratch.lab import check, plots, my_network             # doctest: +SKIP
>>> from mnist_scratch.lab import playground, prediction_browser, draw_digit, check_environment  # doctest: +SKIP
"""

from ..training.threads import limit_this_process

# One BLAS thread per lesson kernel, as training uses (mnist_scratch/training/threads.py explains why;
# MNIST_SCRATCH_THREADS=N overrides). Done first, so that every tool below computes with it.
limit_this_process()

from . import check, my_network, plots  # noqa: E402
from .browser import PredictionBrowser, prediction_browser
from .drawing import DrawDigit, draw_digit
from .environment import check_environment
from .playground import Playground, playground
from .preprocess import center_of_mass, preprocess_drawing

__all__ = ["check", "my_network", "plots", "playground", "Playground", "prediction_browser", "PredictionBrowser",
           "draw_digit", "DrawDigit", "check_environment", "preprocess_drawing", "center_of_mass"]
