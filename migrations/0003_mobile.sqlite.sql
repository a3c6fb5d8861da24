-- M2 Mobile members 流动党员: outflow/inflow records, contact log, service requests.
-- Scoped through the member: every query joins members and filters members.org_path, so a
-- record follows its member when the member moves.

CREATE TABLE mobility_records (
  id              INTEGER PRIMARY KEY,
  member_id       INTEGER NOT NULL REFERENCES members(id),
  direction       TEXT NOT NULL,              -- outflow 流出 / inflow 流入
  place           TEXT NOT NULL,              -- 流向地/流入自 (省市区)
  since_date      TEXT NOT NULL,
  until_date      TEXT,                       -- NULL = ongoing
  phone_enc       TEXT,
  phone_mask      TEXT,
  receiving_org   TEXT,                       -- 接收党组织 (free text; often outside the district)
  mobile_branch_id INTEGER REFERENCES orgs(id), -- 流动党员党支部 (branch_type mobile / mobile_outside)
  reason          TEXT,
  version         INTEGER NOT NULL DEFAULT 1,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE INDEX mobility_records_member ON mobility_records(member_id, until_date);

CREATE TABLE mobility_contacts (
  id            INTEGER PRIMARY KEY,
  record_id     INTEGER NOT NULL REFERENCES mobility_records(id),
  contacted_on  TEXT NOT NULL,
  channel       TEXT NOT NULL,                -- 电话 / 微信 / 走访 / 来信
  note          TEXT,
  user_id       INTEGER,
  user_name     TEXT NOT NULL DEFAULT '',
  created_at    TEXT NOT NULL
);
CREATE INDEX mobility_contacts_record ON mobility_contacts(record_id, contacted_on);

CREATE TABLE mobility_requests (
  id            INTEGER PRIMARY KEY,
  record_id     INTEGER NOT NULL REFERENCES mobility_records(id),
  kind          TEXT NOT NULL,
  description   TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'open', -- open / assigned / closed
  assignee_id   INTEGER REFERENCES users(id),
  deadline      TEXT,
  result        TEXT,
  opened_on     TEXT NOT NULL,
  assigned_on   TEXT,
  closed_on     TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE INDEX mobility_requests_status ON mobility_requests(status, id);
CREATE INDEX mobility_requests_record ON mobility_requests(record_id);
