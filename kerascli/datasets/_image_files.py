"""A lazy array of image files: :class:`ImageFiles` stands in for a uint8 array (n, height,
width, channels), decodes nothing until asked, and is also a tf.data source
(:meth:`ImageFiles.batches`); :class:`DecodeFailures` reports the files whose pixels do not
decode once they are read.
"""
from kerascli.datasets import _image_decode
from kerascli.datasets._memory import check_fits


class DecodeFailures:
    """Files that passed the header check but whose pixels would not decode when read (a
    damaged scan inside a whole-looking file): each is reported once, in one line on stderr,
    and listed in the run directory's ``skipped.txt`` after the files the check skipped.
    Shared by a folder's :class:`ImageFiles` and every subset of them."""

    def __init__(self, skipped=()):
        import threading
        self.found = []  # [(path, why)], in the order met
        self.skipped = list(skipped)  # what the header check skipped (already in skipped.txt)
        self.run_dir = None  # a RunDir once training has one: skipped.txt is kept there
        self._lock = threading.Lock()

    def keep_in(self, run_dir):
        """List failures in ``run_dir``'s skipped.txt from now on."""
        self.run_dir = run_dir
        if self.found:
            self._write()

    def add(self, path, why):
        import sys
        with self._lock:
            if any(p == path for p, _ in self.found):
                return
            self.found.append((path, why))
            print(f"warning: {path}: its header looked whole but its pixels do not decode "
                  f"({why}): left out of training batches, a white image where outputs must "
                  "stay in line with the files (test predictions); listed in skipped.txt, "
                  "re-save or remove it.", file=sys.stderr, flush=True)
            if self.run_dir is not None:
                self._write()

    def _write(self):
        self.run_dir.write_text("skipped.txt", "".join(
            f"{path}\t{why}\n" for path, why in [*self.skipped, *self.found]))


def repair_batch(files, rows, kept, decoded):
    """A batch in which tf.io could not decode some files (their positions are missing from
    ``kept``): those are read with Pillow instead; a file Pillow cannot read either is
    reported (:class:`DecodeFailures`) and left white. Returns (images, decoded or not)."""
    import numpy as np
    out = np.full((len(rows), *files.size, files.channels), 255, dtype=np.uint8)
    ok = np.zeros(len(rows), dtype=bool)
    out[kept], ok[kept] = decoded, True
    for i in np.flatnonzero(~ok):
        path = files.paths[rows[i]]
        try:
            out[i] = _image_decode.pillow_decode(path, files.size, files.channels)
            ok[i] = True
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            files.failures.add(path, _image_decode.first_line(exc))
    return out, ok


