-- Foundation: organizations (M1) with dated history, members (M2 registry) with placements,
-- users and sessions, the hash-chained audit log, settings, jobs and uploaded files.
-- Dates are ISO 'YYYY-MM-DD'; timestamps ISO 'YYYY-MM-DDTHH:MM:SS.mmm+08:00'.

CREATE TABLE orgs (
  id            INTEGER PRIMARY KEY,
  parent_id     INTEGER REFERENCES orgs(id),
  path          TEXT NOT NULL,              -- materialized path '/1/5/23/' (scope filter)
  depth         INTEGER NOT NULL,
  name          TEXT NOT NULL,              -- 全称 as on the seal
  short_name    TEXT,
  kind          TEXT NOT NULL,              -- see src/modules/orgs/org_kinds.h
  branch_type   TEXT,                       -- 支部类型 for branches
  unit_count    INTEGER NOT NULL DEFAULT 1, -- units covered (joint branch 联合支部)
  committee_size INTEGER NOT NULL DEFAULT 0,-- members of the branch committee (0 = secretary only)
  secretary     TEXT,
  contact       TEXT,
  phone         TEXT,
  unit_info     TEXT,                       -- 所在单位情况
  founded_on    TEXT NOT NULL,
  dissolved_on  TEXT,
  merged_into   INTEGER REFERENCES orgs(id),
  sort_order    INTEGER NOT NULL DEFAULT 0,
  version       INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE INDEX orgs_path ON orgs(path);
CREATE INDEX orgs_parent ON orgs(parent_id, sort_order);
CREATE INDEX orgs_name ON orgs(name);

-- Dated history of each organization's name and parent (who was under whom on a date).
CREATE TABLE org_history (
  id         INTEGER PRIMARY KEY,
  org_id     INTEGER NOT NULL REFERENCES orgs(id),
  parent_id  INTEGER,
  name       TEXT NOT NULL,
  kind       TEXT NOT NULL,
  from_date  TEXT NOT NULL,
  to_date    TEXT                          -- exclusive; NULL = current
);
CREATE INDEX org_history_org ON org_history(org_id, from_date);

-- Structural events (create, rename, move, merge, split, dissolve) for the timeline.
CREATE TABLE org_events (
  id         INTEGER PRIMARY KEY,
  org_id     INTEGER NOT NULL REFERENCES orgs(id),
  event      TEXT NOT NULL,
  on_date    TEXT NOT NULL,
  detail     TEXT NOT NULL DEFAULT '{}',
  actor_id   INTEGER,
  created_at TEXT NOT NULL
);
CREATE INDEX org_events_org ON org_events(org_id, on_date);

CREATE TABLE members (
  id              INTEGER PRIMARY KEY,
  org_id          INTEGER NOT NULL REFERENCES orgs(id),
  org_path        TEXT NOT NULL,            -- copy of orgs.path, kept in step on moves
  name            TEXT NOT NULL,
  name_initials   TEXT NOT NULL,            -- pinyin initials 'zsf'
  name_pinyin     TEXT NOT NULL,
  name_sort       TEXT NOT NULL,            -- zh collation key
  sex             TEXT NOT NULL,            -- 'M' / 'F'
  ethnicity       TEXT NOT NULL DEFAULT '汉族',
  birth_date      TEXT,
  id_number_enc   TEXT,                     -- AES-256-GCM
  id_number_hash  TEXT UNIQUE,              -- keyed hash for duplicate detection
  id_number_mask  TEXT,
  education       TEXT,
  category        TEXT NOT NULL,            -- 'full' 正式 / 'probationary' 预备
  joined_on       TEXT,
  full_on         TEXT,
  post            TEXT,                     -- 工作岗位
  phone_enc       TEXT,
  phone_mask      TEXT,
  landline_enc    TEXT,
  landline_mask   TEXT,
  address         TEXT,
  standing        TEXT NOT NULL DEFAULT 'normal',  -- 党籍状态 normal/suspended
  lost_contact    INTEGER NOT NULL DEFAULT 0,
  lost_on         TEXT,
  mobile          INTEGER NOT NULL DEFAULT 0,      -- 流动党员
  mobile_to       TEXT,
  six_category    TEXT,                            -- 6×3 category
  active          INTEGER NOT NULL DEFAULT 1,      -- 0 = left the registry (removed_on)
  removed_on      TEXT,
  removed_reason  TEXT,
  version         INTEGER NOT NULL DEFAULT 1,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE INDEX members_scope_sort ON members(active, org_path, name_sort);
CREATE INDEX members_active_sort ON members(active, name_sort, id);
CREATE INDEX members_org ON members(org_id);
CREATE INDEX members_initials ON members(name_initials);
CREATE INDEX members_pinyin ON members(name_pinyin);
CREATE INDEX members_active_joined ON members(active, joined_on, id);
CREATE INDEX members_active_birth ON members(active, birth_date, id);

-- Dated placement of each member in a branch; to_date exclusive, NULL = current.
CREATE TABLE member_placements (
  id         INTEGER PRIMARY KEY,
  member_id  INTEGER NOT NULL REFERENCES members(id),
  org_id     INTEGER NOT NULL REFERENCES orgs(id),
  from_date  TEXT NOT NULL,
  to_date    TEXT,
  reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX member_placements_member ON member_placements(member_id, from_date);
CREATE INDEX member_placements_org ON member_placements(org_id, from_date);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL,
  org_id        INTEGER NOT NULL REFERENCES orgs(id),
  member_id     INTEGER REFERENCES members(id),
  active        INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);

CREATE TABLE sessions (
  token_hash   TEXT PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id),
  csrf_token   TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_throttle (
  key           TEXT PRIMARY KEY,           -- 'user:<name>' or 'ip:<addr>'
  failures      INTEGER NOT NULL,
  window_start  TEXT NOT NULL,
  locked_until  TEXT
);

CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  logged_at   TEXT NOT NULL,
  actor_id    INTEGER,
  actor_name  TEXT NOT NULL,
  ip          TEXT NOT NULL DEFAULT '',
  action      TEXT NOT NULL,
  entity      TEXT NOT NULL,
  entity_id   INTEGER,
  org_path    TEXT NOT NULL DEFAULT '/',
  summary     TEXT NOT NULL DEFAULT '',
  before_json TEXT,
  after_json  TEXT,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
);
CREATE INDEX audit_log_scope ON audit_log(org_path, id);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE settings (
  key         TEXT NOT NULL,
  org_id      INTEGER NOT NULL DEFAULT 0,   -- 0 = district-wide
  value_json  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  updated_by  INTEGER,
  PRIMARY KEY (key, org_id)
);

CREATE TABLE files (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  content_b64 TEXT NOT NULL,
  size        INTEGER NOT NULL,
  org_path    TEXT NOT NULL,
  created_by  INTEGER,
  created_at  TEXT NOT NULL
);

CREATE TABLE jobs (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,
  status      TEXT NOT NULL,                -- queued, running, done, failed
  org_path    TEXT NOT NULL,
  created_by  INTEGER,
  processed   INTEGER NOT NULL DEFAULT 0,
  total       INTEGER NOT NULL DEFAULT 0,
  result_json TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
