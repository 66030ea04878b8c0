"""Using a saved model: reload a run (``model.h5`` + ``config.json``), evaluate it on its
test set, predict image files or CSV rows. No Click here (``evaluate``/``predict`` are thin).

A saved model holds its own scaling (see kerascli.core.fit), so raw pixels or raw CSV
values go straight in; ``config.json`` beside it says which dataset and split it was
trained on, the class names, the feature columns and the images' background polarity.

One module per job:

* :mod:`.saved_run`: reading and checking a run directory (``load_run``, ``read_record``);
* :mod:`.evaluate`: re-scoring a run on its test set (``evaluate_run``);
* :mod:`.inputs`: what predict is given (paths, folders, :class:`~.inputs.Upload`);
* :mod:`.image_inputs`: image files as model inputs, within a pixel budget;
* :mod:`.table_inputs`: CSV rows (features or pixels) as model inputs;
* :mod:`.predictions`: predicting them (``predict_files``, ``predict``, ``submission_csv``).
"""
