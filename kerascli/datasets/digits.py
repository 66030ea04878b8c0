"""scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes).

The embedded image dataset: it needs no network, so every image model can be tried on a
fresh install. Pixels are scaled from 0-16 to 0-255 so they look like any other uint8 image.
"""
from kerascli.datasets import CLASSIFICATION, IMAGE, DatasetInfo

INFO = DatasetInfo(name="digits", kind=IMAGE, task=CLASSIFICATION,
                   summary="8x8 handwritten digits from scikit-learn (embedded)",
                   n_train=1437, n_test=360)


def load(options):
    import numpy as np
    from sklearn.datasets import load_digits
    from kerascli.datasets import Dataset
    from kerascli.datasets._tabular import split

    bunch = load_digits()
    x = np.clip(np.rint(bunch.images * (255.0 / 16.0)), 0, 255).astype(np.uint8)[..., None]
    y = bunch.target.astype(np.int64)
    source = "scikit-learn (sklearn.datasets.load_digits)"
    x_train, x_test, y_train, y_test = split(x, y, task=CLASSIFICATION, test_size=options.test_size,
                                             seed=options.split_seed, source=source)
    return Dataset(name="digits", task=CLASSIFICATION, kind=IMAGE, x_train=x_train,
                   y_train=y_train, x_test=x_test, y_test=y_test, input_shape=(8, 8, 1),
                   source=source, class_names=tuple(str(i) for i in range(10)),
                   extra={"test_size": options.test_size, "split_seed": options.split_seed})


def status(options):
    return {"present": True, "valid": True, "location": "scikit-learn", "note": "embedded"}
