"""``kerascli serve``: one loaded model behind a local web page and a JSON API.

Built on Starlette and uvicorn, imported only when ``serve`` runs (``kerascli --help`` stays
instant). The routes:

- ``GET /``: one self-contained page (no external script, font or stylesheet), chosen by the
  model's input: a drawing canvas and image drop for image models, a form for table models.
- ``POST /predict``: image or CSV files (``multipart/form-data``) or JSON rows; the answer is
  exactly what ``kerascli predict --json`` prints for the same inputs, because both go through
  :func:`kerascli.inference.predictions.predict`. ``?top_k=N`` as in ``--top-k``;
  ``?show_input=1`` adds each image as the model saw it (a small PNG data URL), for the page.
- ``GET /model``: the run's config.json and test metrics; ``GET /health``.

Bad requests get a 4xx JSON ``{"error": "one sentence"}``. Predictions run in a worker thread,
one at a time (a lock around the model), so the event loop keeps accepting requests.

One module per job: :mod:`.served_model` (the loaded model, its description, predictions one
at a time), :mod:`.request_inputs` (reading and checking a request's files, rows and top_k),
:mod:`.app` (the Starlette routes, strict JSON answers, the page), :mod:`.server` (the socket,
uvicorn and a clean stop).
"""
