-- M3 Recruitment 发展党员: applicants moving through 5 stages / 25 steps, their sponsors and
-- introducers, training, documents, the activist questionnaire and the points ledger 积分制.
-- Scoped through pipeline_applicants.org_path (the applicant's current branch); every other
-- table joins the applicant, so the whole record follows the applicant when they move.

CREATE TABLE pipeline_step_defs (
  no            INTEGER PRIMARY KEY,          -- 1..25, the order of 《发展党员工作细则》
  stage         TEXT NOT NULL,                -- the phase (细则 chapter), keyed by stage: applicant … full
  name          TEXT NOT NULL,
  note          TEXT,
  updated_at    TEXT NOT NULL
);

CREATE TABLE pipeline_applicants (
  id              INTEGER PRIMARY KEY,
  org_id          INTEGER NOT NULL REFERENCES orgs(id),
  org_path        TEXT NOT NULL,
  name            TEXT NOT NULL,
  id_enc          TEXT NOT NULL,
  id_hash         TEXT NOT NULL,
  id_mask         TEXT NOT NULL,
  sex             TEXT NOT NULL,
  birth_date      TEXT NOT NULL,
  migrant         INTEGER NOT NULL DEFAULT 0,   -- 农民工 (积分制 applies)
  stage           TEXT NOT NULL,                -- applicant / activist / target / probationary / full
  last_step       INTEGER NOT NULL DEFAULT 0,
  last_step_on    TEXT,
  applied_on      TEXT NOT NULL,
  activist_on     TEXT,
  target_on       TEXT,
  probationary_on TEXT,                         -- 支部大会通过之日 (预备期起算)
  full_on         TEXT,                         -- 预备期满之日
  member_id       INTEGER REFERENCES members(id),
  version         INTEGER NOT NULL DEFAULT 1,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE INDEX pipeline_applicants_path ON pipeline_applicants(org_path);
CREATE INDEX pipeline_applicants_hash ON pipeline_applicants(id_hash);
CREATE INDEX pipeline_applicants_member ON pipeline_applicants(member_id);

CREATE TABLE pipeline_steps (
  id            INTEGER PRIMARY KEY,
  applicant_id  INTEGER NOT NULL REFERENCES pipeline_applicants(id),
  step_no       INTEGER NOT NULL,
  done_on       TEXT NOT NULL,
  decision      TEXT NOT NULL,
  org_id        INTEGER NOT NULL REFERENCES orgs(id),  -- the branch at the time
  user_id       INTEGER,
  user_name     TEXT NOT NULL DEFAULT '',
  created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX pipeline_steps_unique ON pipeline_steps(applicant_id, step_no);

CREATE TABLE pipeline_people (
  id            INTEGER PRIMARY KEY,
  applicant_id  INTEGER NOT NULL REFERENCES pipeline_applicants(id),
  role          TEXT NOT NULL,                -- sponsor 培养联系人 / introducer 入党介绍人
  member_id     INTEGER NOT NULL REFERENCES members(id),
  name          TEXT NOT NULL,
  from_date     TEXT NOT NULL,
  created_at    TEXT NOT NULL
);
CREATE INDEX pipeline_people_applicant ON pipeline_people(applicant_id, role);

CREATE TABLE pipeline_training (
  id            INTEGER PRIMARY KEY,
  applicant_id  INTEGER NOT NULL REFERENCES pipeline_applicants(id),
  from_date     TEXT NOT NULL,
  to_date       TEXT NOT NULL,
  days          INTEGER NOT NULL,
  hours         INTEGER NOT NULL,
  organizer     TEXT NOT NULL,
  created_at    TEXT NOT NULL
);
CREATE INDEX pipeline_training_applicant ON pipeline_training(applicant_id);

CREATE TABLE pipeline_documents (
  id            INTEGER PRIMARY KEY,
  applicant_id  INTEGER NOT NULL REFERENCES pipeline_applicants(id),
  step_no       INTEGER,
  name          TEXT NOT NULL,
  dated         TEXT NOT NULL,
  file_id       INTEGER,
  created_at    TEXT NOT NULL
);
CREATE INDEX pipeline_documents_applicant ON pipeline_documents(applicant_id);

CREATE TABLE pipeline_questions (
  id            INTEGER PRIMARY KEY,
  ord           INTEGER NOT NULL,
  text          TEXT NOT NULL,
  active        INTEGER NOT NULL DEFAULT 1,
  updated_at    TEXT NOT NULL
);

CREATE TABLE pipeline_answers (
  id            INTEGER PRIMARY KEY,
  applicant_id  INTEGER NOT NULL REFERENCES pipeline_applicants(id),
  question_id   INTEGER NOT NULL REFERENCES pipeline_questions(id),
  answer        TEXT NOT NULL,
  answered_on   TEXT NOT NULL,
  created_at    TEXT NOT NULL
);
CREATE INDEX pipeline_answers_applicant ON pipeline_answers(applicant_id, question_id);

CREATE TABLE pipeline_point_items (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  points        INTEGER NOT NULL,
  active        INTEGER NOT NULL DEFAULT 1,
  updated_at    TEXT NOT NULL
);

CREATE TABLE pipeline_points (
  id            INTEGER PRIMARY KEY,
  applicant_id  INTEGER NOT NULL REFERENCES pipeline_applicants(id),
  item_id       INTEGER REFERENCES pipeline_point_items(id),
  item_name     TEXT NOT NULL,
  points        INTEGER NOT NULL,
  earned_on     TEXT NOT NULL,
  org_id        INTEGER NOT NULL REFERENCES orgs(id),  -- where it was earned
  note          TEXT,
  user_name     TEXT NOT NULL DEFAULT '',
  created_at    TEXT NOT NULL
);
CREATE INDEX pipeline_points_applicant ON pipeline_points(applicant_id, earned_on);

CREATE TABLE pipeline_moves (
  id            INTEGER PRIMARY KEY,
  applicant_id  INTEGER NOT NULL REFERENCES pipeline_applicants(id),
  from_org_id   INTEGER NOT NULL REFERENCES orgs(id),
  to_org_id     INTEGER NOT NULL REFERENCES orgs(id),
  moved_on      TEXT NOT NULL,
  reason        TEXT NOT NULL,
  user_name     TEXT NOT NULL DEFAULT '',
  created_at    TEXT NOT NULL
);
CREATE INDEX pipeline_moves_applicant ON pipeline_moves(applicant_id, moved_on);

INSERT INTO pipeline_step_defs(no, stage, name, updated_at) VALUES
 (1,'applicant','递交入党申请书',''),(2,'applicant','党组织派人谈话',''),
 (3,'activist','推荐和确定入党积极分子',''),(4,'activist','上级党委备案',''),(5,'activist','指定培养联系人',''),
 (6,'activist','培养教育考察',''),
 (7,'target','确定发展对象',''),(8,'target','报上级党委备案',''),(9,'target','确定入党介绍人',''),
 (10,'target','进行政治审查',''),(11,'target','开展集中培训',''),
 (12,'probationary','支部委员会审查',''),(13,'probationary','上级党委预审',''),(14,'probationary','填写入党志愿书',''),
 (15,'probationary','支部大会讨论',''),(16,'probationary','上级党委派人谈话',''),(17,'probationary','上级党委审批',''),
 (18,'probationary','再上一级党委组织部门备案',''),
 (19,'full','编入党支部和党小组',''),(20,'full','入党宣誓',''),(21,'full','继续教育考察',''),
 (22,'full','提出转正申请',''),(23,'full','支部大会讨论',''),(24,'full','上级党委审批',''),(25,'full','材料归档','');

INSERT INTO pipeline_questions(ord, text, active, updated_at) VALUES
 (1,'你为什么要求入党？',1,''),(2,'你对党的性质、宗旨和指导思想的认识',1,''),
 (3,'近期学习了哪些党的理论和文件？有何体会',1,''),(4,'你在工作、学习中如何发挥先锋模范作用',1,''),
 (5,'你认为自己还存在哪些不足，今后如何改进',1,'');

INSERT INTO pipeline_point_items(name, points, active, updated_at) VALUES
 ('参加志愿服务',2,1,''),('参加党组织活动',2,1,''),('参加集中学习',1,1,''),('获得所在单位表彰',5,1,''),
 ('结对帮扶困难群众',3,1,''),('提出合理化建议被采纳',2,1,'');
