"""Image folders: peak memory and throughput of kerascli's streaming vs Keras' own loader.

Makes (once) a folder of 20,000 JPEGs, 256x256, in 10 class folders under /tmp, then, each
in a fresh process (so peak RSS is that loader's own), with the same ``cnn`` model built by
kerascli at 128x128 and the same batch size:

* ``kerascli``  ``kerascli.datasets.load(folder, image_size=128)`` (walk + one-pass file
  check of all 20,000 files, no decoding) and ``kerascli.core.tfdata.image_feed`` (tf.io
  JPEG decode at Pillow's reduced scale + resize, in a parallel tf.data map, prefetch);
* ``keras``     ``keras.utils.image_dataset_from_directory(folder, image_size=(128, 128))``
  (tf.io decode + bilinear resize), prefetched.

Each process records: the time to index the folder, decoded images/s of the input pipeline
alone (``--batches`` batches, after 5 warm-up batches), images/s of ``model.fit`` over
``--steps`` steps (the cnn at 128x128 is the bottleneck on CPU: one epoch of 20,000 images
would take many minutes here), the process's CPU seconds per image in both, and its peak RSS
(``ru_maxrss``). Loaders alternate
over ``--rounds`` rounds; the table gives the best and the mean round of each. Then one
process runs both loaders side by side (``paired``: alternating bursts of training steps),
the comparison least disturbed by other jobs on a shared machine.

    python benchmarks/image_folder.py [--n 20000] [--rounds 2] [--steps 30] [--batches 60]
                                      [--bursts 8]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

FOLDER = Path("/tmp/kerascli-bench/jpeg-256")
SIZE, SIDE, BATCH = 128, 256, 32


def make_folder(n, folder=FOLDER):
    """n JPEGs of 256x256 (smooth colour fields with noise: photo-like file sizes) in 10
    class folders; kept between runs."""
    import numpy as np
    from PIL import Image
    done = folder / f".complete-{n}"
    if done.exists():
        return folder
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32) / SIDE
    for i in range(n):
        cls = folder / f"class{i % 10}"
        cls.mkdir(parents=True, exist_ok=True)
        a, b, c = rng.random(3) * 255
        base = np.stack([a * xx + (255 - a) * yy, b * yy + c * (1 - xx), (a + b) / 2 * xx * yy],
                        axis=-1)
        noisy = base + rng.normal(0, 12, base.shape)
        Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(cls / f"{i:05d}.jpg",
                                                                      quality=90)
    done.write_text("ok")
    return folder


def cpu_seconds():
    """CPU time of this process, all threads (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(loader, folder, steps, batches):
    """Runs in its own process; prints one JSON line of measurements."""
    from kerascli.core import config, fit, tfdata
    from kerascli.datasets import LoadOptions, load
    from kerascli.runtime import keras_module
    keras = keras_module()
    started = time.perf_counter()
    if loader == "kerascli":
        dataset = load(str(folder), LoadOptions(image_size=(SIZE, SIZE), test_size=0.01))
        data, _ = tfdata.image_feed(dataset.x_train, dataset.y_train, batch_size=BATCH, seed=0)
        n_files = len(dataset.x_train) + len(dataset.x_test)
    else:
        data = keras.utils.image_dataset_from_directory(
            str(folder), image_size=(SIZE, SIZE), batch_size=BATCH, seed=0, verbose=False)
        data = data.prefetch(tfdata.AUTOTUNE)
        n_files = int(data.cardinality().numpy()) * BATCH
    index_seconds = time.perf_counter() - started

    it = iter(data.repeat())
    for _ in range(5):
        next(it)
    started, cpu = time.perf_counter(), cpu_seconds()
    for _ in range(batches):
        next(it)
    pipeline_rate = batches * BATCH / (time.perf_counter() - started)
    pipeline_cpu = (cpu_seconds() - cpu) / (batches * BATCH)

    from kerascli.datasets import Dataset
    shape = Dataset(name="bench", task="classification", kind="image", x_train=[], y_train=[],
                    x_test=[], y_test=[], input_shape=(SIZE, SIZE, 3), source="bench",
                    class_names=tuple(f"class{i}" for i in range(10)))
    cfg = config.make_config("cnn", "mnist", epochs=1, batch_size=BATCH)
    model = fit.build_model(cfg, shape)
    fit.compile_model(model, cfg, "classification", steps)
    model.fit(data.repeat(), steps_per_epoch=3, epochs=1, verbose=0)  # trace, warm up
    started, cpu = time.perf_counter(), cpu_seconds()
    model.fit(data.repeat(), steps_per_epoch=steps, epochs=1, verbose=0)
    train_rate = steps * BATCH / (time.perf_counter() - started)
    train_cpu = (cpu_seconds() - cpu) / (steps * BATCH)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(json.dumps({"loader": loader, "files": n_files, "index_s": index_seconds,
                      "pipeline_ips": pipeline_rate, "train_ips": train_rate,
                      "pipeline_cpu": pipeline_cpu, "train_cpu": train_cpu,
                      "peak_rss": peak}))


def feeds(folder):
    """The two training feeds over ``folder``: {"kerascli": dataset, "keras": dataset}."""
    from kerascli.core import tfdata
    from kerascli.datasets import LoadOptions, load
    from kerascli.runtime import keras_module
    keras = keras_module()
    dataset = load(str(folder), LoadOptions(image_size=(SIZE, SIZE), test_size=0.01))
    ours, _ = tfdata.image_feed(dataset.x_train, dataset.y_train, batch_size=BATCH, seed=0)
    theirs = keras.utils.image_dataset_from_directory(
        str(folder), image_size=(SIZE, SIZE), batch_size=BATCH, seed=0, verbose=False)
    return {"kerascli": ours.repeat(), "keras": theirs.prefetch(tfdata.AUTOTUNE).repeat()}


def paired(folder, bursts, steps):
    """Both loaders in one process, each feeding its own copy of the same cnn, trained in
    alternating bursts of ``steps`` batches (which goes first alternates too): whatever else
    the machine runs at a moment slows both alike. Prints one JSON line: images/s each."""
    from kerascli.core import config, fit
    from kerascli.datasets import Dataset
    shape = Dataset(name="bench", task="classification", kind="image", x_train=[], y_train=[],
                    x_test=[], y_test=[], input_shape=(SIZE, SIZE, 3), source="bench",
                    class_names=tuple(f"class{i}" for i in range(10)))
    cfg = config.make_config("cnn", "mnist", epochs=1, batch_size=BATCH)
    iterators, models, seconds = {}, {}, {"kerascli": 0.0, "keras": 0.0}
    for loader, data in feeds(folder).items():
        iterators[loader] = iter(data)
        models[loader] = fit.build_model(cfg, shape)
        fit.compile_model(models[loader], cfg, "classification", steps)
        for _ in range(3):  # trace and warm up
            models[loader].train_on_batch(*next(iterators[loader]))
    for burst in range(bursts):
        order = ("kerascli", "keras") if burst % 2 == 0 else ("keras", "kerascli")
        for loader in order:
            started = time.perf_counter()
            for _ in range(steps):
                models[loader].train_on_batch(*next(iterators[loader]))
            seconds[loader] += time.perf_counter() - started
    print(json.dumps({loader: bursts * steps * BATCH / seconds[loader] for loader in seconds}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--bursts", type=int, default=8,
                        help="alternating bursts of --steps batches in the paired run")
    parser.add_argument("--child", choices=("kerascli", "keras", "paired"))
    parser.add_argument("--folder", default=str(FOLDER))
    args = parser.parse_args()
    if args.child == "paired":
        paired(Path(args.folder), args.bursts, args.steps // 3)
        return
    if args.child:
        child(args.child, Path(args.folder), args.steps, args.batches)
        return
    started = time.perf_counter()
    folder = make_folder(args.n, Path(args.folder))
    print(f"folder ready in {time.perf_counter() - started:.0f} s: {folder}", file=sys.stderr)
    rows = {"kerascli": [], "keras": []}
    for round_ in range(args.rounds):
        for loader in ("kerascli", "keras"):  # alternating, so both meet the same load
            out = subprocess.run([sys.executable, __file__, "--child", loader, "--folder",
                                  str(folder), "--steps", str(args.steps), "--batches",
                                  str(args.batches)], capture_output=True, text=True,
                                 env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
            if out.returncode:
                sys.exit(out.stderr[-3000:])
            row = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"round {round_ + 1} {row}", file=sys.stderr)
            rows[loader].append(row)
    out = subprocess.run([sys.executable, __file__, "--child", "paired", "--folder", str(folder),
                          "--steps", str(args.steps), "--bursts", str(args.bursts)],
                         capture_output=True, text=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if out.returncode:
        sys.exit(out.stderr[-3000:])
    pair = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"paired {pair}", file=sys.stderr)
    command = "python benchmarks/image_folder.py " + " ".join(
        f"--{k} {v}" for k, v in (("n", args.n), ("rounds", args.rounds), ("steps", args.steps),
                                  ("batches", args.batches), ("bursts", args.bursts)))
    lines = [f"`{command}`", "", _common.machine() + "; 2 cores shared with other jobs, so "
             "compare the two rows of one run only.", "",
             f"{args.n:,} JPEGs of {SIDE}x{SIDE} in 10 class folders, read at {SIZE}x{SIZE}, "
             f"batch {BATCH}; the kerascli cnn model on both loaders; {args.rounds} rounds, the "
             "loaders alternating. Rates are best / mean over the rounds; peak RSS is the "
             "highest; indexing time the lowest. CPU ms per image (the process's CPU time, "
             "all threads, over the images; mean over the rounds) is what each image costs, "
             "which other jobs on the machine disturb far less than they disturb the rates.", "",
             "| loader | index the folder (s) | input pipeline alone (images/s) | "
             "train cnn (images/s) | CPU ms/image: pipeline, train | peak RSS (GiB) |",
             "|---|---:|---:|---:|---:|---:|"]

    def best_mean(loader, key):
        values = [r[key] for r in rows[loader]]
        return max(values), sum(values) / len(values)

    for loader in ("kerascli", "keras"):
        name = ("kerascli (walk + one-pass check, tf.io decode in tf.data)" if loader == "kerascli"
                else "keras.utils.image_dataset_from_directory")
        pipe, train = best_mean(loader, "pipeline_ips"), best_mean(loader, "train_ips")
        cpu = [1000 * best_mean(loader, key)[1] for key in ("pipeline_cpu", "train_cpu")]
        lines.append(f"| {name} | {min(r['index_s'] for r in rows[loader]):.1f} | "
                     f"{pipe[0]:.0f} / {pipe[1]:.0f} | {train[0]:.1f} / {train[1]:.1f} | "
                     f"{cpu[0]:.2f}, {cpu[1]:.1f} | "
                     f"{max(r['peak_rss'] for r in rows[loader]) / 2 ** 30:.2f} |")
    ratios = [(best_mean("kerascli", key)[i] / best_mean("keras", key)[i])
              for key in ("train_ips", "pipeline_ips") for i in (0, 1)]
    lines += ["", f"kerascli / keras: train {ratios[0]:.2f} (best) {ratios[1]:.2f} (mean); input "
                  f"pipeline alone {ratios[2]:.2f} (best) {ratios[3]:.2f} (mean).", "",
              f"Paired in one process (both loaders, each feeding its own copy of the cnn, "
              f"{args.bursts} alternating bursts of {args.steps // 3} batches each, so both "
              f"meet the same load): train cnn kerascli {pair['kerascli']:.1f} vs keras "
              f"{pair['keras']:.1f} images/s, ratio {pair['kerascli'] / pair['keras']:.2f}."]
    body = "\n".join(lines)
    print(body)
    _common.write_section("Image folders: 20,000 JPEGs streamed (kerascli vs Keras' loader)", body)


if __name__ == "__main__":
    main()
