"""--strategy / --precision / --jit through `kerascli train`: recorded, refused, distributed."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from kerascli.cli import cli


def _run_dir(out):
    (run,) = [p for p in Path(out).iterdir() if p.is_dir()]
    return run


def test_train_records_resolved_strategy_precision_and_jit(tmp_path):
    result = CliRunner().invoke(cli, ["train", "logreg", "--dataset", "digits", "--epochs", "1",
                                      "--no-jit", "--strategy", "default", "--json",
                                      "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    record = json.loads((_run_dir(tmp_path) / "config.json").read_text())
    assert record["config"]["strategy"] == "default" and record["config"]["jit"] is False
    runtime = record["runtime"]
    assert runtime["strategy"] == "default" and runtime["replicas"] == 1
    assert runtime["precision"] == "float32" and runtime["dtype_policy"] == "float32"
    assert runtime["jit_compile"] is False and runtime["training_loop"] == "fit"
    assert runtime["steps_per_execution"] == 8


def test_mixed_precision_is_refused_without_a_gpu(tmp_path):
    from kerascli.runtime import keras_module
    keras_module()
    import tensorflow as tf
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is visible: mixed precision is allowed here")
    result = CliRunner().invoke(cli, ["train", "mlp", "--dataset", "digits", "--precision", "mixed",
                                      "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "--precision mixed" in result.output and "float32" in result.output
    assert "Traceback" not in result.output
    assert not any(tmp_path.iterdir())  # refused before a run directory is made


def test_jit_with_multiworker_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["train", "mlp", "--dataset", "digits", "--jit",
                                      "--strategy", "multiworker", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "--jit" in result.output and "multiworker" in result.output


def test_unknown_strategy_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["train", "mlp", "--strategy", "tpu", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "--strategy" in result.output


MIRRORED = textwrap.dedent("""
    import json, sys
    from kerascli.runtime import keras_module
    keras_module()
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import numpy as np
    from kerascli import datasets
    from kerascli.core import config as core_config, devices as core_devices, fit as core_fit
    rng = np.random.default_rng(0)
    def images(n):
        y = rng.integers(0, 3, n)
        x = (rng.integers(0, 60, (n, 8, 8, 1)) + 60 * y[:, None, None, None]).astype("uint8")
        return x, y
    # odd sizes on purpose: batches that split unevenly across the two replicas used to fail
    (xt, yt), (xs, ys) = images(33), images(31)
    ds = datasets.Dataset(name="tiny", task="classification", kind="image", x_train=xt, y_train=yt,
                          x_test=xs, y_test=ys, input_shape=(8, 8, 1), source="generated",
                          class_names=("a", "b", "c"))
    cfg = core_config.make_config("cifar", "digits", epochs=3, batch_size=16, out=None,
                               strategy="mirrored", params={"augment": "none"})
    result = core_fit.train(cfg, ds, run_dir=sys.argv[1], quiet=True)
    bn = [l for l in result.model.layers if type(l).__name__ == "BatchNormalization"]
    # each variable's copy on each replica (a MirroredVariable's .values)
    copies = [[np.asarray(c) for c in v.value.values] for v in result.model.variables]
    print(json.dumps({"metrics": result.metrics, "synchronized": [l.synchronized for l in bn],
                      "epochs": result.epochs_run, "loss": result.history["loss"],
                      "copies": min(len(c) for c in copies),
                      "replicas_equal": all(np.array_equal(c[0], other)
                                            for c in copies for other in c[1:])}))
