"""Screenshots of the report page for docs/results.md: a small default run,
its report opened in headless Chromium (offline), the whole page and the map.

    python docs/screenshots.py                     # writes docs/images/report-full.png and report-map.png
    python docs/screenshots.py --runs 4 --scale 0.005 --images /tmp/shots

Needs the dev extras (selenium) and Chromium with its driver (the Debian
packages chromium and chromium-driver); nothing is downloaded. The run goes
into a temporary results folder, removed afterwards. Each PNG is scaled down
and reduced to a palette so that it stays under 300 KB.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: the largest a screenshot may be, in bytes
LIMIT = 300_000


def build(folder: Path, runs: int, scale: float, workers: int) -> Path:
    """``rumormill run`` (the built-in scenario) as a small ensemble; the path of its report page."""
    from rumormill.cli import main
    from rumormill.results import Store

    code = main(["run", "--runs", str(runs), "--scale", str(scale), "--workers", str(workers), "--report",
                 "--out", str(folder)])
    if code != 0:
        sys.exit(f"rumormill run failed (exit code {code})")
    ensemble = Store(folder).ensembles()["ensemble_id"].iloc[-1]
    return folder / "ensembles" / ensemble / "report.html"


def browser(profile: Path, width: int):
    """Headless Chromium from the system's packages, with the network off."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width},1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                                "downloadThroughput": 0, "uploadThroughput": 0})
    return driver


def small(png: bytes, path: Path, width: int) -> int:
    """``png`` scaled to ``width`` pixels and reduced to a palette until it fits ``LIMIT``; its size."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    for w, colours in ((width, 256), (int(width * 0.9), 256), (int(width * 0.8), 128), (int(width * 0.65), 64)):
        scaled = image.resize((w, round(image.height * w / image.width)), Image.LANCZOS) if w < image.width else image
        out = io.BytesIO()  # octree keeps the lines' hues apart better than median cut, in fewer bytes
        scaled.quantize(colors=colours, method=Image.Quantize.FASTOCTREE).save(out, format="PNG", optimize=True)
        if out.tell() <= LIMIT:
            break
    path.write_bytes(out.getvalue())
    return out.tell()


def shoot(page: Path, images: Path, width: int = 1280) -> list[Path]:
    """The whole page and its map section, as PNG files in ``images``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    images.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        driver = browser(Path(profile), width)
        try:
            driver.get(page.resolve().as_uri())
            WebDriverWait(driver, 60).until(
                lambda d: d.execute_script("return document.body.dataset.rendered === 'true'"))
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(width, height + 40)
            time.sleep(1.0)  # charts re-lay themselves out for the new size
            full = driver.get_screenshot_as_png()
            section = driver.find_element(By.ID, "map")
            driver.execute_script("arguments[0].scrollIntoView()", section)
            chart = section.screenshot_as_png
        finally:
            driver.quit()
    written = []
    for name, png, w in (("report-full.png", full, 900), ("report-map.png", chart, 1100)):
        path = images / name
        size = small(png, path, w)
        print(f"{path} ({size / 1000:.0f} kB)")
        written.append(path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=4, help="replicates of the default run (default 4)")
    parser.add_argument("--scale", type=float, default=0.005, help="fraction of the census population (0.005)")
    parser.add_argument("--workers", type=int, default=2, help="processes to run them on (2)")
    parser.add_argument("--images", type=Path, default=HERE / "images", help="where the PNGs go (docs/images)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        page = build(Path(folder) / "rumormill-runs", args.runs, args.scale, args.workers)
        shoot(page, args.images)
    return 0


if __name__ == "__main__":
    sys.exit(main())
