"""One worker of a two-process MultiWorkerMirroredStrategy run (spawned by the tests)."""
import json
import os
import sys

index, ports, out = int(sys.argv[1]), sys.argv[2].split(","), sys.argv[3]
os.environ["TF_CONFIG"] = json.dumps({
    "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
    "task": {"type": "worker", "index": index}})

from kerascli.core import distribute  # noqa: E402
from kerascli.runtime import keras_module, seed_everything  # noqa: E402

keras = keras_module()
import numpy as np  # noqa: E402

seed_everything(3)
strategy = distribute.make_strategy("multiworker")
rng = np.random.default_rng(0)
x = rng.normal(size=(256, 6)).astype("float32")
y = (x[:, 0] - x[:, 1] > 0).astype("int64")
with strategy.scope():
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
history = distribute.fit_custom_loop(model, x, y, strategy=strategy, epochs=3, batch_size=32,
                                     seed=3, classification=True, validation_data=(x[:64], y[:64]))
weights = np.concatenate([w.ravel() for w in model.get_weights()])
np.save(os.path.join(out, f"weights{index}.npy"), weights)
with open(os.path.join(out, f"history{index}.json"), "w") as f:
    json.dump({"replicas": strategy.num_replicas_in_sync, "chief": distribute.is_chief(), **history}, f)