""")


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_mirrored_strategy_trains_over_two_logical_cpus(tmp_path):
    run = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-c", MIRRORED, str(run)], capture_output=True, text=True,
                          timeout=180, env=os.environ | {"CUDA_VISIBLE_DEVICES": ""})
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["epochs"] == 3
    assert out["copies"] == 2 and out["replicas_equal"]  # both replicas hold the same weights
    assert out["loss"][0] > out["loss"][1] > out["loss"][2]  # and they learned together
    assert out["synchronized"] == [True]  # replicas agree on batch-norm statistics
    runtime = json.loads((run / "config.json").read_text())["runtime"]
    assert runtime["strategy"] == "mirrored" and runtime["replicas"] == 2
    assert runtime["steps_per_execution"] == 1  # several steps per call break under Mirrored
    from kerascli.runtime import keras_module
    import kerascli.models.layers  # noqa: F401  (custom layers, if any)
    model = keras_module().models.load_model(run / "model.h5", compile=False)
    assert model.output_shape == (None, 3)


@pytest.mark.slow
def test_two_multiworker_cli_processes_train_one_model(tmp_path, free_ports):
    """Two `kerascli train --strategy multiworker` processes form one cluster (TF_CONFIG on
    127.0.0.1); the chief writes the run, the other worker only a scratch copy we keep here to
    compare: identical weights, identical metrics. And the pair trains the model one worker
    alone trains with the same global batch (--batch-size is global), to float tolerance."""
    ports = free_ports(2)
    cluster = [f"127.0.0.1:{p}" for p in ports]
    single = subprocess.Popen(
        [sys.executable, "-m", "kerascli.cli", "train", "mlp", "--dataset", "digits", "--epochs",
         "2", "--dropout", "0", "--strategy", "multiworker", "--json", "-o",
         str(tmp_path / "single")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if k != "TF_CONFIG"} | {"CUDA_VISIBLE_DEVICES": ""})
    procs = []
    for index in range(2):
        env = os.environ | {
            "TF_CONFIG": json.dumps({"cluster": {"worker": cluster},
                                     "task": {"type": "worker", "index": index}}),
            "KERASCLI_WORKER_DIR": str(tmp_path / f"scratch{index}"),
            "CUDA_VISIBLE_DEVICES": ""}
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "kerascli.cli", "train", "mlp", "--dataset", "digits",
             "--epochs", "2", "--dropout", "0",  # dropout masks are drawn per replica
             "--strategy", "multiworker", "--json", "-o", str(tmp_path / f"out{index}")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    outputs = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail("multi-worker training did not finish in 240 s")
        assert p.returncode == 0, err[-3000:]
        outputs.append(json.loads(out))
    chief_run = _run_dir(tmp_path / "out0")
    assert not (tmp_path / "out1").exists()  # the non-chief wrote no run directory
    assert outputs[0]["metrics"] == outputs[1]["metrics"]
    runtime = json.loads((chief_run / "config.json").read_text())["runtime"]
    assert runtime["strategy"] == "multiworker" and runtime["replicas"] == 2
    import numpy as np
    from kerascli.runtime import keras_module
    keras = keras_module()
    chief = keras.models.load_model(chief_run / "model.h5", compile=False)
    other = keras.models.load_model(tmp_path / "scratch1" / "model.h5", compile=False)
    for a, b in zip(chief.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert outputs[0]["metrics"]["accuracy"] > 0.8  # they learned the digits together

    out, err = single.communicate(timeout=240)
    assert single.returncode == 0, err[-3000:]
    alone = json.loads(out)
    single_run = _run_dir(tmp_path / "single")
    assert json.loads((single_run / "config.json").read_text())["runtime"]["replicas"] == 1
    # the same steps on the same examples: losses agree to float noise (measured here: 5e-8
    # relative on the training loss, 1.3e-4 on val_loss; dropout alone moved epoch 1's loss
    # by 1.2e-3); a test sample near the boundary may flip, hence abs=1/360 on the metrics
    import csv
    pair, one = ([{k: float(v) for k, v in row.items()}
                  for row in csv.DictReader((run / "history.csv").open())]
                 for run in (chief_run, single_run))
    assert len(pair) == len(one) == 2
    for a, b in zip(pair, one):
        for key in ("loss", "val_loss"):
            assert a[key] == pytest.approx(b[key], rel=5e-4), key
    for name, value in alone["metrics"].items():
        assert outputs[0]["metrics"][name] == pytest.approx(value, rel=1e-3, abs=1 / 360), name


@pytest.mark.parametrize("capability,policy", [((9, 0), "mixed_bfloat16"), ((8, 0), "mixed_bfloat16"),
                                               ((7, 5), "mixed_float16"), ((6, 1), None)])
def test_mixed_precision_policy_follows_the_gpu_compute_capability(monkeypatch, capability, policy):
    from kerascli.core import config as core_config, devices as core_devices, fit as core_fit
    from kerascli.errors import UserError
    from kerascli.runtime import keras_module
    keras_module()
    import tensorflow as tf
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: ["gpu0"])
    monkeypatch.setattr(tf.config.experimental, "get_device_details",
                        lambda device: {"compute_capability": capability})
    if policy is None:
        with pytest.raises(UserError, match="7.0 or newer"):
            core_devices.mixed_policy()
    else:
        assert core_devices.mixed_policy() == policy


def test_mixed_policy_model_computes_in_half_precision_and_outputs_float32():
    import numpy as np
    from kerascli import datasets
    from kerascli.core import config as core_config, devices as core_devices, fit as core_fit
    from kerascli.runtime import keras_module
    keras = keras_module()
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 255, (8, 6, 6, 1)).astype("uint8"), rng.integers(0, 2, 8)
    ds = datasets.Dataset(name="tiny", task="classification", kind="image", x_train=x, y_train=y,
                          x_test=x, y_test=y, input_shape=(6, 6, 1), source="generated",
                          class_names=("a", "b"))
    cfg = core_config.make_config("cnn", "digits", out=None)
    run = core_devices.Runtime(strategy=None, strategy_name="default", replicas=1,
                           policy="mixed_bfloat16", custom_loop=False, chief=True)
    model = core_fit.build_for_runtime(cfg, ds, run, x, y)
    assert keras.mixed_precision.global_policy().name == "float32"  # restored after building
    conv = next(l for l in model.layers if "conv" in l.name)
    assert conv.compute_dtype == "bfloat16" and conv.variable_dtype == "float32"
    assert model(x).dtype == "float32" and model.layers[-1].name == "output_float32"
    record = run.record(model)
    assert record["precision"] == "mixed" and record["dtype_policy"] == "mixed_bfloat16"
