"""Regenerate the README's pictures: ``python docs/make_figures.py docs/img`` (``make figures``).

Every picture is drawn by the package's own plotting functions from a real
training run, so the README always shows what the code really does.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv=None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from mnist_scratch import Model, load_mnist, misclassified, train, train_dev_split
    from mnist_scratch.lab import plots

    out = Path((argv or sys.argv[1:] or ["docs/img"])[0])
    out.mkdir(parents=True, exist_ok=True)
    X, y, X_test, y_test = load_mnist()
    X_train, y_train, X_dev, y_dev = train_dev_split(X, y, 5000, seed=0)

    def save(fig, name):
        fig.savefig(out / name, dpi=90, bbox_inches="tight")
        print(out / name)

    save(plots.sample_grid(X, y, rows=3, cols=8, seed=1), "sample_grid.png")
    model = Model([784, 128, 64, 10], seed=0)
    history = train(model, X_train, y_train, X_dev=X_dev, y_dev=y_dev, epochs=12, batch_size=128,
                    optimizer="adam", lr=2e-3, schedule="cosine", progress=False)
    save(plots.plot_history(history, title="784-128-64-10, Adam + cosine schedule, 12 epochs"), "cost_curves.png")
    probs = model.predict_proba(X_test)
    save(plots.mistake_gallery(X_test, y_test, probs, misclassified(probs, y_test)[:16], cols=8), "mistakes.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
