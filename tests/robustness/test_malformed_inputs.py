"""Bad input everywhere: each malformed dataset, CSV, image, saved model or option value ends
with exit code 2 and one line on stderr naming the file or option and the defect -- never a
traceback. The files are tiny but in their real formats (tests/datafiles.py)."""
import gzip
import struct

import numpy as np
import pytest
from click.testing import CliRunner

import datafiles
from kerascli.cli import cli

IDX_TRAIN_IMAGES = "train-images-idx3-ubyte"
IDX_TRAIN_LABELS = "train-labels-idx1-ubyte"


# ---------------------------------------------------------------- case builders
# each returns the CLI arguments; ``ctx`` has tmp (a folder), data (KERASCLI_DATA_DIR), models

def _mnist(ctx, name, data):
    datafiles.write_idx_dir(ctx["data"] / "mnist", compress=False)
    (ctx["data"] / "mnist" / name).write_bytes(data)
    return ["train", "mlp", "-d", "mnist", "-e", "1", "-o", ctx["tmp"] / "runs"]


def idx_bad_magic(ctx):
    return _mnist(ctx, IDX_TRAIN_IMAGES, struct.pack(">IIII", 0x0BAD, 20, 28, 28) + bytes(20 * 784))


def idx_bad_dims(ctx):
    return _mnist(ctx, IDX_TRAIN_IMAGES, struct.pack(">IIII", 0x803, 20, 27, 28) + bytes(20 * 756))


def idx_truncated(ctx):
    return _mnist(ctx, IDX_TRAIN_IMAGES, struct.pack(">IIII", 0x803, 20, 28, 28) + bytes(1000))


def idx_header_only_fragment(ctx):
    return _mnist(ctx, IDX_TRAIN_IMAGES, b"\x00\x00\x08")


def idx_count_mismatch(ctx):
    return _mnist(ctx, IDX_TRAIN_LABELS, datafiles.idx_labels_bytes(np.arange(19) % 10))


def idx_label_range(ctx):
    return _mnist(ctx, IDX_TRAIN_LABELS, datafiles.idx_labels_bytes(np.full(20, 42)))


def idx_gzip_corrupt(ctx):
    datafiles.write_idx_dir(ctx["data"] / "mnist")
    path = ctx["data"] / "mnist" / (IDX_TRAIN_IMAGES + ".gz")
    path.write_bytes(path.read_bytes()[:200])
    return ["train", "mlp", "-d", "mnist", "-e", "1", "-o", ctx["tmp"] / "runs"]


def idx_not_gzip(ctx):
    datafiles.write_idx_dir(ctx["data"] / "mnist")
    (ctx["data"] / "mnist" / (IDX_TRAIN_LABELS + ".gz")).write_bytes(b"plain text, not gzip")
    return ["train", "mlp", "-d", "mnist", "-e", "1", "-o", ctx["tmp"] / "runs"]


def _cifar(ctx, name, data):
    folder = ctx["data"] / "cifar10" / "cifar-10-batches-bin"
    datafiles.write_cifar_bin_dir(folder)
    (folder / name).write_bytes(data)
    return ["train", "cifar", "-d", "cifar10", "-e", "1", "-o", ctx["tmp"] / "runs"]


def cifar_record_size(ctx):
    return _cifar(ctx, "data_batch_2.bin", bytes(3073 * 2 + 100))


def cifar_label_range(ctx):
    return _cifar(ctx, "test_batch.bin", bytes([11]) + bytes(3072))


def cifar_pickle_with_code(ctx):
    import pickle
    folder = ctx["data"] / "cifar10" / "cifar-10-batches-py"
    datafiles.write_cifar_py_dir(folder)

    class Evil:
        def __reduce__(self):
            return (print, ("this must never run",))
    (folder / "data_batch_1").write_bytes(pickle.dumps({b"data": Evil()}, protocol=2))
    return ["train", "cifar", "-d", "cifar10", "-e", "1", "-o", ctx["tmp"] / "runs"]


def image_undecodable(ctx):
    # one undecodable file is skipped (and listed); a class with nothing decodable is refused
    root = datafiles.write_image_folder(ctx["tmp"] / "photos")
    for path in (root / "cat").iterdir():
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    return ["train", "cnn", "-d", root, "-e", "1", "--image-size", "16", "-o", ctx["tmp"] / "runs"]


