-- Transfer of organizational relationship 组织关系接转: a case per member and transfer, between
-- two organizations of the district (within) or to / from an organization outside it (out / in).
-- Scoped on BOTH sides through orgs.path of from_org_id (sending side) and to_org_id (receiving
-- side); an outside organization is only a name. The member's placement changes only on
-- completion (members::move / remove / create in the same transaction).

CREATE TABLE transfer_cases (
  id             INTEGER PRIMARY KEY,
  code           TEXT UNIQUE,                 -- letter code 'JZ2026-000123' (set right after insert)
  check_code     TEXT NOT NULL,               -- printed on the letter only; confirms receipt
  direction      TEXT NOT NULL,               -- within 区内 / out 转出区外 / in 从区外转入
  state          TEXT NOT NULL,               -- started sent received completed returned cancelled
  member_id      INTEGER REFERENCES members(id),  -- NULL for 'in' until completed
  member_name    TEXT NOT NULL,
  from_org_id    INTEGER REFERENCES orgs(id), -- NULL for 'in'
  from_outside   TEXT,                        -- outside sending organization ('in')
  to_org_id      INTEGER REFERENCES orgs(id), -- NULL for 'out'
  to_outside     TEXT,                        -- outside receiving organization ('out')
  reason         TEXT NOT NULL,
  note           TEXT,
  outside_letter TEXT,                        -- the outside letter's number ('in')
  in_member_enc  TEXT,                        -- 'in': the incoming member's data (encrypted JSON)
  in_id_mask     TEXT,
  in_id_hash     TEXT,
  started_on     TEXT NOT NULL,
  sent_on        TEXT,
  deadline       TEXT,                        -- sent_on + transfer.letter_valid_days
  received_on    TEXT,
  completed_on   TEXT,
  returned_on    TEXT,
  cancelled_on   TEXT,
  closing_reason TEXT,                        -- why returned / cancelled
  check_failures INTEGER NOT NULL DEFAULT 0,  -- wrong check codes on the public page
  version        INTEGER NOT NULL DEFAULT 1,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
-- One open case per member, whatever the caller.
CREATE UNIQUE INDEX transfer_cases_one_open ON transfer_cases(member_id)
  WHERE state IN ('started', 'sent', 'received');
CREATE UNIQUE INDEX transfer_cases_one_open_in ON transfer_cases(in_id_hash)
  WHERE state IN ('started', 'sent', 'received');
CREATE INDEX transfer_cases_from ON transfer_cases(from_org_id, state);
CREATE INDEX transfer_cases_to ON transfer_cases(to_org_id, state);
CREATE INDEX transfer_cases_completed ON transfer_cases(completed_on);
CREATE INDEX transfer_cases_member ON transfer_cases(member_id);

-- The timeline: every state change, dated, with who did it.
CREATE TABLE transfer_events (
  id         INTEGER PRIMARY KEY,
  case_id    INTEGER NOT NULL REFERENCES transfer_cases(id),
  state      TEXT NOT NULL,
  on_date    TEXT NOT NULL,
  at         TEXT NOT NULL,
  user_id    INTEGER,                         -- NULL: the public receipt page or the system
  actor_name TEXT NOT NULL,
  note       TEXT
);
CREATE INDEX transfer_events_case ON transfer_events(case_id, id);

-- A member is never in two branches at once: at most one open placement per member.
CREATE UNIQUE INDEX member_placements_one_current ON member_placements(member_id) WHERE to_date IS NULL;
