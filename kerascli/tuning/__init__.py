"""``kerascli tune MODEL``: a hyperparameter search with Optuna over the model's own options.

No Click here (callable from a notebook). The modules, in the order a search uses them:

- :mod:`.space`: the search space, the model spec's ranges narrowed or widened by ``--param``;
- :mod:`.settings`: what a study is (:class:`TuneConfig`, ``tune.json``);
- :mod:`.storage`: where it lives, a journal file in the study directory or a database;
- :mod:`.study`: the Optuna study shared by every process, dead processes' trials failed;
- :mod:`.trial`: one trial, a normal run of the one training core scored on the validation
  split (the test set never reaches the search), pruned by a Keras callback;
- :mod:`.search`: the loop, until ``--trials`` in all processes or ``--timeout``;
- :mod:`.results`: the table, the best trial and the default run scored once on the test
  set, ``best.json``; :mod:`.plots`: ``--plot``'s PNGs.
"""
from kerascli.tuning.search import run
from kerascli.tuning.settings import TUNE_FILE, TuneConfig
from kerascli.tuning.space import Dimension, parse_param, search_space
from kerascli.tuning.storage import open_storage
from kerascli.tuning.study import load_stored
from kerascli.tuning.trial import pruning_callback, trial_config

__all__ = ["run", "TUNE_FILE", "TuneConfig", "Dimension", "parse_param", "search_space",
           "open_storage", "load_stored", "pruning_callback", "trial_config"]
