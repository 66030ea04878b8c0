"""Make docs/serve.png: the `kerascli serve` page after a digit drawn with the mouse.

    python docs/serve_screenshot.py RUN_DIR [--out docs/serve.png]

RUN_DIR is a run of `kerascli train cnn --dataset mnist` (the README's picture used one
epoch on the real MNIST). Starts the server on a free port, draws a "3" in headless Chromium
(Debian's /usr/bin/chromium, driven by Playwright) and saves the page as PNG.
"""
import argparse
import math
import re
import subprocess
import sys
from pathlib import Path

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def three():
    """A "3" as two arcs, in canvas pixels (280x280, inside the 40-240 guide box)."""
    top = [(140 + 48 * math.cos(a), 98 + 42 * math.sin(a))
           for a in (math.radians(d) for d in range(-160, 91, 10))]
    bottom = [(140 + 55 * math.cos(a), 186 + 48 * math.sin(a))
              for a in (math.radians(d) for d in range(-90, 161, 10))]
    return top + bottom[:-2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--out", default=str(Path(__file__).with_name("serve.png")))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server = subprocess.Popen([sys.executable, "-m", "kerascli", "serve", args.run_dir,
                               "--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for line in server.stderr:
            found = re.search(r"serving .* at (http://\S+)", line)
            if found:
                url = found.group(1)
                break
        if url is None:
            sys.exit("kerascli serve did not start")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 820, "height": 540})
            page.goto(url + "/")
            box = page.locator("#canvas").bounding_box()
            points = three()
            page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
            page.mouse.down()
            for x, y in points[1:]:
                page.mouse.move(box["x"] + x, box["y"] + y, steps=3)
            page.mouse.up()
            page.wait_for_selector("#bars .bar")
            page.wait_for_timeout(800)
            page.screenshot(path=args.out)
            print(f"{args.out}: predicted {page.inner_text('#prediction')!r}")
            browser.close()
    finally:
        server.send_signal(2)
        server.wait(30)


if __name__ == "__main__":
    main()
