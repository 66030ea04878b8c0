"""Fixtures for the robustness tests: tiny saved models (a plain one, one with a Lambda layer,
one with an unknown custom layer, a weights-only HDF5 file) made once per session, and the
uninterrupted reference runs that the kill-and-resume tests compare with."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def model_files(tmp_path_factory):
    """Paths of small .h5 files built with Keras: ok (8x8x1 images -> 2 classes, in a run
    directory), lambda, custom, weights_only."""
    from kerascli import artifacts
    from kerascli.runtime import keras_module

    keras = keras_module()
    base = tmp_path_factory.mktemp("models")

    def small(*middle):
        return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), *middle,
                                 keras.layers.Dense(2, activation="softmax")])

    files = {"ok": base / "run" / "model.h5", "lambda": base / "lambda.h5",
             "custom": base / "custom.h5", "weights_only": base / "only.weights.h5"}
    artifacts.save_model_h5(small(), files["ok"])
    artifacts.save_model_h5(small(keras.layers.Lambda(lambda x: x * 2.0)), files["lambda"])

    @keras.saving.register_keras_serializable(package="untrusted")
    class Mystery(keras.layers.Layer):
        def call(self, x):
            return x

    artifacts.save_model_h5(small(Mystery()), files["custom"])
    # forget the class again: a file naming it must now be refused, not resolved
    keras.saving.get_custom_objects().pop("untrusted>Mystery", None)
    small().save_weights(files["weights_only"])
    return files


def run_cli(*args, env=None, cwd=None, timeout=120):
    """The real ``kerascli`` in a subprocess; returns CompletedProcess (text)."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "kerascli", *map(str, args)], capture_output=True,
                          text=True, env=full_env, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="session")
def uninterrupted_run(tmp_path_factory):
    """uninterrupted_run(*args) -> the --json payload of ``kerascli *args -o DIR`` in a real
    process, run once per session for each argument list: every kill-and-resume test (both
    files) compares with the same reference instead of starting its own TensorFlow process."""
    done = {}

    def run(*args):
        key = tuple(map(str, args))
        if key not in done:
            proc = run_cli(*key, "-o", tmp_path_factory.mktemp("full"),
                           env={"PYTHONPATH": str(ROOT)}, timeout=300)
            assert proc.returncode == 0, proc.stderr
            done[key] = json.loads(proc.stdout)
        return done[key]
    return run
