-- Live roll-ups of mobile members 流动党员 (issue 5, item 2; docs/rollup.md, "More figures (R4)"):
-- each organization's open mobility records (until_date IS NULL) by direction, counted in the
-- organization of the member's open placement, on the same org_counts table, kept by triggers in
-- the same transaction as every change.

-- One definition of a record's keys: metric 'mobile.open', k = direction, while until_date is NULL.
CREATE VIEW rollup_mobile_keys AS
  SELECT id AS record_id, member_id, 'mobile.open' AS metric, direction AS k FROM mobility_records
  WHERE until_date IS NULL;

-- The member keys gain the mobility keys, so the placement triggers of 0014 carry a member's
-- open records along when the member is placed, moved or leaves, and today's placement
-- corrections cover them.
DROP VIEW rollup_member_keys;
CREATE VIEW rollup_member_keys AS
  SELECT id AS member_id, 'members.category' AS metric,
         CASE WHEN category = 'full' THEN 'full' ELSE 'probationary' END AS k FROM members
  UNION ALL SELECT id, 'members.standing', standing FROM members
  UNION ALL SELECT id, 'members.lost', '1' FROM members WHERE lost_contact = 1
  UNION ALL SELECT id, 'members.education', COALESCE(education, '') FROM members
  UNION ALL SELECT id, 'members.decade',
         CASE WHEN joined_on IS NULL THEN 'unknown' WHEN joined_on < '1950-01-01' THEN 'before1950'
              ELSE substr(joined_on, 1, 3) || '0s' END FROM members
  UNION ALL SELECT id, 'members.birth', COALESCE(substr(birth_date, 1, 7), '') FROM members
  UNION ALL SELECT member_id, metric, k FROM rollup_mobile_keys;

CREATE TRIGGER rollup_mobile_insert AFTER INSERT ON mobility_records BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, km.metric, km.k, 1 FROM rollup_mobile_keys km
    JOIN member_placements pl ON pl.member_id = km.member_id AND pl.to_date IS NULL WHERE km.record_id = NEW.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_mobile_delete BEFORE DELETE ON mobility_records BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, km.metric, km.k, -1 FROM rollup_mobile_keys km
    JOIN member_placements pl ON pl.member_id = km.member_id AND pl.to_date IS NULL WHERE km.record_id = OLD.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_mobile_update_before BEFORE UPDATE OF id, member_id, direction, until_date ON mobility_records BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, km.metric, km.k, -1 FROM rollup_mobile_keys km
    JOIN member_placements pl ON pl.member_id = km.member_id AND pl.to_date IS NULL WHERE km.record_id = OLD.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_mobile_update_after AFTER UPDATE OF id, member_id, direction, until_date ON mobility_records BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, km.metric, km.k, 1 FROM rollup_mobile_keys km
    JOIN member_placements pl ON pl.member_id = km.member_id AND pl.to_date IS NULL WHERE km.record_id = NEW.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;

-- At most one open record per member and direction (the rule mobile::create already enforces),
-- so the open outflow records of a subtree are also its outflowing members (members.by_status).
CREATE UNIQUE INDEX mobility_records_open ON mobility_records(member_id, direction) WHERE until_date IS NULL;
-- Today's corrections read only the records dated after today (started later, or ending later).
CREATE INDEX mobility_records_dates ON mobility_records(until_date, since_date);

INSERT INTO org_counts(org_id, metric, k, n)
  SELECT pl.org_id, km.metric, km.k, COUNT(*) FROM member_placements pl
  JOIN rollup_mobile_keys km ON km.member_id = pl.member_id WHERE pl.to_date IS NULL
  GROUP BY pl.org_id, km.metric, km.k
  ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
