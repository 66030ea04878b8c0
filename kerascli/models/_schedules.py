"""Learning-rate schedules shared by model files (not a model: the registry skips ``_`` files).

Built from Keras' own CosineDecay (its linear warm-up, then a cosine descent), so a saved
model's optimizer config reloads without custom objects."""


def one_cycle(peak, total_steps, *, start, warmup, final):
    """One cycle over ``total_steps``: a linear rise from ``start`` x ``peak`` to ``peak`` over
    the first ``warmup`` fraction of the steps, then a cosine descent to ``final`` x ``peak``."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    total_steps = max(2, int(total_steps))
    rise = max(1, round(warmup * total_steps))
    return keras.optimizers.schedules.CosineDecay(
        start * peak, decay_steps=max(1, total_steps - rise), alpha=final,  # of the peak
        warmup_target=peak, warmup_steps=rise)
