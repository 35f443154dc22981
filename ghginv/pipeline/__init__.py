"""The pipeline of a run: the stage list, :class:`Inventory`, the activity cube, the Dask engine,
emissions, trace, roll-up, conservation checks and gap filling."""
