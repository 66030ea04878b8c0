"""Plain ``model.fit`` on kerascli's own model and default settings: the baseline for
"kerascli's training loop is not slower than plain fit".

Builds and compiles the model exactly as ``kerascli train MODEL --dataset NAME`` would (same
layers, optimizer, schedule, loss, seed, 10% validation split) but trains it with one plain
call, ``model.fit(x, y, batch_size=..., epochs=..., validation_data=..., shuffle=True,
verbose=0)`` on NumPy arrays, with Keras' default compile settings (one step per call) and
no callbacks, then scores the test set. Prints one JSON line: fit seconds, test accuracy.

    python benchmarks/recipes/plain_fit.py cnn --dataset mnist --seed 1
"""
import argparse
import json
import time

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("--dataset", required=True)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()

import numpy as np  # noqa: E402

from kerascli import runtime  # noqa: E402
from kerascli.core import config, data, fit  # noqa: E402

cfg = config.make_config(args.model, args.dataset, out=None, seed=args.seed)
dataset = data.load_data(cfg)
runtime.seed_everything(cfg.seed)
x_fit, y_fit, x_val, y_val = data.validation_split(dataset, cfg.validation_split, cfg.seed)
model = fit.build_model(cfg, dataset, x_fit, y_fit)
fit.compile_model(model, cfg, dataset.task, -(-len(x_fit) // cfg.batch_size))
started = time.perf_counter()
model.fit(x_fit, y_fit, batch_size=cfg.batch_size, epochs=cfg.epochs,
          validation_data=(x_val, y_val), shuffle=True, verbose=0)
seconds = time.perf_counter() - started
proba = model.predict(dataset.x_test, batch_size=1000, verbose=0)
accuracy = float(np.mean(np.argmax(proba, axis=-1) == np.asarray(dataset.y_test)))
print(json.dumps({"fit_seconds": seconds, "test_accuracy": accuracy, "epochs": cfg.epochs,
                  "batch_size": cfg.batch_size}))
