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
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the predictions as a submission CSV (id, predicted label), "
                   "e.g. Kaggle's ImageId,Label.")
@click.option("--id-column", metavar="NAME",
              help="CSV inputs: the column that names each row (kept out of the features); "
                   "with --output, the id column's header (rows without it: 1, 2, ...).")
@click.option("--label-column", metavar="NAME",
              help="With --output: the predicted label's header (default: the run's label "
                   "column, else Label).")
@options.use(options.unsafe_option(), options.json_option(), options.background_option(),
             options.allow_incomplete_option())
def command(model, inputs, top_k, output, id_column, label_column, unsafe, as_json, background,
            allow_incomplete):
    """Predict image files or CSV rows with a saved model.

    MODEL is a run directory made by `kerascli train` (or `compare`: its Keras model is
    used) or a model.h5 file. INPUT is an image, a folder of images (all of them, in name
    order), or a CSV file. Images (PNG, JPEG, any size) are converted to the model's input size and channels; a dark digit drawn
    on white is inverted to MNIST's white-on-black when the model was trained on such
    images. A CSV file gives one prediction per row, named by its data row (row 1 is the
    first row under the header) or its --id-column (feature columns by name; text columns
    as they were in the training table; a text value the training rows never had is read
    as an unknown category, with a note per column). An image model also takes a CSV of
    pixel rows (Kaggle's Digit Recognizer test.csv). A run marked INCOMPLETE is refused
    unless --allow-incomplete. Series models (`forecast` runs) are forecast with
    `kerascli forecast`, not predicted here.

    \b
    Examples:
      kerascli predict runs/cnn-mnist-20250101-120000 seven.png three.jpg
      kerascli predict runs/logreg-iris-20250101-120000 flowers.csv --top-k 1 --json
      kerascli predict runs/cnn-mnist-20250101-120000 drawings/
      kerascli predict RUN test.csv --output submission.csv --id-column ImageId
    """
    from kerascli.inference.predictions import predict_files, submission_csv
    from kerascli.inference.saved_run import label_name
    from kerascli.commands.output import emit_json, stdout_console
    from kerascli.commands.output import table, print_table

    from kerascli.commands.output import log
    entries = predict_files(model, inputs, top_k=top_k, unsafe=unsafe, log=log,
                            background=background,
                            allow_incomplete=allow_incomplete, id_column=id_column)
    if output is not None:
        from kerascli import artifacts
        label = label_column or label_name(model) or "Label"
        artifacts.write_text(output, submission_csv(entries, id_column or "id", label))
        log(f"wrote {len(entries)} predictions to {output}")
    if as_json:
        emit_json({"model": str(model), "predictions": entries})
        return
    rows = []
    for entry in entries:
        name = entry["input"] + (" (inverted)" if entry.get("inverted") else "")
        if "id" in entry:
            name = f"{entry['input']} ({id_column} {entry['id']})"
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
