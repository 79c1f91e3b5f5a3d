"""tests/report/index_browser.py — results/index.html in Debian's headless Chromium, for the page's tests.

chromium + chromium-driver + python3-selenium (scripts/test installs them). Without
any of them the caller's test is skipped (77) with the reason. The browser gets a
new empty profile and every flag that keeps it off the network: the page must
draw from the file alone.
"""
import base64
import os
import shutil
import tempfile

from common import skip

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _find(names):
    for n in names:
        p = shutil.which(n) or (os.path.join("/usr/bin", n) if os.path.exists(os.path.join("/usr/bin", n)) else None)
        if p:
            return p
    return None


def open_browser(width=1400, height=1000):
    """A selenium Chrome driver on Debian's chromium, or skip (77) saying what is missing."""
    binary = _find(["chromium", "chromium-browser"])
    driver = _find(["chromedriver"])
    if not binary:
        skip("chromium not installed (apt-get install chromium chromium-driver python3-selenium)")
    if not driver:
        skip("chromedriver not installed (apt-get install chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip("python3-selenium not installed (apt-get install python3-selenium)")
    profile = tempfile.mkdtemp(prefix="syspath-chromium-")
    import atexit
    atexit.register(shutil.rmtree, profile, True)
    o = webdriver.ChromeOptions()
    for a in FLAGS:
        o.add_argument(a)
    o.add_argument("--user-data-dir=" + profile)
    o.add_argument("--window-size=%d,%d" % (width, height))
    o.binary_location = binary
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        d = webdriver.Chrome(service=Service(driver), options=o)
    except Exception as e:   # selenium's WebDriverException and friends: the browser did not start here
        skip("headless chromium did not start: %s" % str(e).strip().splitlines()[0][:300])
    atexit.register(d.quit)
    d.set_page_load_timeout(120)
    return d


def severe(driver):
    """The console's SEVERE entries since the last call."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def screenshot(driver, path, width=1400):
    """The whole page (not just the window) as a PNG at path."""
    h = driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": h, "scale": 1}})
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    return path
