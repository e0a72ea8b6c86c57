"""Benchmarks that print measured figures (the project's goals are proven here, never by timed unit tests).

Run each from the repository's root as ``python -m benchmarks.<name>``; the README quotes what they print.
The ones that run lessons (bench_notebooks, bench_classroom) run them through tools/runner.py, the
runner the lesson tests use, and measure the kernels with benchmarks/lesson_runner.py.
"""
