-- Residents' problems and proposals 民情 (issue 4 item 6) and the contact cards 民情联系卡 (item 5).
-- A problem sits at one organization at a time (org_id → orgs.path for scoping); escalation moves
-- it to the parent organization. Every step is a dated row in resident_problem_events.

CREATE TABLE resident_problems (
  id                 INTEGER PRIMARY KEY,
  number             TEXT NOT NULL UNIQUE,                 -- MQ2026-000123, told to the resident
  secret             TEXT NOT NULL,                        -- lookup secret for the public status page
  source             TEXT NOT NULL,                        -- public / hotline / visit
  kind               TEXT NOT NULL,                        -- a label from setting problems.kinds
  body               TEXT NOT NULL,
  reporter_name      TEXT NOT NULL DEFAULT '',
  phone_enc          TEXT,
  phone_mask         TEXT,
  household_id       INTEGER REFERENCES households(id),
  org_id             INTEGER NOT NULL REFERENCES orgs(id), -- where it sits now
  contact_member_id  INTEGER REFERENCES members(id),       -- the household's contact member / handler
  state              TEXT NOT NULL,                        -- received/assigned/in_progress/answered/closed
  received_on        TEXT NOT NULL,
  due_on             TEXT NOT NULL,
  escalations        INTEGER NOT NULL DEFAULT 0,
  answer             TEXT,
  answered_on        TEXT,
  satisfaction       TEXT,                                 -- satisfied / basic / unsatisfied
  closed_on          TEXT,
  version            INTEGER NOT NULL DEFAULT 1,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
CREATE INDEX resident_problems_org ON resident_problems(org_id, state);
CREATE INDEX resident_problems_due ON resident_problems(state, due_on);
CREATE INDEX resident_problems_household ON resident_problems(household_id);

CREATE TABLE resident_problem_events (
  id          INTEGER PRIMARY KEY,
  problem_id  INTEGER NOT NULL REFERENCES resident_problems(id),
  at          TEXT NOT NULL,
  action      TEXT NOT NULL,            -- open/assign/start/escalate/auto_escalate/answer/close/rate
  state       TEXT NOT NULL,            -- the state after the step
  org_id      INTEGER NOT NULL REFERENCES orgs(id),
  actor       TEXT NOT NULL,
  note        TEXT
);
CREATE INDEX resident_problem_events_problem ON resident_problem_events(problem_id, id);

-- The opaque token on a household's contact card (the QR code names the household by it, not its id).
CREATE TABLE household_card_tokens (
  household_id INTEGER PRIMARY KEY REFERENCES households(id),
  token        TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL
);
