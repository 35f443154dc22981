"""The workspace folder the web app serves: inventories, ledgers, factor sets and runs as ordinary files.

The same files the command line reads and writes, so a user can switch between the two:

==============================  =====================================================================
``<name>.toml``                 an inventory (a TOML with an ``[inventory]`` table), at the top
``out/<run>/``                  run folders (``manifest.json`` …), written atomically: a compile or
                                recompute writes into ``out/.tmp-…/`` and renames at the end
``factors/<set>/``              the workspace's own factor sets (an upload is checked first)
``ledgers/<name>/``             an inventory in preparation: the uploaded workbooks under names the
                                server chose (``ledger-001.xlsx`` …), ``mapping.toml``, ``web.json``
``data/<name>/``                what an import writes (``activity.parquet``) and an economy table
``targets/<preset>.toml``       target presets (the demo's district preset among them)
==============================  =====================================================================

No path from the browser is ever used: names in addresses must match :data:`NAME` and are looked up
in the folder they belong to.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["NAME", "Workspace", "slug", "shipped_factor_sets"]

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
DEFAULT_SETS = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", "mee_nbs_grid", "cn_gbt2589_2020", "ipcc2006_energy"]


def slug(text: str) -> str:
    """A folder name from a name the user gave.

    Parameters
    ----------
    text : str
        Any name (``"合成示例区"``, ``"Qingyang 2024"``).

    Returns
    -------
    str
        ASCII letters, digits, ``_`` and ``-`` of ``text``, lower case, at most 40 characters (``"qingyang_2024"``);
        ``"inventory"`` when none remain.
    """
    s = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_-").lower()[:40]
    return s or "inventory"


def shipped_factor_sets() -> list[Path]:
    """The factor sets shipped in the package.

    Returns
    -------
    list of pathlib.Path
        The folders ``ghginv/data/factor_sets/<set>/`` that hold a ``manifest.toml``, by name.
    """
    root = Path(str(resources.files("ghginv").joinpath("data", "factor_sets")))
    return sorted(d for d in root.iterdir() if (d / "manifest.toml").is_file())


@dataclass
class Workspace:
    """A workspace folder; every path the app touches is made here."""

    root: Path

    def __post_init__(self):
        self.root = Path(self.root).resolve()

    # ---- inventories -------------------------------------------------------------------------------
    def inventories(self) -> list[dict]:
        """The inventory TOMLs at the top of the workspace: ``id``, ``path``, ``name``, ``years``, ``base_year``, ``regions``."""
        out = []
        for p in sorted(self.root.glob("*.toml")):
            if not NAME.match(p.stem):
                continue
            try:
                doc = tomllib.loads(p.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            inv = doc.get("inventory")
            if isinstance(inv, dict):
                out.append({"id": p.stem, "path": p, "name": str(inv.get("name", p.stem)), "years": inv.get("years"),
                            "base_year": inv.get("base_year"), "regions": inv.get("regions") or [], "web": self.state(p.stem) is not None})
        return out

    def inventory(self, ident: str) -> dict | None:
        """One inventory by id (its file stem), or None."""
        return next((i for i in self.inventories() if i["id"] == ident), None) if NAME.match(ident or "") else None

    # ---- inventories in preparation (web.json) ------------------------------------------------------
    def drafts(self) -> list[dict]:
        """Inventories in preparation (``ledgers/<id>/web.json``) that have no inventory TOML yet."""
        base = self.root / "ledgers"
        if not base.is_dir():
            return []
        return [s for d in sorted(base.iterdir()) if (s := self.state(d.name)) and not (self.root / f"{d.name}.toml").exists()]

    def draft_dir(self, ident: str) -> Path | None:
        """``ledgers/<id>/`` of an inventory in preparation, or None."""
        if not NAME.match(ident or ""):
            return None
        d = self.root / "ledgers" / ident
        return d if (d / "web.json").is_file() else None

    def state(self, ident: str) -> dict | None:
        """The web app's record of an inventory it created (``ledgers/<id>/web.json``), or None."""
        if not NAME.match(ident or ""):
            return None
        p = self.root / "ledgers" / ident / "web.json"
        try:
            return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None
        except (OSError, ValueError):
            return None

    def save_state(self, ident: str, state: dict) -> None:
        """Write ``web.json`` atomically."""
        p = self.root / "ledgers" / ident / "web.json"
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".web.json.{uuid.uuid4().hex}")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, p)

    def new_draft(self, name: str) -> str:
        """A new ``ledgers/<id>/`` for an inventory called ``name``; the id is chosen here."""
        base = slug(name)
        ident, n = base, 1
        while (self.root / "ledgers" / ident).exists() or (self.root / f"{ident}.toml").exists():
            n += 1
            ident = f"{base}_{n}"
        (self.root / "ledgers" / ident / "workbooks").mkdir(parents=True)
        return ident

    def write_toml(self, ident: str, state: dict) -> Path:
        """The inventory TOML of an inventory the app created, from its ``web.json``."""

        def s(v) -> str:
            return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a TOML basic string

        lines = [f"# Written by `ghginv serve` (the web app) from ledgers/{ident}/web.json; the app rewrites it when you save.", "",
                 "[inventory]", f"name = {s(state['name'])}", f"years = [{int(state['first_year'])}, {int(state['last_year'])}]",
                 f"base_year = {int(state['base_year'])}", 'gwp = "AR5GWP100"']
        if state.get("regions"):
            lines.append("regions = [" + ", ".join(s(r) for r in state["regions"]) + "]")
        lines += ["", "[activity]", f"paths = [{s(f'data/{ident}/activity.parquet')}]", "", "[factors]",
                  "sets = [" + ", ".join(s(x) for x in state.get("factor_sets") or DEFAULT_SETS) + "]", 'year_fallback = "nearest"']
        if state.get("economy"):
            lines += ["", "[economy]", f"path = {s(state['economy'])}"]
        for preset in state.get("presets", []):
            lines += ["", "[[targets]]", f"preset = {s(preset)}"]
        p = self.root / f"{ident}.toml"
        tmp = p.with_name(f".{ident}.toml.{uuid.uuid4().hex}")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, p)
        return p

    # ---- runs ----------------------------------------------------------------------------------------
    @property
    def out(self) -> Path:
        return self.root / "out"

    def runs(self) -> list[dict]:
        """The run folders ``out/<run>/`` (with a ``manifest.json``), newest first."""
        out = []
        if self.out.is_dir():
            for d in self.out.iterdir():
                if NAME.match(d.name) and (d / "manifest.json").is_file():
                    try:
                        m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
                    except (OSError, ValueError):
                        continue
                    out.append({"id": d.name, "path": d, "name": m.get("name") or d.name, "created": m.get("created_utc", ""),
                                "synthetic": bool(m.get("synthetic")),
                                "gwp": (m.get("config") or {}).get("gwp") or "",
                                "years": (m.get("config") or {}).get("years"), "manifest": m})
        return sorted(out, key=lambda r: r["created"], reverse=True)

    def run_dir(self, ident: str) -> Path | None:
        """``out/<run>/`` when it is a run folder, else None."""
        if not NAME.match(ident or ""):
            return None
        d = self.out / ident
        return d if (d / "manifest.json").is_file() else None

    def temp_dir(self) -> Path:
        """A new temporary folder inside ``out/`` (renamed into place when a job succeeds, removed when it fails)."""
        d = self.out / f".tmp-{uuid.uuid4().hex}"
        d.mkdir(parents=True)
        return d

    def place(self, tmp_run: Path, name: str) -> Path:
        """Move a finished run from its temporary folder to ``out/<name>[-N]`` (a new name, never over another run)."""
        base, n = slug(name), 1
        final = self.out / base
        while final.exists():
            n += 1
            final = self.out / f"{base}-{n}"
        os.rename(tmp_run, final)
        shutil.rmtree(tmp_run.parent, ignore_errors=True)
        return final

    # ---- factor sets and presets ---------------------------------------------------------------------
    def own_factor_sets(self) -> list[Path]:
        """The workspace's own factor sets (``factors/<set>/manifest.toml``)."""
        d = self.root / "factors"
        return sorted(x for x in d.iterdir() if (x / "manifest.toml").is_file() and NAME.match(x.name)) if d.is_dir() else []

    def factor_set_dir(self, name: str) -> Path | None:
        """A factor set by name: the workspace's own first, then the shipped one."""
        if not NAME.match(name or ""):
            return None
        for d in self.own_factor_sets() + shipped_factor_sets():
            if d.name == name:
                return d
        return None

    def presets(self) -> list[str]:
        """Target presets of the workspace (``targets/<preset>.toml``)."""
        d = self.root / "targets"
        return sorted(p.stem for p in d.glob("*.toml") if NAME.match(p.stem)) if d.is_dir() else []
