"""Join the rows of the stages that do not come from activity × factor (first-order decay of
landfill deposits, carbon sinks) to the activity-based rows, in the emissions and factors_used
schemas."""

from __future__ import annotations

import polars as pl

from ..core._frames import sort_order

__all__ = ["stage_rows", "merge_rows", "KEYS"]

KEYS = ("year", "region", "sector", "activity", "entity_id", "gas")


def stage_rows(emissions: pl.DataFrame, used: pl.DataFrame, waste, sink) -> tuple[pl.DataFrame | None, list[pl.DataFrame]]:
    """(emission rows, factors_used rows) of the waste and sink stages, in the schemas of
    ``emissions`` and ``used``, waste first; (None, []) when neither stage ran."""
    em, us = [], []
    if waste is not None:
        em.append(waste[0].select(emissions.columns).cast(emissions.schema))
        us.append(waste[1].select(used.columns).cast(used.schema))
    if sink is not None:
        em.append(sink.emissions.select(emissions.columns).cast(emissions.schema))
        us.append(sink.parameters_used.select(used.columns).cast(used.schema))
    return (pl.concat(em) if em else None), us


def merge_rows(emissions: pl.DataFrame, used: pl.DataFrame, waste, sink):
    """``(emissions, factors_used, perm)``: the activity-based rows plus the waste and sink rows,
    emissions sorted by (year, region, sector, activity[, entity_id], gas) (a stable sort, nulls
    last), factors_used appended in stage order. ``perm`` lists, for each row of the result, its
    row in (activity rows, waste rows, sink rows) — None when neither stage ran."""
    other, other_used = stage_rows(emissions, used, waste, sink)
    if other is None:
        return emissions, used, None
    combined = pl.concat([emissions, other])
    perm = sort_order(combined, [k for k in KEYS if k in emissions.columns])
    return combined[perm], pl.concat([used, *other_used]), perm

