"""The report opened from disk in the real headless Chromium (Playwright), with the network
watched: every image shows, the tables a reader looks for are there, nothing is fetched."""
import pytest
from click.testing import CliRunner
from runfiles import make_forecast_run, make_run

from kerascli.cli import cli

pytestmark = pytest.mark.needs_extra("browser")  # Playwright and /usr/bin/chromium

Y = [0, 1, 2, 2, 1, 0]
P = [0, 1, 1, 2, 1, 2]


def open_report(browser, run):
    """Write RUN's report, open it in Chromium; (page, urls requested)."""
    result = CliRunner().invoke(cli, ["runs", "report", str(run)])
    assert result.exit_code == 0, result.output
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((run / "report.html").as_uri())
    page.wait_for_load_state("load")
    return page, requests


def table_after(page, heading_id):
    """The rows (lists of cell texts, header first) of the table after h2#heading_id."""
    return page.eval_on_selector_all(
        f"h2#{heading_id} + table tr",
        "rs => rs.map(r => Array.from(r.cells).map(c => c.innerText))")


def images(page):
    """{alt: natural width} of every image: 0 is one the browser could not decode."""
    return dict(page.eval_on_selector_all("img", "xs => xs.map(x => [x.alt, x.naturalWidth])"))


def test_a_classifier_report_shows_its_confusion_matrix_and_per_class_scores(tmp_path, browser):
    run = make_run(tmp_path / "runs", "mlp", model="mlp", predictions=zip(Y, P))
    (run / "skipped.txt").write_text("cats/x.jpg\tnot an image\n")
    page, requests = open_report(browser, run)
    assert page.inner_text("#status") == "complete"
    shown = images(page)
    assert "Learning curves" in shown and all(w > 0 for w in shown.values()), shown
    matrix = table_after(page, "confusion")
    assert matrix[0] == ["", "setosa", "versicolor", "virginica"]
    assert matrix[3] == ["virginica", "0", "1", "1"]  # true virginica: 1 taken for versicolor
    per_class = table_after(page, "per-class")
    assert [r[0] for r in per_class] == ["class", "setosa", "versicolor", "virginica"]
    assert per_class[2][1:] == ["0.6667", "1.0000", "0.8000", "2"]  # versicolor P, R, F1, n
    assert table_after(page, "skipped")[1] == ["cats/x.jpg", "not an image"]
    versions = dict(r[:2] for r in table_after(page, "versions"))
    assert "kerascli" in versions and "python" in {k.lower() for k in versions}
    assert all(u.startswith(("file:", "data:")) for u in requests), requests


def test_a_forecast_report_shows_its_forecast_plot_and_per_horizon_table(tmp_path, browser):
    run = make_forecast_run(tmp_path / "runs", "forecast-airline", steps=3)
    page, requests = open_report(browser, run)
    shown = images(page)
    assert shown.get("Forecast", 0) > 0 and shown.get("Learning curves", 0) > 0, shown
    horizon = table_after(page, "per-horizon")
    assert horizon == [["step", "lstm", "naive"], ["1", "17.0000", "52.0000"],
                       ["2", "27.0000", "62.0000"], ["3", "37.0000", "72.0000"]]
    assert "Per-class" not in page.inner_text("body")
    assert "kerascli forecast" in page.inner_text("#command")
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
