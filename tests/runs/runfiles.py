"""Tiny real-format run directories, written the way train writes them (RunDir, config.json's
one writer), without training: kerascli runs reads only files."""
import json

import pytest

from kerascli.core import config
from kerascli.core.rundir import RunDir


def make_run(out, name, *, model="logreg", dataset="iris", metrics=None, reason=None,
             test_rows="abc", predictions=None, history=True, **options):
    cfg = config.make_config(model, dataset, epochs=options.pop("epochs", 3), out=str(out),
                             **options)
    run = RunDir.create(out, name)
    run.write_config(cfg, dataset={"name": dataset, "task": "classification",
                                   "class_names": ["setosa", "versicolor", "virginica"]},
                     data_fingerprint={"kind": "arrays", "size": 10, "sha256": "f" * 64})
    run.write_json("metrics.json", {"model": model, "dataset": dataset,
                                    "task": "classification",
                                    "metrics": metrics or {"accuracy": 0.9, "loss": 0.3},
                                    "test_rows_sha256": test_rows})
    if history:
        run.write_history({"loss": [1.0, 0.6, 0.3], "accuracy": [0.5, 0.8, 0.9],
                           "val_loss": [1.1, 0.7, 0.4]})
    if predictions is not None:
        run.write_text("test_predictions.csv", "y_true,y_pred\n" + "".join(
            f"{t},{p}\n" for t, p in predictions))
    if reason is None:
        run.complete()
    else:
        run.mark(reason)
    return run.path


def make_compare_run(out, name, *, model="logreg", dataset="iris", predictions=None,
                     test_rows="abc", accuracy=0.9):
    """A compare run as compare writes it: config.json (a CompareConfig), results.json, and
    the first seed's Keras run in keras/ (its metrics.json, history, test predictions)."""
    train = config.make_config(model, dataset, epochs=3, out=str(out))
    run = RunDir.create(out, name)
    run.write_config(config.CompareConfig(train=train),
                     dataset={"name": dataset, "task": "classification",
                              "class_names": ["setosa", "versicolor", "virginica"]})
    run.write_json("results.json", {"models": [
        {"name": model, "kind": "keras", "metrics": {"accuracy": {"mean": accuracy}}},
        {"name": "sklearn:logistic-regression", "kind": "sklearn",
         "metrics": {"accuracy": {"mean": 0.5}}}], "verdict": {"best": model}})
    make_run(run.path, "keras", model=model, dataset=dataset, predictions=predictions,
             test_rows=test_rows, metrics={"accuracy": accuracy}).rename(run.path / "keras")
    run.complete()
    return run.path


def png(path, size=(40, 30)):
    """A small real PNG (a plot's stand-in: the report inlines it)."""
    from PIL import Image
    Image.new("RGB", size, (200, 30, 30)).save(path)
    return path


def make_forecast_run(out, name, *, steps=3):
    """A forecast run as forecast writes it: config.json (a ForecastConfig), metrics.json with
    each model's pooled and per-step (1..horizon) scores, history.csv and forecast.png."""
    series = out.parent / "airline.csv"  # forecast's config names the file it read
    series.parent.mkdir(parents=True, exist_ok=True)
    series.write_text("time,value\n" + "".join(f"{1949 + i / 12:.4f},{100 + i}\n"
                                                for i in range(48)))
    train = config.make_config("lstm", str(series), epochs=2, out=str(out), horizon=steps)
    run = RunDir.create(out, name)
    run.write_config(config.ForecastConfig(train=train),
                     dataset={"name": "airline", "task": "regression", "kind": "series"},
                     data_fingerprint={"kind": "file", "size": 2579, "sha256": "8" * 64})
    per_step = {m: [{"rmse": base + 10 * step, "mae": base / 2} for step in range(steps)]
                for m, base in (("lstm", 17.0), ("naive", 52.0))}
    run.write_json("metrics.json", {"metrics": {m: v[0] for m, v in per_step.items()},
                                    "per_step": per_step, "best": "lstm"})
    run.write_history({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
    png(run.path / "forecast.png")
    run.complete()
    return run.path


@pytest.fixture
def runs_dir(tmp_path):
    return tmp_path / "runs"


def read_json(path):
    return json.loads(path.read_text())