def image_empty_class(ctx):
    root = datafiles.write_image_folder(ctx["tmp"] / "photos")
    (root / "bird").mkdir()
    return ["train", "cnn", "-d", root, "-e", "1", "--image-size", "16", "-o", ctx["tmp"] / "runs"]


def image_one_class(ctx):
    root = datafiles.write_image_folder(ctx["tmp"] / "photos", classes=("cat",))
    return ["train", "cnn", "-d", root, "-e", "1", "--image-size", "16", "-o", ctx["tmp"] / "runs"]


def image_no_subfolders(ctx):
    (ctx["tmp"] / "flat").mkdir()
    (ctx["tmp"] / "flat" / "a.txt").write_text("x")
    return ["train", "cnn", "-d", ctx["tmp"] / "flat", "-e", "1", "-o", ctx["tmp"] / "runs"]


def _csv(ctx, text, *extra, name="t.csv", model="mlp", encoding="utf-8"):
    path = ctx["tmp"] / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return ["train", model, "-d", path, "-e", "1", "-o", ctx["tmp"] / "runs", *extra]


TABLE = "a,b,label\n" + "".join(f"{i},{i % 3},{'x' if i % 2 else 'y'}\n" for i in range(20))


def csv_missing_label(ctx):
    return _csv(ctx, TABLE, "--label", "price")


def csv_missing_feature(ctx):
    return _csv(ctx, TABLE, "--label", "label", "--features", "a,zz")


def csv_non_numeric(ctx):
    return _csv(ctx, TABLE.replace("\n4,1,", "\nfour,1,"), "--label", "label")


def csv_empty_file(ctx):
    return _csv(ctx, "", "--label", "label")


def csv_header_only(ctx):
    return _csv(ctx, "a,b,label\n", "--label", "label")


def csv_all_null_column(ctx):
    text = "a,b,label\n" + "".join(f"{i},,{'x' if i % 2 else 'y'}\n" for i in range(20))
    return _csv(ctx, text, "--label", "label")


def csv_utf16(ctx):
    return _csv(ctx, TABLE, "--label", "label", encoding="utf-16")


def csv_binary(ctx):
    return _csv(ctx, bytes(range(256)) * 4, "--label", "label")


def csv_no_label_given(ctx):
    return _csv(ctx, TABLE)


def csv_text_target_for_regression(ctx):
    return _csv(ctx, TABLE, "--label", "label", model="linreg")


def csv_series_too_short(ctx):
    text = "Date,Close\n" + "".join(f"2020-01-{d:02d},{100 + d}\n" for d in range(1, 12))
    return _csv(ctx, text, name="short.csv", model="lstm")


def _forecast(ctx, text, *extra, encoding="utf-8"):
    path = ctx["tmp"] / "series.csv"
    path.write_bytes(text.encode(encoding))
    return ["forecast", path, "--epochs", "1", "--out", ctx["tmp"] / "runs", "--no-plot", *extra]


SERIES = "Date,Close,Name\n" + "".join(
    f"2020-{1 + d // 28:02d}-{1 + d % 28:02d},{100 + d % 7},n\n" for d in range(150))


def forecast_too_short(ctx):
    return _forecast(ctx, "Date,Close\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n")


def forecast_missing_column(ctx):
    return _forecast(ctx, SERIES, "--column", "Volume")


def forecast_text_column(ctx):
    return _forecast(ctx, SERIES, "--column", "Name")


def forecast_empty_file(ctx):
    return _forecast(ctx, "")


def forecast_all_null(ctx):
    return _forecast(ctx, "Date,Close\n" + "".join(f"2020-01-{d:02d},\n" for d in range(1, 29)))


def forecast_bom_then_garbage(ctx):
    return _forecast(ctx, "\ufeff" + "\x00\x01\x02 not a table")


def forecast_missing_file(ctx):
    return ["forecast", ctx["tmp"] / "nope.csv", "--out", ctx["tmp"] / "runs"]


def forecast_bad_test_size(ctx):
    return ["forecast", "--test-size", "1.5", "--out", ctx["tmp"] / "runs"]


def predict_not_an_image(ctx):
    (ctx["tmp"] / "note.png").write_text("hello, I am text")
    return ["predict", ctx["models"]["ok"], ctx["tmp"] / "note.png"]


