"""Work on a finished run folder: recompute with new factors or GWPs, recalculation and diff,
scenarios."""
