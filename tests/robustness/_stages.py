"""Run the real kerascli with one stage made visible, for the Ctrl-C latency tests.

    python tests/robustness/_stages.py STAGE [kerascli arguments ...]

When the process enters STAGE it writes ``STAGE <name>`` to file descriptor 2, so a test can
send SIGINT at that very moment. The stages:

* ``import``: just before TensorFlow/Keras are imported (a 3-4 s import, C extensions loading).
* ``loading``: the dataset is being loaded (held there, as a large dataset would hold it).
* ``tracing``: fit() begins; the first call traces and compiles the training graph.
* ``epoch``: the first graph call (8 training steps) is done, the next one runs in C.
* ``scoring``: the test set is being predicted (held there, as a large test set would).
* ``backup``: epoch 3's backup is half-written (its weights saved, its epoch count not yet)
  and held there, so a test can kill the process inside the save window.
* ``saving``: model.h5 is being written (held inside the atomic save); the clean-up that
  follows is made slow too, so a second Ctrl-C can land inside it.
* ``history``: epoch 3's ``history.partial.json`` is half-written (its temporary file full,
  not yet renamed) and held there.
* ``trained``: the last epoch and its backup are done (``on_train_end``), nothing final is
  written yet.
* ``metrics``: metrics.json is written, history.csv and model.h5 are not.
* ``completing``: model.h5 is written and INCOMPLETE removed; the backups are not yet deleted.

And a full disk at one moment (``KERASCLI_TEST_FILL`` names a file on a small disk, which
is then grown until the disk is full, just before that write):

* ``full-backup``: epoch 3's backup; ``full-metrics``: metrics.json; ``full-model``: model.h5.

Only this test helper changes timing; kerascli itself runs unmodified.
"""
import json
import os
import sys
import time

HOLD = 120  # seconds a held stage would last: far longer than any test waits


def say(stage):
    os.write(2, f"STAGE {stage}\n".encode())


def install(stage):
    from kerascli import runtime

    if stage == "import":
        real_keras = runtime.keras_module

        def keras_module():
            if "tensorflow" not in sys.modules:
                say("import")
            return real_keras()
        runtime.keras_module = keras_module

    if stage == "loading":
        from kerascli.core import data
        real_load = data.load_data

        def load_data(*args, **kwargs):
            say("loading")
            time.sleep(HOLD)
            return real_load(*args, **kwargs)
        data.load_data = load_data

    if stage in ("tracing", "epoch"):
        from kerascli.core import fit
        real_fit = fit._fit

        def _fit(cfg, run, model, x_fit, y_fit, validation, callbacks, *rest):
            keras = runtime.keras_module()

            class Say(keras.callbacks.Callback):
                def on_train_begin(self, logs=None):
                    if stage == "tracing":
                        say("tracing")

                def on_train_batch_end(self, batch, logs=None):
                    if stage == "epoch" and batch == 7:  # one graph call of 8 steps done
                        say("epoch")
            return real_fit(cfg, run, model, x_fit, y_fit, validation, [*callbacks, Say()], *rest)
        fit._fit = _fit

    if stage == "scoring":
        from kerascli.core import metrics
        real_predict = metrics.predict_outputs

        def predict_outputs(*args, **kwargs):
            say("scoring")
            time.sleep(HOLD)
            return real_predict(*args, **kwargs)
        metrics.predict_outputs = predict_outputs

    if stage == "backup":
        from kerascli import artifacts
        real_write_json = artifacts.write_json

        def write_json(path, obj):
            if path.name == "training_metadata.json" and obj.get("epoch") == 3:
                say("backup")
                time.sleep(HOLD)
            return real_write_json(path, obj)
        artifacts.write_json = write_json

    if stage == "saving":
        from kerascli.core import rundir
        keras = runtime.keras_module()
        real_save = keras.Model.save

        def save(self, filepath, *args, **kwargs):  # into artifacts' temporary file
            real_save(self, filepath, *args, **kwargs)
            say("saving")
            time.sleep(HOLD)
        keras.Model.save = save
        real_mark = rundir.RunDir.mark

        def mark(self, reason):
            if reason != "running":
                say("cleaning up")
                time.sleep(0.5)  # a slow disk: the second Ctrl-C arrives now
            return real_mark(self, reason)
        rundir.RunDir.mark = mark


    if stage == "history":
        from kerascli import artifacts
        real_write_bytes = artifacts.write_bytes

        def write_bytes(path, data):
            if path.name == "history.partial.json" and len(json.loads(data)["loss"]) == 3:
                with artifacts.atomic_path(path) as tmp:
                    tmp.write_bytes(data)
                    say("history")
                    time.sleep(HOLD)
            return real_write_bytes(path, data)
        artifacts.write_bytes = write_bytes

    if stage == "trained":
        from kerascli.core import fit
        real_fit = fit._fit

        def _fit(*args, **kwargs):
            history = real_fit(*args, **kwargs)
            say("trained")
            time.sleep(HOLD)
            return history
        fit._fit = _fit

    if stage == "metrics":
        from kerascli.core import rundir
        real_history = rundir.RunDir.write_history

        def write_history(self, history):
            say("metrics")
            time.sleep(HOLD)
            return real_history(self, history)
        rundir.RunDir.write_history = write_history

    if stage == "completing":
        import shutil
        from kerascli.core import rundir
        real_rmtree = shutil.rmtree

        def rmtree(path, *args, **kwargs):
            if os.path.basename(str(path)) == "backup" and not os.path.exists(
                    os.path.join(os.path.dirname(str(path)), "INCOMPLETE")):
                say("completing")
                time.sleep(HOLD)
            return real_rmtree(path, *args, **kwargs)
        rundir.shutil.rmtree = rmtree

    if stage.startswith("full-"):
        from kerascli import artifacts
        keras = runtime.keras_module()
        if stage == "full-backup":
            real_save_weights = keras.Model.save_weights

            def save_weights(self, filepath, *args, **kwargs):
                if "epoch-000003" in str(filepath):
                    fill_disk()
                return real_save_weights(self, filepath, *args, **kwargs)
            keras.Model.save_weights = save_weights
        if stage == "full-metrics":
            real_write_json = artifacts.write_json

            def write_json(path, obj):
                if path.name == "metrics.json":
                    fill_disk()
                return real_write_json(path, obj)
            artifacts.write_json = write_json
        if stage == "full-model":
            real_save_model = artifacts.save_model_h5

            def save_model_h5(model, path, facts=None):
                fill_disk()
                return real_save_model(model, path, facts=facts)
            artifacts.save_model_h5 = save_model_h5


def fill_disk():
    """Grow the file ``KERASCLI_TEST_FILL`` names until its disk is full."""
    say("disk full")
    with open(os.environ["KERASCLI_TEST_FILL"], "ab", buffering=0) as f:
        for size in (65536, 4096, 1):  # big steps, then the last few bytes too
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                pass


if __name__ == "__main__":
    install(sys.argv[1])
    sys.argv = ["kerascli", *sys.argv[2:]]
    from kerascli.cli import main
    main()
