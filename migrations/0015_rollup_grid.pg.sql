-- Live roll-ups for the grid dashboard (issue 5, item 2; docs/rollup.md): households, visits and
-- residents' problems join the org_counts mechanism of migration 0014. Each organization's OWN
-- counts, kept by triggers in the same transaction as the change; a subtree = SUM over its
-- organizations. Flows are keyed by month ('2026-03|home'); the one view per table below defines
-- the keys, and the triggers, `zugong rollup rebuild` and `rollup check` all use it.
-- Every view row: (id, org_id, metric, k, n) — n is 1 except for sums (days to answer).

-- A household counts in its community's organization (households.org_id):
--   grid.households  k = its tags (",elderly_alone,disabled,") — key households are those whose tags
--                    meet the setting grid.key_tags, decided when reading, so the setting can change;
--   grid.contacted   k = ''  when it has an open contact period (household_contacts.to_on IS NULL);
--   grid.lastvisit   k = tags|YYYY-MM of last_visited_on ('tags|' never visited), tagged households
--                    only (only they can be key): "key household not visited within N days" is
--                    exact for any N (whole months from the keys, the threshold's month from rows).
-- PostgreSQL: the keys of one row are an SQL function of its columns (used by the views, i.e. the
-- recount, and by statement-level triggers over transition tables: one set-based upsert per
-- statement, so the demo's COPY of 200,000 visit logs costs one GROUP BY).
CREATE FUNCTION rollup_household_keys_of(p_tags TEXT, p_last TEXT)
RETURNS TABLE (metric TEXT, k TEXT, n BIGINT) LANGUAGE sql IMMUTABLE AS $$
  SELECT 'grid.households'::text, p_tags, 1::bigint
  UNION ALL SELECT 'grid.lastvisit', p_tags || '|' || COALESCE(substr(p_last, 1, 7), ''), 1 WHERE p_tags <> ','
$$;
CREATE VIEW rollup_household_keys AS
  SELECT h.id, h.org_id, f.metric, f.k, f.n FROM households h
  CROSS JOIN LATERAL rollup_household_keys_of(h.tags, h.last_visited_on) f
  UNION ALL SELECT h.id, h.org_id, 'grid.contacted', '', 1 FROM households h
    WHERE EXISTS (SELECT 1 FROM household_contacts hc WHERE hc.household_id = h.id AND hc.to_on IS NULL);

CREATE FUNCTION rollup_visit_keys_of(p_on TEXT, p_kind TEXT, p_problems TEXT)
RETURNS TABLE (metric TEXT, k TEXT, n BIGINT) LANGUAGE sql IMMUTABLE AS $$
  SELECT 'visits.month'::text, substr(p_on, 1, 7) || '|' || p_kind, 1::bigint
  UNION ALL SELECT 'visits.month', substr(p_on, 1, 7) || '|problems', 1 WHERE p_problems IS NOT NULL AND p_problems <> ''
$$;
CREATE VIEW rollup_visit_keys AS
  SELECT v.id, v.org_id, f.metric, f.k, f.n FROM visit_logs v
  CROSS JOIN LATERAL rollup_visit_keys_of(v.visited_on, v.kind, v.problems) f;

CREATE FUNCTION rollup_problem_keys_of(p_received TEXT, p_due TEXT, p_escalations BIGINT, p_answered TEXT,
                                       p_satisfaction TEXT)
RETURNS TABLE (metric TEXT, k TEXT, n BIGINT) LANGUAGE sql IMMUTABLE AS $$
  SELECT 'problems.month'::text, substr(p_received, 1, 7) || '|received', 1::bigint
  UNION ALL SELECT 'problems.month', substr(p_received, 1, 7) || '|escalated', 1 WHERE p_escalations > 0
  UNION ALL SELECT 'problems.month', substr(p_received, 1, 7) || '|sat:' || p_satisfaction, 1
    WHERE p_satisfaction IS NOT NULL
  UNION ALL SELECT 'problems.answered', substr(p_received, 1, 7) || '|' || substr(p_answered, 1, 7), 1
    WHERE p_answered IS NOT NULL
  UNION ALL SELECT 'problems.answer_days', substr(p_received, 1, 7) || '|' || substr(p_answered, 1, 7),
         (CAST(p_answered AS DATE) - CAST(p_received AS DATE))::bigint WHERE p_answered IS NOT NULL
  UNION ALL SELECT 'problems.late', substr(p_received, 1, 7) || '|' || substr(p_due, 1, 7), 1
    WHERE p_answered IS NULL OR p_answered > p_due
$$;
CREATE VIEW rollup_problem_keys AS
  SELECT p.id, p.org_id, f.metric, f.k, f.n FROM resident_problems p
  CROSS JOIN LATERAL rollup_problem_keys_of(p.received_on, p.due_on, p.escalations, p.answered_on, p.satisfaction) f;

-- Households: their tag and last-visit keys, and grid.contacted from the contact periods as they
-- stand (a statement on households does not change household_contacts).
-- Households: their tag and last-visit keys, and grid.contacted from the contact periods as they
-- stand (a statement on households does not change household_contacts).
CREATE FUNCTION rollup_households_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT r.org_id, f.metric, f.k, SUM(r.s * f.n) FROM (SELECT 1 AS s, id, org_id, tags, last_visited_on FROM new_rows) r
    CROSS JOIN LATERAL (
      SELECT x.metric, x.k, x.n FROM rollup_household_keys_of(r.tags, r.last_visited_on) x
      UNION ALL SELECT 'grid.contacted', '', 1 WHERE EXISTS (
        SELECT 1 FROM household_contacts hc WHERE hc.household_id = r.id AND hc.to_on IS NULL)) f
    GROUP BY r.org_id, f.metric, f.k HAVING SUM(r.s * f.n) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_households_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT r.org_id, f.metric, f.k, SUM(r.s * f.n) FROM (SELECT -1 AS s, id, org_id, tags, last_visited_on FROM old_rows) r
    CROSS JOIN LATERAL (
      SELECT x.metric, x.k, x.n FROM rollup_household_keys_of(r.tags, r.last_visited_on) x
      UNION ALL SELECT 'grid.contacted', '', 1 WHERE EXISTS (
        SELECT 1 FROM household_contacts hc WHERE hc.household_id = r.id AND hc.to_on IS NULL)) f
    GROUP BY r.org_id, f.metric, f.k HAVING SUM(r.s * f.n) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_households_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT r.org_id, f.metric, f.k, SUM(r.s * f.n) FROM (SELECT -1 AS s, id, org_id, tags, last_visited_on FROM old_rows UNION ALL SELECT 1, id, org_id, tags, last_visited_on FROM new_rows) r
    CROSS JOIN LATERAL (
      SELECT x.metric, x.k, x.n FROM rollup_household_keys_of(r.tags, r.last_visited_on) x
      UNION ALL SELECT 'grid.contacted', '', 1 WHERE EXISTS (
        SELECT 1 FROM household_contacts hc WHERE hc.household_id = r.id AND hc.to_on IS NULL)) f
    GROUP BY r.org_id, f.metric, f.k HAVING SUM(r.s * f.n) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE TRIGGER rollup_households_ins AFTER INSERT ON households REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_households_ins();
CREATE TRIGGER rollup_households_del AFTER DELETE ON households REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_households_del();
CREATE TRIGGER rollup_households_upd AFTER UPDATE ON households REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_households_upd();

-- Contact periods: grid.contacted of each household whose open periods changed.
CREATE FUNCTION rollup_contacts_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Per household touched: open periods now (cur) and before the statement (cur − added + removed);
  -- grid.contacted moves by the change of "has one".
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT h.org_id, 'grid.contacted', '', SUM(d.delta) FROM (
      SELECT t.hid, CASE WHEN t.cur > 0 THEN 1 ELSE 0 END - CASE WHEN t.cur - t.added + t.removed > 0 THEN 1 ELSE 0 END
             AS delta FROM (
        SELECT a.hid, SUM(a.added) AS added, SUM(a.removed) AS removed,
               (SELECT COUNT(*) FROM household_contacts hc WHERE hc.household_id = a.hid AND hc.to_on IS NULL) AS cur
        FROM (SELECT household_id AS hid, 1 AS added, 0 AS removed FROM new_rows WHERE to_on IS NULL) a GROUP BY a.hid) t) d
    JOIN households h ON h.id = d.hid
    GROUP BY h.org_id HAVING SUM(d.delta) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_contacts_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Per household touched: open periods now (cur) and before the statement (cur − added + removed);
  -- grid.contacted moves by the change of "has one".
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT h.org_id, 'grid.contacted', '', SUM(d.delta) FROM (
      SELECT t.hid, CASE WHEN t.cur > 0 THEN 1 ELSE 0 END - CASE WHEN t.cur - t.added + t.removed > 0 THEN 1 ELSE 0 END
             AS delta FROM (
        SELECT a.hid, SUM(a.added) AS added, SUM(a.removed) AS removed,
               (SELECT COUNT(*) FROM household_contacts hc WHERE hc.household_id = a.hid AND hc.to_on IS NULL) AS cur
        FROM (SELECT household_id AS hid, 0 AS added, 1 AS removed FROM old_rows WHERE to_on IS NULL) a GROUP BY a.hid) t) d
    JOIN households h ON h.id = d.hid
    GROUP BY h.org_id HAVING SUM(d.delta) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_contacts_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Per household touched: open periods now (cur) and before the statement (cur − added + removed);
  -- grid.contacted moves by the change of "has one".
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT h.org_id, 'grid.contacted', '', SUM(d.delta) FROM (
      SELECT t.hid, CASE WHEN t.cur > 0 THEN 1 ELSE 0 END - CASE WHEN t.cur - t.added + t.removed > 0 THEN 1 ELSE 0 END
             AS delta FROM (
        SELECT a.hid, SUM(a.added) AS added, SUM(a.removed) AS removed,
               (SELECT COUNT(*) FROM household_contacts hc WHERE hc.household_id = a.hid AND hc.to_on IS NULL) AS cur
        FROM (SELECT household_id AS hid, 1 AS added, 0 AS removed FROM new_rows WHERE to_on IS NULL UNION ALL SELECT household_id, 0, 1 FROM old_rows WHERE to_on IS NULL) a GROUP BY a.hid) t) d
    JOIN households h ON h.id = d.hid
    GROUP BY h.org_id HAVING SUM(d.delta) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE TRIGGER rollup_contacts_ins AFTER INSERT ON household_contacts REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_contacts_ins();
CREATE TRIGGER rollup_contacts_del AFTER DELETE ON household_contacts REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_contacts_del();
CREATE TRIGGER rollup_contacts_upd AFTER UPDATE ON household_contacts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_contacts_upd();

-- Visit logs and residents' problems: out with the old rows' keys, in with the new rows'.
CREATE FUNCTION rollup_visits_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT r.org_id, f.metric, f.k, SUM(f.n) FROM new_rows r CROSS JOIN LATERAL rollup_visit_keys_of(r.visited_on, r.kind, r.problems) f
    GROUP BY r.org_id, f.metric, f.k HAVING SUM(f.n) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_visits_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT r.org_id, f.metric, f.k, -SUM(f.n) FROM old_rows r CROSS JOIN LATERAL rollup_visit_keys_of(r.visited_on, r.kind, r.problems) f
    GROUP BY r.org_id, f.metric, f.k HAVING SUM(f.n) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_visits_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT r.org_id, f.metric, f.k, SUM(r.s * f.n) FROM (
      SELECT -1 AS s, * FROM old_rows UNION ALL SELECT 1, * FROM new_rows) r
    CROSS JOIN LATERAL rollup_visit_keys_of(r.visited_on, r.kind, r.problems) f
    GROUP BY r.org_id, f.metric, f.k HAVING SUM(r.s * f.n) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE TRIGGER rollup_visits_ins AFTER INSERT ON visit_logs REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_visits_ins();
CREATE TRIGGER rollup_visits_del AFTER DELETE ON visit_logs REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_visits_del();
CREATE TRIGGER rollup_visits_upd AFTER UPDATE ON visit_logs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_visits_upd();
CREATE FUNCTION rollup_problems_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT r.org_id, f.metric, f.k, SUM(f.n) FROM new_rows r CROSS JOIN LATERAL rollup_problem_keys_of(r.received_on, r.due_on, r.escalations, r.answered_on, r.satisfaction) f
    GROUP BY r.org_id, f.metric, f.k HAVING SUM(f.n) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_problems_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT r.org_id, f.metric, f.k, -SUM(f.n) FROM old_rows r CROSS JOIN LATERAL rollup_problem_keys_of(r.received_on, r.due_on, r.escalations, r.answered_on, r.satisfaction) f
    GROUP BY r.org_id, f.metric, f.k HAVING SUM(f.n) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_problems_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT r.org_id, f.metric, f.k, SUM(r.s * f.n) FROM (
      SELECT -1 AS s, * FROM old_rows UNION ALL SELECT 1, * FROM new_rows) r
    CROSS JOIN LATERAL rollup_problem_keys_of(r.received_on, r.due_on, r.escalations, r.answered_on, r.satisfaction) f
    GROUP BY r.org_id, f.metric, f.k HAVING SUM(r.s * f.n) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE TRIGGER rollup_problems_ins AFTER INSERT ON resident_problems REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_problems_ins();
CREATE TRIGGER rollup_problems_del AFTER DELETE ON resident_problems REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_problems_del();
CREATE TRIGGER rollup_problems_upd AFTER UPDATE ON resident_problems REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_problems_upd();

-- The exact edges read only rows in a date window through these (docs/rollup.md).
CREATE INDEX household_contacts_dates ON household_contacts(to_on, from_on);
CREATE INDEX households_last_visited ON households(last_visited_on);
CREATE INDEX resident_problems_answered_on ON resident_problems(answered_on);
CREATE INDEX resident_problems_due_on ON resident_problems(due_on);

INSERT INTO org_counts(org_id, metric, k, n)
  SELECT org_id, metric, k, SUM(n) FROM (
    SELECT org_id, metric, k, n FROM rollup_household_keys
    UNION ALL SELECT org_id, metric, k, n FROM rollup_visit_keys
    UNION ALL SELECT org_id, metric, k, n FROM rollup_problem_keys) x
  GROUP BY org_id, metric, k;
