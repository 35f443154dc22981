-- Resolve sink parameters (sink_parameters.csv) for every stratum cell, within each factor set.
-- Small inputs take the same rules in Python (ghginv/factors/_precedence.py); a rule changed here
-- must change there too: tests/properties/test_precedence_python.py holds both to the same rows.
--
-- Inputs (registered by ghginv/factors/sink_params.py):
--   cells(cell_id, year, region, stratum, parameter)        one row per (cell, parameter) needed
--   rules(rule_id, set_rank, parameter, stratum, stratum_spec, region_prefix, region_spec,
--         year_from, year_to)                              every sink parameter row of the run
--   params(fallback BOOLEAN)                                year_fallback = 'nearest'?
--
-- Precedence for one cell, set and parameter (the rules of ghginv/factors/sql/resolve.sql, with the
-- stratum in place of the sector):
--   1. the year lies inside [year_from, year_to] (distance 0); with year_fallback = 'nearest'
--      rules outside their years match at a distance, the nearest wins (tie: the earlier year);
--   2. the most specific stratum: exact (1000) > '*' (0);
--   3. the most specific region: exact (1000) > longer prefix 'P*' (length of P) > '*' (0).
-- Output: one row per (cell, set, parameter) with the winning rule(s); n_tied > 1 means a tie.
-- Across sets (ghginv/factors/sink_params.py with resolve.pick_across_sets): a row valid for the
-- cell's year in any set beats a row of another year; among other years the smallest distance,
-- then set_rank.
WITH matched AS (
    SELECT c.cell_id, c.parameter, r.set_rank, r.rule_id, r.stratum_spec, r.region_spec,
           least(greatest(c.year, r.year_from), r.year_to) AS factor_year,
           CASE WHEN c.year < r.year_from THEN r.year_from - c.year
                WHEN c.year > r.year_to THEN c.year - r.year_to
                ELSE 0 END AS distance
    FROM cells c
    JOIN rules r
      ON r.parameter = c.parameter
     AND (r.stratum_spec = 0 OR r.stratum = c.stratum)
     AND (   r.region_spec = 0
          OR (r.region_spec = 1000 AND c.region = r.region_prefix)
          OR (r.region_spec BETWEEN 1 AND 999 AND starts_with(c.region, r.region_prefix)))
     AND ((SELECT fallback FROM params) OR c.year BETWEEN r.year_from AND r.year_to)
),
ranked AS (
    SELECT *, rank() OVER (PARTITION BY cell_id, parameter, set_rank
                           ORDER BY distance, factor_year, stratum_spec DESC, region_spec DESC) AS rk
    FROM matched
)
SELECT cell_id, parameter, set_rank, any_value(factor_year) AS factor_year,
       any_value(distance) AS distance,
       min(rule_id) AS rule_id, max(rule_id) AS other_rule_id, count(*) AS n_tied
FROM ranked
WHERE rk = 1
GROUP BY cell_id, parameter, set_rank
ORDER BY cell_id, parameter, set_rank
