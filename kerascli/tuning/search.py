"""The search loop: ask the study for a trial, train it, until the study has ``--trials`` (in
all processes) or ``--timeout`` passes; then score the best trial and the default run."""
import time
from pathlib import Path

from kerascli.tuning import results as results_mod
from kerascli.tuning.plots import plot_study
from kerascli.tuning.study import claim, counted, create_study, fail_dead_trials, surplus
from kerascli.tuning.trial import monitor_for, run_trial, trial_config, validation_view

TRIAL_DIR = "trial-{:04d}"


def run(tcfg, study_dir, dataset, storage, *, watch=None, log=None, timeout=None,
        plot=False):
    """Run trials until the study has ``tcfg.trials`` (in all processes) or ``timeout``
    seconds pass, then score the best trial and the default run on the test set.

    ``dataset``: loaded for ``tcfg.train``; ``storage``: :func:`open_storage`'s.
    Returns a :class:`~kerascli.tuning.results.TuneResult`.
    """
    from kerascli.core.rundir import RunDir

    log = log or (lambda line: None)
    started = time.monotonic()
    study_dir = Path(study_dir)
    metric, log_key, direction = monitor_for(dataset.task)
    study, created = create_study(tcfg, storage, direction)
    if not created:
        fail_dead_trials(study, log)
    view = validation_view(dataset, tcfg.train)
    deadline = started + timeout if timeout else None
    log(f"study {tcfg.study}: {len(counted(study))} trials counted so far"
        + (f" of {tcfg.trials}" if tcfg.trials else "") + f"; scoring validation {metric}")
    while True:
        if deadline is not None and time.monotonic() >= deadline:
            log("--timeout reached: no new trial")
            break
        if tcfg.trials is not None and len(counted(study)) >= tcfg.trials:
            break
        trial = study.ask()
        claim(trial)
        if tcfg.trials is not None and surplus(study, trial, tcfg.trials):
            break
        run_trial(study, trial, tcfg, view, RunDir(study_dir / TRIAL_DIR.format(trial.number)),
                  metric=metric, log_key=log_key, watch=watch, log=log)
    rows = results_mod.rows_of(study)
    result = results_mod.TuneResult(tcfg, study_dir, metric, direction, rows,
                                    results_mod.best_row(rows, direction))
    if result.best is not None:
        best_cfg = trial_config(tcfg, result.best.params)
        results_mod.score_on_test(result, best_cfg, dataset, view, watch=watch, log=log)
        if plot:
            result.files.update(plot_study(study, study_dir))
        result.seconds = time.monotonic() - started
        results_mod.write_results(result)
    result.seconds = time.monotonic() - started
    return result
