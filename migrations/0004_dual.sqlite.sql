-- In-service members' dual management 在职党员双重管理: a member of a workplace branch
-- registers (报到) with the community (社区/村) where they live; the community assigns a post
-- (认领岗位) and records their service there. Scoped on BOTH sides: a registration is visible to
-- callers whose scope holds the member's branch (members.org_path) or the community (orgs.path).

CREATE TABLE community_registrations (
  id               INTEGER PRIMARY KEY,
  member_id        INTEGER NOT NULL REFERENCES members(id),
  community_org_id INTEGER NOT NULL REFERENCES orgs(id),  -- branch_type community / village
  registered_on    TEXT NOT NULL,
  ended_on         TEXT,                                  -- NULL = current
  post             TEXT,                                  -- 认领岗位: 楼道长, 文明劝导员, 志愿服务 …
  note             TEXT,
  version          INTEGER NOT NULL DEFAULT 1,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX community_registrations_member ON community_registrations(member_id, ended_on);
CREATE INDEX community_registrations_community ON community_registrations(community_org_id, ended_on);

CREATE TABLE community_service_logs (
  id              INTEGER PRIMARY KEY,
  registration_id INTEGER NOT NULL REFERENCES community_registrations(id),
  served_on       TEXT NOT NULL,
  hours           INTEGER NOT NULL,                       -- whole hours
  description     TEXT NOT NULL,
  user_id         INTEGER,
  user_name       TEXT NOT NULL DEFAULT '',
  created_at      TEXT NOT NULL
);
CREATE INDEX community_service_logs_registration ON community_service_logs(registration_id, served_on);
