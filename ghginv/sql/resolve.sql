-- Resolve factor rules for every cube cell, within each factor set.
--
-- Inputs (registered by ghginv/factors/resolve.py):
--   cells(cell_id, year, region, sector, activity)        one row per distinct cube cell
--   rules(rule_id, set_rank, kind, activity, key,           every row of every set of the run
--         sector_prefix, sector_spec, region_prefix, region_spec, year_from, year_to)
--   params(fallback BOOLEAN)                                year_fallback = 'nearest'?
--
-- Precedence for one cell, set and key (gas, carbon parameter or conversion quantity):
--   1. the (effective) year lies inside [year_from, year_to];
--   2. the most specific sector: exact (spec 1000) > longer prefix 'P.*' (spec = depth of P) > '*' (0);
--   3. the most specific region: exact (1000) > longer prefix 'P*' (spec = length of P) > '*' (0).
-- With year_fallback = 'nearest', a cell year outside the years a set covers for that activity
-- and key is moved to the nearest covered year (the set's first or last), and reported.
--
-- Output: one row per (cell, set, key) with the winning rule(s); n_tied > 1 means a tie.
WITH coverage AS (
    SELECT set_rank, kind, activity, key, min(year_from) AS y0, max(year_to) AS y1
    FROM rules
    GROUP BY ALL
),
asked AS (
    SELECT c.cell_id, c.year, c.region, c.sector, c.activity, v.set_rank, v.kind, v.key,
           CASE WHEN (SELECT fallback FROM params)
                THEN least(greatest(c.year, v.y0), v.y1)
                ELSE c.year END AS factor_year
    FROM cells c
    JOIN coverage v ON v.activity = c.activity
),
matched AS (
    SELECT a.cell_id, a.set_rank, a.kind, a.key, a.factor_year, r.rule_id, r.sector_spec, r.region_spec
    FROM asked a
    JOIN rules r
      ON r.set_rank = a.set_rank AND r.kind = a.kind AND r.activity = a.activity AND r.key = a.key
     AND a.factor_year BETWEEN r.year_from AND r.year_to
     AND (   r.sector_spec = 0
          OR (r.sector_spec = 1000 AND a.sector = r.sector_prefix)
          OR (r.sector_spec BETWEEN 1 AND 999
              AND (a.sector = r.sector_prefix OR starts_with(a.sector, r.sector_prefix || '.'))))
     AND (   r.region_spec = 0
          OR (r.region_spec = 1000 AND a.region = r.region_prefix)
          OR (r.region_spec BETWEEN 1 AND 999 AND starts_with(a.region, r.region_prefix)))
),
ranked AS (
    SELECT *, rank() OVER (PARTITION BY cell_id, set_rank, kind, key
                           ORDER BY sector_spec DESC, region_spec DESC) AS rk
    FROM matched
)
SELECT cell_id, set_rank, kind, key, any_value(factor_year) AS factor_year,
       min(rule_id) AS rule_id, max(rule_id) AS other_rule_id, count(*) AS n_tied
FROM ranked
WHERE rk = 1
GROUP BY cell_id, set_rank, kind, key
ORDER BY cell_id, set_rank, kind, key
