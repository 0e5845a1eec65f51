"""Opens a page of the Temporal Web UI in headless Chromium (Debian's `chromium` and
`chromium-driver`, driven by Selenium), waits until every `--wait-for` text shows, saves a
screenshot and prints ONE JSON line: the page's text, whether the waits were met, and the URLs of
the codec server requests the browser made (from its network log).

Run by ``examples/tests/integration/codec_server.rs``. Nothing is fetched beyond loopback: the
browser runs with a fresh profile and without background networking.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1400",
]


def find(name: str, env: str, fallbacks: list) -> str:
    for candidate in [os.environ.get(env)] + fallbacks:
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    sys.exit(
        f"no {name} found (set {env}, or install Debian's `chromium` and `chromium-driver`: "
        "`make tools`)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--wait-for", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()

    options = webdriver.ChromeOptions()
    options.binary_location = find("Chromium", "CHROMIUM", ["chromium", "chromium-browser"])
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="codec-server-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=find("chromedriver", "CHROMEDRIVER", ["chromedriver"]))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_page_load_timeout(args.timeout)
        driver.get(args.url)
        deadline = time.monotonic() + args.timeout
        text = ""
        while True:
            try:
                text = driver.execute_script("return document.body.innerText") or ""
            except WebDriverException:
                text = ""
            met = all(wanted in text for wanted in args.wait_for)
            if met or time.monotonic() >= deadline:
                break
            time.sleep(0.25)
        driver.save_screenshot(args.screenshot)
        log = driver.get_log("browser")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    codec_requests = sorted(
        {
            entry["message"].split(" ")[0]
            for entry in log
            if "/decode" in entry.get("message", "") or "/encode" in entry.get("message", "")
        }
    )
    print(json.dumps({"text": text, "waits_met": met, "codec_log": codec_requests}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
