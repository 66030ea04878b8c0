"""``kerascli export RUN_DIR --format saved_model|onnx|litert``: a trained model for TF Serving,
ONNX Runtime or LiteRT, checked against Keras on the run's test inputs."""
from pathlib import Path

import click

from kerascli.commands import options
from kerascli.commands.output import log

FORMATS = ("saved_model", "onnx", "litert")  # kerascli.exporting.FORMATS (not imported here)


@click.command()
@click.argument("run", metavar="RUN_DIR_OR_MODEL", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="saved_model",
              show_default=True,
              help="saved_model: a TensorFlow SavedModel folder (TF Serving); onnx: model.onnx "
                   "(ONNX Runtime; needs kerascli[onnx]); litert: model.tflite (LiteRT/TFLite, "
                   "Android; runs with kerascli[litert]).")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="The folder to create for the export and its export.json (default: "
                   "RUN_DIR/export/FORMAT). For TF Serving give MODEL_BASE/1.")
@options.use(options.unsafe_option(), options.json_option(), options.data_options(),
             options.allow_incomplete_option())
def command(run, fmt, output, unsafe, as_json, data_dir, cache_dir, allow_incomplete):
    """Export a trained model for TF Serving, ONNX Runtime or LiteRT.

    The exported model takes the same raw inputs as model.h5 (pixels 0-255, raw CSV values:
    scaling and encoding stay inside). It is then loaded by its own runtime and run on up to
    1,000 of the run's test inputs: outputs within 1e-4 of Keras and the same top class on
    at least 99.9% of them, or the export is removed and the command fails (exit 2). An
    export.json beside it gives the input's name, shape and dtype, what the output means
    (class names), the runtime and three lines of Python calling it. A model a format cannot
    hold is refused in one line with the reason.

    \b
    Examples:
      kerascli export runs/cnn-mnist-20250101-120000
      kerascli export runs/cnn-mnist-20250101-120000 --format onnx
      kerascli export runs/mlp-iris-20250101-120000 --format litert --output phone/iris
    """
    from kerascli.exporting import export_run
    from kerascli.commands.output import emit_json

    result = export_run(run, fmt, out=output, unsafe=unsafe, allow_incomplete=allow_incomplete,
                        data_dir=data_dir, cache_dir=cache_dir, log=log)
    if as_json:
        emit_json(result)
        return
    check = result["check"]
    click.echo(f"exported {result['source_model']} -> {result['file']} "
               f"({result['size_bytes'] / 2**20:.2f} MiB, {result['format']})")
    click.echo(f"checked with {result['runtime']['package']} {result['runtime']['version']}: "
               f"{check['summary']}: OK")
    click.echo(f"input {result['input']['name']} {result['input']['shape']} "
               f"{result['input']['dtype']}; details and an example: {result['export_json']}")
