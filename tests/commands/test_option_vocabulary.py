"""One option vocabulary: the same concept has the same spelling, short form, type, default
source and meaning on every command (train MODEL, compare MODEL, forecast, evaluate, predict,
datasets). This walks every command's parameters and fails when two commands disagree."""
import click
import pytest

from kerascli import models
from kerascli.cli import cli

# concepts that must be present, spelled this way, on the commands that train a network
SHARED = {
    "dataset": ("-d", "--dataset"), "epochs": ("-e", "--epochs"),
    "batch_size": ("-b", "--batch-size"), "learning_rate": ("--lr", "--learning-rate"),
    "optimizer": ("--optimizer",), "seed": ("--seed",), "out": ("-o", "--out"),
    "plot": ("--plot",), "as_json": ("--json",), "data_dir": ("--data-dir",),
    "cache_dir": ("--cache-dir",), "label": ("--label",), "features": ("--features",),
    "image_size": ("--image-size",), "strategy": ("--strategy",),
    "precision": ("--precision",), "jit": ("--jit",),
}


def every_command():
    """(path, click.Command) for every leaf command of the CLI."""
    ctx = click.Context(cli)
    found = []

    def walk(group, path, ctx):
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            sub = click.Context(command, parent=ctx, info_name=name)
            if isinstance(command, click.Group):
                walk(command, path + [name], sub)
            else:
                found.append((" ".join(path + [name]), command))
    walk(cli, [], ctx)
    return found


def signature(param):
    """What must agree between two commands' options of the same name."""
    kind = param.type
    return (tuple(param.opts), tuple(param.secondary_opts), type(kind).__name__,
            getattr(kind, "choices", None), getattr(param, "envvar", None),
            getattr(param, "is_flag", False), getattr(param, "multiple", False),
            getattr(param, "hidden", False))


def test_every_option_is_spelled_the_same_on_every_command():
    seen = {}  # name -> (signature, first command)
    by_flag = {}  # "--flag" -> (name, first command)
    for path, command in every_command():
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            sig = signature(param)
            if param.name in seen:
                assert seen[param.name][0] == sig, (
                    f"{param.name}: {path} has {sig}, {seen[param.name][1]} has "
                    f"{seen[param.name][0]}")
            else:
                seen[param.name] = (sig, path)
            for flag in param.opts + param.secondary_opts:
                first = by_flag.setdefault(flag, (param.name, path))
                assert first[0] == param.name, (
                    f"{flag} means {param.name} on {path} but {first[0]} on {first[1]}")


@pytest.mark.parametrize("command", ["train mlp", "compare mlp", "forecast", "train lstm"])
def test_commands_that_train_take_the_shared_options(command):
    commands = dict(every_command())
    params = {p.name: p for p in commands[command].params if isinstance(p, click.Option)}
    for name, flags in SHARED.items():
        if command == "forecast" and name in ("dataset", "features", "image_size",
                                              "data_dir", "cache_dir"):
            continue  # forecast's data is its FILE argument
        assert name in params, f"{command} lacks {flags[-1]}"
        assert set(flags) <= set(params[name].opts), (command, name, params[name].opts)
    assert params["seed"].envvar == "KERASCLI_SEED" and params["out"].envvar == "KERASCLI_OUT"
    assert isinstance(params["optimizer"].type, click.Choice)
    assert params["plot"].default is False  # one meaning: write the plots into the run directory


def test_model_options_are_generated_from_the_model_file_for_train_and_compare():
    commands = dict(every_command())
    for name in models.names():
        declared = {p.name for p in models.get(name).INFO.params}
        for command in (f"train {name}", f"compare {name}"):
            have = {p.name for p in commands[command].params}
            assert declared <= have, (command, declared - have)
    lstm = {p.name for p in commands["forecast"].params}
    assert {p.name for p in models.get("lstm").INFO.params} <= lstm


def test_old_spellings_still_work_as_hidden_aliases(tmp_path):
    """compare's --param NAME=VALUE and forecast's --column stay for users' scripts."""
    from kerascli.commands import options

    info = models.get("mlp").INFO
    kwargs = {"legacy_params": ("hidden=8,4", "dropout=0.1"), "hidden": None, "dropout": None,
              "epochs": None, "batch_size": None, "learning_rate": None, "optimizer": None,
              "dataset": "iris", "label_alias": None}
    cfg = options.train_config(info, kwargs)
    assert cfg.params_dict == {"hidden": (8, 4), "dropout": 0.1}
    lstm = models.get("lstm").INFO
    kwargs = {"label_alias": "Open", "label": None, "units": None, "layers": None,
              "dropout": None, "epochs": None, "batch_size": None, "learning_rate": None,
              "optimizer": None}
    assert options.train_config(lstm, kwargs).label == "Open"
