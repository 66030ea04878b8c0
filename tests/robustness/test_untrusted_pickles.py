"""Nothing unpickles untrusted data: a live payload fed to every loader of a pickle-capable
format runs nowhere.

The payload, when unpickled (or, for the Lambda model, when deserialized), writes a marker
file. Each case first proves the payload is live (a plain ``pickle.loads`` /
``np.load(allow_pickle=True)`` / ``--unsafe`` load does write the marker), then feeds it to
kerascli's loaders through the CLI: CIFAR-10 python batches (data batches and batches.meta),
mnist.npz with object arrays (Keras' cache), and .h5 models (a pickled blob stored in the
file, a Lambda layer's code). The marker must not appear; refusals are one line, exit 2.
"""
import pickle

import numpy as np
import pytest
from click.testing import CliRunner

import datafiles
from kerascli.cli import cli


class Payload:
    """Unpickling this runs ``exec``: it writes ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _one_error_line(result):
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    return errors[0]


@pytest.fixture
def marker(tmp_path):
    return tmp_path / "payload-ran"


def _live(marker, load):
    load()
    assert marker.read_text() == "ran", "the payload must be live for the test to mean anything"
    marker.unlink()


@pytest.mark.parametrize("member", ["data_batch_1", "test_batch", "batches.meta"])
def test_cifar_python_batch_with_a_payload_runs_nothing(member, marker, data_dir, tmp_path):
    folder = data_dir / "cifar10" / "cifar-10-batches-py"
    datafiles.write_cifar_py_dir(folder)
    blob = pickle.dumps({b"data": Payload(marker), b"labels": [0],
                         b"label_names": Payload(marker)}, protocol=2)
    _live(marker, lambda: pickle.loads(blob))
    (folder / member).write_bytes(blob)

    line = _one_error_line(invoke("train", "cnn", "-d", "cifar10", "-e", "1",
                                  "-o", tmp_path / "runs"))
    assert member in line and "refusing to unpickle" in line
    assert invoke("datasets", "--json").exit_code == 0  # the listing checks the batches too
    assert not marker.exists()


def test_mnist_npz_with_object_arrays_runs_nothing(marker, keras_datasets, tmp_path):
    path = keras_datasets / "mnist.npz"
    evil = np.array([Payload(marker)], dtype=object)
    np.savez(path, x_train=evil, y_train=evil, x_test=evil, y_test=evil)  # pickled inside
    _live(marker, lambda: np.load(path, allow_pickle=True)["x_train"])

    line = _one_error_line(invoke("train", "mlp", "-d", "mnist", "-e", "1",
                                  "-o", tmp_path / "runs"))
    assert "mnist.npz" in line
    assert invoke("datasets", "--json").exit_code == 0
    assert not marker.exists()


def test_h5_model_holding_a_pickled_object_array_runs_nothing(marker, model_files, tmp_path):
    import h5py
    path = tmp_path / "model.h5"
    path.write_bytes(model_files["ok"].read_bytes())
    blob = pickle.dumps(np.array([Payload(marker)], dtype=object))
    _live(marker, lambda: pickle.loads(blob))
    with h5py.File(path, "a") as f:  # where a naive loader might unpickle from
        f.create_dataset("payload", data=np.void(blob))
        f.attrs["payload"] = np.void(blob)
        f["model_weights"].attrs["payload"] = np.void(blob)
    image = tmp_path / "x.png"
    from PIL import Image
    Image.fromarray(np.zeros((8, 8), dtype=np.uint8)).save(image)

    result = invoke("predict", path, image)
    assert result.exit_code == 0, result.output  # a readable model: loads, predicts
    assert not marker.exists()


def test_h5_model_with_a_lambda_layer_runs_nothing_unless_unsafe(marker, tmp_path):
    from kerascli import artifacts
    from kerascli.runtime import keras_module

    keras = keras_module()
    code = f"open({str(marker)!r}, 'w').write('ran')"
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Lambda(lambda x: (exec(code), x)[1]),
                              keras.layers.Dense(2, activation="softmax")])
    marker.unlink(missing_ok=True)  # building the model ran it once, here
    path = artifacts.save_model_h5(model, tmp_path / "lambda.h5")

    line = _one_error_line(invoke("evaluate", path, "--dataset", "digits"))
    assert "lambda.h5" in line and "--unsafe" in line
    assert not marker.exists()
    # the control: trusting the file does run its code
    invoke("evaluate", path, "--dataset", "digits", "--unsafe")
    assert marker.exists()
