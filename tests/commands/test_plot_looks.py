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
    comparing.plot(_regression_result(repeats=3), tmp_path / "comparison.png")
    ax = captured[0].axes[0]
    assert ax.get_ylabel() == "RMSE (lower is better)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "best by mean RMSE: sklearn:linear-regression"
    assert "the others" in legend and "± std over 3 seeds" in legend
