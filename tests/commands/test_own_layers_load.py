"""kerascli's own registered layers (alexnet's LocalResponseNormalization) pass kerascli's
safety check in a fresh process, where kerascli is imported before Keras; unknown custom
classes are still refused."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

def _save_models(own_path, stranger_path):
    """The two models, saved in this process: only loading needs the fresh process (where
    kerascli is imported before Keras), so this spares a second TensorFlow start."""
    from kerascli.runtime import keras_module
    from kerascli.models.layers import LocalResponseNormalization
    keras = keras_module()

    @keras.saving.register_keras_serializable(package="someone")
    class Stranger(keras.layers.Layer):
        def call(self, x):
            return x

    def save(layer, path):
        model = keras.Sequential([keras.Input((4, 4, 2)), layer, keras.layers.Flatten(),
                                  keras.layers.Dense(3, activation="softmax")])
        model.save(path)

    try:
        save(LocalResponseNormalization(depth_radius=1), own_path)
        save(Stranger(), stranger_path)
    finally:  # forget the stranger again: no other test may resolve it
        keras.saving.get_custom_objects().pop("someone>Stranger", None)


LOAD = textwrap.dedent("""
    import json, sys, kerascli
    from kerascli import safety
    from kerascli.errors import DataError
    out = {}
    for path in sys.argv[1:]:
        try:
            safety.load_model(path)
            out[path] = "loaded"
        except DataError as exc:
            out[path] = str(exc)
    print(json.dumps(out))
""")


def _python(code, *args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_own_layer_passes_safety_check_in_fresh_process_and_strangers_do_not(tmp_path):
    own, stranger = tmp_path / "own.h5", tmp_path / "stranger.h5"
    _save_models(own, stranger)
    result = json.loads(_python(LOAD, own, stranger).strip().splitlines()[-1])
    assert result[str(own)] == "loaded"
    assert "refused" in result[str(stranger)] and "someone>Stranger" in result[str(stranger)]
