"""Fashion-MNIST (Zalando Research): 60,000 train + 10,000 test 28x28 images of clothing.

The same four IDX gz files as MNIST (and the same folder Keras caches them in); the
official split is kept. sha256 values: tensorflow/datasets ``url_checksums/fashion_mnist.txt``.
"""
from kerascli.datasets import CLASSIFICATION, IMAGE, DatasetInfo
from kerascli.datasets._sources import Remote

INFO = DatasetInfo(name="fashion-mnist", kind=IMAGE, task=CLASSIFICATION,
                   summary="Fashion-MNIST clothing, 28x28 grayscale, 10 classes",
                   n_train=60000, n_test=10000)
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/")


REMOTES = (
    Remote.on_mirrors(_MIRRORS, "train-images-idx3-ubyte.gz",
                      "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880),
    Remote.on_mirrors(_MIRRORS, "train-labels-idx1-ubyte.gz",
                      "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515),
    Remote.on_mirrors(_MIRRORS, "t10k-images-idx3-ubyte.gz",
                      "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102),
    Remote.on_mirrors(_MIRRORS, "t10k-labels-idx1-ubyte.gz",
                      "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148),
)


def load(options):
    from kerascli.datasets import _idx
    return _idx.load("fashion-mnist", options, REMOTES, CLASS_NAMES)


def status(options):
    from kerascli.datasets import _idx
    return _idx.status("fashion-mnist", options, REMOTES)


def download(options, progress=True):
    from kerascli.datasets import _idx
    return _idx.download("fashion-mnist", options, REMOTES, progress=progress)
