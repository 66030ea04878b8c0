"""``kerascli serve MODEL``: a saved model behind a local web page and a JSON API."""
from pathlib import Path

import click

from kerascli.commands import options


@click.command()
@click.argument("model", metavar="MODEL", type=click.Path(path_type=Path))
@options.use(options.serve_options(), options.unsafe_option(), options.allow_incomplete_option())
def command(model, host, port, json_only, max_upload_mb, unsafe, allow_incomplete):
    """Serve a saved model: a page to draw on or fill in, and a JSON API.

    MODEL is a run directory made by `kerascli train` or a model.h5 file; it is loaded once
    (refused if loading would run code stored in it, unless --unsafe). Open the printed URL:
    image models get a canvas to draw on (and an image drop), table models a form with one
    field per feature. POST /predict takes image or CSV files (multipart/form-data) or JSON
    rows ({"rows": [{feature: value}]}) and answers what `kerascli predict --json` prints;
    GET /model shows the run's config and test metrics; GET /health. Ctrl-C (or SIGTERM)
    stops it cleanly, exit code 0, at any moment once the model has loaded. A run marked
    INCOMPLETE (interrupted, diverged) is refused unless --allow-incomplete.

    \b
    Examples:
      kerascli serve runs/cnn-mnist-20250101-120000
      kerascli serve runs/logreg-iris-20250101-120000 --port 9000 --json-only
      curl -F file=@seven.png http://127.0.0.1:8000/predict
    """
    from kerascli.serving import server
    from kerascli.serving.app import make_app
    from kerascli.serving.served_model import Served
    from kerascli.inference.saved_run import load_run, tell
    from kerascli.commands.output import log, warn

    server.check_installed()
    if not server.is_loopback(host):
        warn(f"--host {host}: the model and its API are reachable from the network, by anyone "
             "who can reach this machine.")
    sock = server.listen(host, port)  # first: a busy port is reported before the model loads
    try:
        run = load_run(model, unsafe=unsafe, allow_incomplete=allow_incomplete)
        tell(run, log)
        served = Served(run, str(model))
        served.warm_up()
    except BaseException:
        sock.close()
        raise
    app = make_app(served, max_bytes=int(max_upload_mb * 2**20), page=not json_only)
    server.serve(app, sock, announce=lambda: log(
        f"serving {model} ({served.description['kind']} model) at {server.url_of(sock)} "
        "(Ctrl-C stops)"))
    log("stopped.")
    server.exit_now(0)
