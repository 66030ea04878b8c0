"""How the plots read: whole-number epoch ticks; the compare plot explains its red bar and
names the metric as the table does (RMSE, not rmse)."""
import numpy as np
import pytest

from kerascli import comparing, plots
from kerascli.comparing import CompareResult, Entry, Run
from kerascli.core.config import CompareConfig, make_config
from kerascli.datasets import Dataset


@pytest.fixture
def captured(monkeypatch):
    """The figures the plot functions would save (they are drawn, then kept for reading)."""
    figures = []

    def keep(fig, path, **kwargs):
        figures.append(fig)
        return path
    monkeypatch.setattr(plots, "save_figure", keep)
    return figures


def test_learning_curves_tick_whole_epochs_only(captured, tmp_path):
    history = {"loss": [1.0, 0.7, 0.6], "val_loss": [1.1, 0.8, 0.75], "accuracy": [.5, .7, .8]}
    plots.plot_learning_curves(history, tmp_path / "curves.png")
    for ax in captured[0].axes:
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks


def _regression_result(repeats):
    rng = np.random.default_rng(0)
    y = rng.normal(size=20).astype(np.float32)
    dataset = Dataset(name="rent", task="regression", kind="tabular", x_train=np.zeros((60, 2)),
                      y_train=np.zeros(60), x_test=np.zeros((20, 2)), y_test=y,
                      input_shape=(2,), source="generated", extra={"split_seed": 0})

    def entry(name, noise):
        runs = [Run(seed=42 + i, metrics={"rmse": noise + 0.01 * i, "mae": noise, "r2": 0.5},
                    train_seconds=0.1, predict_seconds=0.01, n_params=3, data_sha256="h",
                    y_pred=y + rng.normal(0, noise, 20)) for i in range(repeats)]
        return Entry(name=name, kind="sklearn", estimator=name, params_counted="x", runs=runs)
    cfg = CompareConfig(train=make_config("linreg", validation_split=0.0, out=None),
                        repeats=repeats)
    return CompareResult(cfg, dataset, [entry("keras:linreg", 0.5),
                                        entry("sklearn:linear-regression", 0.3)])


def test_compare_plot_labels_rmse_and_explains_the_red_bar(captured, tmp_path):
    plots.plot_comparison(_regression_result(repeats=3), tmp_path / "comparison.png")
    ax = captured[0].axes[0]
    assert ax.get_ylabel() == "RMSE (lower is better)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "best by mean RMSE: sklearn:linear-regression"
    assert "the others" in legend and "± std over 3 seeds" in legend


def _classification_result(accuracies, names):
    """A CompareResult whose models score ``accuracies`` on 10 shared test rows."""
    y = np.array([0, 1] * 5)
    dataset = Dataset(name="penguins", task="classification", kind="tabular",
                      x_train=np.zeros((30, 2)), y_train=np.zeros(30), x_test=np.zeros((10, 2)),
                      y_test=y, input_shape=(2,), source="generated", class_names=("a", "b"),
                      extra={"split_seed": 0})

    def entry(name, accuracy):
        pred = y.copy()
        pred[: round((1 - accuracy) * 10)] ^= 1
        run = Run(seed=42, metrics={"accuracy": accuracy, "macro_f1": accuracy},
                  train_seconds=0.1, predict_seconds=0.01, n_params=3, data_sha256="h",
                  y_pred=pred)
        return Entry(name=name, kind=name.split(":")[0], estimator=name, params_counted="x",
                     runs=[run])
    cfg = CompareConfig(train=make_config("logreg", validation_split=0.0, out=None))
    return CompareResult(cfg, dataset, [entry(n, a) for n, a in zip(names, accuracies)])


FOUR = ["keras:logreg", "sklearn:logistic-regression", "sklearn:random-forest", "sklearn:knn"]


def _boxes(fig, artists):
    renderer = fig.canvas.get_renderer()
    return [a.get_window_extent(renderer) for a in artists]


def test_compare_plot_tick_labels_do_not_overlap_and_the_legend_covers_no_bar(captured,
                                                                             tmp_path):
    plots.plot_comparison(_classification_result([0.9, 0.8, 1.0, 0.7], FOUR), tmp_path / "c.png")
    fig = captured[0]
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = _boxes(fig, [t for t in ax.get_xticklabels() if t.get_text()])
    assert len(ticks) == 4
    for left, right in zip(ticks, ticks[1:]):
        assert left.x1 <= right.x0, "x tick labels overlap"
    legend = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    for bar in _boxes(fig, ax.patches):
        assert not legend.overlaps(bar), "the legend covers a bar"
    for tick in ticks:
        assert not legend.overlaps(tick), "the legend covers a model's name"


def test_compare_plot_names_every_model_of_a_three_way_tie(captured, tmp_path):
    plots.plot_comparison(_classification_result([0.9, 0.9, 0.9, 0.7], FOUR), tmp_path / "c.png")
    ax = captured[0].axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == ("best by mean accuracy: keras:logreg, sklearn:logistic-regression, "
                         "sklearn:random-forest (3-way tie)")
    colours = [tuple(p.get_facecolor()) for p in ax.patches]
    assert colours[0] == colours[1] == colours[2] != colours[3]  # the three tied bars are red
