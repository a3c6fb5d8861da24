-- The grid 片组户 (划片管理、分组服务、入户联系, seed 000): areas 片 under a community or village,
-- contact groups 组 under areas, households 户 under groups with their people and tags, and the
-- dated assignment of one contact member 联户党员 per household. Scoped through the community's
-- organization (orgs.path via org_id), so the grid follows its community when the tree moves.

CREATE TABLE grid_areas (
  id               INTEGER PRIMARY KEY,
  org_id           INTEGER NOT NULL REFERENCES orgs(id),   -- the community / village
  name             TEXT NOT NULL,
  leader_member_id INTEGER REFERENCES members(id),         -- 片长
  branch_org_id    INTEGER REFERENCES orgs(id),            -- 片区党支部 (grid branch) attached
  note             TEXT,
  version          INTEGER NOT NULL DEFAULT 1,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX grid_areas_org ON grid_areas(org_id);

CREATE TABLE grid_groups (
  id               INTEGER PRIMARY KEY,
  area_id          INTEGER NOT NULL REFERENCES grid_areas(id),
  org_id           INTEGER NOT NULL REFERENCES orgs(id),   -- copy of the area's community
  name             TEXT NOT NULL,
  leader_member_id INTEGER REFERENCES members(id),         -- 组长
  version          INTEGER NOT NULL DEFAULT 1,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX grid_groups_area ON grid_groups(area_id);
CREATE INDEX grid_groups_org ON grid_groups(org_id);

-- Building party groups 楼宇党小组 (or any party organization) attached to a building of an area.
CREATE TABLE grid_buildings (
  id          INTEGER PRIMARY KEY,
  area_id     INTEGER NOT NULL REFERENCES grid_areas(id),
  building    TEXT NOT NULL,
  party_org_id INTEGER REFERENCES orgs(id),
  created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX grid_buildings_area ON grid_buildings(area_id, building);

CREATE TABLE households (
  id              INTEGER PRIMARY KEY,
  org_id          INTEGER NOT NULL REFERENCES orgs(id),    -- the community / village (copy of the group's)
  area_id         INTEGER NOT NULL REFERENCES grid_areas(id),
  group_id        INTEGER NOT NULL REFERENCES grid_groups(id),
  building        TEXT NOT NULL DEFAULT '',                -- 幢 / 楼
  unit            TEXT NOT NULL DEFAULT '',                -- 单元
  room            TEXT NOT NULL DEFAULT '',                -- 室
  address         TEXT NOT NULL DEFAULT '',                -- street address or village lane
  head_name       TEXT NOT NULL,                           -- 户主
  phone_enc       TEXT,
  phone_mask      TEXT,
  tags            TEXT NOT NULL DEFAULT ',',               -- ",elderly_alone,disabled," (leading and trailing comma)
  people_count    INTEGER NOT NULL DEFAULT 0,
  last_visited_on TEXT,                                    -- set by visit logs (later: 网格日志)
  note            TEXT,
  version         INTEGER NOT NULL DEFAULT 1,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE INDEX households_org ON households(org_id);
CREATE INDEX households_group ON households(group_id);
CREATE INDEX households_area ON households(area_id);

CREATE TABLE household_people (
  id           INTEGER PRIMARY KEY,
  household_id INTEGER NOT NULL REFERENCES households(id),
  name         TEXT NOT NULL,
  relation     TEXT NOT NULL DEFAULT '',                   -- 户主, 配偶, 子女, 父母 …
  birth_year   INTEGER,
  phone_enc    TEXT,
  phone_mask   TEXT,
  note         TEXT
);
CREATE INDEX household_people_household ON household_people(household_id);

-- Who is responsible for a household, by date: [from_on, to_on), to_on NULL = current.
CREATE TABLE household_contacts (
  id           INTEGER PRIMARY KEY,
  household_id INTEGER NOT NULL REFERENCES households(id),
  member_id    INTEGER NOT NULL REFERENCES members(id),
  from_on      TEXT NOT NULL,
  to_on        TEXT,
  assigned_by  TEXT NOT NULL DEFAULT '',
  created_at   TEXT NOT NULL
);
CREATE INDEX household_contacts_household ON household_contacts(household_id, to_on);
CREATE INDEX household_contacts_member ON household_contacts(member_id, to_on);

-- Contact members 联户党员 enrolled in a group, by date (a member with no household yet counts
-- in "contact members without households").
CREATE TABLE grid_contact_members (
  id        INTEGER PRIMARY KEY,
  group_id  INTEGER NOT NULL REFERENCES grid_groups(id),
  org_id    INTEGER NOT NULL REFERENCES orgs(id),          -- the group's community
  member_id INTEGER NOT NULL REFERENCES members(id),
  from_on   TEXT NOT NULL,
  to_on     TEXT
);
CREATE INDEX grid_contact_members_member ON grid_contact_members(member_id, to_on);
CREATE INDEX grid_contact_members_org ON grid_contact_members(org_id, to_on);
CREATE INDEX grid_contact_members_group ON grid_contact_members(group_id, to_on);
