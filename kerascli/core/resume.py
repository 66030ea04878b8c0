"""Resuming a training run that was killed: ``kerascli train MODEL --resume RUN_DIR`` (and
``forecast --resume``: both train through :func:`kerascli.core.fit.train`; compare runs do
not resume).

* Every epoch, :func:`backup_callback` saves the weights, the optimizer state and the epoch
  count as one snapshot folder ``RUN_DIR/backup/epoch-NNNNNN`` (the files Keras'
  ``BackupAndRestore`` writes). A snapshot is written whole under a temporary name and then
  renamed, so a kill at any moment of a save leaves the previous snapshot as it was, never new
  weights beside an old epoch count (``BackupAndRestore`` rewrites both files in place, one
  after the other). The two newest snapshots are kept: one damaged afterwards (a truncated
  file) falls back one epoch, with a warning; if none can be read, ``--resume`` says so in one
  line. A snapshot also holds the state of the callbacks that steer training (early
  stopping's best loss, wait and best weights; ReduceLROnPlateau's best, wait, cooldown and
  learning rate: :data:`CALLBACK_STATE`), so a resumed run stops, and lowers its rate, at
  the epochs an uninterrupted one does; and whether training had ended (early stopping):
  a run killed after its last epoch, before its final files were written, resumes by only
  restoring, scoring and saving. The folder stays until the run's final files are written
  (:meth:`kerascli.core.rundir.RunDir.complete` deletes it).
* The resumed run reuses the run's ``config.json`` (read by ``RunDir.reopen``: same model,
  data, split, seed) and continues from the last completed epoch.
* The training data order of epoch ``e`` is a pure function of ``(seed, e)``
  (:func:`kerascli.core.tfdata.seeded_epochs`), not of how many epochs this process has run, so epochs ``k..`` of a
  resumed run see the same batches as those of an uninterrupted run; the final metrics match
  within floating-point noise.
* ``history.partial.json`` keeps the finished epochs' metrics so history.csv stays whole.
"""
import json
import shutil
import sys
from pathlib import Path

from kerascli import artifacts
from kerascli.core.rundir import BACKUP_DIR, PARTIAL_HISTORY
from kerascli.errors import UserError

SNAPSHOT = "epoch-{:06d}"  # one folder per backed-up epoch, inside BACKUP_DIR
WEIGHTS = "latest.weights.h5"  # model and optimizer variables (model.save_weights)
METADATA = "training_metadata.json"  # {"epoch": completed epochs}, as BackupAndRestore writes it
KEEP_SNAPSHOTS = 2  # the newest and the one before it
STATE = "callbacks.json"  # the steering callbacks' state, and whether training had ended
BEST_WEIGHTS = "best_weights.npz"  # early stopping's best weights (model.get_weights order)
# the attributes of the callbacks whose state decides what later epochs do; a callback with
# none of them (progress, history) has nothing to restore
CALLBACK_STATE = ("best", "wait", "stopped_epoch", "best_epoch", "cooldown_counter")


# ---------------------------------------------------------------- Keras internals
# Exact resume needs two things Keras keeps private; they are read here and nowhere else, and
# tests/training/test_one_core.py (test_keras_internals_that_resume_relies_on_still_exist)
# fails loudly when a Keras upgrade renames them.

def initial_epoch(model):
    """The epoch ``fit`` starts from (BackupAndRestore sets it on restore): ``model._initial_epoch``."""
    return int(getattr(model, "_initial_epoch", 0) or 0)


def set_initial_epoch(model, epoch):
    """Make the next ``fit`` start at ``epoch`` (a second training phase): Keras' ``fit`` prefers
    ``model._initial_epoch``, left set by an earlier restore, to its ``initial_epoch`` argument."""
    model._initial_epoch = int(epoch)


def seed_generators(model):
    """Every ``keras.random.SeedGenerator`` the model's layers draw from (Dropout masks,
    augmentation): ``layer._seed_generators`` over ``model._flatten_layers()``."""
    return [sg for layer in model._flatten_layers() for sg in getattr(layer, "_seed_generators", [])]


