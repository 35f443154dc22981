"""``ghginv serve``: the bureau's workflow in a local web app (issue 21).

:func:`create_app` builds the Starlette app over a workspace folder (:mod:`ghginv.web.workspace`); the command
``ghginv serve`` (:mod:`ghginv.cli.serve`) runs it with uvicorn. The app calls only the public API
(:mod:`ghginv`) and takes its texts from :data:`ghginv.core.i18n.WEB`; it needs the ``web`` extra
(``pip install 'ghginv[web]'``: starlette, jinja2, uvicorn, python-multipart).
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(workspace, **options):
    """The web app over ``workspace`` (imports Starlette only when called).

    Parameters
    ----------
    workspace : str or os.PathLike
        The workspace folder (:mod:`ghginv.web.workspace`).
    **options
        ``token`` (access token required on every request), ``max_upload_mb`` (largest upload, MB); see
        :func:`ghginv.web.app.create_app`.

    Returns
    -------
    starlette.applications.Starlette
        The ASGI app.
    """
    from .app import create_app as _create

    return _create(workspace, **options)
