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
    ``emissions`` and ``used``, waste first; (None, []) when neither stage ran.

    Parameters
    ----------
    emissions : polars.DataFrame
        The activity-based emission rows (their columns and types are the schema) [t gas].
    used : polars.DataFrame
        The activity-based factors_used rows (their schema).
    waste : tuple of (polars.DataFrame, polars.DataFrame) or None
        (emission rows, factors_used rows) of the first-order decay stage, or None.
    sink : SinkResult or None
        The carbon-sink stage's result (``emissions``, ``parameters_used``), or None.

    Returns
    -------
    emissions : polars.DataFrame or None
        The waste and sink emission rows concatenated, or None.
    used : list of polars.DataFrame
        Their factors_used rows, one frame per stage that ran.
    """
    em, us = [], []
    if waste is not None:
        em.append(waste[0].select(emissions.columns).cast(emissions.schema))
        us.append(waste[1].select(used.columns).cast(used.schema))
    if sink is not None:
        em.append(sink.emissions.select(emissions.columns).cast(emissions.schema))
        us.append(sink.parameters_used.select(used.columns).cast(used.schema))
    return (pl.concat(em) if em else None), us


def merge_rows(emissions: pl.DataFrame, used: pl.DataFrame, waste, sink):
    """``(emissions, factors_used, perm)``: the activity-based rows plus the waste and sink rows.

    Emissions are sorted by (year, region, sector, activity[, entity_id], gas) (a stable sort, nulls
    last), factors_used appended in stage order.

    Parameters
    ----------
    emissions : polars.DataFrame
        The activity-based emission rows [t gas].
    used : polars.DataFrame
        The activity-based factors_used rows.
    waste : tuple of (polars.DataFrame, polars.DataFrame) or None
        (emission rows, factors_used rows) of the first-order decay stage, or None.
    sink : SinkResult or None
        The carbon-sink stage's result, or None.

    Returns
    -------
    emissions : polars.DataFrame
        All emission rows, sorted.
    factors_used : polars.DataFrame
        All factors_used rows.
    perm : numpy.ndarray or None
        For each row of the result, its row in (activity rows, waste rows, sink rows) — None when
        neither stage ran.
    """
    other, other_used = stage_rows(emissions, used, waste, sink)
    if other is None:
        return emissions, used, None
    combined = pl.concat([emissions, other])
    perm = sort_order(combined, [k for k in KEYS if k in emissions.columns])
    return combined[perm], pl.concat([used, *other_used]), perm

