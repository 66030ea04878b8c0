"""``kerascli predict MODEL INPUT...``: classify image files or CSV rows with a saved model."""
from pathlib import Path

import click

from kerascli.commands import options


@click.command()
@click.argument("model", metavar="MODEL", type=click.Path(path_type=Path))
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True,
                type=click.Path(path_type=Path))
@click.option("--top-k", "-k", type=click.IntRange(min=1), default=3, show_default=True,
              help="How many classes to show per input, most probable first.")
@options.use(options.unsafe_option(), options.json_option(), options.background_option())
def command(model, inputs, top_k, unsafe, as_json, background):
    """Predict image files or CSV rows with a saved model.

    MODEL is a run directory made by `kerascli train` (or `compare`: its Keras model is
    used) or a model.h5 file. Images (PNG,
    JPEG, any size) are converted to the model's input size and channels; a dark digit drawn
    on white is inverted to MNIST's white-on-black when the model was trained on such
    images. A CSV file gives one prediction per row (feature columns by name; text columns
    as they were in the training table). Series models (`forecast` runs) are forecast with
    `kerascli forecast`, not predicted here.

    \b
    Examples:
      kerascli predict runs/cnn-mnist-20250101-120000 seven.png three.jpg
      kerascli predict runs/logreg-iris-20250101-120000 flowers.csv --top-k 1 --json
    """
    from kerascli import inference
    from kerascli.commands.output import emit_json, stdout_console
    from kerascli.commands.output import table, print_table

    from kerascli.commands.output import log
    entries = inference.predict_files(model, inputs, top_k=top_k, unsafe=unsafe, log=log,
                                      background=background)
    if as_json:
        emit_json({"model": str(model), "predictions": entries})
        return
    rows = []
    for entry in entries:
        name = entry["input"] + (" (inverted)" if entry.get("inverted") else "")
        if "top" in entry:
            best, rest = entry["top"][0], entry["top"][1:]
            rows.append({"input": name, "prediction": best["class"],
                         "probability": best["probability"],
                         "next": ", ".join(f"{t['class']} {t['probability']:.4f}" for t in rest)})
        else:
            rows.append({"input": name, "prediction": entry["value"]})
    columns = ["input", "prediction", "probability", "next"] if "top" in entries[0] else None
    if columns and top_k == 1:
        columns = columns[:3]
    print_table(table(rows, columns), stdout_console())