# ---------------------------------------------------------------- callbacks

def snapshots(run_dir):
    """The backup folders in ``run_dir``, newest first: (epoch in its name, path). Temporary
    folders of a save that never finished are not listed. A backup written in place by earlier
    kerascli versions (``backup/training_metadata.json``) comes last, as epoch -1."""
    backup = Path(run_dir) / BACKUP_DIR
    found = []
    for folder in backup.glob("epoch-*"):
        number = folder.name.split("-", 1)[1]
        if folder.is_dir() and number.isdigit():
            found.append((int(number), folder))
    found.sort(reverse=True)
    if (backup / METADATA).is_file():
        found.append((-1, backup))
    return found


def read_snapshot(folder):
    """The number of completed epochs a backup folder holds; ValueError naming the defect when
    it cannot be used (metadata truncated or edited, weights missing)."""
    folder = Path(folder)
    try:
        record = json.loads((folder / METADATA).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{folder / METADATA} is missing") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{folder / METADATA} is unreadable ({exc})") from None
    epoch = record.get("epoch") if isinstance(record, dict) else None
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise ValueError(f"{folder / METADATA} holds no epoch count")
    if folder.name != BACKUP_DIR and folder.name != SNAPSHOT.format(epoch):
        raise ValueError(f"{folder / METADATA} says epoch {epoch}, its folder another")
    if not (folder / WEIGHTS).is_file() or (folder / WEIGHTS).stat().st_size == 0:
        raise ValueError(f"{folder / WEIGHTS} is missing or empty")
    return epoch


def usable_snapshots(run_dir):
    """([(epoch, folder)] that pass :func:`read_snapshot`, newest first; [defects])."""
    good, bad = [], []
    for _, folder in snapshots(run_dir):
        try:
            good.append((read_snapshot(folder), folder))
        except ValueError as exc:
            bad.append(str(exc))
    return good, bad


def check_backup(run_dir):
    """Before ``--resume`` does any work: refuse in one line a run whose backups all are
    damaged (resuming would silently start over); one readable snapshot is enough."""
    good, bad = usable_snapshots(run_dir)
    if bad and not good:
        raise UserError(f"--resume {run_dir}: the epoch backup cannot be used ({bad[0]}); "
                        f"start the run again without --resume, or delete {Path(run_dir) / BACKUP_DIR} "
                        "to restart this run from epoch 0.")


def completed_epochs(run_dir):
    """Epochs the newest usable backup in ``run_dir`` holds (0 when there is none)."""
    good, _ = usable_snapshots(run_dir)
    return good[0][0] if good else 0


