"""What a finished training run writes beside its model: config.json's facts about the data
and model (:func:`run_record`), metrics.json, history.csv, plots and, last, model.h5
(:func:`save_run`)."""
from pathlib import Path

from kerascli import datasets
from kerascli.core import data, fingerprint

CLASSIFICATION = datasets.CLASSIFICATION


def run_record(cfg, dataset, model=None):
    """What config.json records beside the config: the data and model a run was made of."""
    name, path = data.resolve_dataset(cfg)
    return {
        "dataset": dataset.describe(),
        "dataset_name": name,  # registry key to reload it with
        # the file read, resolved (the options it was read with are the config's)
        "load_options": {"path": str(Path(path).resolve()) if path is not None else None},
        "background": (data.background_of(dataset.x_train) if dataset.kind == datasets.IMAGE
                       else None),
        "input_shape": list(dataset.input_shape),
        # evaluate refuses data that changed since (kerascli.core.fingerprint)
        "data_fingerprint": fingerprint.record(path, dataset),
        "n_params": int(model.count_params()) if model is not None else None,
    }


def save_run(run_dir, result, dataset, finish=True):
    """Write metrics.json, history.csv and plots; with ``finish``, model.h5 last and mark the
    run complete (compare and forecast finish their own run after adding their results)."""
    import numpy as np

    from kerascli import plots

    record = metrics_record(result)
    # which test rows were scored, and each row's prediction: kerascli runs compare pairs
    # two classifiers' predictions row by row (McNemar) only when these fingerprints match
    record["test_rows_sha256"] = fingerprint.of_test_rows(dataset.x_test, dataset.y_test)
    written = {"config": run_dir / "config.json",
               "metrics": run_dir.write_json("metrics.json", record),
               "history": run_dir.write_history(result.history)}
    if dataset.task == CLASSIFICATION:
        written["predictions"] = run_dir.write_text(
            "test_predictions.csv", "y_true,y_pred\n" + "".join(
                f"{int(t)},{int(p)}\n" for t, p in zip(np.reshape(result.y_true, -1),
                                                      np.reshape(result.y_pred, -1))))
    if result.config.plot:
        title = f"{result.config.model} on {dataset.name}"
        written["learning_curves"] = plots.plot_learning_curves(
            result.history, run_dir / "learning_curves.png", title=title)
        if dataset.task == CLASSIFICATION:
            written["confusion_matrix"] = plots.plot_confusion_matrix(
                result.y_true, result.y_pred, dataset.class_names,
                run_dir / "confusion_matrix.png", title=f"{title}: test set")
    if finish:
        # the images' polarity inside model.h5 too: a lone copy of it still predicts right
        background = (data.background_of(dataset.x_train) if dataset.kind == datasets.IMAGE
                      else None)
        written["model"] = run_dir.save_model(result.model, facts={"background": background}
                                              if background else None)
        run_dir.complete()  # and only then are the backups and partial history deleted
    return {k: str(v) for k, v in written.items()}


def metrics_record(result):
    return {"model": result.config.model, "dataset": result.dataset.get("name"),
            "task": result.dataset.get("task"), "metrics": result.metrics,
            "epochs_run": result.epochs_run, "convergence": result.convergence,
            "train_seconds": round(result.train_seconds, 3),
            "predict_seconds": round(result.predict_seconds, 3), "n_params": result.n_params,
            "n_train": result.dataset.get("n_train"), "n_test": result.dataset.get("n_test")}
