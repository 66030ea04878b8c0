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


def plot_comparison(result, path):
    """A PNG: the primary metric per model as bars (± std over repeats) and, for
    classification, each model's confusion matrix (first seed) side by side."""
    import seaborn as sns

    plt = pyplot()
    doc = result.to_dict()
    names = [m["name"] for m in doc["models"]]
    metric = doc["primary_metric"]
    means = [m["metrics"][metric]["mean"] for m in doc["models"]]
    stds = [m["metrics"][metric]["std"] for m in doc["models"]]
    matrices = result.confusion_matrices()
    ncols = 1 + len(matrices)
    bars_width = max(4.5, 1.3 * len(names))  # room for every model's name under its bar
    fig, axes = plt.subplots(1, ncols, figsize=(bars_width + 4.5 * (ncols - 1) + 1, 4.2),
                             squeeze=False, width_ratios=[bars_width] + [4.5] * (ncols - 1))
    axes = axes[0]
    sns.set_theme(style="whitegrid")
    tied = doc["verdict"].get("tied") or [doc["verdict"]["best"]]
    palette = ["#c44e52" if name in tied else "#4c72b0" for name in names]
    ax = axes[0]
    ticks = [_wrap_name(name) for name in names]  # "sklearn:\nlogistic-regression": no overlap
    sns.barplot(x=ticks, y=means, hue=ticks, palette=palette, legend=False, ax=ax)
    ax.errorbar(range(len(names)), means, yerr=stds, fmt="none", ecolor="black", capsize=4)
    for i, v in enumerate(means):
        ax.annotate(f"{v:.3f}", (i, v), ha="center", va="bottom", fontsize=8,
                    xytext=(0, 3), textcoords="offset points")
    label = METRIC_LABELS.get(metric, metric)  # as the table spells it (RMSE)
    ax.set_ylabel(label + (" (higher is better)" if doc["higher_is_better"] else
                           " (lower is better)"))
    from matplotlib.patches import Patch
    best = (", ".join(tied) + f" ({len(tied)}-way tie)") if len(tied) > 1 else tied[0]
    handles = [Patch(color="#c44e52", label=f"best by mean {label}: {best}")]
    if len(tied) < len(names):
        handles.append(Patch(color="#4c72b0", label="the others"))
    if doc["repeats"] > 1:
        handles.append(ax.errorbar([], [], yerr=[], fmt="none", ecolor="black",
                                   label=f"± std over {doc['repeats']} seeds"))
    # under the panel, never over a bar
    ax.legend(handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22),
              framealpha=0.9, borderaxespad=0)
    ax.set_title(f"{doc['model']} vs baselines on {doc['dataset']['name']}"
                 + (f" ({doc['repeats']} seeds)" if doc["repeats"] > 1 else ""))
    ax.tick_params(axis="x", labelsize=8)
    labels = list(result.dataset.class_names or [])
    for ax, (name, cm) in zip(axes[1:], matrices.items()):
        sns.heatmap(cm, annot=len(cm) <= 12, fmt="d", cbar=False, cmap="Blues", ax=ax,
                    xticklabels=labels or "auto", yticklabels=labels or "auto")
        ax.set_title(name)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
    fig.tight_layout()
    return save_figure(fig, path, dpi=100, bbox_inches="tight")  # the legend below too


def _wrap_name(name):
    """A model's name for a bar's tick: the kind on one line, the estimator below."""
    kind, _, estimator = name.partition(":")
    return f"{kind}:\n{estimator}" if estimator else name
