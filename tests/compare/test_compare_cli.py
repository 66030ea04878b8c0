"""``kerascli compare`` through the CLI: tables, JSON, the run directory, the plot, errors."""
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kerascli.cli import cli
from kerascli.core.config import SCHEMA_VERSION

MODEL_KEYS = {"name", "kind", "estimator", "best", "metrics", "train_seconds", "predict_seconds",
              "n_params", "params_counted", "seeds", "data_sha256", "warnings",
              "confusion_matrix"}
STAT_KEYS = {"mean", "std", "values"}


def invoke(args, tmp_path):
    result = CliRunner().invoke(cli, ["compare", *args, "--out", str(tmp_path / "runs")])
    return result


def run_json(args, tmp_path):
    result = invoke([*args, "--json"], tmp_path)
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def iris_doc(tmp_path_factory):
    """compare logreg with no dataset: Iris, offline, two seeds, two baselines."""
    tmp = tmp_path_factory.mktemp("iris")
    result = CliRunner().invoke(cli, [
        "compare", "logreg", "--epochs", "2", "--repeats", "2", "--baseline",
        "logistic-regression", "--baseline", "random-forest", "--out", str(tmp / "runs"),
        "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


def test_compare_logreg_defaults_to_iris_and_writes_a_complete_run(iris_doc):
    doc = iris_doc
    assert doc["schema"] == "kerascli.compare/1"
    assert doc["dataset"]["name"] == "iris" and doc["task"] == "classification"
    assert [m["name"] for m in doc["models"]] == [
        "keras:logreg", "sklearn:logistic-regression", "sklearn:random-forest"]
    run_dir = Path(doc["run_dir"])
    assert run_dir.name.startswith("compare-logreg-iris-")
    assert not (run_dir / "INCOMPLETE").exists()
    assert json.loads((run_dir / "results.json").read_text()) == doc
    record = json.loads((run_dir / "config.json").read_text())
    config = record["config"]
    assert record["command"] == "compare" and record["version"] == SCHEMA_VERSION
    assert config["train"]["model"] == "logreg" and config["repeats"] == 2
    assert config["train"]["validation_split"] == 0.0  # Keras fits on all the training rows
    assert (run_dir / "keras" / "model.h5").is_file()


def test_results_json_follows_the_schema(iris_doc):
    doc = iris_doc
    assert {"schema", "model", "task", "dataset", "split", "repeats", "seeds", "primary_metric",
            "higher_is_better", "models", "verdict", "config", "versions", "run_dir",
            "files"} <= set(doc)
    assert doc["primary_metric"] == "accuracy" and doc["higher_is_better"] is True
    assert set(doc["verdict"]) == {"best", "tied", "runner_up", "metric", "difference", "spread",
                                   "separated", "test", "p_value", "p_values", "alpha"}
    assert sum(m["best"] for m in doc["models"]) == 1
    for m in doc["models"]:
        assert set(m) == MODEL_KEYS, m["name"]
        assert set(m["metrics"]) == {"accuracy", "macro_f1"}
        for stat in (*m["metrics"].values(), m["train_seconds"], m["predict_seconds"]):
            assert set(stat) == STAT_KEYS and len(stat["values"]) == 2
        for value in m["metrics"]["accuracy"]["values"]:  # a share of the 30 test rows
            assert value * 30 == pytest.approx(round(value * 30)), value
        if m["kind"] != "keras":  # scikit-learn's baselines learn iris (2 epochs of Keras may not)
            assert m["metrics"]["accuracy"]["mean"] >= 0.9, m["name"]
        assert isinstance(m["n_params"], int) and m["n_params"] > 0 and m["params_counted"]
        assert np.asarray(m["confusion_matrix"]).shape == (3, 3)
        assert np.asarray(m["confusion_matrix"]).sum() == doc["split"]["n_test"] == 30
    assert next(m for m in doc["models"] if m["name"] == "keras:logreg")["n_params"] == 15
    assert next(m for m in doc["models"]
                if m["name"] == "sklearn:logistic-regression")["n_params"] == 4 * 3 + 3


def test_every_model_saw_the_same_split(iris_doc):
    from kerascli.comparing import fingerprint
    from kerascli.datasets import LoadOptions, load

    iris = load("iris", LoadOptions())
    expected = fingerprint(iris.x_train, iris.y_train, iris.x_test, iris.y_test)
    assert iris_doc["split"]["sha256"] == expected
    for m in iris_doc["models"]:
        assert m["data_sha256"] == [expected], m["name"]


def test_repeats_report_mean_and_sample_std_over_consecutive_seeds(iris_doc):
    assert iris_doc["seeds"] == [42, 43]
    for m in iris_doc["models"]:
        assert m["seeds"] == [42, 43]
        for stat in m["metrics"].values():
            assert stat["mean"] == pytest.approx(np.mean(stat["values"]))
            assert stat["std"] == pytest.approx(np.std(stat["values"], ddof=1))
    forest = next(m for m in iris_doc["models"] if m["name"] == "sklearn:random-forest")
    assert "random_state=43" in forest["estimator"]  # the last seed's estimator
    # judged on every seed pair: separated exactly when there is a lead and each seed's test
    # rejects chance (not "either value will do")
    verdict, by_name = iris_doc["verdict"], {m["name"]: m for m in iris_doc["models"]}
    best, second = (by_name[verdict[k]]["metrics"]["accuracy"] for k in ("best", "runner_up"))
    assert verdict["difference"] == pytest.approx(best["mean"] - second["mean"])
    assert verdict["spread"] == pytest.approx(best["std"] + second["std"])
    assert len(verdict["p_values"]) == 2 and verdict["p_value"] == max(verdict["p_values"])
    assert verdict["separated"] is (verdict["difference"] > 0
                                    and verdict["p_value"] < verdict["alpha"])


def test_table_marks_the_best_model(tmp_path):
    result = invoke(["logreg", "--epochs", "1"], tmp_path)
    assert result.exit_code == 0, result.output + result.stderr
    out = result.stdout
    assert "keras:logreg" in out and "sklearn:logistic-regression" in out
    assert "★" in out and "best by accuracy" in out
    assert "fitting sklearn:logistic-regression" in result.stderr  # progress on stderr only
    assert "fitting" not in out


def test_regression_linreg_on_iris_sepal_to_petal_length(tmp_path):
    doc = run_json(["linreg", "--epochs", "3", "--baseline", "linear-regression",
                    "--baseline", "mlp"], tmp_path)
    assert doc["task"] == "regression" and doc["primary_metric"] == "rmse"
    assert doc["higher_is_better"] is False
    assert doc["dataset"]["feature_names"] == ["sepal_length"]
    assert doc["dataset"]["label"] == "petal_length"
    for m in doc["models"]:
        assert set(m["metrics"]) == {"rmse", "mae", "r2"}
        assert m["confusion_matrix"] is None
    linear = next(m for m in doc["models"] if m["name"] == "sklearn:linear-regression")
    assert linear["n_params"] == 2  # slope + intercept
    # the classic fit: petal length from sepal length explains ~3/4 of the variance
    assert 0.6 < linear["metrics"]["r2"]["mean"] < 0.95
    best = min(doc["models"], key=lambda m: m["metrics"]["rmse"]["mean"])
    assert best["best"] and doc["verdict"]["best"] == best["name"]
    assert doc["verdict"]["test"] == "paired bootstrap of the RMSE difference"
    verdict = doc["verdict"]
    assert len(verdict["p_values"]) == 1 and verdict["p_value"] == verdict["p_values"][0]
    assert verdict["separated"] is (verdict["difference"] > 0
                                    and verdict["p_value"] < verdict["alpha"])


def test_plot_has_bars_and_confusion_matrices(tmp_path):
    from PIL import Image

    png = tmp_path / "cmp.png"
    doc = run_json(["logreg", "--dataset", "digits", "--epochs", "1", "--plot-file", str(png)],
                   tmp_path)
    assert doc["files"]["plot_file"] == str(png)
    assert Path(doc["files"]["plot"]).parent == Path(doc["run_dir"])  # --plot-file implies --plot
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(png) as image:
        width, height = image.size
    assert width > 3 * height  # the bar chart and three confusion matrices side by side
    assert [m["name"] for m in doc["models"]] == [
        "keras:logreg", "sklearn:logistic-regression"]
    assert np.asarray(doc["models"][0]["confusion_matrix"]).shape == (10, 10)


@pytest.mark.parametrize("args, message", [
    (["logreg", "--baseline", "foo"], "--baseline foo: unknown baseline; choose one of"),
    (["cnn", "--dataset", "iris"], "model 'cnn' cannot train on dataset 'iris'"),
    (["logreg", "--baseline", "linear-regression"], "does regression only"),
    (["linreg", "--baseline", "logistic-regression"], "does classification only"),
    (["logreg", "--repeats", "0"], "--repeats 0"),
    (["logreg", "--epochs", "-1"], "'--epochs': -1 is not in the range x>=1"),
    (["logreg", "--plot-file", "x.jpg"], "--plot-file x.jpg"),
    (["mlp", "--param", "hiden=3"], "--param hiden=3"),
])
def test_bad_input_gives_one_line_and_exit_code_2(tmp_path, args, message):
    result = invoke(args, tmp_path)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_help_imports_nothing_heavy():
    import subprocess
    import sys

    probe = ("import sys\nfrom click.testing import CliRunner\nfrom kerascli.cli import cli\n"
             "r = CliRunner().invoke(cli, ['compare', '--help'])\n"
             "heavy = [m for m in ('numpy', 'pandas', 'sklearn', 'keras', 'tensorflow', "
             "'matplotlib') if m in sys.modules]\n"
             "print(r.exit_code, heavy, '--repeats' in r.output)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=120, check=True).stdout.strip()
    assert out == "0 [] True"


def test_csv_table_regression_with_label_and_features(tmp_path):
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=40), rng.normal(size=40)
    lines = ["x1,x2,note,y"] + [f"{a:.4f},{b:.4f},n,{2 * a - b + 0.01 * i:.4f}"
                                for i, (a, b) in enumerate(zip(x1, x2))]
    table = tmp_path / "t.csv"
    table.write_text("\n".join(lines) + "\n")
    doc = run_json(["linreg", "--dataset", str(table), "--label", "y", "--features", "x1,x2",
                    "--epochs", "2", "--baseline", "linear-regression"], tmp_path)
    assert doc["task"] == "regression" and doc["dataset"]["feature_names"] == ["x1", "x2"]
    linear = doc["models"][1]
    assert linear["n_params"] == 3 and linear["metrics"]["r2"]["mean"] > 0.99


def test_a_baseline_for_the_wrong_task_of_a_csv_is_refused_before_training(tmp_path):
    import datafiles

    table = datafiles.write_csv(tmp_path / "c.csv", rows=20)  # label: classes a/b
    result = invoke(["logreg", "--dataset", str(table), "--label", "label", "--features", "x1,x2",
                     "--baseline", "linear-regression"], tmp_path)
    assert result.exit_code == 2 and "does regression only" in result.stderr
    assert "training keras" not in result.stderr


def test_the_summary_line_names_every_model_of_a_three_way_tie(capsys):
    from kerascli.commands.compare import _print_table
    from test_comparing_core import (CompareResult, compare_config,
                                     predictions_entry, tiny_dataset)

    dataset = tiny_dataset(n=120)
    entries = [predictions_entry(n, w, truth=dataset.y_test, seeds=1)
               for n, w in (("a", [1]), ("b", [2]), ("c", [3]), ("d", [1, 2]))]
    _print_table(CompareResult(compare_config("logreg"), dataset, entries).to_dict())
    out = capsys.readouterr().out
    assert "accuracy: a, b and c tie" in out
    assert out.count("★") == 3


def test_the_plot_file_asked_for_is_the_one_named_on_stderr(tmp_path):
    png = tmp_path / "mine.png"
    result = invoke(["logreg", "--epochs", "1", "--plot-file", str(png)], tmp_path)
    assert result.exit_code == 0, result.output + result.stderr
    assert png.is_file()
    line = next(l for l in result.stderr.splitlines() if l.startswith("results: "))
    assert f"plot: {png} (and " in line and line.endswith("comparison.png)")
