"""The training core: one path from a config to a trained, scored and saved model.

config (the dataclasses and their one reader) -> data (which dataset, validation hold-out)
-> devices (strategy, precision, XLA) -> fit (the one training loop) with callbacks
(progress, NaN guard), resume (epoch backups, exact resume), interrupt (Ctrl-C, SIGTERM),
pipeline (tf.data feeding) and distribute (several replicas or machines) -> metrics -> rundir
(the one owner of a run directory). No Click here; commands and feature cores call it.
"""
