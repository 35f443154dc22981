-- Resolve factor rules for every cube cell, within each factor set.
-- Small inputs take the same rules in Python (ghginv/factors/_precedence.py); a rule changed here
-- must change there too: tests/properties/test_precedence_python.py holds both to the same rows.
--
-- Inputs (registered by ghginv/factors/resolve.py):
--   cells(cell_id, year, region, sector, activity)        one row per distinct cube cell
--   rules(rule_id, set_rank, kind, activity, key,           every row of every set of the run
--         sector_prefix, sector_spec, region_prefix, region_spec, year_from, year_to)
--   params(fallback BOOLEAN)                                year_fallback = 'nearest'?
--
-- Precedence for one cell, set and key (gas, carbon parameter or conversion quantity):
--   1. the year lies inside [year_from, year_to] (distance 0). With year_fallback = 'nearest',
--      rules outside their years also match, at a distance = years between the cell's year and
--      the rule's range, and the nearest wins (on a tie of distance, the earlier year);
--   2. the most specific sector: exact (spec 1000) > longer prefix 'P.*' (spec = depth of P) > '*' (0);
--   3. the most specific region: exact (1000) > longer prefix 'P*' (spec = length of P) > '*' (0).
-- Output: one row per (cell, set, key) with the winning rule(s); n_tied > 1 means a tie.
-- Across sets (ghginv/factors/resolve.py, pick_across_sets): a rule valid for the cell's year in
-- any set beats a rule of another year; among other years the smallest distance, then set_rank.
WITH matched AS (
    SELECT c.cell_id, r.set_rank, r.kind, r.key, r.rule_id, r.sector_spec, r.region_spec,
           least(greatest(c.year, r.year_from), r.year_to) AS factor_year,
           CASE WHEN c.year < r.year_from THEN r.year_from - c.year
                WHEN c.year > r.year_to THEN c.year - r.year_to
                ELSE 0 END AS distance
    FROM cells c
    JOIN rules r
      ON r.activity = c.activity
     AND (   r.sector_spec = 0
          OR (r.sector_spec = 1000 AND c.sector = r.sector_prefix)
          OR (r.sector_spec BETWEEN 1 AND 999
              AND (c.sector = r.sector_prefix OR starts_with(c.sector, r.sector_prefix || '.'))))
     AND (   r.region_spec = 0
          OR (r.region_spec = 1000 AND c.region = r.region_prefix)
          OR (r.region_spec BETWEEN 1 AND 999 AND starts_with(c.region, r.region_prefix)))
     AND ((SELECT fallback FROM params) OR c.year BETWEEN r.year_from AND r.year_to)
),
ranked AS (
    SELECT *, rank() OVER (PARTITION BY cell_id, set_rank, kind, key
                           ORDER BY distance, factor_year, sector_spec DESC, region_spec DESC) AS rk
    FROM matched
)
SELECT cell_id, set_rank, kind, key, any_value(factor_year) AS factor_year,
       any_value(distance) AS distance,
       min(rule_id) AS rule_id, max(rule_id) AS other_rule_id, count(*) AS n_tied
FROM ranked
WHERE rk = 1
GROUP BY cell_id, set_rank, kind, key
ORDER BY cell_id, set_rank, kind, key
