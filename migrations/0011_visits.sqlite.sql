-- Visit and work logs 网格日志 (issue 4 item 4): one row per visit of a household by a member
-- (入户走访, 电话联系, 微信联系 …), with the problems found (a later item turns them into residents'
-- problems: problem_id is that hook) and an optional photo stored in `files`. Scoped through the
-- household's community (org_id → orgs.path), like the grid.

CREATE TABLE visit_logs (
  id            INTEGER PRIMARY KEY,
  household_id  INTEGER NOT NULL REFERENCES households(id),
  org_id        INTEGER NOT NULL REFERENCES orgs(id),     -- the household's community (copy)
  member_id     INTEGER REFERENCES members(id),           -- who visited (NULL: staff without a member record)
  visitor_name  TEXT NOT NULL,
  visited_on    TEXT NOT NULL,
  kind          TEXT NOT NULL,                            -- home, phone, wechat, meeting, other
  note          TEXT NOT NULL DEFAULT '',
  problems      TEXT,                                     -- problems found (text)
  problem_id    INTEGER,                                  -- the resident's problem made from it (item 6)
  photo_file_id INTEGER REFERENCES files(id),
  created_by    INTEGER,
  created_at    TEXT NOT NULL
);
CREATE INDEX visit_logs_household ON visit_logs(household_id, visited_on);
CREATE INDEX visit_logs_member ON visit_logs(member_id, visited_on);
CREATE INDEX visit_logs_org ON visit_logs(org_id, visited_on);
CREATE INDEX visit_logs_on ON visit_logs(visited_on);
