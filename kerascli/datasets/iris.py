"""Iris (Fisher, 1936): 150 flowers, 4 measurements, 3 species. Shipped with kerascli.

By default the task is classifying the species; ``--label petal_length --features
sepal_length`` turns it into the classic linear-regression example.
"""
from kerascli.datasets import CLASSIFICATION, TABULAR, DatasetInfo

INFO = DatasetInfo(name="iris", kind=TABULAR, task=CLASSIFICATION,
                   summary="Iris flowers: 4 measurements -> 3 species (embedded)",
                   n_train=120, n_test=30)
LABEL = "species"


def path():
    from importlib.resources import files
    return files("kerascli.data").joinpath("iris.csv")


def load(options):
    import pandas as pd
    from kerascli.datasets._tabular import from_frame

    source = path()
    with source.open("r", encoding="utf-8") as f:
        frame = pd.read_csv(f)
    return from_frame(frame, name="iris", source=str(source), label=options.label or LABEL,
                      features=options.features, test_size=options.test_size, seed=options.split_seed)


def status(options):
    return {"present": True, "valid": True, "location": str(path()), "note": "embedded"}
