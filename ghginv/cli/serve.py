"""``ghginv serve [WORKSPACE]``: the local web app over a workspace folder (:mod:`ghginv.web`, issue 21).

Listens on 127.0.0.1 by default. On any other interface (``--host 0.0.0.0``) every request must carry an access
token, drawn at random and printed once at start in the address to open (then kept in a cookie).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import console, esc

__all__ = ["serve_cmd"]

LOCAL = {"127.0.0.1", "localhost", "::1"}


def serve_cmd(
    workspace: Annotated[Path, typer.Argument(help="workspace folder: inventory TOMLs, ledgers/, factors/, out/ (ghginv demo DIR writes one)")] = Path("."),
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8000,
    host: Annotated[str, typer.Option("--host", help="interface to listen on; another than 127.0.0.1 requires the access token printed at start")] = "127.0.0.1",
    no_browser: Annotated[bool, typer.Option("--no-browser", help="do not open a browser, only print the address")] = False,
    max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", help="largest upload (all files of one form together), in MB")] = 50,
):
    """Serve the web app (upload ledgers, compile, trace any number to its source, compare runs) over a workspace."""
    from ._common import fail

    try:
        import uvicorn

        from ..web import create_app
    except ImportError as e:
        from ..core.errors import ConfigError

        fail(ConfigError(f"ghginv serve needs the web extra ({e.name} is missing): pip install 'ghginv[web]'"))
    if not workspace.is_dir():
        from ..core.errors import InputFileError

        fail(InputFileError(f"{workspace}: no such folder; give a workspace folder (ghginv demo DIR writes one)"))
    import secrets  # here, not at import: every command imports this module (ghginv --help)

    token = None if host in LOCAL else secrets.token_urlsafe(24)
    app = create_app(workspace, token=token, max_upload_mb=max_upload_mb)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/" + (f"?token={token}" if token else "")
    con = console()
    con.print(f"ghginv serve: workspace {esc(str(workspace.resolve()))}")
    con.print(f"open {esc(url)}" + ("  (the access token is required on this interface)" if token else "") + "; Ctrl+C stops")
    if not no_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
