"""The built book as a reader sees it: headless Chromium with no network at all.

``check_site(html, screenshots)`` opens every page of the built book (``_build/html``, see
``pages``) from ``file://``, waits until MathJax has typeset it and its images and fonts have
loaded, saves a full-page screenshot and returns one ``PageReport`` per page. A report's
``problems`` name what a reader would see broken, with a sample of the offending elements:

- a formula (Sphinx's ``span.math`` / ``div.math``) that MathJax did not typeset;
- a MathJax error (``mjx-merror``: unbalanced braces, an undefined macro), with its TeX;
- a formula wider than its column that is cut off rather than scrollable;
- a raw TeX delimiter (``\\(``, ``\\)``, ``\\[``, ``\\]``, ``$$``) left in the visible text
  outside code;
- an image that did not load, a web font that failed, a request that failed, an uncaught
  JavaScript exception.

``remote_assets(page)`` lists what a page would load from the network (``http(s)://`` or
``//`` scripts, stylesheets, images): the book must have none.

Chromium runs with every host name unresolvable and a proxy on a closed port, so a page that
needs anything outside the site fails here as it would for a reader offline. It is driven over
the DevTools protocol through a pipe (``--remote-debugging-pipe``), with the standard library
only and no driver or port. The executable is ``$CHROMIUM``, else ``chromium`` on the PATH
(Debian's package ``chromium``).
"""

from __future__ import annotations

import base64
import fcntl
import json
import math
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

CHROMIUM_ENV = "CHROMIUM"
INSTALL_HINT = "apt-get install chromium"
WINDOW = (1280, 900)
# Screenshots show each page whole, or its top this many CSS pixels high (22 screens; the
# checks cover the whole page): a 60 000-pixel page would take 10 s to capture.
MAX_SCREENSHOT_HEIGHT = 20_000
# Pages of Sphinx's own with no content of the book: the general index (the book defines no
# index entries) and the search page, filled by JavaScript only once a query is typed. Neither
# has a formula or a figure; remote_assets still covers them.
SKIPPED_PAGES = ("genindex.html", "search.html")

# Uncaught exceptions that change nothing for a reader. sphinx-thebe 0.3.1 writes its
# configuration script (`const THEBE_JS_URL = ...`) twice into every page of a Jupyter Book 1
# build; the second copy cannot redeclare the constants the first one set. Live code (thebe)
# is off in this book, so nothing reads them anyway.
HARMLESS_EXCEPTIONS = ("Identifier 'THEBE_JS_URL' has already been declared",)

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-extensions", "--mute-audio",
    "--hide-scrollbars", "--force-device-scale-factor=1",
    # No network: no name resolves and every request goes to a closed port.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
    "--proxy-server=http://127.0.0.1:9",
)

