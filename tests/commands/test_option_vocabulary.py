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
                if command.invoke_without_command:  # `kerascli datasets` runs on its own too
                    found.append((" ".join(path + [name]), command))
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
        if command in ("forecast", "train lstm") and name in ("features", "image_size",
                                                             "data_dir", "cache_dir", "dataset"):
            continue  # a series is one CSV file (forecast's FILE argument)
        assert name in params, f"{command} lacks {flags[-1]}"
        assert set(flags) <= set(params[name].opts), (command, name, params[name].opts)
    assert params["seed"].envvar == "KERASCLI_SEED" and params["out"].envvar == "KERASCLI_OUT"
    assert isinstance(params["optimizer"].type, click.Choice)
    assert params["plot"].default is False  # one meaning: write the plots into the run directory


def test_model_options_are_generated_from_the_model_file_for_train_and_compare():
    commands = dict(every_command())
    for name in models.names():
        declared = {p.name for p in models.get(name).params}
        for command in (f"train {name}", f"compare {name}"):
            have = {p.name for p in commands[command].params}
            assert declared <= have, (command, declared - have)
    lstm = {p.name for p in commands["forecast"].params}
    assert {p.name for p in models.get("lstm").params} <= lstm


def test_old_spellings_still_work_as_hidden_aliases(tmp_path):
    """compare's --param NAME=VALUE and forecast's --column stay for users' scripts."""
    from kerascli.commands import configure

    info = models.get("mlp")
    kwargs = {"param_texts": ("hidden=8,4", "dropout=0.1"), "hidden": None, "dropout": None,
              "epochs": None, "batch_size": None, "learning_rate": None, "optimizer": None,
              "dataset": "iris", "label_alias": None}
    cfg = configure.train_config(info, kwargs)
    assert cfg.params_dict == {"hidden": (8, 4), "dropout": 0.1}
    lstm = models.get("lstm")
    kwargs = {"label_alias": "Open", "label": None, "units": None, "layers": None,
              "dropout": None, "highway": None, "epochs": None, "batch_size": None, "learning_rate": None,
              "optimizer": None}
    assert configure.train_config(lstm, kwargs).data.label == "Open"


def options_table():
    """The README's options table, rendered from the commands themselves."""
    columns = ["train MODEL", "compare MODEL", "forecast", "evaluate", "predict", "datasets",
               "serve"]
    by_column = {}
    for path, command in every_command():
        column = path if path in columns else " ".join(path.split()[:1] + ["MODEL"])
        if column in columns:
            by_column.setdefault(column, []).append((path.split()[-1], command))
    own = {p.name for name in models.names() for p in models.get(name).params}
    rows = {}
    for column in columns:
        commands = by_column[column]
        for model, command in commands:
            for param in command.params:
                if not isinstance(param, click.Option) or param.hidden or param.name in own:
                    continue
                flags = " / ".join(f"`{o}`" for o in param.opts + param.secondary_opts)
                env = f" (env `{param.envvar}`)" if param.envvar else ""
                rows.setdefault(flags + env, {}).setdefault(column, []).append(model)
    lines = ["| option | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for flags, present in rows.items():
        cells = []
        for column in columns:
            have = present.get(column, [])
            missing = [m for m, _ in by_column[column] if m not in have]
            if not have or not missing:
                cells.append("x" if have else "")
            else:
                cells.append(f"all but {missing[0]}" if len(missing) == 1 else ", ".join(have))
        lines.append(f"| {flags} | " + " | ".join(cells) + " |")
    lines.append("| the model's own: `--hidden`, `--dropout`, `--units` ... (`kerascli train "
                 "MODEL --help`) | x | x | lstm's | | | | |")
    return "\n".join(lines)


def test_readme_options_table_is_the_cli_as_it_is():
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start, end = "<!-- options table: tests/commands/test_option_vocabulary.py -->", "<!-- end -->"
    assert start in readme, "README lacks the options table"
    current = readme.split(start)[1].split(end)[0].strip()
    assert current == options_table(), "README's options table is stale; replace it with:\n" \
        + options_table()
