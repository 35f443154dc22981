"""A small Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (standard library only).

Headless Chromium (Debian's ``chromium``) reads CDP commands on file descriptor 3 and writes replies and
events on descriptor 4, each message a JSON object ended by a NUL byte. This drives one page: open a file,
collect console errors and exceptions, evaluate JavaScript, take PNG screenshots and print A4 PDFs.

Also a script that refreshes the screenshots kept in docs/::

    python tests/integration/_cdp.py RUN_DIR/report.html docs/report-screenshot-zh.png
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = Path(os.environ.get("GHGINV_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--remote-debugging-pipe"]
A4_PRINT_PX = round((210 - 2 * 12) / 25.4 * 96)  # A4 width less the report's 12 mm print margins, in CSS px (703)


class CDPError(RuntimeError):
    """Chromium answered a command with an error, or went away."""


class Chromium:
    """One headless Chromium with one page, driven over the DevTools pipe. Use as a context manager."""

    def __init__(self, width: int = 1280, height: int = 900, timeout: float = 60.0):
        self.width, self.height, self.timeout = width, height, timeout
        self.events: list[dict] = []
        self._id = 0
        self._buf = b""

    def __enter__(self) -> Chromium:
        self._profile = tempfile.mkdtemp(prefix="ghginv-chromium-")
        import fcntl

        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()
        # the child's ends above fd 4, so that moving them onto 3 and 4 cannot overwrite one with the other
        hi_r, hi_w = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
        os.close(to_child_r)
        os.close(from_child_w)

        def fds():  # in the child: fd 3 = commands in, fd 4 = replies out (kept open through pass_fds)
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        self.proc = subprocess.Popen([str(CHROMIUM), *FLAGS, f"--user-data-dir={self._profile}", f"--window-size={self.width},{self.height}",
                                      "about:blank"], pass_fds=(3, 4, hi_r, hi_w), preexec_fn=fds,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(hi_r)
        os.close(hi_w)
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=True)
        self.viewport(self.width, self.height)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.send("Browser.close")
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._r, self._w):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    # ---- protocol -------------------------------------------------------------------------------------
    def _read(self) -> dict:
        import select

        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._r], [], [], self.timeout)
            if not ready:
                raise CDPError(f"no answer from Chromium in {self.timeout} s")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise CDPError("Chromium closed the DevTools pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, session: bool = False, **params) -> dict:
        """Send one command and return its result; events that arrive meanwhile are kept in :attr:`events`."""
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self._id:
                if "error" in m:
                    raise CDPError(f"{method}: {m['error']}")
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method: str) -> dict:
        for i, e in enumerate(self.events):
            if e["method"] == method:
                return self.events.pop(i)
        while True:
            m = self._read()
            if m.get("method") == method:
                return m
            if "method" in m:
                self.events.append(m)

    # ---- page -------------------------------------------------------------------------------------------
    def viewport(self, width: int, height: int) -> None:
        self.send("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height, deviceScaleFactor=1, mobile=False)

    def media(self, media: str) -> None:
        """Emulate a CSS media type ("print" or "" for screen)."""
        self.send("Emulation.setEmulatedMedia", session=True, media=media)

    def open(self, path: Path) -> None:
        """Navigate to a local file and wait for its load event."""
        self.send("Page.navigate", session=True, url=Path(path).resolve().as_uri())
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str):
        """The value of a JavaScript expression (returned by value; an exception raises :class:`CDPError`)."""
        r = self.send("Runtime.evaluate", session=True, expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise CDPError(f"JavaScript failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries of the page so far."""
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif e["method"] == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:300])
            elif e["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(f"log: {p['entry'].get('text')} ({p['entry'].get('url', '')})")
        return out

    def screenshot(self, out: Path, height: int | None = None) -> Path:
        """A PNG of the page at the current width: the whole page, or its top ``height`` px."""
        full = self.evaluate("document.documentElement.scrollHeight")
        w = self.evaluate("document.documentElement.clientWidth")
        h = min(full, height) if height else full
        r = self.send("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True,
                      clip={"x": 0, "y": 0, "width": w, "height": h, "scale": 1})
        Path(out).write_bytes(base64.b64decode(r["data"]))
        return Path(out)

    def pdf(self, out: Path) -> Path:
        """Print the page as Chromium prints it (the page's @page rules: A4, its margins) to a PDF file."""
        r = self.send("Page.printToPDF", session=True, printBackground=True, preferCSSPageSize=True, paperWidth=8.27, paperHeight=11.69)
        Path(out).write_bytes(base64.b64decode(r["data"]))
        return Path(out)


if __name__ == "__main__":  # refresh a screenshot for docs/: the top of the page at 1280 px
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    with Chromium() as c:
        c.open(src)
        c.screenshot(dst, height=int(sys.argv[3]) if len(sys.argv) > 3 else 2200)
    print(f"wrote {dst}")
