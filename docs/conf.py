"""Sphinx configuration of the ghginv documentation site (``make docs``).

Pages are Markdown (MyST); the Python API comes from the numpydoc docstrings (autodoc of
``ghginv.__all__`` and the public subpackages' ``__all__``), the command reference from the
command line itself (docs/_ext/ghginv_docs.py reads the commands typer builds from ``ghginv.cli.app``).
Built with warnings as errors by ``tests/integration/test_docs_build.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's ghginv, also when another copy is installed
sys.path.insert(0, str(ROOT / "docs" / "_ext"))  # ghginv_docs: the generated command reference

import ghginv  # noqa: E402

project = "ghginv"
author = "ghginv developers"
copyright = "ghginv developers, Apache-2.0"
release = ghginv.__version__
version = release

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "ghginv_docs",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
language = "en"

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# API pages: numpydoc renders the docstrings; signatures without type annotations (the types are in
# the Parameters sections), so no reference points at a class of polars, numpy or pathlib.
autodoc_typehints = "none"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

html_theme = "furo"
html_title = f"ghginv {release}"
html_static_path: list[str] = []
html_show_sourcelink = False

nitpicky = True
