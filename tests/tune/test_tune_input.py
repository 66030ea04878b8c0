"""`kerascli tune`: bad input is one line and exit 2 before any training; the search space
comes from the model's spec."""
import pytest

from kerascli import models, tuning
from kerascli.errors import UserError


@pytest.mark.parametrize("args, says", [
    (["--param", "widht=1:2"], "has no setting 'widht'"),
    (["--param", "dropout=0.5:0.1"], "LOW 0.5 is above HIGH 0.1"),
    (["--param", "dropout=0.1,0.2"], "dropout is a float; give a range"),
    (["--param", "dropout=0:1.5"], "must be in [0, 1)"),
    (["--param", "learning_rate=0:0.1:log"], "log scale needs LOW above 0"),
    (["--trials", "0"], "--trials"),
    pytest.param(["--storage", "postgresql://nobody@127.0.0.1:9/optuna", "--study", "s"],
                 "does not answer", marks=pytest.mark.needs_extra("postgres")),
    (["--storage", "sqlite:///x.db", "--study", "s"], "SQLite is not safe"),
    (["--storage", "postgresql://u:secret@127.0.0.1:9/optuna"], "give --study NAME"),
])
def test_tune_refuses_bad_input_in_one_line_before_training(invoke, tmp_path, args, says):
    result = invoke("tune", "mlp", "--dataset", "iris", "--out", tmp_path / "out", *args)
    assert result.exit_code == 2, result.output
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "secret" not in result.stderr
    assert not list((tmp_path / "out").glob("*/trial-*"))  # nothing trained


def test_search_space_is_the_specs_narrowed_by_param():
    spec = models.get("mlp")
    space = tuning.search_space(spec, ["dropout=0.1:0.3", "hidden=32|64,32", "batch_size=16,64"],
                                fixed=["epochs"])
    assert set(space) == set(spec.search_space()) - {"epochs"} | {"hidden"}
    assert (space["dropout"].low, space["dropout"].high) == (0.1, 0.3)
    assert space["hidden"].choices == ((32,), (64, 32))
    assert space["batch_size"].choices == (16, 64)
    lr = spec.search_space()["learning_rate"]
    assert space["learning_rate"].log and space["learning_rate"].low == lr["low"]
    assert tuning.search_space(spec)["dropout"].high < 1  # a dropout rate stays below 1


def test_a_choice_outside_a_choice_option_is_refused():
    with pytest.raises(UserError, match="choose one of valid, same"):
        tuning.parse_param("padding=valid,full", models.get("cnn"))


def test_a_trial_config_goes_through_the_specs_validator():
    from kerascli.core import config
    base = config.make_config("mlp", "iris")
    tcfg = tuning.TuneConfig(train=base, space=tuning.search_space(base.spec), trials=2,
                             study="s")
    cfg = tuning.trial_config(tcfg, {"dropout": 0.25, "learning_rate": 0.01, "epochs": 3,
                                     "batch_size": 8})
    assert (cfg.epochs, cfg.batch_size, cfg.learning_rate) == (3, 8, 0.01)
    assert cfg.params_dict["dropout"] == 0.25
    with pytest.raises(UserError, match="--dropout"):
        tuning.trial_config(tcfg, {"dropout": 1.0})


def test_a_database_url_naming_no_driver_gets_an_installed_one(monkeypatch):
    """SQLAlchemy 2.1 reads postgresql:// as psycopg (3); the documented driver is psycopg2."""
    from kerascli.tuning import storage
    installed = {"psycopg2"}
    monkeypatch.setattr(storage.importlib.util, "find_spec",
                        lambda name: object() if name in installed else None)
    assert storage.with_driver("postgresql://u@h/db") == ("postgresql+psycopg2://u@h/db", None)
    assert storage.with_driver("postgres://u@h/db") == ("postgresql+psycopg2://u@h/db", None)
    assert storage.with_driver("postgresql+psycopg://u@h/db") == ("postgresql+psycopg://u@h/db",
                                                                  None)
    assert storage.with_driver("mysql://u@h/db") == ("mysql://u@h/db", "pymysql")


def test_tune_names_the_driver_to_install_in_one_line(invoke, tmp_path, monkeypatch):
    from kerascli.tuning import storage
    monkeypatch.setattr(storage.importlib.util, "find_spec", lambda name: None)
    result = invoke("tune", "mlp", "--dataset", "iris", "--out", tmp_path, "--study", "s",
                    "--storage", "mysql://u:secret@127.0.0.1:9/optuna")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().endswith("pip install pymysql.")
    assert len(result.stderr.strip().splitlines()) == 1 and "secret" not in result.stderr
