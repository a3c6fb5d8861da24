-- Live roll-ups of mobile members 流动党员 (issue 5, item 2; docs/rollup.md, "More figures (R4)"):
-- each organization's open mobility records (until_date IS NULL) by direction, counted in the
-- organization of the member's open placement, on the same org_counts table, kept by
-- statement-level triggers over transition tables in the same transaction as every change.

-- One definition of a record's keys: metric 'mobile.open', k = direction, while until_date is NULL
-- (a key function the view and the triggers share).
CREATE FUNCTION rollup_mobile_keys(p_direction TEXT, p_until TEXT)
RETURNS TABLE (metric TEXT, k TEXT) LANGUAGE sql IMMUTABLE AS $$
  SELECT 'mobile.open'::text, p_direction WHERE p_until IS NULL
$$;
CREATE VIEW rollup_mobile_keys AS
  SELECT r.id AS record_id, r.member_id, f.metric, f.k FROM mobility_records r
  CROSS JOIN LATERAL rollup_mobile_keys(r.direction, r.until_date) f;

-- The member keys gain the mobility keys, so the placement triggers of 0014 carry a member's
-- open records along when the member is placed, moved or leaves, and today's placement
-- corrections cover them.
DROP VIEW rollup_member_keys;
CREATE VIEW rollup_member_keys AS
  SELECT m.id AS member_id, f.metric, f.k FROM members m
  CROSS JOIN LATERAL rollup_keys(m.category, m.standing, m.lost_contact, m.education, m.joined_on, m.birth_date) f
  UNION ALL SELECT member_id, metric, k FROM rollup_mobile_keys;

CREATE FUNCTION rollup_mobile_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, f.metric, f.k, COUNT(*) FROM new_rows r
    JOIN member_placements pl ON pl.member_id = r.member_id AND pl.to_date IS NULL
    CROSS JOIN LATERAL rollup_mobile_keys(r.direction, r.until_date) f
    GROUP BY pl.org_id, f.metric, f.k
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_mobile_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, f.metric, f.k, -COUNT(*) FROM old_rows r
    JOIN member_placements pl ON pl.member_id = r.member_id AND pl.to_date IS NULL
    CROSS JOIN LATERAL rollup_mobile_keys(r.direction, r.until_date) f
    GROUP BY pl.org_id, f.metric, f.k
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_mobile_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, f.metric, f.k, SUM(r.s) FROM (
      SELECT -1 AS s, member_id, direction, until_date FROM old_rows
      UNION ALL SELECT 1, member_id, direction, until_date FROM new_rows) r
    JOIN member_placements pl ON pl.member_id = r.member_id AND pl.to_date IS NULL
    CROSS JOIN LATERAL rollup_mobile_keys(r.direction, r.until_date) f
    GROUP BY pl.org_id, f.metric, f.k HAVING SUM(r.s) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE TRIGGER rollup_mobile_ins AFTER INSERT ON mobility_records REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_mobile_ins();
CREATE TRIGGER rollup_mobile_del AFTER DELETE ON mobility_records REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_mobile_del();
CREATE TRIGGER rollup_mobile_upd AFTER UPDATE ON mobility_records REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_mobile_upd();

-- At most one open record per member and direction (the rule mobile::create already enforces),
-- so the open outflow records of a subtree are also its outflowing members (members.by_status).
CREATE UNIQUE INDEX mobility_records_open ON mobility_records(member_id, direction) WHERE until_date IS NULL;
-- Today's corrections read only the records dated after today (started later, or ending later).
CREATE INDEX mobility_records_dates ON mobility_records(until_date, since_date);

INSERT INTO org_counts(org_id, metric, k, n)
  SELECT pl.org_id, km.metric, km.k, COUNT(*) FROM member_placements pl
  JOIN rollup_mobile_keys km ON km.member_id = pl.member_id WHERE pl.to_date IS NULL
  GROUP BY pl.org_id, km.metric, km.k
  ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
