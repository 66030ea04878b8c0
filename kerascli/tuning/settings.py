"""What a study is (:class:`TuneConfig`), as ``STUDY_DIR/tune.json`` and the study's own
record in its storage keep it: read back by ``--resume`` and by a process joining it."""
from dataclasses import dataclass, field
from typing import Optional

from kerascli.errors import UserError
from kerascli.tuning.space import Dimension

TUNE_FILE = "tune.json"  # the study's settings, read back by --resume


@dataclass(frozen=True)
class TuneConfig:
    """What a study is: the base training config (data, fixed settings: the default run), the
    space, how many trials in all, where it is stored."""

    train: object  # TrainConfig
    space: dict = field(default_factory=dict)  # name -> Dimension
    trials: Optional[int] = None  # in all, across processes; None: until --timeout
    study: str = ""
    storage: Optional[str] = None  # None: the journal file in the study directory
    prune: bool = True

    def __post_init__(self):
        if self.trials is not None and self.trials < 1:
            raise UserError(f"--trials {self.trials}: must be at least 1.")
        if self.train.validation_split <= 0:
            raise UserError("--validation-split 0: tune scores every trial on the validation "
                            "split; give a fraction such as 0.1.")

    def to_dict(self):
        return {"train": self.train.to_dict(),
                "space": {k: d.to_dict() for k, d in self.space.items()},
                "trials": self.trials, "study": self.study, "storage": self.storage,
                "prune": self.prune}

    @classmethod
    def from_dict(cls, stored):
        from kerascli.core.config import TrainConfig
        return cls(train=TrainConfig.from_dict(stored["train"]),
                   space={k: Dimension.from_dict(d) for k, d in stored["space"].items()},
                   trials=stored.get("trials"), study=stored["study"],
                   storage=stored.get("storage"), prune=bool(stored.get("prune", True)))
