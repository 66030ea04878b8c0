"""The page in a real browser: Debian's headless Chromium driven by Playwright (.ci/run installs
both; `playwright install` is not needed). A stroke drawn with mouse events and an uploaded
image must show the prediction the API gives for the same input; the Iris form predicts too."""
import base64

import pytest

pytestmark = pytest.mark.needs_extra("browser")  # Playwright and /usr/bin/chromium


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 900, "height": 560})
    page = context.new_page()
    outside = []  # any request that leaves the server under test
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    page.outside = outside
    yield page
    context.close()


def _shown(page):
    """(top class, [(class, probability) of the bars]) as the page shows them."""
    bars = page.eval_on_selector_all(
        "#bars .bar", "rows => rows.map(r => [r.dataset.class, Number(r.dataset.probability)])")
    return page.inner_text("#prediction"), [tuple(b) for b in bars]


def _api_top(http, url, name, png):
    answer = http.post(f"{url}/predict?top_k=5", files=[("file", (name, png))])
    assert answer.status_code == 200, answer.text
    return [(t["class"], t["probability"]) for t in answer.json()["predictions"][0]["top"]]


def test_drawing_a_stroke_shows_the_models_prediction_while_drawing(page, digits_server, http,
                                                                    tmp_path):
    requests = []
    page.on("request", lambda r: requests.append(r) if "/predict" in r.url else None)
    page.goto(digits_server.url + "/")
    box = page.locator("#canvas").bounding_box()
    x0, y0 = box["x"], box["y"]
    # a "7": the top bar, then the diagonal, as many small mouse moves
    page.mouse.move(x0 + 70, y0 + 60)
    page.mouse.down()
    moves = 0
    for x, y in [(210, 60), (150, 230)]:
        page.mouse.move(x0 + x, y0 + y, steps=15)
        moves += 15
    # still holding the button: the debounced update arrives while drawing
    page.wait_for_selector("#bars .bar", timeout=20000)
    sent_while_drawing = len(requests)
    page.mouse.up()
    # the final update after the button is released: sent, answered and shown (under load an
    # answer to an earlier, partial stroke may still be on the page until it arrives)
    for _ in range(200):
        if len(requests) > sent_while_drawing and all(r.response() for r in requests):
            break
        page.wait_for_timeout(50)
    assert len(requests) > sent_while_drawing, "no update after the button was released"
    assert 1 <= len(requests) < moves / 4  # debounced: not one request per mouse move
    # what the page shows is what the API answers for the canvas as drawn
    png = base64.b64decode(page.evaluate(
        "document.getElementById('canvas').toDataURL('image/png')").split(",", 1)[1])
    expected = _api_top(http, digits_server.url, "drawing.png", png)
    page.wait_for_function(
        "top => document.getElementById('prediction').innerText === top && "
        "document.querySelectorAll('#bars .bar').length === 5", arg=expected[0][0])
    top, bars = _shown(page)
    assert top == expected[0][0] and [c for c, _ in bars] == [c for c, _ in expected]
    assert [p for _, p in bars] == pytest.approx([p for _, p in expected], abs=1e-6)
    # the input the model saw is shown small, inverted to the digits' white-on-black
    assert page.get_attribute("#seen", "src").startswith("data:image/png;base64,")
    assert "inverted" in page.inner_text("#seen-note")
    assert page.outside == []
    page.screenshot(path=str(tmp_path / "serve.png"))  # what docs/serve.png shows

    page.click("#clear")
    assert page.inner_text("#prediction") == "" and page.locator("#bars .bar").count() == 0


def test_uploading_an_image_shows_its_prediction(page, digits_server, http, tmp_path):
    from kerascli import datasets
    from PIL import Image
    pixels = datasets.load("digits").x_test[5, :, :, 0]
    path = tmp_path / "digit.png"
    Image.fromarray(pixels).resize((56, 56), Image.Resampling.NEAREST).save(path)
    page.goto(digits_server.url + "/")
    page.set_input_files("#file", str(path))
    page.wait_for_selector("#bars .bar", timeout=20000)
    top, bars = _shown(page)
    expected = _api_top(http, digits_server.url, "digit.png", path.read_bytes())
    assert top == expected[0][0] and [c for c, _ in bars] == [c for c, _ in expected]
    assert "inverted" not in page.inner_text("#seen-note")  # already white on black
    assert page.outside == []


def test_the_iris_form_has_one_field_per_feature_and_predicts(page, iris_server):
    page.goto(iris_server.url + "/")
    labels = page.eval_on_selector_all("#features label span", "s => s.map(x => x.textContent)")
    assert labels == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert "training range" in page.inner_text("#features")
    for name, value in [("sepal_length", "5.1"), ("sepal_width", "3.5"),
                        ("petal_length", "1.4"), ("petal_width", "0.2")]:
        page.fill(f"input[name={name}]", value)
    page.click("button[type=submit]")
    page.wait_for_function(
        "() => document.getElementById('prediction').textContent === 'setosa'", timeout=20000)
    assert page.locator("#bars .bar").count() == 3

