-- Live roll-ups for the rest of the figures page (issue 5, item 2; docs/rollup.md): the birth
-- month of every placed member (age bands, exact for a moving today with a correction for the
-- band edges' months only) and dues collected per month of payment, on the same org_counts table,
-- kept by statement-level triggers over transition tables in the same transaction as every change.

-- 1. 'members.birth' (k = 'YYYY-MM' of birth_date, '' when unknown) joins the member keys: the one
-- key function gains the birth date, the view and the member triggers follow.
DROP VIEW rollup_member_keys;
DROP FUNCTION rollup_keys(TEXT, TEXT, BIGINT, TEXT, TEXT);
CREATE FUNCTION rollup_keys(p_category TEXT, p_standing TEXT, p_lost BIGINT, p_education TEXT, p_joined TEXT,
                            p_birth TEXT)
RETURNS TABLE (metric TEXT, k TEXT) LANGUAGE sql IMMUTABLE AS $$
  SELECT 'members.category'::text, CASE WHEN p_category = 'full' THEN 'full' ELSE 'probationary' END::text
  UNION ALL SELECT 'members.standing', p_standing
  UNION ALL SELECT 'members.lost', '1' WHERE p_lost = 1
  UNION ALL SELECT 'members.education', COALESCE(p_education, '')
  UNION ALL SELECT 'members.decade', CASE WHEN p_joined IS NULL THEN 'unknown' WHEN p_joined < '1950-01-01'
                                         THEN 'before1950' ELSE substr(p_joined, 1, 3) || '0s' END
  UNION ALL SELECT 'members.birth', COALESCE(substr(p_birth, 1, 7), '')
$$;
CREATE VIEW rollup_member_keys AS
  SELECT m.id AS member_id, f.metric, f.k FROM members m
  CROSS JOIN LATERAL rollup_keys(m.category, m.standing, m.lost_contact, m.education, m.joined_on, m.birth_date) f;

CREATE OR REPLACE FUNCTION rollup_members_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, f.metric, f.k, SUM(r.s) FROM (
      SELECT id, -1 AS s, category, standing, lost_contact, education, joined_on, birth_date FROM old_rows
      UNION ALL SELECT id, 1, category, standing, lost_contact, education, joined_on, birth_date FROM new_rows) r
    JOIN member_placements pl ON pl.member_id = r.id AND pl.to_date IS NULL
    CROSS JOIN LATERAL rollup_keys(r.category, r.standing, r.lost_contact, r.education, r.joined_on, r.birth_date) f
    GROUP BY pl.org_id, f.metric, f.k HAVING SUM(r.s) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION rollup_members_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT pl.org_id, f.metric, f.k, -COUNT(*) FROM old_rows r
    JOIN member_placements pl ON pl.member_id = r.id AND pl.to_date IS NULL
    CROSS JOIN LATERAL rollup_keys(r.category, r.standing, r.lost_contact, r.education, r.joined_on, r.birth_date) f
    GROUP BY pl.org_id, f.metric, f.k
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;

CREATE INDEX members_birth ON members(birth_date);

INSERT INTO org_counts(org_id, metric, k, n)
  SELECT pl.org_id, km.metric, km.k, COUNT(*) FROM member_placements pl
  JOIN rollup_member_keys km ON km.member_id = pl.member_id AND km.metric = 'members.birth'
  WHERE pl.to_date IS NULL GROUP BY pl.org_id, km.metric, km.k;

-- 2. Dues collected, by the month of the payment date, on the books of the branch it was paid in
-- (the organization whose id ends dues_payments.org_path): 'dues.paid.current|back|advance' count
-- the payments and the same metric with '.fen' sums their amounts. One key function.
CREATE FUNCTION rollup_dues_keys(p_org_path TEXT, p_month TEXT, p_paid_on TEXT, p_amount BIGINT)
RETURNS TABLE (org_id BIGINT, metric TEXT, k TEXT, n BIGINT) LANGUAGE sql IMMUTABLE AS $$
  SELECT CAST(substring(p_org_path FROM '([0-9]+)/$') AS BIGINT), x.metric, substr(p_paid_on, 1, 7), x.n
  FROM (VALUES (1::bigint, ''), (p_amount, '.fen')) AS x0(n, suffix)
  CROSS JOIN LATERAL (SELECT 'dues.paid.' || CASE WHEN p_month = substr(p_paid_on, 1, 7) THEN 'current'
                                                 WHEN p_month < substr(p_paid_on, 1, 7) THEN 'back'
                                                 ELSE 'advance' END || x0.suffix AS metric, x0.n AS n) x
$$;
CREATE VIEW rollup_dues_keys AS
  SELECT d.id AS payment_id, f.org_id, f.metric, f.k, f.n FROM dues_payments d
  CROSS JOIN LATERAL rollup_dues_keys(d.org_path, d.month, d.paid_on, d.amount_fen) f;

CREATE FUNCTION rollup_dues_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT f.org_id, f.metric, f.k, SUM(f.n) FROM new_rows r
    CROSS JOIN LATERAL rollup_dues_keys(r.org_path, r.month, r.paid_on, r.amount_fen) f
    GROUP BY f.org_id, f.metric, f.k
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_dues_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT f.org_id, f.metric, f.k, -SUM(f.n) FROM old_rows r
    CROSS JOIN LATERAL rollup_dues_keys(r.org_path, r.month, r.paid_on, r.amount_fen) f
    GROUP BY f.org_id, f.metric, f.k
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE FUNCTION rollup_dues_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_counts(org_id, metric, k, n)
    SELECT f.org_id, f.metric, f.k, SUM(r.s * f.n) FROM (
      SELECT -1 AS s, org_path, month, paid_on, amount_fen FROM old_rows
      UNION ALL SELECT 1, org_path, month, paid_on, amount_fen FROM new_rows) r
    CROSS JOIN LATERAL rollup_dues_keys(r.org_path, r.month, r.paid_on, r.amount_fen) f
    GROUP BY f.org_id, f.metric, f.k HAVING SUM(r.s * f.n) <> 0
    ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;
CREATE TRIGGER rollup_dues_ins AFTER INSERT ON dues_payments REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_dues_ins();
CREATE TRIGGER rollup_dues_del AFTER DELETE ON dues_payments REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_dues_del();
CREATE TRIGGER rollup_dues_upd AFTER UPDATE ON dues_payments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION rollup_dues_upd();

INSERT INTO org_counts(org_id, metric, k, n)
  SELECT org_id, metric, k, SUM(n) FROM rollup_dues_keys GROUP BY org_id, metric, k
  ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + EXCLUDED.n;