def steers(callback):
    """Whether ``callback``'s state decides what later epochs do (early stopping,
    ReduceLROnPlateau): the epoch backups keep it, and it must run before them."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    return isinstance(callback, (keras.callbacks.EarlyStopping, keras.callbacks.ReduceLROnPlateau))


def backup_callback(run_dir):
    """The Keras callback that restores the newest usable snapshot when training begins and
    writes one, atomically, at the end of every epoch (see the module docstring)."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    backup = Path(run_dir) / BACKUP_DIR

    class EpochBackup(keras.callbacks.Callback):
        # a model trained in two phases (transfer: head, then fine-tuning): the second phase,
        # whose optimizer differs, restores only its own snapshots (after ``restore_after``)
        restore_after = None
        steering = ()  # the callbacks whose state a snapshot keeps (set by the caller)

        def on_train_begin(self, logs=None):
            model = self.model
            skipped = []
            for number, folder in snapshots(run_dir):
                if self.restore_after is not None and number <= self.restore_after:
                    continue
                try:
                    epoch = read_snapshot(folder)
                    if model.optimizer is not None and not model.optimizer.built:
                        model.optimizer.build(model.trainable_variables)  # its variables first
                    model.load_weights(str(folder / WEIGHTS))
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    skipped.append((folder, str(exc).splitlines()[0] if str(exc) else repr(exc)))
                    continue
                state = _read_state(folder)
                self._restore_state(state, folder)
                if state.get("ended"):  # early stopping had ended it: train no more epochs
                    epoch = max(epoch, int(self.params.get("epochs") or epoch))
                set_initial_epoch(model, epoch)
                for bad, why in skipped:
                    print(f"warning: skipped a damaged backup {bad} ({why}); resuming after "
                          f"epoch {epoch} instead.", file=sys.stderr, flush=True)
                return
            if skipped:
                bad, why = skipped[0]
                raise UserError(f"--resume {run_dir}: the epoch backup cannot be used ({why}); "
                                "start the run again without --resume.")

        def on_epoch_end(self, epoch, logs=None):
            done = epoch + 1
            target = backup / SNAPSHOT.format(done)
            if target.exists():  # left by an earlier attempt at this epoch: older ones remain
                shutil.rmtree(target)
            with artifacts.atomic_dir(target) as tmp:
                self.model.save_weights(str(tmp / WEIGHTS))
                self._save_state(tmp)
                artifacts.write_json(tmp / METADATA, {"epoch": done, "batch": 0})
            self._prune(keep=target)

        def _save_state(self, folder):
            import numpy as np
            state = {"ended": bool(self.model.stop_training), "callbacks": []}
            for callback in self.steering:
                values = {name: _plain(getattr(callback, name)) for name in CALLBACK_STATE
                          if hasattr(callback, name)}
                if hasattr(callback, "min_lr"):  # ReduceLROnPlateau: the rate it set
                    values["learning_rate"] = float(np.asarray(
                        self.model.optimizer.learning_rate))
                if getattr(callback, "best_weights", None) is not None:
                    values["best_weights"] = BEST_WEIGHTS
                    artifacts.write_arrays(folder / BEST_WEIGHTS, callback.best_weights)
                state["callbacks"].append({"class": type(callback).__name__, **values})
            artifacts.write_json(folder / STATE, state)

        def _restore_state(self, state, folder):
            """Put the steering callbacks back as they were after the snapshot's epoch
            (their on_train_begin, which runs before this one's, has just reset them)."""
            import numpy as np
            saved = state.get("callbacks", [])
            for callback, values in zip(self.steering, saved):
                if values.get("class") != type(callback).__name__:
                    continue  # another set of callbacks (options changed): start them afresh
                for name in CALLBACK_STATE:
                    if name in values:
                        setattr(callback, name, values[name])
                if "learning_rate" in values:
                    self.model.optimizer.learning_rate.assign(values["learning_rate"])
                if values.get("best_weights"):
                    with np.load(folder / values["best_weights"]) as arrays:
                        callback.best_weights = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]

        def _prune(self, keep):
            kept = 0
            for epoch, folder in snapshots(run_dir):
                if folder == backup:  # the in-place files of an older kerascli
                    for name in (METADATA, WEIGHTS, METADATA + ".bkp", WEIGHTS + ".bkp"):
                        (backup / name).unlink(missing_ok=True)
                    continue
                kept += 1
                if kept > KEEP_SNAPSHOTS and folder != keep:
                    shutil.rmtree(folder, ignore_errors=True)
            for stale in backup.glob(".epoch-*.tmp-*"):  # a save killed in an earlier process
                shutil.rmtree(stale, ignore_errors=True)

    return EpochBackup()


