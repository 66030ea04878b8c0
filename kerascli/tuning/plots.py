"""``--plot``: the study's optimisation history and parameter importances as PNGs."""
import sys
import warnings
from pathlib import Path


def plot_study(study, study_dir):
    """optimization_history.png and param_importances.png (where Optuna can compute them):
    name -> path of those written."""
    from kerascli import plots
    written = {}
    plots.pyplot()  # the non-interactive backend
    from optuna.visualization import matplotlib as ovm
    for name, draw in (("optimization_history", ovm.plot_optimization_history),
                       ("param_importances", ovm.plot_param_importances)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ax = draw(study)
            fig = ax.figure if hasattr(ax, "figure") else ax[0].figure
            written[name] = str(plots.save_figure(fig, Path(study_dir) / f"{name}.png"))
        except Exception as exc:  # too few finished trials for importances
            print(f"note: no {name}.png ({(str(exc).splitlines() or ['?'])[0]})",
                  file=sys.stderr)
    return written
