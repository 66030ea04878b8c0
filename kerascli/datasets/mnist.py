"""MNIST handwritten digits (LeCun, Cortes, Burges): 60,000 train + 10,000 test 28x28 images.

Read from the four standard IDX gz files, or from the ``mnist.npz`` Keras caches; the
official split is kept. sha256 values: tensorflow/datasets ``url_checksums/mnist.txt`` (the
IDX files, identical on every mirror) and Keras' own ``mnist.py`` (mnist.npz).
"""
from kerascli.datasets import CLASSIFICATION, IMAGE, DatasetInfo
from kerascli.datasets._sources import Remote

INFO = DatasetInfo(name="mnist", kind=IMAGE, task=CLASSIFICATION,
                   summary="MNIST handwritten digits, 28x28 grayscale, 10 classes",
                   n_train=60000, n_test=10000)
CLASS_NAMES = tuple(str(i) for i in range(10))
_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/")


REMOTES = (
    Remote.on_mirrors(_MIRRORS, "train-images-idx3-ubyte.gz",
                      "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422),
    Remote.on_mirrors(_MIRRORS, "train-labels-idx1-ubyte.gz",
                      "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881),
    Remote.on_mirrors(_MIRRORS, "t10k-images-idx3-ubyte.gz",
                      "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
    Remote.on_mirrors(_MIRRORS, "t10k-labels-idx1-ubyte.gz",
                      "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
)
KERAS_NPZ = Remote("mnist.npz", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
                   ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",))


def load(options):
    from kerascli.datasets import _idx
    return _idx.load("mnist", options, REMOTES, CLASS_NAMES, keras_npz=KERAS_NPZ.name)


def status(options):
    from kerascli.datasets import _idx
    return _idx.status("mnist", options, REMOTES, keras_npz=KERAS_NPZ.name, known=(KERAS_NPZ,))


def download(options, progress=True):
    from kerascli.datasets import _idx
    return _idx.download("mnist", options, REMOTES, progress=progress)
