-- Responsibility marks 党员责任标识 (亮身份、亮职责、亮承诺): the member's posts and areas with dated
-- history, the yearly public commitment 承诺 with its fulfilment, and each branch's public page
-- token. Scoped through the member (marks, commitments) or the organization (public pages).

CREATE TABLE responsibility_marks (
  id            INTEGER PRIMARY KEY,
  member_id     INTEGER NOT NULL REFERENCES members(id),
  kind          TEXT NOT NULL,              -- pioneer_post / responsibility_area / model_household / post_duty
  title         TEXT NOT NULL,              -- the post, the area covered
  description   TEXT,
  from_date     TEXT NOT NULL,
  to_date       TEXT,                       -- NULL = current; ending keeps the row
  show_public   INTEGER NOT NULL DEFAULT 0, -- the member agreed to show it on the public page
  version       INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE INDEX responsibility_marks_member ON responsibility_marks(member_id, to_date);
CREATE INDEX responsibility_marks_kind ON responsibility_marks(kind, from_date);

CREATE TABLE member_commitments (
  id            INTEGER PRIMARY KEY,
  member_id     INTEGER NOT NULL REFERENCES members(id),
  year          INTEGER NOT NULL,
  commitment    TEXT NOT NULL,
  fulfilment    TEXT,                       -- 践诺情况
  show_public   INTEGER NOT NULL DEFAULT 0,
  version       INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  UNIQUE (member_id, year)
);

CREATE TABLE branch_public_pages (
  org_id        INTEGER PRIMARY KEY REFERENCES orgs(id),
  token         TEXT NOT NULL UNIQUE,       -- 128 random bits, hex; regenerating replaces it
  issued_at     TEXT NOT NULL
);
