import base64
import html
import json
import re
import shlex

import pytest
from click.testing import CliRunner
from runfiles import make_compare_run, make_forecast_run, make_run

from kerascli.core import metrics
from kerascli.cli import cli


@pytest.fixture
def runs_dir(tmp_path):
    return tmp_path / "runs"


def invoke(*args):
    return CliRunner().invoke(cli, ["runs", *map(str, args)])


Y = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]
A = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]  # all right
B = [0, 1, 2, 1, 2, 0, 1, 2, 0, 1, 1, 2]  # 5 right, 7 wrong


def test_two_classifiers_on_the_same_rows_get_mcnemars_exact_test(runs_dir):
    a = make_run(runs_dir, "a", model="mlp", params={"dropout": 0.1}, predictions=zip(Y, A))
    b = make_run(runs_dir, "b", model="mlp", params={"dropout": 0.5}, predictions=zip(Y, B))
    result = invoke("compare", a, b, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["config"] == {"dropout": [0.1, 0.5]}  # differences only
    assert doc["test"]["p_value"] == pytest.approx(metrics.mcnemar(Y, A, B))
    assert doc["test"]["correct"] == {a.name: 12, b.name: 5}
    full = json.loads(invoke("compare", a, b, "--json", "--all").output)
    assert "epochs" in full["config"] and "model" in full["config"]


def test_a_compare_runs_keras_model_is_paired_with_a_train_run_on_the_same_rows(runs_dir):
    # compare keeps its Keras model's test predictions in keras/, beside its results.json
    a = make_run(runs_dir, "a", model="mlp", predictions=zip(Y, A))
    b = make_compare_run(runs_dir, "b", predictions=zip(Y, B))
    doc = json.loads(invoke("compare", a, b, "--json").output)
    assert doc["test"]["p_value"] == pytest.approx(metrics.mcnemar(Y, A, B))
    assert doc["test"]["correct"] == {a.name: 12, b.name: 5}


def test_runs_scored_on_different_test_rows_are_refused_in_one_line(runs_dir):
    a = make_run(runs_dir, "a", predictions=zip(Y, A), test_rows="rows-1")
    b = make_run(runs_dir, "b", predictions=zip(Y, B), test_rows="rows-2", split_seed=7)
    result = invoke("compare", a, b)
    assert result.exit_code == 2
    assert "not comparable" in result.output and "different test rows" in result.output
    assert "split seed 42 vs 7" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_compare_plot_overlays_learning_curves_in_one_png(runs_dir, tmp_path):
    a, b = make_run(runs_dir, "a"), make_run(runs_dir, "b", learning_rate=0.5)
    png = tmp_path / "curves.png"
    result = invoke("compare", a, b, "--plot-file", png)
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "learning_rate" in result.output


def test_compare_of_an_unreadable_run_is_one_line(runs_dir):
    a = make_run(runs_dir, "a")
    b = make_run(runs_dir, "b")
    (b / "config.json").write_text("{")
    result = invoke("compare", a, b)
    assert result.exit_code == 2 and "cannot be read" in result.output


def test_report_of_a_compare_run_has_its_keras_models_per_class_scores(runs_dir):
    run = make_compare_run(runs_dir, "c", predictions=zip(Y, B))
    assert invoke("report", run).exit_code == 0
    page = (run / "report.html").read_text()
    assert "Per-class scores" in page and "virginica" in page and "Learning curves" in page


def test_report_is_one_self_contained_html_page(runs_dir):
    a = make_run(runs_dir, "a", model="mlp", predictions=zip(Y, B))
    (a / "skipped.txt").write_text("cats/x.jpg\tnot an image\n")
    result = invoke("report", a)
    assert result.exit_code == 0, result.output
    page = (a / "report.html").read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # no network
    for words in ("kerascli train mlp", "Per-class scores", "versicolor", "Skipped files",
                  "cats/x.jpg", "Versions", "sha256", "data:image/png;base64,"):
        assert words in page, words
    png = page.split("data:image/png;base64,")[1].split('"')[0]
    assert base64.b64decode(png)[:4] == b"\x89PNG"


def test_the_report_names_a_command_line_the_cli_takes_that_remakes_the_run(runs_dir):
    train = make_run(runs_dir, "t", model="mlp", params={"dropout": 0.25, "hidden": [8, 4]},
                     learning_rate=0.003, plot=True)
    forecast = make_forecast_run(runs_dir, "f", steps=3)
    lines = {}
    for run in (train, forecast):
        assert invoke("report", run).exit_code == 0
        line = re.search(r"<code id='command'>(.*?)</code>", (run / "report.html").read_text())
        lines[run] = html.unescape(line.group(1))
    assert lines[train] == ("kerascli train mlp --dataset iris --epochs 3 --batch-size 16 "
                            "--learning-rate 0.003 --optimizer adam --hidden 8,4 --dropout 0.25")
    assert lines[forecast].startswith(f"kerascli forecast {runs_dir.parent / 'airline.csv'} ")
    assert "--horizon 3" in lines[forecast] and "lag_scores" not in lines[forecast]
    for line in lines.values():  # every word parses (--help: no training)
        words = shlex.split(line)[1:] + ["--help"]
        parsed = CliRunner().invoke(cli, words)
        assert parsed.exit_code == 0, (line, parsed.output)
