"""Input-pipeline ablation: which way of feeding fit() is fastest, measured in one run.

For each model (mlp on MNIST, cnn on MNIST, cifar on CIFAR-10) it times one epoch over a fixed
subset, after a warm-up, for these variants (same model, same data, same batch size):

* ``numpy``            plain ``model.fit(x, y)`` on arrays, no callbacks (the reference);
* ``numpy+progress``   what kerascli's train() did first: arrays + its stderr progress callback;
* ``numpy+progress(async)``  the same callback marked async-safe, so Keras keeps dispatching
  batch hooks off the training thread;
* ``tf.data+progress(async)``  kerascli.core.tfdata.from_arrays (cache, seeded shuffle, batch,
  prefetch);
* cifar only: ``tf.data aug``  augmentation in the tf.data pipeline (tfdata.flip_shift)
  instead of the model's RandomFlip/RandomTranslation layers.

Rounds alternate the variants (A B C D, A B C D, ...) and the best round is kept, so a burst
of load from other processes on this shared machine hurts all variants alike.

    python benchmarks/pipeline.py [--rounds 2] [--n 12800] [--only mlp,cnn,cifar]
"""
import dataclasses
import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--n", type=int, default=12800, help="training examples timed per epoch")
    parser.add_argument("--only", default="mlp,cnn,cifar")
    parser.add_argument("--epochs", type=int, default=1, help="timed epochs per round")
    args = parser.parse_args()
    data_dir = _common.data_dir()
    os.environ["KERASCLI_DATA_DIR"] = str(data_dir)

    from kerascli.core import tfdata
    from kerascli.core import config as core_config, data as core_data, fit as core_fit
    from kerascli.core.callbacks import progress_callback
    from kerascli.runtime import keras_module
    keras = keras_module()

    cases = {"mlp": "mnist", "cnn": "mnist", "cifar": "cifar10"}
    rows = []
    for model_name in args.only.split(","):
        cfg = core_config.make_config(model_name, cases[model_name], out=None, data_dir=str(data_dir))
        dataset = core_data.load_data(cfg)
        x, y = dataset.x_train[:args.n], dataset.y_train[:args.n]
        bs = cfg.batch_size

        def make(augment_in_model=True, steps_per_execution=1):
            keras.utils.set_random_seed(1)
            params = dict(cfg.params)
            if not augment_in_model:
                params["augment"] = "none"
            c = dataclasses.replace(cfg, params=tuple(params.items()))
            model = core_fit.build_model(c, dataset, x, y)
            core_fit.compile_model(model, c, dataset.task, len(x) // bs)
            if steps_per_execution > 1:  # recompile with several steps per graph call
                model.compile(optimizer=model.optimizer, loss=model.loss,
                              metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
                              if dataset.task == "classification" else None,
                              steps_per_execution=steps_per_execution)
            return model

        def progress(async_safe):
            cb = progress_callback(1, steps=len(x) // bs, stream=open(os.devnull, "w"))
            cb.async_safe = async_safe
            return cb

        variants = {
            "numpy": lambda: (make(), dict(x=x, y=y, batch_size=bs, shuffle=True)),
            "numpy+progress": lambda: (make(), dict(x=x, y=y, batch_size=bs, shuffle=True,
                                                    callbacks=[progress(False)])),
            "numpy+progress(async)": lambda: (make(), dict(x=x, y=y, batch_size=bs, shuffle=True,
                                                           callbacks=[progress(True)])),
            "tf.data+progress(async)": lambda: (make(), dict(
                x=tfdata.from_arrays(x, y, batch_size=bs, seed=1), callbacks=[progress(True)])),
        }
        variants["tf.data+progress(async), 8 steps/call"] = lambda: (make(steps_per_execution=8), dict(
            x=tfdata.from_arrays(x, y, batch_size=bs, seed=1), callbacks=[progress(True)]))
        if model_name == "cifar":
            variants["tf.data aug+progress(async)"] = lambda: (make(augment_in_model=False), dict(
                x=tfdata.from_arrays(x, y, batch_size=bs, seed=1,
                                       augment=tfdata.flip_shift(0.1, flip=True, seed=1)),
                callbacks=[progress(True)]))
        best, best_cpu = {}, {}
        for _ in range(args.rounds):
            for name, setup in variants.items():
                model, kwargs = setup()
                model.fit(**kwargs, epochs=1, verbose=0)  # warm-up: tracing, caches
                started, cpu = time.perf_counter(), time.process_time()
                model.fit(**kwargs, epochs=args.epochs, verbose=0)
                rate = args.epochs * len(x) / (time.perf_counter() - started)
                cpu_rate = args.epochs * len(x) / (time.process_time() - cpu)
                best[name] = max(best.get(name, 0.0), rate)
                best_cpu[name] = max(best_cpu.get(name, 0.0), cpu_rate)
                print(f"{model_name:6s} {name:40s} {rate:8.0f} examples/s {cpu_rate:8.0f} per CPU-s",
                      file=sys.stderr, flush=True)
        for name, rate in best.items():
            rows.append(f"| {model_name} | {cases[model_name]} | {bs} | {name} | {rate:,.0f} | "
                        f"{rate / best['numpy']:.2f} | {best_cpu[name]:,.0f} | "
                        f"{best_cpu[name] / best_cpu['numpy']:.2f} |")
    body = (f"Machine: {_common.machine()}. Shared with other processes (load average at start "
            f"{os.getloadavg()[0]:.1f}); compare ratios within this table only.\n\n"
            f"{args.epochs} epoch(s) over {args.n:,} training examples after a warm-up epoch, best of "
            f"{args.rounds} alternating rounds. Command: `python benchmarks/pipeline.py`.\n\n"
            "| model | dataset | batch | feeding | examples/s | vs plain fit | examples/CPU-s | vs plain fit |\n"
            "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows))
    _common.write_section("Input pipeline: feeding fit()", body)
    print(body)


if __name__ == "__main__":
    main()
