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

CREATE VIEW rollup_member_keys AS
  SELECT id AS member_id, 'members.category'::text AS metric,
         CASE WHEN category = 'full' THEN 'full' ELSE 'probationary' END::text AS k FROM members
  UNION ALL SELECT id, 'members.standing', standing FROM members
  UNION ALL SELECT id, 'members.lost', '1' FROM members WHERE lost_contact = 1
  UNION ALL SELECT id, 'members.education', COALESCE(education, '') FROM members
  UNION ALL SELECT id, 'members.decade',
         CASE WHEN joined_on IS NULL THEN 'unknown' WHEN joined_on < '1950-01-01' THEN 'before1950'
              ELSE substr(joined_on, 1, 3) || '0s' END FROM members;

-- Adds n to every key of one member in one organization.
CREATE FUNCTION rollup_add_member(p_member BIGINT, p_org BIGINT, p_n BIGINT) RETURNS void LANGUAGE sql AS $$
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT p_org, metric, k, p_n FROM rollup_member_keys WHERE member_id = p_member
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n
$$;
-- Adds n to every key of one member in the organization of its open placement.
CREATE FUNCTION rollup_add_placed(p_member BIGINT, p_n BIGINT) RETURNS void LANGUAGE sql AS $$
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, km.metric, km.k, p_n FROM member_placements pl
    JOIN rollup_member_keys km ON km.member_id = pl.member_id
    WHERE pl.member_id = p_member AND pl.to_date IS NULL
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n
$$;

CREATE FUNCTION rollup_placements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    IF OLD.to_date IS NULL THEN PERFORM rollup_add_member(OLD.member_id, OLD.org_id, -1); END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    IF NEW.to_date IS NULL THEN PERFORM rollup_add_member(NEW.member_id, NEW.org_id, 1); END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER rollup_placements AFTER INSERT OR DELETE OR UPDATE OF member_id, org_id, to_date ON member_placements
FOR EACH ROW EXECUTE FUNCTION rollup_placements();

-- A change of a counted attribute: out with the old keys (BEFORE: the view still sees the old
-- row), in with the new ones (AFTER). A deleted member row: out before it goes.
CREATE FUNCTION rollup_members_before() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM rollup_add_placed(OLD.id, -1);
    RETURN OLD;
  END IF;
  IF OLD.category IS DISTINCT FROM NEW.category OR OLD.standing IS DISTINCT FROM NEW.standing
     OR OLD.lost_contact IS DISTINCT FROM NEW.lost_contact OR OLD.education IS DISTINCT FROM NEW.education
     OR OLD.joined_on IS DISTINCT FROM NEW.joined_on THEN
    PERFORM rollup_add_placed(OLD.id, -1);
  END IF;
  RETURN NEW;
END $$;
CREATE FUNCTION rollup_members_after() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.category IS DISTINCT FROM NEW.category OR OLD.standing IS DISTINCT FROM NEW.standing
     OR OLD.lost_contact IS DISTINCT FROM NEW.lost_contact OR OLD.education IS DISTINCT FROM NEW.education
     OR OLD.joined_on IS DISTINCT FROM NEW.joined_on THEN
    PERFORM rollup_add_placed(NEW.id, 1);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER rollup_members_before BEFORE UPDATE OF category, standing, lost_contact, education, joined_on OR DELETE
ON members FOR EACH ROW EXECUTE FUNCTION rollup_members_before();
CREATE TRIGGER rollup_members_after AFTER UPDATE OF category, standing, lost_contact, education, joined_on
ON members FOR EACH ROW EXECUTE FUNCTION rollup_members_after();

CREATE INDEX member_placements_dates ON member_placements(to_date, from_date);
CREATE INDEX members_full_on ON members(full_on);
CREATE INDEX members_lost_on ON members(lost_on);

INSERT INTO org_counts(org_id, metric, k, n)
  SELECT pl.org_id, km.metric, km.k, COUNT(*) FROM member_placements pl
  JOIN rollup_member_keys km ON km.member_id = pl.member_id WHERE pl.to_date IS NULL
  GROUP BY pl.org_id, km.metric, km.k;
