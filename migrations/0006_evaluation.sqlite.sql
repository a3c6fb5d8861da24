-- Democratic evaluation 民主评议 and self-examination 照镜子: one campaign per branch and year;
-- the members placed in the branch on the opening day are its entries. Each entry holds the
-- member's self-assessment, the branch's grade 好/中/差, the 晋位升级 target, and for a 差
-- member the helper 帮扶人 and the talk 谈话. Ratings by peers and the masses are aggregated
-- counts per item and level. Scoped by org_path (the branch's path, copied onto each entry).

CREATE TABLE evaluation_campaigns (
  id          INTEGER PRIMARY KEY,
  org_id      INTEGER NOT NULL REFERENCES orgs(id),
  org_path    TEXT NOT NULL,
  year        INTEGER NOT NULL,
  opened_on   TEXT NOT NULL,
  closes_on   TEXT NOT NULL,            -- planned end
  closed_on   TEXT,                     -- NULL = open
  items       TEXT NOT NULL,            -- JSON array of the rating items, fixed when opened
  note        TEXT,
  version     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX evaluation_campaigns_org_year ON evaluation_campaigns(org_id, year);
CREATE INDEX evaluation_campaigns_path ON evaluation_campaigns(org_path, year);

CREATE TABLE evaluation_entries (
  id               INTEGER PRIMARY KEY,
  campaign_id      INTEGER NOT NULL REFERENCES evaluation_campaigns(id),
  member_id        INTEGER NOT NULL REFERENCES members(id),
  org_path         TEXT NOT NULL,         -- the campaign's branch path
  self_assessment  TEXT,                  -- 照镜子: what the member found in themselves
  ratings          TEXT NOT NULL DEFAULT '{}', -- {"peer": {"<item>": [好,较好,一般,差]}, "masses": {...}}
  grade            TEXT,                  -- good 好 / fair 中 / poor 差; NULL = not yet
  target           TEXT,                  -- 晋位升级目标
  helper_member_id INTEGER REFERENCES members(id),
  helper_role      TEXT,                  -- the helper's post: 支部书记 / 支部委员 / 上级党组织委员
  talk_on          TEXT,
  talk_by          TEXT,
  talk_content     TEXT,
  version          INTEGER NOT NULL DEFAULT 1,
  updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX evaluation_entries_member ON evaluation_entries(campaign_id, member_id);
CREATE INDEX evaluation_entries_path ON evaluation_entries(org_path);
CREATE INDEX evaluation_entries_member_id ON evaluation_entries(member_id);
