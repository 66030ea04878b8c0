"""``--tensorboard DIR``: installed with kerascli, and it writes the loss curve, the model graph
and (image models) predicted test images; without the package it is one line before training."""
import csv
import json
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from kerascli.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def read_events(folder):
    """{tag: [(step, value or None)]} and the kinds of records in ``folder``'s event files."""
    from tensorboard.backend.event_processing import event_accumulator

    acc = event_accumulator.EventAccumulator(str(folder), size_guidance={"images": 0,
                                                                          "tensors": 0})
    acc.Reload()
    return acc


def scalar_values(acc, tag):
    import tensorflow as tf
    return [(e.step, float(tf.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]


def test_tensorboard_is_a_dependency_of_kerascli():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.split(">")[0].split("=")[0].strip() == "tensorboard" for d in deps), deps


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_tensorboard_logs_the_loss_curve_graph_and_predicted_test_images(tmp_path, mnist_files):
    logs = tmp_path / "tb"
    result = invoke("train", "cnn", "--dataset", "mnist", "--epochs", "2", "--out",
                    tmp_path / "runs", "--tensorboard", logs, "--json")
    assert result.exit_code == 0, result.output
    run_dir = Path(json.loads(result.stdout)["run_dir"])
    with open(run_dir / "history.csv", newline="") as f:
        history = [float(row["loss"]) for row in csv.DictReader(f)]
    train = read_events(logs / "train")
    losses = scalar_values(train, "epoch_loss")
    assert [step for step, _ in losses] == [0, 1]  # one point per epoch: the loss curve
    assert [v for _, v in losses] == pytest.approx(history, rel=1e-5)
    assert train.Graph() is not None  # the model graph, under TensorBoard's Graphs
    assert scalar_values(read_events(logs / "validation"), "epoch_loss")
    images = read_events(logs / "images").Tensors("test_predictions")
    assert [e.step for e in images] == [0, 1]
    png = images[-1].tensor_proto.string_val[2]  # (width, height, PNG bytes)
    assert png.startswith(b"\x89PNG")


def test_tensorboard_on_a_table_writes_scalars_without_images(tmp_path):
    logs = tmp_path / "tb"
    result = invoke("train", "logreg", "--epochs", "3", "--out", tmp_path / "runs",
                    "--tensorboard", logs, "--json")
    assert result.exit_code == 0, result.output
    assert len(scalar_values(read_events(logs / "train"), "epoch_accuracy")) == 3
    assert not (logs / "images").exists()


def test_missing_tensorboard_is_one_line_before_training(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # as on an install without it
    result = invoke("train", "logreg", "--epochs", "2", "--out", tmp_path / "runs",
                    "--tensorboard", tmp_path / "tb")
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "pip install tensorboard" in lines[-1] and "Traceback" not in result.output
    assert "epoch 1/2" not in result.stderr  # refused before any training
    assert not (tmp_path / "tb").exists()
