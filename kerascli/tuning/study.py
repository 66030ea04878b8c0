"""The Optuna study shared by every process of a search: made or joined, its trials counted
towards ``--trials``, the trials of a process that died (Ctrl-C, SIGKILL) marked failed."""
import contextlib
import os
import socket
import warnings

from kerascli.tuning.settings import TuneConfig
from kerascli.tuning.storage import optuna_module

# MedianPruner: no pruning before this many trials have finished, nor in a trial's first epoch
PRUNE_STARTUP_TRIALS = 3
PRUNE_WARMUP_EPOCHS = 1


def create_study(tcfg, storage, direction):
    """(study, created): the study made now, or joined when another process made it."""
    optuna = optuna_module()
    pruner = optuna.pruners.MedianPruner(n_startup_trials=PRUNE_STARTUP_TRIALS,
                                         n_warmup_steps=PRUNE_WARMUP_EPOCHS)
    try:
        study = optuna.create_study(study_name=tcfg.study, storage=storage, direction=direction,
                                    sampler=optuna.samplers.TPESampler(seed=tcfg.train.seed),
                                    pruner=pruner)
        study.set_user_attr("tune", tcfg.to_dict())
        return study, True
    except optuna.exceptions.DuplicatedStudyError:
        # a second process: its own sampler seed, or it would propose the first one's trials
        study = optuna.load_study(study_name=tcfg.study, storage=storage,
                                  sampler=optuna.samplers.TPESampler(), pruner=pruner)
        return study, False


def load_stored(study_name, storage):
    """The TuneConfig a study was started with (for a process joining it), or None."""
    optuna = optuna_module()
    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        return None
    stored = study.user_attrs.get("tune")
    return TuneConfig.from_dict(stored) if stored else None


def claim(trial):
    """Write on ``trial`` which process runs it, so a later one can tell it died."""
    trial.set_user_attr("host", socket.gethostname())
    trial.set_user_attr("pid", os.getpid())


def alive(host, pid):
    """False when the process ``pid`` on ``host`` is known to be gone (this host only)."""
    if host != socket.gethostname() or not pid:
        return True
    if pid == os.getpid():
        return False  # an earlier trial of this very process cannot still be running
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_dead_trials(study, log):
    """Mark failed the RUNNING trials whose process died (Ctrl-C, SIGKILL) on this host;
    other hosts' dead trials are failed by the database storage's heartbeat."""
    optuna = optuna_module()
    from optuna.trial import TrialState
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if not alive(t.user_attrs.get("host"), t.user_attrs.get("pid")):
            with contextlib.suppress(Exception):  # the reason first: a finished trial is final
                study._storage.set_trial_system_attr(t._trial_id, "fail_reason",
                                                     "its process was stopped")
                study._storage.set_trial_state_values(t._trial_id, TrialState.FAIL)
                log(f"trial {t.number}: its process was stopped mid-way; marked failed")
    if isinstance(study._storage, optuna.storages.RDBStorage) or hasattr(
            study._storage, "get_heartbeat_interval"):
        with warnings.catch_warnings(), contextlib.suppress(Exception):
            warnings.simplefilter("ignore")
            optuna.storages.fail_stale_trials(study)  # database storage: heartbeats stopped


def counted(study):
    """The trials that count towards --trials: finished (complete or pruned) or running."""
    from optuna.trial import TrialState
    return [t for t in study.get_trials(deepcopy=False, states=(
        TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING))
        if not t.user_attrs.get("surplus")]


def surplus(study, trial, wanted):
    """True (and ``trial`` failed, marked surplus) when ``wanted`` trials with lower numbers
    already count: another process asked at the same moment, and the lower numbers win."""
    from optuna.trial import TrialState
    ahead = [t for t in counted(study) if t.number < trial.number]
    if len(ahead) < wanted:
        return False
    trial.set_user_attr("surplus", True)
    study.tell(trial, state=TrialState.FAIL)
    return True
