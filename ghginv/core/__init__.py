"""Core vocabulary every other package uses: errors, units, IPCC categories, GWP sets, the run
configuration, file-system access, rounding (四舍五入) and small frame helpers. Imports nothing else of ghginv."""
