"""The machinery of running a training, which :func:`mnist_scratch.train.train` uses.

==================  ==============================================================
``history``         :class:`History`: one record per logged epoch, and how training ended
``stopping``        the divergence guard and early stopping
``checks``          the checks of ``train``'s data and settings before a step is taken
``threads``         how many BLAS threads the matrix products use
``flat_params``     speed trick: every parameter as a view into one flat vector
==================  ==============================================================

None of it is lesson math: the loop itself, the five steps of a training step,
is :mod:`mnist_scratch.train`.
"""
