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
    root = datafiles.write_image_folder(ctx["tmp"] / "photos")
    (root / "cat" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
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
    image_undecodable: ["broken.png", "decode"],
    image_empty_class: ["bird", "no .jpg"],
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
    csv_text_target_for_regression: ["linreg", "--label"],
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
}


@pytest.fixture
def ctx(tmp_path, data_dir, model_files, monkeypatch):
    env = {}
    yield {"tmp": tmp_path, "data": data_dir, "models": model_files, "env": env}


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", list(CASES), ids=[c.__name__ for c in CASES])
def test_malformed_input_is_one_line_and_exit_code_2(case, ctx, monkeypatch):
    args = [str(a) for a in case(ctx)]
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
    assert not (ctx["tmp"] / "runs").exists() or not any((ctx["tmp"] / "runs").iterdir()), \
        "a refused run must not leave a run directory behind"
