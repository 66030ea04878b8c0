"""PNG plots: learning curves and confusion matrices, and ``pyplot``/``save_figure`` for
the plots compare and forecast draw.

Plots use matplotlib's Agg backend (no display needed) and are written atomically.
"""
from pathlib import Path

from kerascli import artifacts

METRIC_LABELS = {"accuracy": "accuracy", "macro_f1": "macro-F1", "loss": "test loss",
                 "rmse": "RMSE", "mae": "MAE", "r2": "R²"}


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, path, dpi=120, bbox_inches="tight"):
    """Save a matplotlib figure as PNG atomically and close it; returns the path."""
    plt = pyplot()
    try:
        with artifacts.atomic_path(path, suffix=".png") as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, bbox_inches=bbox_inches)
    finally:
        plt.close(fig)
    return Path(path)


def integer_ticks():
    """A tick locator that puts ticks on whole numbers only (epochs, counts)."""
    from matplotlib.ticker import MaxNLocator
    return MaxNLocator(integer=True)


def plot_learning_curves(history, path, title=None):
    """One panel per metric (loss, accuracy, ...), training and validation curves by epoch."""
    import seaborn as sns

    plt = pyplot()
    names = [k for k in history if not k.startswith("val_") and k != "learning_rate"]
    fig, axes = plt.subplots(1, max(1, len(names)), figsize=(5 * max(1, len(names)), 3.8),
                             squeeze=False)
    sns.set_theme(style="whitegrid")
    for ax, name in zip(axes[0], names):
        epochs = range(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], marker="o", markersize=3, label="training")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], marker="o", markersize=3, label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(integer_ticks())  # epochs are whole numbers
        ax.set_ylabel(METRIC_LABELS.get(name, name).replace("test ", ""))
        ax.legend()
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)


def plot_confusion_matrix(y_true, y_pred, class_names, path, title=None):
    """A heat map of the confusion matrix (rows: true class, columns: predicted)."""
    import numpy as np
    import seaborn as sns
    from sklearn.metrics import confusion_matrix

    plt = pyplot()
    n = len(class_names) if class_names else int(max(np.max(y_true), np.max(y_pred))) + 1
    names = list(class_names) if class_names else [str(i) for i in range(n)]
    matrix = confusion_matrix(y_true, y_pred, labels=list(range(n)))
    size = min(14, 2.5 + 0.6 * n)
    fig, ax = plt.subplots(figsize=(size, size * 0.85))
    sns.heatmap(matrix, annot=n <= 20, fmt="d", cmap="Blues", cbar=False, ax=ax,
                xticklabels=names, yticklabels=names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    return save_figure(fig, path)
