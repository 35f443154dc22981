"""Issue 17 item 8: inputs and situations that ended in a traceback. Each must end in one clear
message naming the file (row, key) and the value, with exit status 2, and nothing written."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rel_helpers import row, run_cli, siblings, tiny_activity, tiny_set


def _clear_failure(r, *texts):
    """Exit 2, no traceback, and every text in the message."""
    err = r.stdout + r.stderr
    assert r.returncode == 2, err
    assert "Traceback" not in err, err
    for t in texts:
        assert t in err, err
    return err


def _inv(tmp_path, inventory: str = "", activity: str = "") -> str:
    act = tiny_activity(tmp_path / "a.parquet")
    s = tiny_set(tmp_path / "t_set")
    (tmp_path / "inv.toml").write_text(f'[inventory]\n{inventory}\n[activity]\npaths = ["{act.name}"]\n{activity}\n'
                                       f'[factors]\nsets = ["{s.name}"]\n', encoding="utf-8")
    return "inv.toml"


# -- 1. a TOML value of the wrong type ----------------------------------------------------------

@pytest.mark.parametrize("inventory, activity, text", [
    ('name = ["t"]', "", "[inventory] name = ['t'] has the wrong type — name must be a string"),
    ('description = 5', "", "[inventory] description = 5 has the wrong type"),
    ('gwp = ["AR5GWP100"]', "", "[inventory] gwp = ['AR5GWP100'] has the wrong type"),
    ('regions = "510105"', "", "[inventory] regions = '510105' has the wrong type — regions must be a list of region codes"),
    ("", "keep_entity = \"yes\"", "[activity] keep_entity = 'yes' has the wrong type — keep_entity must be true or false"),
    ("", "batch_size = \"big\"", "[activity] batch_size = 'big' has the wrong type"),
    ("", "engine = 1", "[activity] engine = 1 has the wrong type"),
])
def test_toml_value_of_the_wrong_type(tmp_path, inventory, activity, text):
    toml = _inv(tmp_path, inventory, activity)
    _clear_failure(run_cli("compile", toml, "--out", "out", cwd=tmp_path), "inv.toml", text)
    assert not (tmp_path / "out").exists() and siblings(tmp_path / "out") == []
    _clear_failure(run_cli("validate", toml, cwd=tmp_path), "inv.toml", text)  # validate called it valid
