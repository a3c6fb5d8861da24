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
CREATE VIEW rollup_household_keys AS
  SELECT id, org_id, 'grid.households' AS metric, tags AS k, 1 AS n FROM households
  UNION ALL SELECT id, org_id, 'grid.lastvisit', tags || '|' || COALESCE(substr(last_visited_on, 1, 7), ''), 1
    FROM households WHERE tags <> ','
  UNION ALL SELECT h.id, h.org_id, 'grid.contacted', '', 1 FROM households h
    WHERE EXISTS (SELECT 1 FROM household_contacts hc WHERE hc.household_id = h.id AND hc.to_on IS NULL);

-- A visit log counts in its household's community (visit_logs.org_id), by the month visited:
--   visits.month  k = YYYY-MM|kind, and YYYY-MM|problems when it found problems.
CREATE VIEW rollup_visit_keys AS
  SELECT id, org_id, 'visits.month' AS metric, substr(visited_on, 1, 7) || '|' || kind AS k, 1 AS n FROM visit_logs
  UNION ALL SELECT id, org_id, 'visits.month', substr(visited_on, 1, 7) || '|problems', 1 FROM visit_logs
    WHERE problems IS NOT NULL AND problems <> '';

-- A resident's problem counts where it sits now (resident_problems.org_id), by the month received R:
--   problems.month        k = R|received, R|escalated (escalations > 0), R|sat:<satisfaction>;
--   problems.answered     k = R|A (A = month answered), n = 1;
--   problems.answer_days  k = R|A, n = whole days from received to answered;
--   problems.late         k = R|D (D = month due) when not answered on time (unanswered, or after due_on):
--                         overdue on a day = late with due_on before that day.
CREATE VIEW rollup_problem_keys AS
  SELECT id, org_id, 'problems.month' AS metric, substr(received_on, 1, 7) || '|received' AS k, 1 AS n
    FROM resident_problems
  UNION ALL SELECT id, org_id, 'problems.month', substr(received_on, 1, 7) || '|escalated', 1
    FROM resident_problems WHERE escalations > 0
  UNION ALL SELECT id, org_id, 'problems.month', substr(received_on, 1, 7) || '|sat:' || satisfaction, 1
    FROM resident_problems WHERE satisfaction IS NOT NULL
  UNION ALL SELECT id, org_id, 'problems.answered', substr(received_on, 1, 7) || '|' || substr(answered_on, 1, 7), 1
    FROM resident_problems WHERE answered_on IS NOT NULL
  UNION ALL SELECT id, org_id, 'problems.answer_days', substr(received_on, 1, 7) || '|' || substr(answered_on, 1, 7),
         CAST(julianday(answered_on) - julianday(received_on) AS INTEGER)
    FROM resident_problems WHERE answered_on IS NOT NULL
  UNION ALL SELECT id, org_id, 'problems.late', substr(received_on, 1, 7) || '|' || substr(due_on, 1, 7), 1
    FROM resident_problems WHERE answered_on IS NULL OR answered_on > due_on;

-- Households: in on insert; out (BEFORE) and in (AFTER) on a change of a counted column; out on delete.
CREATE TRIGGER rollup_households_insert AFTER INSERT ON households BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, n FROM rollup_household_keys WHERE id = NEW.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_households_update_before BEFORE UPDATE OF org_id, tags, last_visited_on ON households
WHEN OLD.org_id IS NOT NEW.org_id OR OLD.tags IS NOT NEW.tags OR OLD.last_visited_on IS NOT NEW.last_visited_on BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, -n FROM rollup_household_keys WHERE id = OLD.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_households_update_after AFTER UPDATE OF org_id, tags, last_visited_on ON households
WHEN OLD.org_id IS NOT NEW.org_id OR OLD.tags IS NOT NEW.tags OR OLD.last_visited_on IS NOT NEW.last_visited_on BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, n FROM rollup_household_keys WHERE id = NEW.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_households_delete BEFORE DELETE ON households BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, -n FROM rollup_household_keys WHERE id = OLD.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;

-- Contact periods: the household's grid.contacted before the change out, after it in (an
-- unchanged state cancels out).
CREATE TRIGGER rollup_contacts_insert_before BEFORE INSERT ON household_contacts WHEN NEW.to_on IS NULL BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, -n FROM rollup_household_keys
    WHERE id = NEW.household_id AND metric = 'grid.contacted'
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_contacts_insert_after AFTER INSERT ON household_contacts WHEN NEW.to_on IS NULL BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, n FROM rollup_household_keys
    WHERE id = NEW.household_id AND metric = 'grid.contacted'
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_contacts_update_before BEFORE UPDATE OF household_id, to_on ON household_contacts BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, -n FROM rollup_household_keys
    WHERE id IN (OLD.household_id, NEW.household_id) AND metric = 'grid.contacted'
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_contacts_update_after AFTER UPDATE OF household_id, to_on ON household_contacts BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, n FROM rollup_household_keys
    WHERE id IN (OLD.household_id, NEW.household_id) AND metric = 'grid.contacted'
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_contacts_delete_before BEFORE DELETE ON household_contacts WHEN OLD.to_on IS NULL BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, -n FROM rollup_household_keys
    WHERE id = OLD.household_id AND metric = 'grid.contacted'
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_contacts_delete_after AFTER DELETE ON household_contacts WHEN OLD.to_on IS NULL BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, n FROM rollup_household_keys
    WHERE id = OLD.household_id AND metric = 'grid.contacted'
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER rollup_visits_insert AFTER INSERT ON visit_logs BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, n FROM rollup_visit_keys WHERE id = NEW.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_visits_update_before BEFORE UPDATE OF org_id, visited_on, kind, problems ON visit_logs BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, -n FROM rollup_visit_keys WHERE id = OLD.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_visits_update_after AFTER UPDATE OF org_id, visited_on, kind, problems ON visit_logs BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, n FROM rollup_visit_keys WHERE id = NEW.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_visits_delete BEFORE DELETE ON visit_logs BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, -n FROM rollup_visit_keys WHERE id = OLD.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER rollup_problems_insert AFTER INSERT ON resident_problems BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, n FROM rollup_problem_keys WHERE id = NEW.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_problems_update_before BEFORE UPDATE OF org_id, received_on, due_on, escalations, answered_on,
  satisfaction ON resident_problems BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, -n FROM rollup_problem_keys WHERE id = OLD.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_problems_update_after AFTER UPDATE OF org_id, received_on, due_on, escalations, answered_on,
  satisfaction ON resident_problems BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, n FROM rollup_problem_keys WHERE id = NEW.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_problems_delete BEFORE DELETE ON resident_problems BEGIN
  INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, -n FROM rollup_problem_keys WHERE id = OLD.id
    ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n;
END;

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
