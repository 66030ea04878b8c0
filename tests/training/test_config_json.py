"""config.json holds a run's data options as one section, ``data``: every field of
``datasets.LoadOptions`` goes there and comes back, so a new data option needs no code in the
config to be recorded (its field and its Click option are all)."""
import dataclasses
import json
import typing
from pathlib import Path

from kerascli import datasets
from kerascli.core import config as core_config

# values that must be one of a few choices; any other field gets a value from its type
CHOICES = {"task": "regression", "target": "diff", "fill": "ffill", "color_mode": "rgb",
           "test_size": 0.3}


def _other_value(f):
    """A value of field ``f``'s type that is not its default."""
    if f.name in CHOICES:
        return CHOICES[f.name]
    hint = typing.get_type_hints(datasets.LoadOptions).get(f.name, f.type)
    kinds = typing.get_args(hint) or (hint,)
    for kind, value in ((bool, not f.default), (Path, Path("/data") / f.name), (tuple, ("a", "b")),
                        (int, 7), (float, 0.5), (str, f"x-{f.name}")):
        if kind in kinds:
            return value
    raise AssertionError(f"LoadOptions.{f.name}: give the test a value of type {hint}")


def _changed(options_cls=datasets.LoadOptions):
    return {f.name: _other_value(f) for f in dataclasses.fields(options_cls)}


def test_every_data_option_survives_config_json():
    data = datasets.LoadOptions(**_changed())
    cfg = dataclasses.replace(core_config.make_config("mlp", "iris", out=None), data=data)
    record = json.loads(json.dumps(core_config.to_record(cfg)))
    assert record["version"] == core_config.SCHEMA_VERSION == 4
    assert set(record["config"]["data"]) == {f.name for f in dataclasses.fields(data)}
    assert not set(record["config"]) & set(core_config.DATA_OPTIONS)  # once, in "data"
    assert core_config.from_dict(record).data == data


def test_a_new_data_field_is_recorded_with_no_other_change(monkeypatch):
    """What adding a field to LoadOptions does: config.json writes and reads it."""
    grown = dataclasses.make_dataclass("LoadOptions", [("window_step", int, 1)],
                                       bases=(datasets.LoadOptions,), frozen=True)
    monkeypatch.setattr(datasets, "LoadOptions", grown)
    data = grown(**_changed(grown))
    cfg = dataclasses.replace(core_config.make_config("mlp", "iris", out=None), data=data)
    record = json.loads(json.dumps(core_config.to_record(cfg)))
    assert record["config"]["data"]["window_step"] == 7
    assert core_config.from_dict(record).data == data


def test_make_config_fills_the_data_options_by_their_names():
    cfg = core_config.make_config("lstm", lags=30, horizon=3, split_seed=5, data_dir="/tmp",
                                  covariates=["a", "b"], out=None)
    assert (cfg.data.lags, cfg.data.horizon, cfg.data.split_seed) == (30, 3, 5)
    assert cfg.data.data_dir == Path("/tmp") and cfg.data.covariates == ("a", "b")
    assert cfg.seed == 42  # the run's seed is not the split's


def test_a_version_3_config_json_with_flat_data_options_still_reads():
    record = {"version": 3, "command": "forecast",
              "config": {"train": {"model": "lstm", "dataset": "sp500", "epochs": 1,
                                   "batch_size": 8, "learning_rate": 0.01, "seed": 3,
                                   "split_seed": 42, "lags": 12, "horizon": 3, "target": "diff",
                                   "covariates": ["volume"], "data_dir": "/d", "params": {}},
                         "backtest": 2}}
    cfg = core_config.from_dict(record).train
    assert (cfg.data.lags, cfg.data.horizon, cfg.data.target, cfg.seed) == (12, 3, "diff", 3)
    assert cfg.data.covariates == ("volume",) and cfg.data.data_dir == Path("/d")


def test_an_option_added_since_a_run_was_recorded_reads_as_the_run_trained():
    """A cnn config.json from before --label-smoothing (or before --kernel-sizes, --norm,
    --dropout and --schedule) remakes that run: the option as the model had it then, not
    today's default; a config that records the option keeps it, and the CLI's default is
    today's."""
    cfg = core_config.make_config("cnn", "mnist", out=None)
    assert cfg.params_dict["label_smoothing"] == 0.2 and cfg.params_dict["dropout"] == 0.0
    record = json.loads(json.dumps(core_config.to_record(cfg)))
    assert core_config.from_dict(record).params_dict == cfg.params_dict  # recorded: kept

    del record["config"]["params"]["label_smoothing"]  # written before the option existed
    assert core_config.from_dict(record).params_dict == {**cfg.params_dict,
                                                         "label_smoothing": 0.0}
    first = {"filters": [20, 50], "dense_units": 256, "padding": "valid"}  # 2026-11-24's
    record["config"]["params"] = first
    assert core_config.from_dict(record).params_dict == {
        "filters": (20, 50), "kernel_sizes": (5, 5), "dense_units": 256, "padding": "valid",
        "norm": "none", "dropout": 0.5, "label_smoothing": 0.0, "schedule": "cosine"}

    cifar = json.loads(json.dumps(core_config.to_record(
        core_config.make_config("cifar", "cifar10", out=None))))
    assert core_config.from_dict(cifar).params_dict["stem"] == "whiten"
    del cifar["config"]["params"]["stem"]  # before the whitened stem: a learned one
    assert core_config.from_dict(cifar).params_dict["stem"] == "learned"
