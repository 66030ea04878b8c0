"""``train --config FILE`` starts from a recorded run: a run whose epochs were chosen from its
data (a CSV table: a cap with early stopping) is trained again the same way, not for the cap
without early stopping; a tune.json base config, whose epochs are still to choose, chooses
them again."""
import dataclasses
import json
from pathlib import Path

import click
import pytest

import datafiles
from kerascli import models
from kerascli.cli import cli
from kerascli.commands import configure
from kerascli.core import config


def _where_data_is(cfg):  # --data-dir and --cache-dir come from the environment, not the record
    return dataclasses.replace(cfg, spec=None, data=dataclasses.replace(
        cfg.data, data_dir=None, cache_dir=None))


def _train_config_from(args):
    """The TrainConfig `kerascli train logreg ARGS` would train, parsed but not run."""
    train = cli.get_command(click.Context(cli), "train")
    command = train.get_command(click.Context(train), "logreg")
    with command.make_context("logreg", [str(a) for a in args]) as ctx:
        return configure.train_config(models.get("logreg"), dict(ctx.params))


@pytest.fixture
def table(tmp_path):
    return datafiles.write_csv(tmp_path / "t.csv", rows=40)


def test_a_run_with_derived_epochs_is_remade_with_its_early_stopping(table, tmp_path):
    chosen = config.derive_from_data(
        config.make_config("logreg", str(table), label="label"), n_train=32)
    assert chosen.patience and not chosen.auto  # a cap with early stopping
    (tmp_path / "config.json").write_text(json.dumps(config.to_record(chosen)))
    remade = _train_config_from(["--config", tmp_path / "config.json"])
    assert (remade.epochs, remade.patience, remade.batch_size) == (
        chosen.epochs, chosen.patience, chosen.batch_size)
    assert _where_data_is(remade).data == _where_data_is(chosen).data
    typed = _train_config_from(["--config", tmp_path / "config.json", "--epochs", "7"])
    assert typed.epochs == 7  # typed options still win


def test_a_record_whose_epochs_are_still_to_choose_chooses_them_again(table, tmp_path):
    base = config.make_config("logreg", str(table), label="label")
    assert set(base.auto) == {"batch_size", "epochs"}
    (tmp_path / "tune.json").write_text(json.dumps(config.to_record(base)))
    remade = _train_config_from(["--config", tmp_path / "tune.json"])
    assert set(remade.auto) == {"batch_size", "epochs"} and remade.patience is None
    assert _where_data_is(remade) == _where_data_is(base)


@pytest.mark.slow  # two trainings on a table with early stopping
def test_train_config_of_a_csv_run_trains_it_again_the_same_way(invoke, table, tmp_path):
    def run_dir(result):
        assert result.exit_code == 0, result.output
        return Path(json.loads(result.stdout)["run_dir"])

    first = run_dir(invoke("train", "logreg", "--dataset", table, "--label", "label",
                           "--out", tmp_path / "a", "--json"))
    again = run_dir(invoke("train", "logreg", "--config", first / "config.json",
                           "--out", tmp_path / "b", "--json"))
    recorded, remade = (json.loads((d / "config.json").read_text())["config"]
                        for d in (first, again))
    assert (remade["epochs"], remade["patience"]) == (recorded["epochs"], recorded["patience"])
    assert remade["data"] == recorded["data"]
