-- Mobilization 一键动员 (seed 000: the 2011 snow) and the notification outbox 消息发件箱.
-- A mobilization forms volunteer teams from the grid's current contact members of a subtree in
-- one transaction; every member gets one outbox message, which a background sender delivers
-- through the configured driver (log or an SMS gateway over HTTP).

CREATE TABLE notify_outbox (
  id              INTEGER PRIMARY KEY,
  org_path        TEXT NOT NULL,                 -- where the message was sent from (scopes reading)
  member_id       INTEGER REFERENCES members(id),
  recipient_name  TEXT NOT NULL DEFAULT '',
  phone_enc       TEXT,                          -- AES-256-GCM, like members.phone_enc
  phone_mask      TEXT,
  body_enc        TEXT NOT NULL,                 -- the full text (may hold a leader's phone), encrypted
  preview         TEXT NOT NULL,                 -- the text with phones masked, for lists and the log
  ref_kind        TEXT NOT NULL DEFAULT '',
  ref_id          INTEGER,
  state           TEXT NOT NULL DEFAULT 'pending',  -- pending / sent / failed
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  last_error      TEXT,
  driver          TEXT,
  created_at      TEXT NOT NULL,
  sent_at         TEXT
);
CREATE INDEX notify_outbox_due ON notify_outbox(state, next_attempt_at);
CREATE INDEX notify_outbox_ref ON notify_outbox(ref_kind, ref_id, member_id);
CREATE INDEX notify_outbox_path ON notify_outbox(org_path, id);

CREATE TABLE mobilizations (
  id            INTEGER PRIMARY KEY,
  org_id        INTEGER NOT NULL REFERENCES orgs(id),   -- the subtree mobilized
  org_path      TEXT NOT NULL,
  title         TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  team_size     INTEGER NOT NULL,
  on_date       TEXT NOT NULL,
  state         TEXT NOT NULL DEFAULT 'formed',         -- formed / closed / cancelled
  teams_count   INTEGER NOT NULL DEFAULT 0,
  members_count INTEGER NOT NULL DEFAULT 0,
  created_by    TEXT NOT NULL DEFAULT '',
  result_note   TEXT,
  version       INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  ended_at      TEXT
);
CREATE INDEX mobilizations_path ON mobilizations(org_path, id);

CREATE TABLE mobilization_teams (
  id               INTEGER PRIMARY KEY,
  mobilization_id  INTEGER NOT NULL REFERENCES mobilizations(id),
  seq              INTEGER NOT NULL,
  org_id           INTEGER NOT NULL REFERENCES orgs(id),     -- the area's community
  area_id          INTEGER NOT NULL REFERENCES grid_areas(id),
  name             TEXT NOT NULL,                             -- “<片>第N队”
  leader_member_id INTEGER NOT NULL REFERENCES members(id),
  leader_rule      TEXT NOT NULL,                             -- area_leader / group_leader / first
  size             INTEGER NOT NULL
);
CREATE INDEX mobilization_teams_mob ON mobilization_teams(mobilization_id, seq);

CREATE TABLE mobilization_members (
  id              INTEGER PRIMARY KEY,
  mobilization_id INTEGER NOT NULL REFERENCES mobilizations(id),
  team_id         INTEGER NOT NULL REFERENCES mobilization_teams(id),
  member_id       INTEGER NOT NULL REFERENCES members(id),
  group_id        INTEGER REFERENCES grid_groups(id),
  is_leader       INTEGER NOT NULL DEFAULT 0,
  outbox_id       INTEGER REFERENCES notify_outbox(id)
);
CREATE UNIQUE INDEX mobilization_members_once ON mobilization_members(mobilization_id, member_id);
CREATE INDEX mobilization_members_team ON mobilization_members(team_id);