# Runs in the page once it has loaded; resolves to what lib.browser.PageReport is built from.
_CHECK = r"""
async (timeout) => {
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  const deadline = Date.now() + timeout;
  const within = (promise) =>
    Promise.race([promise, sleep(Math.max(0, deadline - Date.now())).then(() => "timed out")]);
  const sample = (text) => Array.from(text.replace(/\s+/g, " ").trim()).slice(0, 100).join("");
  const maths = [...document.querySelectorAll("span.math, div.math")];
  const started = () => window.MathJax && MathJax.startup && MathJax.startup.promise;
  let mathjax = "not needed";
  if (maths.length) {
    // Sphinx loads MathJax with defer (or async): it has run by the load event, or failed.
    const grace = Math.min(deadline, Date.now() + 2000);
    while (!started() && Date.now() < grace) await sleep(50);
    mathjax = started()
      ? await within(MathJax.startup.promise.then(() => "typeset", (e) => `failed: ${e}`))
      : "not loaded";
  }
  for (const img of document.images) if (img.loading === "lazy") img.loading = "eager";
  await within(Promise.all([...document.images].filter((img) => !img.complete).map(
    (img) => new Promise((done) => { img.onload = done; img.onerror = done; }))));
  await within(document.fonts.ready);

  const errors = [];
  if (window.MathJax && MathJax.startup && MathJax.startup.document && MathJax.startup.toMML) {
    for (const item of MathJax.startup.document.math) {
      const mml = MathJax.startup.toMML(item.root);
      if (mml.includes("<merror")) {
        const message = (mml.match(/data-mjx-error="([^"]*)"/) || [, "error"])[1];
        errors.push(`${message} in ${sample(item.math)}`);
      }
    }
  }
  if (!errors.length) {  // any other MathJax (version 2) or a page without MathJax.startup
    for (const el of document.querySelectorAll("mjx-merror, merror, .MathJax_Error")) {
      errors.push(sample(el.getAttribute("data-mjx-error") || el.textContent || el.outerHTML));
    }
  }

  // A formula wider than its column must stay reachable: cut if a box that hides overflow
  // is narrower, or a scrolling box cannot scroll to all of it (overflow on its start side).
  const clipped = [];
  for (const item of window.MathJax && MathJax.startup && MathJax.startup.document
    ? MathJax.startup.document.math : []) {
    const box = item.typesetRoot;
    if (!box || !box.isConnected) continue;
    let { left, right } = (box.querySelector("mjx-math") || box).getBoundingClientRect();
    for (let el = box; el && el !== document.body; el = el.parentElement) {
      const overflow = getComputedStyle(el).overflowX;
      if (overflow === "visible") continue;
      const start = el.getBoundingClientRect().left + el.clientLeft;  // inside the border
      const end = start + el.clientWidth;
      const extent = Math.max(right, end) - Math.min(left, start);
      const reach = ["auto", "scroll"].includes(overflow) ? el.scrollWidth : el.clientWidth;
      if (extent > reach + 1) {
        clipped.push(`${Math.round(extent - reach)} px of ${sample(item.math)}`);
        break;
      }
      [left, right] = [start, end];
    }
  }

  const hide = document.createElement("style");  // code shows its TeX verbatim, on purpose
  hide.textContent = "pre, code { display: none !important; }";
  document.head.append(hide);
  const text = document.body.innerText;
  hide.remove();
  const raw = [];
  for (const delimiter of ["\\(", "\\)", "\\[", "\\]", "$$"]) {
    const at = text.indexOf(delimiter);
    if (at >= 0) raw.push(sample(Array.from(text.slice(Math.max(0, at - 40), at + 60))
      .filter((c) => c.length === 2 || !/[\uD800-\uDFFF]/.test(c)).join("")));
  }
  return {
    mathjax,
    formulas: maths.length,
    untypeset: maths.filter((el) => !el.querySelector("mjx-container, .MathJax, .MathJax_Display"))
      .map((el) => sample(el.textContent)),
    errors,
    clipped,
    raw,
    images: document.images.length,
    broken_images: [...document.images].filter((img) => !(img.complete && img.naturalWidth > 0))
      .map((img) => img.getAttribute("src")),
    failed_fonts: [...document.fonts].filter((font) => font.status === "error")
      .map((font) => font.family),
  };
}
"""


