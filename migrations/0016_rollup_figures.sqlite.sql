-- Live roll-ups for the rest of the figures page (issue 5, item 2; docs/rollup.md): the birth
-- month of every placed member (age bands, exact for a moving today with a correction for the
-- band edges' months only) and dues collected per month of payment, on the same org_counts table,
-- kept by triggers in the same transaction as every change.

-- 1. 'members.birth' (k = 'YYYY-MM' of birth_date, '' when unknown) joins the member keys, so the
-- placement triggers of 0014, `rollup rebuild|check` and today's corrections all cover it.
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
  UNION ALL SELECT id, 'members.birth', COALESCE(substr(birth_date, 1, 7), '') FROM members;

DROP TRIGGER rollup_member_update_before;
DROP TRIGGER rollup_member_update_after;
CREATE TRIGGER rollup_member_update_before BEFORE UPDATE OF category, standing, lost_contact, education, joined_on,
  birth_date ON members
WHEN OLD.category IS NOT NEW.category OR OLD.standing IS NOT NEW.standing OR OLD.lost_contact IS NOT NEW.lost_contact
  OR OLD.education IS NOT NEW.education OR OLD.joined_on IS NOT NEW.joined_on OR OLD.birth_date IS NOT NEW.birth_date
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, km.metric, km.k, -1 FROM member_placements pl JOIN rollup_member_keys km ON km.member_id = pl.member_id
    WHERE pl.member_id = OLD.id AND pl.to_date IS NULL
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_member_update_after AFTER UPDATE OF category, standing, lost_contact, education, joined_on,
  birth_date ON members
WHEN OLD.category IS NOT NEW.category OR OLD.standing IS NOT NEW.standing OR OLD.lost_contact IS NOT NEW.lost_contact
  OR OLD.education IS NOT NEW.education OR OLD.joined_on IS NOT NEW.joined_on OR OLD.birth_date IS NOT NEW.birth_date
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, km.metric, km.k, 1 FROM member_placements pl JOIN rollup_member_keys km ON km.member_id = pl.member_id
    WHERE pl.member_id = NEW.id AND pl.to_date IS NULL
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;

-- The band edges' months are counted from the members born in them (a few dozen rows).
CREATE INDEX members_birth ON members(birth_date);

INSERT INTO org_counts(org_id, metric, k, n)
  SELECT pl.org_id, km.metric, km.k, COUNT(*) FROM member_placements pl
  JOIN rollup_member_keys km ON km.member_id = pl.member_id AND km.metric = 'members.birth'
  WHERE pl.to_date IS NULL GROUP BY pl.org_id, km.metric, km.k;

-- 2. Dues collected, by the month of the payment date, on the books of the branch it was paid in
-- (the organization whose id ends dues_payments.org_path): 'dues.paid.current|back|advance' count
-- the payments (for the month paid in, for an earlier month, in advance) and the same metric with
-- '.fen' sums their amounts. A payment's keys are defined once, here.
CREATE VIEW rollup_dues_keys AS
  SELECT id AS payment_id,
         CAST(substr(rtrim(org_path, '/'), length(rtrim(rtrim(org_path, '/'), '0123456789')) + 1) AS INTEGER) AS org_id,
         'dues.paid.' || CASE WHEN month = substr(paid_on, 1, 7) THEN 'current'
                              WHEN month < substr(paid_on, 1, 7) THEN 'back' ELSE 'advance' END AS metric,
         substr(paid_on, 1, 7) AS k, 1 AS n FROM dues_payments
  UNION ALL
  SELECT id, CAST(substr(rtrim(org_path, '/'), length(rtrim(rtrim(org_path, '/'), '0123456789')) + 1) AS INTEGER),
         'dues.paid.' || CASE WHEN month = substr(paid_on, 1, 7) THEN 'current'
                              WHEN month < substr(paid_on, 1, 7) THEN 'back' ELSE 'advance' END || '.fen',
         substr(paid_on, 1, 7), amount_fen FROM dues_payments;

CREATE TRIGGER rollup_dues_insert AFTER INSERT ON dues_payments BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT org_id, metric, k, n FROM rollup_dues_keys WHERE payment_id = NEW.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_dues_delete BEFORE DELETE ON dues_payments BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT org_id, metric, k, -n FROM rollup_dues_keys WHERE payment_id = OLD.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_dues_update_before BEFORE UPDATE OF id, org_path, month, paid_on, amount_fen ON dues_payments BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT org_id, metric, k, -n FROM rollup_dues_keys WHERE payment_id = OLD.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_dues_update_after AFTER UPDATE OF id, org_path, month, paid_on, amount_fen ON dues_payments BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT org_id, metric, k, n FROM rollup_dues_keys WHERE payment_id = NEW.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;

INSERT INTO org_counts(org_id, metric, k, n)
  SELECT org_id, metric, k, SUM(n) FROM rollup_dues_keys WHERE true GROUP BY org_id, metric, k
  ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
