-- Live roll-ups (issue 5): each organization's OWN counts, kept current by triggers in the same
-- transaction as the change, whoever writes (module code, imports, the demo, transfers, merges).
-- A subtree's figure is the SUM over its organizations' rows (cost grows with organizations,
-- not with members). See docs/rollup.md.
CREATE TABLE org_counts (
  org_id  INTEGER NOT NULL,
  metric  TEXT NOT NULL,     -- 'members.category' …
  k       TEXT NOT NULL,     -- the key within the metric ('full', '大学本科', '1990s' …)
  n       INTEGER NOT NULL,  -- members (open placements) of org_id with that key
  PRIMARY KEY (org_id, metric, k)
) WITHOUT ROWID;  -- the key is the table: a subtree read is one probe per organization and metric

-- The keys one member counts under. The triggers, `zugong rollup rebuild` and `rollup check`
-- all use this one view, so the incremental and the full count cannot differ in definition.
CREATE VIEW rollup_member_keys AS
  SELECT id AS member_id, 'members.category' AS metric,
         CASE WHEN category = 'full' THEN 'full' ELSE 'probationary' END AS k FROM members
  UNION ALL SELECT id, 'members.standing', standing FROM members
  UNION ALL SELECT id, 'members.lost', '1' FROM members WHERE lost_contact = 1
  UNION ALL SELECT id, 'members.education', COALESCE(education, '') FROM members
  UNION ALL SELECT id, 'members.decade',
         CASE WHEN joined_on IS NULL THEN 'unknown' WHEN joined_on < '1950-01-01' THEN 'before1950'
              ELSE substr(joined_on, 1, 3) || '0s' END FROM members;

-- A member counts in the organization of its open placement (to_date IS NULL).
CREATE TRIGGER rollup_placement_insert AFTER INSERT ON member_placements WHEN NEW.to_date IS NULL BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT NEW.org_id, metric, k, 1 FROM rollup_member_keys WHERE member_id = NEW.member_id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_placement_delete AFTER DELETE ON member_placements WHEN OLD.to_date IS NULL BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT OLD.org_id, metric, k, -1 FROM rollup_member_keys WHERE member_id = OLD.member_id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_placement_update AFTER UPDATE OF member_id, org_id, to_date ON member_placements
WHEN OLD.to_date IS NULL OR NEW.to_date IS NULL BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT OLD.org_id, metric, k, -1 FROM rollup_member_keys WHERE member_id = OLD.member_id AND OLD.to_date IS NULL
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT NEW.org_id, metric, k, 1 FROM rollup_member_keys WHERE member_id = NEW.member_id AND NEW.to_date IS NULL
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;

-- A change of a counted attribute: out with the old keys (BEFORE: the view still sees the old
-- row), in with the new ones (AFTER).
CREATE TRIGGER rollup_member_update_before BEFORE UPDATE OF category, standing, lost_contact, education, joined_on
ON members WHEN OLD.category IS NOT NEW.category OR OLD.standing IS NOT NEW.standing
  OR OLD.lost_contact IS NOT NEW.lost_contact OR OLD.education IS NOT NEW.education OR OLD.joined_on IS NOT NEW.joined_on
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, km.metric, km.k, -1 FROM member_placements pl JOIN rollup_member_keys km ON km.member_id = pl.member_id
    WHERE pl.member_id = OLD.id AND pl.to_date IS NULL
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_member_update_after AFTER UPDATE OF category, standing, lost_contact, education, joined_on
ON members WHEN OLD.category IS NOT NEW.category OR OLD.standing IS NOT NEW.standing
  OR OLD.lost_contact IS NOT NEW.lost_contact OR OLD.education IS NOT NEW.education OR OLD.joined_on IS NOT NEW.joined_on
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, km.metric, km.k, 1 FROM member_placements pl JOIN rollup_member_keys km ON km.member_id = pl.member_id
    WHERE pl.member_id = NEW.id AND pl.to_date IS NULL
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
-- A member row deleted while its placement is still open (placements deleted first are
-- already subtracted by rollup_placement_delete).
CREATE TRIGGER rollup_member_delete BEFORE DELETE ON members BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, km.metric, km.k, -1 FROM member_placements pl JOIN rollup_member_keys km ON km.member_id = pl.member_id
    WHERE pl.member_id = OLD.id AND pl.to_date IS NULL
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;

-- Today's corrections read only the few rows whose dates lie after today (see docs/rollup.md).
CREATE INDEX member_placements_dates ON member_placements(to_date, from_date);
CREATE INDEX members_full_on ON members(full_on);
CREATE INDEX members_lost_on ON members(lost_on);

INSERT INTO org_counts(org_id, metric, k, n)
  SELECT pl.org_id, km.metric, km.k, COUNT(*) FROM member_placements pl
  JOIN rollup_member_keys km ON km.member_id = pl.member_id WHERE pl.to_date IS NULL
  GROUP BY pl.org_id, km.metric, km.k;
