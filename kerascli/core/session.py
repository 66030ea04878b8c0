"""What train, compare and forecast do around training, written once.

Before any data loads: refuse a model/dataset pair that cannot work, a runtime this machine
cannot give, an ``--out`` that cannot hold the run. Then load the data, create (or reopen,
for ``--resume``) the run directory, and turn Ctrl-C or SIGTERM into one line with the run
marked incomplete (:mod:`kerascli.core.interrupt`).
"""
import contextlib
import shlex

from kerascli.core.rundir import RunDir
from kerascli.errors import UserError


@contextlib.contextmanager
def session(command, cfg, name, *, resumed=None, log=None, check=None, resumable=True):
    """Yield ``(watch, dataset, run_dir)`` for a command that trains ``cfg`` (a TrainConfig).

    Args:
        command: how the command is named in messages (``train mlp``, ``forecast``).
        name: the run directory's name before its time stamp (the dataset's name is added).
        resumed: the :class:`RunDir` of ``--resume`` (from :meth:`RunDir.reopen`), or None.
        log: one-line progress on stderr.
        check: called with the dataset before the run directory is made (compare's baselines).
        resumable: say in the interruption line how to resume.
    """
    from kerascli import artifacts, stages
    from kerascli.core import data, devices, distribute, interrupt, resume, tfdata

    log = log or (lambda line: None)
    with interrupt.guard(command) as watch:
        if resumed is not None:
            try:
                resume.check_resumable(cfg, resumed.path)
            except UserError as exc:  # reopen marked it "running": say why it is not
                with contextlib.suppress(OSError):
                    resumed.mark(f"not resumed: {exc}")
                raise
        data.check_compatible(cfg)
        devices.check_runtime(cfg)  # --precision mixed needs a GPU
        artifacts.check_writable_dir(resumed.path if resumed is not None else cfg.out)
        log(f"loading dataset {cfg.dataset} ...")
        watch.stage = "loading data"
        with stages.stage("data read"):
            dataset = data.load_data(cfg)
        if tfdata.is_streamed(dataset.x_train):  # an image folder: before any model is built
            tfdata.check_batch_fits(dataset.x_train, cfg.batch_size)
        if check is not None:
            check(dataset)
        if cfg.strategy == "multiworker" and not distribute.is_chief():
            run_dir = RunDir(distribute.scratch_dir())  # only the chief writes the run
        else:
            run_dir = resumed or RunDir.create(cfg.out, f"{name}-{dataset.name}")
            watch.run_dir = run_dir.path
            if resumable and cfg.strategy not in resume.SEVERAL_REPLICAS:
                watch.resume = f"kerascli {command} --resume {shlex.quote(str(run_dir))}"
        if dataset.skipped:  # image files that cannot be decoded: one line, the list kept
            import sys
            from kerascli.datasets.images import summary_of_skipped
            run_dir.write_text("skipped.txt", "".join(f"{path}\t{why}\n"
                                                      for path, why in dataset.skipped))
            print(summary_of_skipped(dataset.skipped), file=sys.stderr)
        if tfdata.is_streamed(dataset.x_train):  # files whose pixels fail later: listed too
            dataset.x_train.failures.keep_in(run_dir)
        if resumed is not None:
            log(f"resuming {run_dir} after epoch {resume.completed_epochs(run_dir.path)}/"
                f"{cfg.epochs}")
        yield watch, dataset, run_dir
