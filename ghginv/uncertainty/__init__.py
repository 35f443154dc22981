"""Uncertainty of an inventory (2006 IPCC GL Vol 1 Ch 3): Approach 1, the Monte Carlo, energy
and first-order-decay terms, Table 3.2 and target probabilities."""
