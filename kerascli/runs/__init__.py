"""Every run directory listed, compared and reported (``kerascli runs``), without Click.

Reading a run never imports TensorFlow or Keras: a run is its files (config.json read back
through :func:`kerascli.core.config.from_dict`, metrics.json or results.json, history.csv,
the INCOMPLETE marker). A damaged or foreign folder is a :class:`~kerascli.runs.record.Run`
marked unreadable with the reason; nothing here writes into or deletes from a run directory.
"""