class ImageFiles:
    """Image files standing in for a uint8 array of shape (n, height, width, channels).

    Nothing is decoded until asked: ``len``, ``shape`` and fancy indexing (a subset: another
    :class:`ImageFiles`) are free; ``files[i]`` decodes one image; ``np.asarray(files)``
    decodes them all (refused in one line when they would not fit in memory); training and
    prediction stream them through tf.data (:func:`kerascli.core.tfdata.image_batches`).
    """

    dtype = None  # set in __init__ (NumPy imported lazily)
    ndim = 4

    def __init__(self, paths, size, channels, routes=None, failures=None):
        import numpy as np
        self.failures = failures if failures is not None else DecodeFailures()
        self.paths = np.asarray([str(p) for p in paths], dtype=object)
        self.size = (int(size[0]), int(size[1]))
        self.channels = int(channels)
        self.dtype = np.dtype(np.uint8)
        self._routes = None if routes is None else np.asarray(routes, dtype=np.int32)

    @property
    def routes(self):
        """Each file's :func:`~kerascli.datasets._image_decode.route` (from the loader's
        header check; else read now)."""
        if self._routes is None:
            import numpy as np
            from kerascli.datasets._filecheck import check
            facts = check(list(self.paths))[1]
            self._routes = np.asarray(
                [_image_decode.route(facts.get(p), self.size) for p in self.paths], dtype=np.int32)
        return self._routes

    @property
    def shape(self):
        return (len(self.paths), *self.size, self.channels)

    @property
    def nbytes(self):
        return len(self.paths) * self.size[0] * self.size[1] * self.channels

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, key):
        import numbers
        if isinstance(key, numbers.Integral):
            return _image_decode.decode_file(self.paths[key], self.size, self.channels)
        if isinstance(key, tuple):  # x[:, 0]: decode, then index
            return self.__array__()[key]
        return ImageFiles(self.paths[key], self.size, self.channels,
                          None if self._routes is None else self._routes[key], self.failures)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __array__(self, dtype=None, copy=None):
        import numpy as np
        check_fits(self.nbytes, f"decoding {len(self):,} images of {self.size[0]}x{self.size[1]}x"
                                f"{self.channels}")
        out = np.empty(self.shape, dtype=np.uint8)
        done = 0
        for batch in self.batches(256):
            out[done:done + len(batch)] = batch.numpy()
            done += len(batch)
        return out if dtype is None else out.astype(dtype)

    def batches(self, batch_size, labels=None, order=None):
        """A ``tf.data.Dataset`` of decoded batches, ``(images, labels)`` or, without
        ``labels``, images; rows in ``order`` (a dataset of every row number once; default: in
        order),
        each read and decoded by :func:`~kerascli.datasets._image_decode.decoder` in a parallel map.

        A file whose pixels tf.io cannot decode (it passed the header check) is read with
        Pillow instead; one Pillow cannot read either is reported once
        (:class:`DecodeFailures`: one line, skipped.txt) and, with labels, left out of its
        batch; without labels (predictions that must stay aligned with the files) it is
        given as a white image. Batches keep their number either way."""
        decode = _image_decode.decoder(self.size, self.channels)
        import tensorflow as tf
        auto = tf.data.AUTOTUNE
        (height, width), channels = self.size, self.channels
        paths, routes = tf.constant([str(p) for p in self.paths]), tf.constant(self.routes)
        ys = None if labels is None else tf.constant(labels)
        order = tf.data.Dataset.range(len(self)) if order is None else order
        nothing = tf.data.Dataset.from_tensors((tf.zeros((0, height, width, channels), tf.uint8),
                                                tf.zeros((0,), tf.int32)))

        def one_batch(rows):  # -> exactly one (rows, decoded images, their positions)
            items = tf.data.Dataset.from_tensor_slices(
                (tf.gather(paths, rows), tf.gather(routes, rows), tf.range(tf.size(rows))))
            good = items.map(lambda path, how, i: (decode(tf.io.read_file(path), how), i),
                             num_parallel_calls=auto, deterministic=True).ignore_errors()
            return (good.batch(batch_size).concatenate(nothing).take(1)
                    .map(lambda x, kept: (rows, x, kept)))

        def repair(rows, x, kept):
            full, ok = tf.numpy_function(lambda r, k, d: repair_batch(self, r, k, d),
                                         [rows, kept, x], [tf.uint8, tf.bool])
            return (tf.ensure_shape(full, (None, height, width, channels)),
                    tf.ensure_shape(ok, (None,)))

        def whole(rows, x, kept):
            n = tf.size(rows)
            x, ok = tf.cond(tf.shape(kept)[0] < n, lambda: repair(rows, x, kept),
                            lambda: (x, tf.ones([n], tf.bool)))
            if ys is None:
                return x
            # a batch of nothing but such files keeps them (white): a batch is never empty
            ok = tf.logical_or(ok, tf.logical_not(tf.reduce_any(ok)))
            return tf.boolean_mask(x, ok), tf.boolean_mask(tf.gather(ys, rows), ok)

        batches = -(-len(self) // batch_size)  # known, as from a plain map and batch
        return (order.batch(batch_size)
                .interleave(one_batch, num_parallel_calls=auto, deterministic=True)
                .map(whole, num_parallel_calls=auto, deterministic=True)
                .apply(tf.data.experimental.assert_cardinality(batches)))

    def __repr__(self):
        return f"ImageFiles({len(self)} files, {self.size[0]}x{self.size[1]}x{self.channels})"
