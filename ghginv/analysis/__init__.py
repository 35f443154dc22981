"""Analyses of a computed inventory: energy in tce, indicators, targets and peak, key categories,
notation keys and completeness."""