def _read_state(folder):
    """A snapshot's :data:`STATE` ({} for one written before it existed)."""
    try:
        state = json.loads((Path(folder) / STATE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ValueError(f"{Path(folder) / STATE} is unreadable ({exc})") from None
    return state if isinstance(state, dict) else {}


def _plain(value):
    """A callback attribute as JSON (NumPy and TensorFlow scalars become floats)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    import numpy as np
    return np.asarray(value).item()


def rng_callback():
    """Restart every layer's random stream (Dropout masks, augmentation) at each epoch from
    ``(its seed, epoch)``: BackupAndRestore does not save these streams, so without this a
    resumed run would draw other dropout masks than an uninterrupted one."""
    from kerascli.runtime import keras_module
    keras = keras_module()

    class EpochSeededRandomness(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self._generators = [(sg, int(sg.state.numpy()[0])) for sg in seed_generators(self.model)]

        def on_epoch_begin(self, epoch, logs=None):
            for sg, seed in self._generators:  # room for 2**20 draws per epoch
                sg.state.assign([seed, (epoch << 20) % 2 ** 32])

    return EpochSeededRandomness()


def history_callback(run_dir, first_epoch):
    """Keep the finished epochs' metrics in ``history.partial.json`` (for a resumed run's
    history.csv); returns (callback, history so far)."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    path = Path(run_dir) / PARTIAL_HISTORY
    earlier = {}
    if first_epoch and path.is_file():
        try:
            earlier = {k: list(v)[:first_epoch] for k, v in
                       json.loads(path.read_text(encoding="utf-8")).items()}
        except (OSError, ValueError, AttributeError, TypeError):
            earlier = {}
    history = {k: list(v) for k, v in earlier.items()}

    class PartialHistory(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            for key, value in (logs or {}).items():
                history.setdefault(key, []).append(float(value))
            artifacts.write_json(path, history)

    return PartialHistory(), earlier


SEVERAL_REPLICAS = ("mirrored", "multiworker")


def check_resumable(cfg, run_dir):
    """Refuse in one line, before any work, a ``--resume`` that could not continue exactly:
    a run trained on several replicas (``--strategy mirrored|multiworker``: their input order
    is not a function of the epoch, and the multi-worker loop restores no backup), or one
    whose epoch backups are all damaged."""
    try:
        record = json.loads((Path(run_dir) / "config.json").read_text(encoding="utf-8"))
        replicas = int((record.get("runtime") or {}).get("replicas") or 1)
    except (OSError, ValueError, TypeError, AttributeError):
        replicas = 1
    if cfg.strategy in SEVERAL_REPLICAS or replicas > 1:
        how = (f"--strategy {cfg.strategy}" if cfg.strategy in SEVERAL_REPLICAS
               else f"{replicas} replicas")
        raise UserError(f"--resume {run_dir}: this run trained with {how}, and resuming is "
                        "exact only on one replica; start it again without --resume.")
    from kerascli.core import distribute
    if distribute.resolved_name(cfg.strategy) in SEVERAL_REPLICAS:  # auto, on several GPUs
        raise UserError(f"--resume {run_dir}: --strategy {cfg.strategy} would train on several "
                        "GPUs here (mirrored), and resuming is exact only on one replica; "
                        "resume it with CUDA_VISIBLE_DEVICES naming one GPU, or start it again "
                        "without --resume.")
    _check_params(cfg, run_dir)
    check_backup(run_dir)


def _check_params(cfg, run_dir):
    """The model options config.json records must be ones the model has, with valid values
    (a hand-edited file must not reach the model's build() as a TypeError)."""
    try:
        cfg.check_params()
    except UserError as exc:
        raise UserError(f"--resume {run_dir}: config.json does not describe a run this kerascli "
                        f"can continue ({str(exc).rstrip('.')}); start it again without "
                        "--resume.") from None


def check_no_conflict(cfg, given, run_dir):
    """Refuse options given on the command line that differ from the run's config.json.

    ``given``: option name -> value, only for options the user actually set.
    """
    recorded = cfg.to_dict()  # compare's and forecast's wrap a TrainConfig: its options too
    recorded.update(getattr(cfg, "train", cfg).options())
    for name, value in given.items():
        if name not in recorded:
            continue
        old = recorded[name]
        new = [_as_recorded(v) for v in value] if isinstance(value, tuple) else value
        new = str(new) if isinstance(new, Path) else new
        if isinstance(old, float) or isinstance(new, float):
            same = old is not None and new is not None and float(old) == float(new)
        else:
            same = old == new
        if not same:
            raise UserError(f"--{name.replace('_', '-')} {_show(new)} conflicts with the run being "
                            f"resumed ({_show(old)} in {Path(run_dir) / 'config.json'}); drop it "
                            "to resume the run as it was.")


def _show(value):
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _as_recorded(value):
    """80.0 given for a level recorded as 80: the same number."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
