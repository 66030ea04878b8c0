"""``kerascli serve MODEL``: a saved model behind a local web page and a JSON API."""
from pathlib import Path

import click

from kerascli.commands import options


@click.command()
@click.argument("model", metavar="MODEL", type=click.Path(path_type=Path))
@options.use(options.serve_options(), options.unsafe_option())
def command(model, host, port, json_only, max_upload_mb, unsafe):
    """Serve a saved model: a page to draw on or fill in, and a JSON API.

    MODEL is a run directory made by `kerascli train` or a model.h5 file; it is loaded once
    (refused if loading would run code stored in it, unless --unsafe). Open the printed URL:
    image models get a canvas to draw on (and an image drop), table models a form with one
    field per feature. POST /predict takes image or CSV files (multipart/form-data) or JSON
    rows ({"rows": [{feature: value}]}) and answers what `kerascli predict --json` prints;
    GET /model shows the run's config and test metrics; GET /health. Ctrl-C stops it.

    \b
    Examples:
      kerascli serve runs/cnn-mnist-20250101-120000
      kerascli serve runs/logreg-iris-20250101-120000 --port 9000 --json-only
      curl -F file=@seven.png http://127.0.0.1:8000/predict
    """
    from kerascli import inference, serving
    from kerascli.commands.output import log, warn

    serving.check_installed()
    if not serving.is_loopback(host):
        warn(f"--host {host}: the model and its API are reachable from the network, by anyone "
             "who can reach this machine.")
    sock = serving.listen(host, port)  # first: a busy port is reported before the model loads
    try:
        run = inference.load_run(model, unsafe=unsafe)
        served = serving.Served(run, str(model))
        served.warm_up()
    except BaseException:
        sock.close()
        raise
    app = serving.make_app(served, max_bytes=int(max_upload_mb * 2**20), page=not json_only)
    log(f"serving {model} ({served.description['kind']} model) at {serving.url_of(sock)} "
        "(Ctrl-C stops)")
    serving.serve(app, sock)
    log("stopped.")
