-- Party dues 党费: the income base each member pays on (dated history), payments per month and
-- exemptions (months with a recorded reason). Member-centric reads are scoped through the
-- member's CURRENT members.org_path (join); payments also keep the org_path of the member's
-- branch at payment time (for the books of that branch).

CREATE TABLE dues_bases (
  id          INTEGER PRIMARY KEY,
  member_id   INTEGER NOT NULL REFERENCES members(id),
  kind        TEXT NOT NULL,               -- employed 在职 / retired 离退休 / student 学生 / fixed 定额
  base_fen    INTEGER NOT NULL DEFAULT 0,  -- monthly after-tax income (employed, retired)
  amount_fen  INTEGER NOT NULL DEFAULT 0,  -- fixed monthly amount (fixed)
  from_month  TEXT NOT NULL,               -- 'YYYY-MM'
  to_month    TEXT,                        -- exclusive; NULL = current
  set_by      TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL
);
CREATE INDEX dues_bases_member ON dues_bases(member_id, from_month);

CREATE TABLE dues_payments (
  id           INTEGER PRIMARY KEY,
  member_id    INTEGER NOT NULL REFERENCES members(id),
  month        TEXT NOT NULL,              -- 'YYYY-MM'
  amount_fen   INTEGER NOT NULL,
  paid_on      TEXT NOT NULL,
  method       TEXT NOT NULL DEFAULT '',
  note         TEXT NOT NULL DEFAULT '',
  recorded_by  TEXT NOT NULL DEFAULT '',
  org_path     TEXT NOT NULL,              -- the member's branch at payment time
  created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX dues_payments_member_month ON dues_payments(member_id, month);
CREATE INDEX dues_payments_month ON dues_payments(month, org_path);

CREATE TABLE dues_exemptions (
  id          INTEGER PRIMARY KEY,
  member_id   INTEGER NOT NULL REFERENCES members(id),
  from_month  TEXT NOT NULL,
  to_month    TEXT NOT NULL,               -- inclusive
  reason      TEXT NOT NULL,
  set_by      TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL
);
CREATE INDEX dues_exemptions_member ON dues_exemptions(member_id, from_month);
