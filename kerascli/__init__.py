"""kerascli: the classic deep-learning experiments, one command each.

Importing this package is cheap (no TensorFlow, no Keras, no NumPy). It makes sure that
kerascli's custom Keras layers (for instance the AlexNet model's local response
normalisation) are registered with Keras whenever Keras is imported, so that a model saved
by kerascli loads with plain ``keras.models.load_model`` after ``import kerascli``.
"""
from kerascli._keras_hook import install as _install_keras_hook

__version__ = "0.1.0"

_install_keras_hook()
