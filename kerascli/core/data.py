"""The data a :class:`~kerascli.core.config.TrainConfig` trains on: which dataset, whether the
model can take it, and the validation hold-out."""
import dataclasses

from kerascli import datasets
from kerascli.errors import UserError


def resolve_dataset(cfg):
    """(registry name, path or None) of the dataset ``cfg`` trains on.

    A CSV file is a ``csv`` table, except for a model that takes series and not tables
    (lstm): then it is read as a ``series`` (windows of the CSV's numeric column).
    """
    name, path = datasets.resolve(cfg.dataset)
    accepts = cfg.spec.accepts
    if name == "csv" and datasets.TABULAR not in accepts and datasets.SERIES in accepts:
        name = "series"
    return name, path


def check_compatible(cfg):
    """Refuse a model/dataset pair that cannot work, without loading any data."""
    name, path = resolve_dataset(cfg)
    module = datasets.get(name)
    info = module.INFO
    if path is not None and hasattr(module, "describe"):  # a CSV of pixels is images
        info = module.describe(path, dataclasses.replace(cfg.data, path=path))
    cfg.spec.check_compatible(info)


def load_data(cfg):
    """Check the model/dataset pair, then load the dataset ``cfg`` names."""
    check_compatible(cfg)
    name, path = resolve_dataset(cfg)
    options = cfg.data
    if path is not None:
        options = dataclasses.replace(options, path=path)
    dataset = apply_task(cfg, datasets.get(name).load(options))
    cfg.spec.check_task(dataset)
    return dataset


def apply_task(cfg, dataset):
    """A table's label read as ``cfg.data.task`` (``--task``), or as values for a regression-only
    model (linreg on a numeric label with few distinct values is still a regression): the
    loaders guess classes for a numeric label with few distinct values."""
    import numpy as np

    tasks = cfg.spec.tasks
    wanted = cfg.data.task or (datasets.REGRESSION if set(tasks) == {datasets.REGRESSION} else None)
    if wanted is None or wanted == dataset.task or dataset.kind != datasets.TABULAR:
        return dataset
    if wanted == datasets.REGRESSION:
        try:
            values = np.array([float(c) for c in dataset.class_names], dtype=np.float32)
        except (TypeError, ValueError):
            raise UserError(f"label {cfg.data.label!r} of {dataset.name!r} is not numeric "
                            f"({dataset.class_names[0]!r}): it cannot be a regression target; "
                            "choose a numeric column with --label.") from None
        return dataclasses.replace(
            dataset, task=wanted, class_names=None,
            y_train=values[np.asarray(dataset.y_train, dtype=np.int64)],
            y_test=values[np.asarray(dataset.y_test, dtype=np.int64)])
    y_train, y_test = np.asarray(dataset.y_train), np.asarray(dataset.y_test)
    classes = np.unique(np.concatenate([y_train.reshape(-1), y_test.reshape(-1)]))
    if len(classes) > MAX_CLASSES:
        raise UserError(f"--task classification: label {cfg.data.label!r} of {dataset.name!r} has "
                        f"{len(classes):,} distinct values; at most {MAX_CLASSES} classes.")
    names = tuple(f"{v:g}" for v in classes)
    return dataclasses.replace(dataset, task=wanted, class_names=names,
                               y_train=np.searchsorted(classes, y_train).astype(np.int64),
                               y_test=np.searchsorted(classes, y_test).astype(np.int64))


MAX_CLASSES = datasets.MAX_CLASSES  # the table reader's: one limit on classes


def validation_split(dataset, fraction, seed):
    """(x_fit, y_fit, x_val, y_val): a seeded, shuffled (stratified when possible) split of
    the training part -- for series, the latest windows -- ; validation arrays are None when
    ``fraction`` is 0 or the data too few."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    x, y = dataset.x_train, dataset.y_train
    n_val = int(round(fraction * len(x)))
    if fraction <= 0 or n_val < 1 or len(x) - n_val < 1:
        return x, y, None, None
    if dataset.kind == datasets.SERIES:  # windows are in time order: validate on the latest
        return x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]
    stratify = None
    if dataset.task == datasets.CLASSIFICATION:
        counts = np.bincount(np.asarray(y, dtype=np.int64))
        if counts[counts > 0].min() >= 2 and n_val >= np.count_nonzero(counts) \
                and len(x) - n_val >= np.count_nonzero(counts):
            stratify = y
    # split positions, then index: the same split as splitting x itself, and image files
    # (an image folder's ImageFiles) stay files instead of being decoded by scikit-learn
    fit_at, val_at = train_test_split(np.arange(len(x)), test_size=n_val, random_state=seed,
                                      stratify=stratify)
    y = np.asarray(y)
    return x[fit_at], y[fit_at], x[val_at], y[val_at]


# the share of training images whose border must agree for their polarity to count
POLARITY_AGREEMENT = 0.9


def background_of(x):
    """"dark" or "light": the polarity of the images' one-pixel borders (mean brightness below
    or above half) when at least 90% of the images agree, as digits, drawings and product
    photos on white do; "mixed" when they do not (photographs: dark and light borders alike);
    None for non-image data. ``predict`` inverts a drawing whose polarity differs from a
    "dark" or "light" one, and nothing for "mixed"."""
    import numpy as np
    x = np.asarray(x[:1000])
    if x.ndim != 4 or len(x) == 0:
        return None
    n = len(x)
    border = np.concatenate([x[:, 0].reshape(n, -1), x[:, -1].reshape(n, -1),
                             x[:, :, 0].reshape(n, -1), x[:, :, -1].reshape(n, -1)],
                            axis=1).astype(np.float64)
    top = 255.0 if x.dtype == np.uint8 or border.max() > 1.0 else 1.0
    dark = float(np.mean(border.mean(axis=1) < top / 2))
    if dark >= POLARITY_AGREEMENT:
        return "dark"
    if dark <= 1 - POLARITY_AGREEMENT:
        return "light"
    return "mixed"