def find_chromium() -> str | None:
    """``$CHROMIUM`` if it names an executable, else ``chromium`` on the PATH, else None."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return named if os.access(named, os.X_OK) and Path(named).is_file() else None
    return shutil.which("chromium")


class Chromium:
    """One headless Chromium with no network and one tab, driven over the DevTools protocol
    (JSON messages ended by a NUL byte: commands on the child's fd 3, replies on its fd 4).
    Use as a context manager; ``Chromium.close`` ends it and its children."""

    def __init__(self, executable: str | None = None, *, timeout: float = 60.0) -> None:
        executable = executable or find_chromium()
        if executable is None:
            raise FileNotFoundError(f"Chromium not found: set ${CHROMIUM_ENV} or {INSTALL_HINT}")
        self.timeout = timeout
        self.events: list[dict] = []
        self._id = 0
        self._buffer = bytearray()
        self._scanned = 0
        self._folder = tempfile.TemporaryDirectory(prefix="otr-chromium-")
        folder = Path(self._folder.name)
        self._log = folder / "chromium.log"
        commands_r, commands_w = os.pipe()
        replies_r, replies_w = os.pipe()

        def pipes_on_3_and_4() -> None:  # in the child, before exec
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_r, replies_w)]
            for target, fd in zip((3, 4), high, strict=True):
                os.dup2(fd, target)
                os.close(fd)

        with open(self._log, "wb") as log:
            self._process = subprocess.Popen(
                [executable, *FLAGS, f"--window-size={WINDOW[0]},{WINDOW[1]}",
                 f"--user-data-dir={folder / 'profile'}", "--remote-debugging-pipe",
                 "about:blank"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=pipes_on_3_and_4, close_fds=False, start_new_session=True)
        os.close(commands_r)
        os.close(replies_w)
        self._commands, self._replies = commands_w, replies_r
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self.call("Target.attachToTarget",
                                      {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Network"):
                self.call(f"{domain}.enable", session=True)
        except Exception:
            self.close()
            raise

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _log_tail(self) -> str:
        return self._log.read_text(errors="replace")[-2000:] if self._log.exists() else ""

    def _receive(self, deadline: float) -> dict:
        while (end := self._buffer.find(b"\0", self._scanned)) < 0:
            self._scanned = len(self._buffer)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer from Chromium within {self.timeout:.0f} s")
            if select.select([self._replies], [], [], left)[0]:
                chunk = os.read(self._replies, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium closed the pipe:\n{self._log_tail()}")
                self._buffer += chunk
        message = json.loads(self._buffer[:end])
        del self._buffer[:end + 1]
        self._scanned = 0
        return message

    def call(self, method: str, params: dict | None = None, *, session: bool = False,
             timeout: float | None = None) -> dict:
        """Send one command (to the tab when ``session``) and return its result; the events
        that arrive meanwhile go to ``events``."""
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self._session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._commands, data):]
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, event: str, timeout: float | None = None) -> dict:
        """The first ``event`` in ``events``, waiting for it if it has not arrived yet."""
        deadline = time.monotonic() + (timeout or self.timeout)
        seen = 0
        while True:
            for message in self.events[seen:]:
                if message["method"] == event:
                    return message
            seen = len(self.events)
            reply = self._receive(deadline)
            if "method" in reply:
                self.events.append(reply)

    def drain(self) -> None:
        """Collect the events already sent, without waiting."""
        while select.select([self._replies], [], [], 0)[0] or b"\0" in self._buffer:
            self.events.append(self._receive(time.monotonic() + 1))

    def open(self, url: str) -> None:
        """Load ``url`` in the tab and wait for its load event; ``events`` restarts empty."""
        self.drain()
        self.events.clear()
        result = self.call("Page.navigate", {"url": url}, session=True)
        if result.get("errorText"):
            raise RuntimeError(f"{url}: {result['errorText']}")
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str, timeout: float | None = None) -> Any:
        """The value of a JavaScript expression in the page, awaited if it is a promise."""
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True},
                           session=True, timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError(details.get("exception", {}).get("description", details["text"]))
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        """Save the whole page (at most ``MAX_SCREENSHOT_HEIGHT`` CSS pixels of it) as png."""
        size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": math.ceil(size["width"]),
                "height": min(math.ceil(size["height"]), MAX_SCREENSHOT_HEIGHT), "scale": 1}
        data = self.call("Page.captureScreenshot",
                         {"format": "png", "clip": clip, "captureBeyondViewport": True,
                          "optimizeForSpeed": True},
                         session=True)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                self.call("Browser.close", timeout=10)
                self._process.wait(timeout=10)
            except (OSError, RuntimeError, TimeoutError, subprocess.TimeoutExpired):
                pass
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        for fd in (self._commands, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass
        self._folder.cleanup()


@dataclass
class PageReport:
    """What one page showed: counts, the problems a reader would see, the screenshot."""

    page: str
    formulas: int = 0
    images: int = 0
    problems: list[str] = field(default_factory=list)
    screenshot: Path | None = None
    seconds: float = 0.0


def _sample(items: list[str], limit: int = 3) -> str:
    shown = "; ".join(repr(item) for item in items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


def check_page(browser: Chromium, page: Path, screenshot: Path | None = None, *,
               name: str | None = None, timeout: float = 30.0) -> PageReport:
    """Open ``page`` (an html file) in ``browser``, check it (see the module docstring) and
    save its screenshot to ``screenshot`` when given."""
    start = time.monotonic()
    report = PageReport(name or page.name, screenshot=screenshot)
    browser.open(page.resolve().as_uri())
    found = browser.evaluate(f"({_CHECK})({int(timeout * 1000)})", timeout=timeout + 10)
    browser.drain()
    report.formulas, report.images = found["formulas"], found["images"]
    problems = report.problems
    if found["mathjax"] not in ("typeset", "not needed"):
        problems.append(f"MathJax {found['mathjax']}")
    if found["untypeset"]:
        problems.append(f"{len(found['untypeset'])} of {found['formulas']} formulas not "
                        f"typeset: {_sample(found['untypeset'])}")
    if found["errors"]:
        problems.append(f"{len(found['errors'])} MathJax errors: {_sample(found['errors'])}")
    if found["clipped"]:
        problems.append(f"{len(found['clipped'])} formulas cut off (wider than their column "
                        f"and not scrollable): {_sample(found['clipped'])}")
    if found["raw"]:
        problems.append(f"raw TeX delimiters in the text: {_sample(found['raw'])}")
    if found["broken_images"]:
        problems.append(f"{len(found['broken_images'])} of {found['images']} images not "
                        f"loaded: {_sample(found['broken_images'])}")
    if found["failed_fonts"]:
        problems.append(f"fonts not loaded: {_sample(sorted(set(found['failed_fonts'])))}")
    urls = {e["params"]["requestId"]: e["params"]["request"]["url"]
            for e in browser.events if e["method"] == "Network.requestWillBeSent"}
    failed = [f"{urls.get(e['params']['requestId'], '?')} ({e['params']['errorText']})"
              for e in browser.events
              if e["method"] == "Network.loadingFailed" and not e["params"].get("canceled")]
    if failed:
        problems.append(f"{len(failed)} requests failed: {_sample(failed)}")
    thrown = [d.get("exception", {}).get("description", d["text"])
              for d in (e["params"]["exceptionDetails"] for e in browser.events
                        if e["method"] == "Runtime.exceptionThrown")]
    thrown = [t for t in thrown if not any(known in t for known in HARMLESS_EXCEPTIONS)]
    if thrown:
        problems.append(f"uncaught JavaScript exceptions: {_sample(thrown)}")
    if screenshot is not None:
        browser.screenshot(screenshot)
    report.seconds = time.monotonic() - start
    return report


def pages(site: Path) -> list[Path]:
    """The html pages of a built book worth opening: all but Sphinx's own (``SKIPPED_PAGES``)
    and those under ``_static``, ``_sources`` or ``_images``."""
    return sorted(p for p in site.rglob("*.html")
                  if not any(part.startswith("_") for part in p.relative_to(site).parts)
                  and p.relative_to(site).as_posix() not in SKIPPED_PAGES)


def check_site(site: Path, screenshots: Path | None = None,
               browser: Chromium | None = None) -> list[PageReport]:
    """``check_page`` on each of ``pages(site)``; the screenshot of ``site/a/b.html`` is
    ``screenshots/a/b.png``. Starts (and ends) a Chromium unless one is given."""
    if browser is None:
        with Chromium() as own:
            return check_site(site, screenshots, own)
    reports = []
    for page in pages(site):
        name = page.relative_to(site).as_posix()
        shot = screenshots / Path(name).with_suffix(".png") if screenshots else None
        reports.append(check_page(browser, page, shot, name=name))
    return reports


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        rel = set(attributes.get("rel", "").lower().split())
        if tag in ("script", "img", "iframe") and attributes.get("src"):
            self.urls.append(attributes["src"])
        elif tag == "link" and rel & {"stylesheet", "preload", "modulepreload"}:
            self.urls.append(attributes.get("href", ""))


def assets(page: Path) -> list[str]:
    """The addresses of the scripts, stylesheets, images and frames that ``page`` loads."""
    parser = _Assets()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.urls


def remote_assets(page: Path) -> list[str]:
    """Those of ``assets(page)`` that come from the network."""
    return [url for url in assets(page) if url.lower().startswith(("http:", "https:", "//"))]
