-- Live roll-ups (issue 5): each organization's OWN counts, kept current by triggers in the same
-- transaction as the change, whoever writes (module code, imports, the demo, transfers, merges).
-- A subtree's figure is the SUM over its organizations' rows (cost grows with organizations,
-- not with members). See docs/rollup.md.
CREATE TABLE org_counts (
  org_id  BIGINT NOT NULL,
  metric  TEXT NOT NULL,
  k       TEXT NOT NULL,
  n       BIGINT NOT NULL,
  PRIMARY KEY (org_id, metric, k) INCLUDE (n)  -- index-only subtree reads
);

-- The keys one member counts under, from its columns: the one definition, used by the view (the
-- recount, `rollup check`, today's corrections) and by the triggers on transition tables.
CREATE FUNCTION rollup_keys(p_category TEXT, p_standing TEXT, p_lost BIGINT, p_education TEXT, p_joined TEXT)
RETURNS TABLE (metric TEXT, k TEXT) LANGUAGE sql IMMUTABLE AS $$
  SELECT 'members.category'::text, CASE WHEN p_category = 'full' THEN 'full' ELSE 'probationary' END::text
  UNION ALL SELECT 'members.standing', p_standing
  UNION ALL SELECT 'members.lost', '1' WHERE p_lost = 1
  UNION ALL SELECT 'members.education', COALESCE(p_education, '')
  UNION ALL SELECT 'members.decade', CASE WHEN p_joined IS NULL THEN 'unknown' WHEN p_joined < '1950-01-01'
                                         THEN 'before1950' ELSE substr(p_joined, 1, 3) || '0s' END
$$;
CREATE VIEW rollup_member_keys AS
  SELECT m.id AS member_id, f.metric, f.k FROM members m
  CROSS JOIN LATERAL rollup_keys(m.category, m.standing, m.lost_contact, m.education, m.joined_on) f;

-- Statement-level triggers over transition tables: one set-based upsert per statement, so a COPY
-- of 20,000 placements costs one GROUP BY, not 20,000 function calls. A member counts in the
-- organization of its open placement (to_date IS NULL).
CREATE FUNCTION rollup_placements_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT r.org_id, km.metric, km.k, COUNT(*) FROM new_rows r JOIN rollup_member_keys km ON km.member_id = r.member_id
    WHERE r.to_date IS NULL GROUP BY r.org_id, km.metric, km.k
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_placements_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT r.org_id, km.metric, km.k, -COUNT(*) FROM old_rows r JOIN rollup_member_keys km ON km.member_id = r.member_id
    WHERE r.to_date IS NULL GROUP BY r.org_id, km.metric, km.k
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_placements_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT x.org_id, km.metric, km.k, SUM(x.s) FROM (
      SELECT org_id, member_id, -1 AS s FROM old_rows WHERE to_date IS NULL
      UNION ALL SELECT org_id, member_id, 1 FROM new_rows WHERE to_date IS NULL) x
    JOIN rollup_member_keys km ON km.member_id = x.member_id
    GROUP BY x.org_id, km.metric, km.k HAVING SUM(x.s) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE TRIGGER rollup_placements_ins AFTER INSERT ON member_placements REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_placements_ins();
CREATE TRIGGER rollup_placements_del AFTER DELETE ON member_placements REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_placements_del();
CREATE TRIGGER rollup_placements_upd AFTER UPDATE ON member_placements REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_placements_upd();

-- A change of a counted attribute: out with the old row's keys, in with the new row's, in the
-- organization of the open placement; unchanged keys cancel out (HAVING) and write nothing.
CREATE FUNCTION rollup_members_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, f.metric, f.k, SUM(r.s) FROM (
      SELECT id, -1 AS s, category, standing, lost_contact, education, joined_on FROM old_rows
      UNION ALL SELECT id, 1, category, standing, lost_contact, education, joined_on FROM new_rows) r
    JOIN member_placements pl ON pl.member_id = r.id AND pl.to_date IS NULL
    CROSS JOIN LATERAL rollup_keys(r.category, r.standing, r.lost_contact, r.education, r.joined_on) f
    GROUP BY pl.org_id, f.metric, f.k HAVING SUM(r.s) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
-- A member row deleted while its placement is still open.
CREATE FUNCTION rollup_members_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, f.metric, f.k, -COUNT(*) FROM old_rows r
    JOIN member_placements pl ON pl.member_id = r.id AND pl.to_date IS NULL
    CROSS JOIN LATERAL rollup_keys(r.category, r.standing, r.lost_contact, r.education, r.joined_on) f
    GROUP BY pl.org_id, f.metric, f.k
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE TRIGGER rollup_members_upd AFTER UPDATE ON members REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_members_upd();
CREATE TRIGGER rollup_members_del AFTER DELETE ON members REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_members_del();

CREATE INDEX member_placements_dates ON member_placements(to_date, from_date);
CREATE INDEX members_full_on ON members(full_on);
CREATE INDEX members_lost_on ON members(lost_on);

INSERT INTO org_counts(org_id, metric, k, n)
  SELECT pl.org_id, km.metric, km.k, COUNT(*) FROM member_placements pl
  JOIN rollup_member_keys km ON km.member_id = pl.member_id WHERE pl.to_date IS NULL
  GROUP BY pl.org_id, km.metric, km.k;
