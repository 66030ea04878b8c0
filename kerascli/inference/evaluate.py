"""Evaluating a saved run: its test set rebuilt as training split it, and the test metrics
training reported computed again (identical on the same data)."""
from pathlib import Path

from kerascli import datasets
from kerascli.errors import DataError, UserError
from kerascli.inference.saved_run import load_run, tell, train_config


def test_dataset(run, spec=None, data_dir=None, cache_dir=None):
    """The dataset a run was trained on (same split), or ``spec`` read with its options."""
    import dataclasses

    record = run.record or {}
    if spec is None and not record:
        raise UserError(f"{run.model_path}: no config.json beside the model to say which data it "
                        "was trained on; give --dataset.")
    cfg = train_config(run)
    options = cfg.data if cfg is not None else datasets.LoadOptions()
    options = dataclasses.replace(
        options, path=_path((record.get("load_options") or {}).get("path")),
        data_dir=Path(data_dir) if data_dir else options.data_dir,
        cache_dir=Path(cache_dir) if cache_dir else options.cache_dir)
    if spec is not None:
        name, path = datasets.resolve(spec)
        options = dataclasses.replace(options, path=path)
    else:
        name = record.get("dataset_name") or cfg.dataset
    dataset = datasets.get(name).load(options)
    if cfg is not None:  # the label read as training read it (--task, linreg's values)
        from kerascli.core import data as core_data
        dataset = core_data.apply_task(cfg, dataset)
    if tuple(dataset.input_shape) != run.input_shape:
        raise UserError(f"dataset {dataset.name!r} has inputs of shape {tuple(dataset.input_shape)}"
                        f" but the model expects {run.input_shape}; choose a matching --dataset.")
    if dataset.task == datasets.CLASSIFICATION and run.model.output_shape[-1] != dataset.n_classes:
        raise UserError(f"dataset {dataset.name!r} has {dataset.n_classes} classes but the model "
                        f"predicts {run.model.output_shape[-1]}; choose a matching --dataset.")
    return dataset


def _path(value):
    return Path(value) if value else None


def evaluate_run(path, spec=None, data_dir=None, cache_dir=None, unsafe=False, log=None,
                 allow_changed_data=False, allow_incomplete=False):
    """Reload a saved model and compute the test metrics :func:`kerascli.core.fit.train`
    reported (identical on the same data). Returns a JSON-ready dict.

    A compare run is evaluated through its Keras model (RUN/keras), a forecast run's LSTM on
    its test windows; ``log`` is called with the one line saying so. Data that changed since
    training (its fingerprint in config.json differs) is refused in one line unless
    ``allow_changed_data``; then the result says ``data_changed``."""
    from kerascli.core import fingerprint, metrics as metrics_mod

    run = load_run(path, unsafe=unsafe, allow_incomplete=allow_incomplete)
    tell(run, log)
    horizon = (train_config(run).data.horizon if run.is_series and run.record else None)
    # forecast records what its saved model does; runs before config.json version 3 did not,
    # and there the output width tells (a recursive model forecasts one step)
    strategy = ((run.record or {}).get("config") or {}).get("strategy_used")
    if strategy is None and horizon:
        strategy = "direct" if int(run.model.output_shape[-1]) == horizon else "recursive"
    if horizon and strategy == "recursive":
        raise UserError(f"{run.model_path.parent}: a series model that forecasts one step and "
                        f"is fed back for {horizon} steps; evaluate scores direct models only: "
                        f"its test scores are in {run.model_path.parent / 'metrics.json'}, or "
                        "run kerascli forecast again to re-score it.")
    dataset = test_dataset(run, spec, data_dir, cache_dir)
    changed = None
    recorded = (run.record or {}).get("data_fingerprint")
    if spec is None and recorded:  # the run's own data: is it still what it trained on?
        data_path = _path(((run.record or {}).get("load_options") or {}).get("path"))
        changed = fingerprint.difference(recorded, fingerprint.record(data_path, dataset))
        if changed and not allow_changed_data:
            raise DataError(data_path or dataset.name,
                            f"the data changed since training ({changed}): its test rows are "
                            "not the ones this model was tested on, and rows it trained on may "
                            "now be test rows; restore the data, or pass --allow-changed-data "
                            "to score anyway.")
    metrics = metrics_mod.evaluate(run.model, dataset)
    return {"model_path": str(run.model_path), "dataset": dataset.name, "task": dataset.task,
            "n_test": int(len(dataset.x_test)), "source": dataset.source, "metrics": metrics,
            "trained_metrics": run.trained_metrics, "run_command": run.command,
            "data_changed": changed}