def predict_zero_bytes(ctx):
    (ctx["tmp"] / "empty.jpg").write_bytes(b"")
    return ["predict", ctx["models"]["ok"], ctx["tmp"] / "empty.jpg"]


def predict_missing_input(ctx):
    return ["predict", ctx["models"]["ok"], ctx["tmp"] / "ghost.png"]


def model_not_hdf5(ctx):
    (ctx["tmp"] / "model.h5").write_text("not a model")
    return ["evaluate", ctx["tmp"] / "model.h5"]


def model_truncated(ctx):
    data = ctx["models"]["ok"].read_bytes()
    (ctx["tmp"] / "cut.h5").write_bytes(data[: len(data) // 3])
    return ["evaluate", ctx["tmp"] / "cut.h5"]


def model_zero_bytes(ctx):
    (ctx["tmp"] / "zero.h5").write_bytes(b"")
    return ["predict", ctx["tmp"] / "zero.h5", ctx["tmp"] / "x.png"]


def model_missing_file(ctx):
    return ["evaluate", ctx["tmp"] / "missing.h5"]


def model_dir_without_model(ctx):
    (ctx["tmp"] / "run").mkdir()
    return ["evaluate", ctx["tmp"] / "run"]


def model_wrong_suffix(ctx):
    (ctx["tmp"] / "model.pkl").write_bytes(b"\x80\x04K\x01.")
    return ["evaluate", ctx["tmp"] / "model.pkl"]


def model_lambda(ctx):
    return ["evaluate", ctx["models"]["lambda"], "--dataset", "digits"]


def model_lambda_predict(ctx):
    return ["predict", ctx["models"]["lambda"], ctx["tmp"] / "x.png"]


def model_custom_object(ctx):
    return ["evaluate", ctx["models"]["custom"], "--dataset", "digits"]


def model_weights_only(ctx):
    return ["evaluate", ctx["models"]["weights_only"]]


def _train(ctx, *args, model="mlp"):
    return ["train", model, "-d", "digits", "-o", ctx["tmp"] / "runs", *args]


def opt_negative_epochs(ctx):
    return _train(ctx, "--epochs", "-3")


def opt_zero_batch(ctx):
    return _train(ctx, "--batch-size", "0")


def opt_unknown_optimizer(ctx):
    return _train(ctx, "--optimizer", "adamm")


def opt_bad_hidden(ctx):
    return _train(ctx, "--hidden", "64,x")


def opt_dropout_too_big(ctx):
    return _train(ctx, "--dropout", "1.5")


def opt_zero_learning_rate(ctx):
    return _train(ctx, "--lr", "0")


def opt_bad_validation_split(ctx):
    return _train(ctx, "--validation-split", "1.0")


def opt_unknown_model(ctx):
    return ["train", "transformer", "-d", "digits"]


def opt_unknown_dataset(ctx):
    return _train(ctx, "--dataset", "imagenet")


def opt_model_dataset_mismatch(ctx):
    return _train(ctx, "--dataset", "iris", model="cnn")


def opt_unknown_baseline(ctx):
    return ["compare", "logreg", "--baseline", "xgboost", "-o", ctx["tmp"] / "runs"]


def opt_compare_zero_repeats(ctx):
    return ["compare", "logreg", "--repeats", "0", "-o", ctx["tmp"] / "runs"]


def opt_compare_bad_param(ctx):
    return ["compare", "mlp", "--param", "hidden=wide", "-o", ctx["tmp"] / "runs"]


def opt_bad_tf_config(ctx):
    ctx["env"]["TF_CONFIG"] = "{not json"
    return _train(ctx, "--strategy", "multiworker", "-e", "1")


def opt_out_is_file(ctx):
    (ctx["tmp"] / "taken").write_text("a file")
    return _train(ctx, "--out", ctx["tmp"] / "taken" / "sub")


def opt_bad_image_size(ctx):
    return _train(ctx, "--image-size", "0x5", model="cnn")


def opt_forecast_zero_lags(ctx):
    return ["forecast", "--lags", "0", "--out", ctx["tmp"] / "runs"]


def opt_resume_missing_dir(ctx):
    return ["train", "mlp", "--resume", ctx["tmp"] / "no-such-run"]


def opt_predict_top_k_zero(ctx):
    return ["predict", ctx["models"]["ok"], ctx["tmp"] / "x.png", "--top-k", "0"]


def opt_zero_epochs(ctx):
    return _train(ctx, "--epochs", "0")


def opt_negative_learning_rate(ctx):
    return _train(ctx, "--lr", "-0.1")


def opt_negative_validation_split(ctx):
    return _train(ctx, "--validation-split", "-0.2")


def opt_batch_size_text(ctx):
    return _train(ctx, "--batch-size", "many")


def opt_unknown_strategy(ctx):
    return _train(ctx, "--strategy", "tpu")


def opt_unknown_precision(ctx):
    return _train(ctx, "--precision", "half")


def opt_compare_zero_epochs(ctx):
    return ["compare", "logreg", "--epochs", "0", "-o", ctx["tmp"] / "runs"]


def opt_compare_unknown_param(ctx):
    return ["compare", "mlp", "--param", "depth=3", "-o", ctx["tmp"] / "runs"]


def opt_forecast_zero_horizon(ctx):
    return ["forecast", "--horizon", "0", "--out", ctx["tmp"] / "runs"]


def opt_forecast_zero_units(ctx):
    return ["forecast", "--units", "0", "--out", ctx["tmp"] / "runs"]


def opt_forecast_zero_season(ctx):
    return ["forecast", "--season", "0", "--out", ctx["tmp"] / "runs"]


def opt_forecast_unknown_target(ctx):
    return ["forecast", "--target", "logs", "--out", ctx["tmp"] / "runs"]


def opt_predict_top_k_negative(ctx):
    return ["predict", ctx["models"]["ok"], ctx["tmp"] / "x.png", "--top-k", "-2"]


def opt_resume_is_a_file(ctx):
    (ctx["tmp"] / "run.txt").write_text("not a run")
    return ["train", "mlp", "--resume", ctx["tmp"] / "run.txt"]


# ---------------------------------------------------------------- a run directory, by hand
# an interrupted `train mlp -d digits` run as kerascli leaves it; each case then edits it

def _interrupted_run(ctx, config=None, epochs_backed_up=(1, 2), command="train"):
    import json
    from kerascli.core import config as core_config, resume
    run = ctx["tmp"] / "runs" / "mlp-digits-20260101-000000"
    run.mkdir(parents=True)
    cfg = core_config.make_config("mlp", "digits", epochs=4, out=str(ctx["tmp"] / "runs"))
    record = config if config is not None else {"command": command, "config": cfg.to_dict()}
    text = record if isinstance(record, str) else json.dumps(record)
    (run / "config.json").write_text(text)
    (run / "INCOMPLETE").write_text("interrupted\n")
    for epoch in epochs_backed_up:
        folder = run / "backup" / resume.SNAPSHOT.format(epoch)
        folder.mkdir(parents=True)
        (folder / resume.WEIGHTS).write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(64))
        (folder / resume.METADATA).write_text(json.dumps({"epoch": epoch, "batch": 0}))
    ctx["run"] = run
    return run


def _resume(ctx, run, *extra, model="mlp"):
    return ["train", model, "--resume", run, *extra]


def rundir_config_not_json(ctx):
    return _resume(ctx, _interrupted_run(ctx, config="{not json"))


def rundir_config_missing(ctx):
    run = _interrupted_run(ctx)
    (run / "config.json").unlink()
    return _resume(ctx, run)


def rundir_config_empty(ctx):
    return _resume(ctx, _interrupted_run(ctx, config=""))


def rundir_config_a_list(ctx):
    return _resume(ctx, _interrupted_run(ctx, config="[1, 2]"))


def rundir_config_without_config_section(ctx):
    return _resume(ctx, _interrupted_run(ctx, config={"command": "train"}))


def rundir_config_unknown_command(ctx):
    from kerascli.core import config as core_config
    cfg = core_config.make_config("mlp", "digits", epochs=4)
    return _resume(ctx, _interrupted_run(ctx, config={"command": "paint", "config": cfg.to_dict()}))


def rundir_config_unknown_model_option(ctx):
    from kerascli.core import config as core_config
    record = core_config.make_config("mlp", "digits", epochs=4).to_dict()
    record["params"]["depth"] = 3
    return _resume(ctx, _interrupted_run(ctx, config={"command": "train", "config": record}))


def rundir_config_bad_epochs(ctx):
    from kerascli.core import config as core_config
    record = core_config.make_config("mlp", "digits", epochs=4).to_dict()
    record["epochs"] = -1
    return _resume(ctx, _interrupted_run(ctx, config={"command": "train", "config": record}))


def rundir_other_model(ctx):
    return _resume(ctx, _interrupted_run(ctx), model="cnn")


def rundir_finished(ctx):
    run = _interrupted_run(ctx)
    (run / "INCOMPLETE").unlink()
    return _resume(ctx, run)


def rundir_option_conflicts(ctx):
    return _resume(ctx, _interrupted_run(ctx), "--epochs", "9")


def rundir_backup_metadata_truncated(ctx):
    run = _interrupted_run(ctx)
    for folder in (run / "backup").iterdir():
        (folder / "training_metadata.json").write_text('{"epo')
    return _resume(ctx, run)


def rundir_backup_metadata_wrong_epoch(ctx):
    run = _interrupted_run(ctx, epochs_backed_up=(2,))
    (run / "backup" / "epoch-000002" / "training_metadata.json").write_text('{"epoch": 7}')
    return _resume(ctx, run)


def rundir_backup_weights_missing(ctx):
    run = _interrupted_run(ctx, epochs_backed_up=(3,))
    (run / "backup" / "epoch-000003" / "latest.weights.h5").unlink()
    return _resume(ctx, run)


def rundir_mirrored_run(ctx):
    from kerascli.core import config as core_config
    cfg = core_config.make_config("mlp", "digits", epochs=4, strategy="mirrored")
    return _resume(ctx, _interrupted_run(ctx, config={"command": "train", "config": cfg.to_dict()}))


def rundir_ran_on_two_replicas(ctx):
    from kerascli.core import config as core_config
    cfg = core_config.make_config("mlp", "digits", epochs=4)
    return _resume(ctx, _interrupted_run(ctx, config={"command": "train", "config": cfg.to_dict(),
                                                      "runtime": {"replicas": 2}}))


def rundir_auto_resumed_on_two_gpus(ctx):
    """Recorded on one replica under --strategy auto; here auto would mirror over two GPUs."""
    from kerascli.core import config as core_config
    from kerascli.runtime import keras_module
    keras_module()
    import tensorflow as tf
    real = tf.config.list_physical_devices
    ctx["patch"].setattr(tf.config, "list_physical_devices", lambda kind=None: (
        ["GPU:0", "GPU:1"] if kind == "GPU" else real(kind)))
    cfg = core_config.make_config("mlp", "digits", epochs=4)
    return _resume(ctx, _interrupted_run(ctx, config={"command": "train", "config": cfg.to_dict(),
                                                      "runtime": {"replicas": 1}}))


def rundir_forecast_resumed_by_train(ctx):
    from kerascli.core import config as core_config
    cfg = core_config.make_config("mlp", "digits", epochs=4)
    return _resume(ctx, _interrupted_run(ctx, config={"command": "forecast",
                                                      "config": cfg.to_dict()}))


def rundir_model_replaced_by_text(ctx):
    run = ctx["tmp"] / "done"
    run.mkdir()
    (run / "model.h5").write_text("edited by hand")
    return ["evaluate", run]


# ---------------------------------------------------------------- a full disk during a save
# the disk fills up while kerascli writes (keras' own writers raise ENOSPC): one line, the run
# marked incomplete, no temporary file, nothing half-written

def _no_space(path):
    import errno
    return OSError(errno.ENOSPC, "No space left on device", str(path))


def disk_full_saving_the_model(ctx):
    from kerascli.runtime import keras_module
    keras = keras_module()

    def save(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(b"\x89HDF\r\n\x1a\n half a model")
        raise _no_space(filepath)
    ctx["patch"].setattr(keras.Model, "save", save)
    ctx["leaves_run"] = True
    return _train(ctx, "-e", "1", "--hidden", "8")


def disk_full_saving_the_epoch_backup(ctx):
    from kerascli.runtime import keras_module
    keras = keras_module()

    def save_weights(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(b"\x89HDF\r\n\x1a\n half the weights")
        raise _no_space(filepath)
    ctx["patch"].setattr(keras.Model, "save_weights", save_weights)
    ctx["leaves_run"] = True
    return _train(ctx, "-e", "2", "--hidden", "8")


def disk_full_writing_metrics(ctx):
    from kerascli.core import rundir
    real = rundir.RunDir.write_json

    def write_json(self, name, obj):
        if name == "metrics.json":
            raise _no_space(self.path / name)
        return real(self, name, obj)
    ctx["patch"].setattr(rundir.RunDir, "write_json", write_json)
    ctx["leaves_run"] = True
    return _train(ctx, "-e", "1", "--hidden", "8")


def disk_full_writing_compare_results(ctx):
    import os
    from kerascli import artifacts
    real = os.fsync

    def fsync(fd):  # the disk fills up once the run directory holds its config
        if list((ctx["tmp"] / "runs").glob("*/config.json")):
            raise _no_space("results")
        return real(fd)
    ctx["patch"].setattr(artifacts.os, "fsync", fsync)
    ctx["leaves_run"] = True
    return ["compare", "logreg", "-e", "1", "-o", ctx["tmp"] / "runs"]


def npz_not_a_zip(ctx):
    (ctx["keras"] / "mnist.npz").write_bytes(b"PK\x03\x04 not really a zip")
    return ["train", "mlp", "-d", "mnist", "-e", "1", "-o", ctx["tmp"] / "runs"]


def npz_wrong_shapes(ctx):
    np.savez(ctx["keras"] / "mnist.npz", x_train=np.zeros((5, 3), np.uint8),
             y_train=np.zeros(5, np.uint8), x_test=np.zeros((2, 3), np.uint8),
             y_test=np.zeros(2, np.uint8))
    return ["train", "mlp", "-d", "mnist", "-e", "1", "-o", ctx["tmp"] / "runs"]


def fashion_bad_magic(ctx):
    datafiles.write_idx_dir(ctx["data"] / "fashion-mnist", compress=False)
    (ctx["data"] / "fashion-mnist" / IDX_TRAIN_IMAGES).write_bytes(
        struct.pack(">IIII", 0x0BAD, 20, 28, 28) + bytes(20 * 784))
    return ["train", "mlp", "-d", "fashion-mnist", "-e", "1", "-o", ctx["tmp"] / "runs"]


def cifar_folder_incomplete(ctx):
    folder = ctx["data"] / "cifar10" / "cifar-10-batches-bin"
    datafiles.write_cifar_bin_dir(folder)
    (folder / "data_batch_3.bin").unlink()
    return ["train", "cifar", "-d", "cifar10", "-e", "1", "-o", ctx["tmp"] / "runs"]


def csv_ragged_rows(ctx):
    return _csv(ctx, TABLE + "1,2,x,surplus,cells\n", "--label", "label")


def csv_label_with_one_class(ctx):
    text = "a,b,label\n" + "".join(f"{i},{i % 3},x\n" for i in range(20))
    return _csv(ctx, text, "--label", "label")


# ---------------------------------------------------------------- serve, transfer, ...
# Every new command joins this table: write its builders above a heading of its own here
# (``serve_*``, ``transfer_*``) and add them to CASES with the words their one line must
# hold. The test needs nothing else.


# case -> words the message must contain (lower case): the file or option, and the defect
CASES = {
    idx_bad_magic: [IDX_TRAIN_IMAGES, "magic"],
    idx_bad_dims: [IDX_TRAIN_IMAGES, "27x28"],
    idx_truncated: [IDX_TRAIN_IMAGES, "bytes"],
    idx_header_only_fragment: [IDX_TRAIN_IMAGES, "too short"],
    idx_count_mismatch: ["labels", "19"],
    idx_label_range: [IDX_TRAIN_LABELS, "outside"],
    idx_gzip_corrupt: [IDX_TRAIN_IMAGES, "gzip"],
    idx_not_gzip: [IDX_TRAIN_LABELS, "not an idx"],
    cifar_record_size: ["data_batch_2.bin", "3073"],
    cifar_label_range: ["test_batch.bin", "label"],
    cifar_pickle_with_code: ["data_batch_1", "refusing to unpickle"],
    image_undecodable: ["cat", "no usable image"],
    image_empty_class: ["bird", "no usable image"],
    image_one_class: ["photos", "one class"],
    image_no_subfolders: ["flat", "no class subfolders"],
    csv_missing_label: ["t.csv", "price"],
    csv_missing_feature: ["t.csv", "zz"],
    csv_non_numeric: ["t.csv", "not numeric"],
    csv_empty_file: ["t.csv", "empty"],
    csv_header_only: ["t.csv", "no data rows"],
    csv_all_null_column: ["t.csv", "empty cell"],
    csv_utf16: ["t.csv", "not a readable csv"],
    csv_binary: ["t.csv", "not a readable csv"],
    csv_no_label_given: ["t.csv", "--label"],
    csv_text_target_for_regression: ["--label", "not numeric"],
    csv_series_too_short: ["short.csv", "rows"],
    forecast_too_short: ["series.csv", "rows"],
    forecast_missing_column: ["series.csv", "volume"],
    forecast_text_column: ["series.csv", "name"],
    forecast_empty_file: ["series.csv", "empty"],
    forecast_all_null: ["series.csv", "no values"],
    forecast_bom_then_garbage: ["series.csv", "no rows"],
    forecast_missing_file: ["nope.csv", "no such file"],
    forecast_bad_test_size: ["--test-size", "between 0 and 1"],
    predict_not_an_image: ["note.png", "not an image"],
    predict_zero_bytes: ["empty.jpg", "not an image"],
    predict_missing_input: ["ghost.png", "no such file"],
    model_not_hdf5: ["model.h5", "not an hdf5 file"],
    model_truncated: ["cut.h5", "truncated"],
    model_zero_bytes: ["zero.h5", "not an hdf5 file"],
    model_missing_file: ["missing.h5", "no such file"],
    model_dir_without_model: ["run", "no model.h5"],
    model_wrong_suffix: ["model.pkl", "not an .h5"],
    model_lambda: ["lambda.h5", "--unsafe"],
    model_lambda_predict: ["lambda.h5", "--unsafe"],
    model_custom_object: ["custom.h5", "mystery"],
    model_weights_only: ["only.weights.h5", "without a keras model"],
    opt_negative_epochs: ["--epochs", "-3"],
    opt_zero_batch: ["--batch-size", "0"],
    opt_unknown_optimizer: ["--optimizer", "adamm"],
    opt_bad_hidden: ["--hidden", "64,x"],
    opt_dropout_too_big: ["--dropout", "1.5"],
    opt_zero_learning_rate: ["--learning-rate", "0"],
    opt_bad_validation_split: ["--validation-split", "1.0"],
    opt_unknown_model: ["transformer", "no such command"],
    opt_unknown_dataset: ["imagenet", "unknown dataset"],
    opt_model_dataset_mismatch: ["cnn", "iris"],
    opt_unknown_baseline: ["xgboost", "baseline"],
    opt_compare_zero_repeats: ["--repeats", "0"],
    opt_compare_bad_param: ["--param", "hidden"],
    opt_bad_tf_config: ["tf_config", "json"],
    opt_out_is_file: ["--out", "is a file"],
    opt_bad_image_size: ["--image-size", "0x5"],
    opt_forecast_zero_lags: ["--lags", "at least 1"],
    opt_resume_missing_dir: ["--resume", "no such run directory"],
    opt_predict_top_k_zero: ["--top-k", "0"],
    opt_zero_epochs: ["--epochs", "0"],
    opt_negative_learning_rate: ["--learning-rate", "-0.1"],
    opt_negative_validation_split: ["--validation-split", "-0.2"],
    opt_batch_size_text: ["--batch-size", "many"],
    opt_unknown_strategy: ["--strategy", "tpu"],
    opt_unknown_precision: ["--precision", "half"],
    opt_compare_zero_epochs: ["--epochs", "0"],
    opt_compare_unknown_param: ["--param", "depth"],
    opt_forecast_zero_horizon: ["--horizon", "0"],
    opt_forecast_zero_units: ["--units", "0"],
    opt_forecast_zero_season: ["--season", "0"],
    opt_forecast_unknown_target: ["--target", "logs"],
    opt_predict_top_k_negative: ["--top-k", "-2"],
    opt_resume_is_a_file: ["--resume", "run.txt"],
    rundir_config_not_json: ["--resume", "config.json", "unreadable"],
    rundir_config_missing: ["--resume", "no config.json"],
    rundir_config_empty: ["--resume", "config.json", "unreadable"],
    rundir_config_a_list: ["--resume", "config.json"],
    rundir_config_without_config_section: ["--resume", "no 'config' section"],
    rundir_config_unknown_command: ["--resume", "paint"],
    rundir_config_unknown_model_option: ["--resume", "depth"],
    rundir_config_bad_epochs: ["--resume", "--epochs", "-1"],
    rundir_other_model: ["--resume", "'mlp', not 'cnn'"],
    rundir_finished: ["--resume", "already finished"],
    rundir_option_conflicts: ["--epochs 9", "conflicts"],
    rundir_backup_metadata_truncated: ["--resume", "training_metadata.json", "unreadable"],
    rundir_backup_metadata_wrong_epoch: ["--resume", "epoch 7"],
    rundir_backup_weights_missing: ["--resume", "latest.weights.h5", "missing"],
    rundir_mirrored_run: ["--resume", "mirrored", "one replica"],
    rundir_ran_on_two_replicas: ["--resume", "2 replicas", "one replica"],
    rundir_auto_resumed_on_two_gpus: ["--resume", "several GPUs", "one replica"],
    rundir_forecast_resumed_by_train: ["--resume", "forecast run"],
    rundir_model_replaced_by_text: ["model.h5", "not an hdf5 file"],
    disk_full_saving_the_model: ["model.h5", "no space left on device", "marked incomplete"],
    disk_full_saving_the_epoch_backup: ["latest.weights.h5", "no space left on device"],
    disk_full_writing_metrics: ["metrics.json", "no space left on device"],
    disk_full_writing_compare_results: ["compare", "no space left on device"],
    npz_not_a_zip: ["mnist.npz", "not a readable .npz"],
    npz_wrong_shapes: ["mnist.npz", "x_train", "(5, 3)"],
    fashion_bad_magic: [IDX_TRAIN_IMAGES, "magic"],
    cifar_folder_incomplete: ["cifar10", "data_batch_3.bin"],
    csv_ragged_rows: ["t.csv", "fields"],
    csv_label_with_one_class: ["t.csv", "one class"],
}


@pytest.fixture
def ctx(tmp_path, data_dir, keras_datasets, model_files, monkeypatch):
    env = {}
    yield {"tmp": tmp_path, "data": data_dir, "keras": keras_datasets, "models": model_files,
           "env": env, "patch": monkeypatch}


def test_there_are_at_least_eighty_cases_across_the_commands():
    assert len(CASES) >= 80
    commands = {case.__name__.split("_")[0] for case in CASES}
    assert {"opt", "rundir", "disk", "csv", "image", "model"} <= commands


@pytest.mark.parametrize("case", list(CASES), ids=[c.__name__ for c in CASES])
def test_malformed_input_is_one_line_and_exit_code_2(case, ctx, monkeypatch):
    args = [str(a) for a in case(ctx)]
    if ctx.get("run") is not None:
        ctx["was_incomplete"] = (ctx["run"] / "INCOMPLETE").exists()
    for key, value in ctx["env"].items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(cli, args)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    assert result.exit_code == 2, (args, result.exit_code, result.stderr, result.exception)
    assert "Traceback" not in result.stderr + result.stdout
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    assert not [line for line in lines if line.startswith(("Usage:", "Try "))], result.stderr
    message = errors[0].lower()
    for word in CASES[case]:
        assert word.lower() in message, (word, errors[0])
    _nothing_half_written(ctx)


def _nothing_half_written(ctx):
    """A refused run leaves no run directory; a run that failed while saving (or a run
    directory edited by hand) is marked incomplete and holds only whole files."""
    import json
    runs = ctx["tmp"] / "runs"
    made = [p for p in runs.iterdir() if p.is_dir()] if runs.exists() else []
    if ctx.get("run") is not None:  # a case's own run directory, edited by hand
        made = [p for p in made if p != ctx["run"]]
        # an unfinished run stays unfinished (a finished one stays finished)
        assert (ctx["run"] / "INCOMPLETE").exists() is ctx["was_incomplete"]
        assert not (ctx["run"] / "model.h5").exists()
        made_by_case = [ctx["run"]]
    else:
        made_by_case = []
    if not ctx.get("leaves_run"):
        assert not made, "a refused run must not leave a run directory behind"
    for run in made + made_by_case:
        if run not in made_by_case:
            # "failed: ..." -- or still "running" when the full disk refused even that
            assert (run / "INCOMPLETE").read_text().startswith(("failed: ", "running")), run
            assert not (run / "model.h5").exists()
        assert not [p for p in run.rglob("*") if ".tmp-" in p.name], "a temporary file is left"
        for path in run.rglob("*.json"):
            if run in made_by_case and path.name in ("config.json", "training_metadata.json"):
                continue  # the case's own damage
            json.loads(path.read_text())
