"""Inputs: discover, read, validate and stream activity data (with the fast path), sink data, and
the ledger importer (``importer/``). Imports core and kernels only."""
