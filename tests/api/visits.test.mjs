// Visit logs 网格日志 over HTTP (SQLite and PostgreSQL): a contact member logs a visit of a
// household it looks after (and not of another's); the household's last visit and the grid's
// “key households not visited” count move; bad input names the field; the photo is checked by
// type and size and served only to those who see the visit; lists per household and per member;
// “三必访” due visits for a building party group and their 我的 tasks; the figure's records equal
// its cells.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { memberBody, idNumber } from '../lib/fixtures.mjs';

let srv, admin, jd01, lh1, lh2;
let community, area, group;
const members = [];
const hs = [];

const q = (o) => '?' + new URLSearchParams(o).toString();
const daysFromToday = (n) => new Date(Date.now() + n * 86400000 + 8 * 3600000).toISOString().slice(0, 10);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const r = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '走访接口测试社区党委', kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(r.status, 201, r.text);
  community = r.json;
  for (let i = 0; i < 2; i++) {
    const m = await admin.post('/api/members', memberBody(community.id, { name: `走访党员${i}`, idNumber: idNumber() }));
    assert.equal(m.status, 201, m.text);
    members.push(m.json);
  }
  area = (await admin.post('/api/grid/areas', { orgId: community.id, name: '走访片区' })).json;
  group = (await admin.post('/api/grid/groups', { areaId: area.id, name: '第1组' })).json;
  for (const [room, tags] of [['101', ['elderly_alone']], ['102', ['difficulty']], ['103', ['new_arrival']]]) {
    const h = await admin.post('/api/grid/households', { groupId: group.id, building: '8', unit: '1', room, headName: `户主${room}`, tags });
    assert.equal(h.status, 201, h.text);
    hs.push(h.json);
  }
  assert.equal((await admin.post('/api/grid/assign', { householdIds: hs.map((h) => h.id), memberId: members[0].id })).status, 200);
  for (const [name, m] of [['lh_api1', members[0]], ['lh_api2', members[1]]]) {
    const c = srv.cli(['user', 'add', '--username', name, '--password', 'Member1234', '--role', 'member',
      '--org-id', String(community.id), '--member-id', String(m.id), '--display-name', m.name]);
    assert.equal(c.code, 0, c.stderr + c.stdout);
  }
  lh1 = await loginAs(srv.url, 'lh_api1', 'Member1234');
  lh2 = await loginAs(srv.url, 'lh_api2', 'Member1234');
});

after(async () => {
  await srv?.stop();
});

const keyUnvisited = async () => (await admin.ok('/api/grid/coverage' + q({ orgId: community.id }))).node.counts.keyUnvisited;

test('a contact logs a visit; the last visit and the coverage count move', async () => {
  assert.equal(await keyUnvisited(), 2);
  const r = await lh1.post('/api/visits', { householdId: hs[0].id, kind: 'home', note: '了解近况', problems: '楼道灯坏了' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.visitedOn, daysFromToday(0));
  assert.equal(r.json.visitorName, '走访党员0');
  // The problem found became a residents' problem of the household (source visit).
  assert.equal(typeof r.json.problemId, 'number', r.text);
  const problem = await admin.ok(`/api/problems/${r.json.problemId}`);
  assert.equal(problem.source, 'visit');
  assert.equal(problem.householdId, hs[0].id);
  assert.equal((await admin.ok(`/api/grid/households/${hs[0].id}`)).lastVisitedOn, daysFromToday(0));
  assert.equal(await keyUnvisited(), 1);
  // An older visit logged later keeps the last visit.
  assert.equal((await lh1.post('/api/visits', { householdId: hs[0].id, kind: 'phone', note: '电话问候', visitedOn: daysFromToday(-10) })).status, 201);
  assert.equal((await admin.ok(`/api/grid/households/${hs[0].id}`)).lastVisitedOn, daysFromToday(0));
  // The audit log has the visit.
  const audit = await admin.ok('/api/audit' + q({ entity: 'visit' }));
  assert.ok(audit.items.some((e) => e.summary.includes('记录走访')), JSON.stringify(audit.items[0]));
});

test('bad input names the field; another contact cannot log', async () => {
  assertError(await lh1.post('/api/visits', { householdId: hs[0].id, kind: 'home', note: 'x', visitedOn: daysFromToday(2) }), 400, { field: 'visitedOn' });
  assertError(await lh1.post('/api/visits', { householdId: hs[0].id, kind: 'sms', note: 'x' }), 400, { field: 'kind' });
  assertError(await lh1.post('/api/visits', { householdId: hs[0].id, kind: 'home' }), 400, { field: 'note' });
  assertError(await lh1.post('/api/visits', { householdId: 'abc', kind: 'home', note: 'x' }), 400, { field: 'householdId' });
  assertError(await lh2.post('/api/visits', { householdId: hs[0].id, kind: 'home', note: 'x' }), 400, { field: 'householdId' });
  assertError(await lh2.get('/api/visits' + q({ householdId: hs[0].id })), 400, { field: 'householdId' });
  assertError(await lh1.post('/api/visits', { householdId: hs[0].id, kind: 'home', note: 'x', memberId: members[1].id }), 400, { field: 'memberId' });
});

test('lists per household and per member, scoped to the member login', async () => {
  const byHousehold = await admin.ok('/api/visits' + q({ householdId: hs[0].id }));
  assert.equal(byHousehold.total, 2);
  assert.deepEqual(byHousehold.items.map((v) => v.kind), ['home', 'phone']);
  const staff = await admin.post('/api/visits', { householdId: hs[1].id, kind: 'meeting', note: '民情恳谈', memberId: members[1].id });
  assert.equal(staff.status, 201, staff.text);
  assert.equal((await admin.ok('/api/visits' + q({ memberId: members[1].id }))).total, 1);
  assert.equal((await jd01.ok('/api/visits' + q({ memberId: members[0].id }))).total, 2);
  // A member login sees its own visits only.
  assert.equal((await lh2.ok('/api/visits')).total, 1);
  assert.equal((await lh1.ok('/api/visits')).total, 2);
  assertError(await lh1.get('/api/visits' + q({ memberId: members[1].id })), 400, { field: 'memberId' });
});

test('the photo is checked and served only to who sees the visit', async () => {
  const v = (await lh1.post('/api/visits', { householdId: hs[2].id, kind: 'home', note: '拍照留存' })).json;
  assertError(await lh1.request('POST', `/api/visits/${v.id}/photo`, { body: Buffer.from('<svg/>') }), 400, { field: 'photo' });
  assert.equal((await lh2.request('POST', `/api/visits/${v.id}/photo`, { body: PNG })).status, 404);
  const ok = await lh1.request('POST', `/api/visits/${v.id}/photo`, { body: PNG });
  assert.equal(ok.status, 200, ok.text);
  const got = await lh1.get(`/api/visits/${v.id}/photo`);
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('content-type'), 'image/png');
  assert.ok(got.buf.equals(PNG));
  assert.equal((await lh2.get(`/api/visits/${v.id}/photo`)).status, 404);
  // Too large for the setting.
  assert.equal((await admin.put('/api/settings/visits.photo_max_kb', { value: 50 })).status, 200);
  const big = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(60 * 1024)]);
  assertError(await lh1.request('POST', `/api/visits/${v.id}/photo`, { body: big }), 400, { field: 'photo' });
  assert.equal((await admin.put('/api/settings/visits.photo_max_kb', { value: 5120 })).status, 200);
});

test('三必访: due visits of a building party group, and the contact’s tasks', async () => {
  const before = await admin.ok('/api/visits/due' + q({ orgId: community.id }));
  assert.equal(before.total, 0, 'no building party group yet');
  const b = await admin.post(`/api/grid/areas/${area.id}/buildings`, { building: '8', partyOrgId: community.id });
  assert.equal(b.status, 200, b.text);
  // hs[1] difficulty: visited today by staff → not due; hs[2] new arrival: visited today → not due.
  let due = await admin.ok('/api/visits/due' + q({ orgId: community.id }));
  assert.equal(due.total, 0, JSON.stringify(due.items));
  // 40 days on, both are due again (interval 30).
  due = await admin.ok('/api/visits/due' + q({ orgId: community.id, asOf: daysFromToday(40) }));
  assert.deepEqual(due.items.map((d) => d.reason).sort(), ['difficulty', 'new_arrival']);
  // Before a holiday the key households (hs[0] elderly, hs[1] difficulty) not visited since the lead
  // window opened are due: a holiday 45 days on, asked 3 days before it (the window is 15 days).
  assert.equal((await admin.put('/api/settings/visits.holidays', { value: `${daysFromToday(45)}:测试节,坏数据` })).status, 200);
  due = await admin.ok('/api/visits/due' + q({ orgId: community.id, asOf: daysFromToday(42) }));
  const holiday = due.items.filter((d) => d.reason === 'holiday');
  assert.deepEqual(holiday.map((d) => d.householdId).sort((a, b) => a - b), [hs[0].id, hs[1].id].sort((a, b) => a - b));
  assert.ok(holiday.every((d) => d.dueOn === daysFromToday(45) && d.reasonLabel === '测试节节前必访'), JSON.stringify(holiday));
  // 20 days before it, the window has not opened.
  due = await admin.ok('/api/visits/due' + q({ orgId: community.id, asOf: daysFromToday(25) }));
  assert.equal(due.items.filter((d) => d.reason === 'holiday').length, 0);
  // A household in difficulty never visited is due today, on the contact's 我的 too.
  const h = await admin.post('/api/grid/households', { groupId: group.id, building: '8', unit: '2', room: '201', headName: '户主201', tags: ['difficulty'] });
  assert.equal(h.status, 201, h.text);
  assert.equal((await admin.post('/api/grid/assign', { householdIds: [h.json.id], memberId: members[0].id })).status, 200);
  const me = await lh1.ok('/api/me');
  const tasks = me.tasks.filter((t) => t.kind === 'visit');
  assert.equal(tasks.length, 1, JSON.stringify(me.tasks));
  assert.equal(tasks[0].link, `/grid/visit/${h.json.id}`);
  assert.equal((await lh2.ok('/api/visits/due')).total, 0, 'another contact has none');
  assert.equal((await lh1.ok('/api/visits/due')).total, 1);
  assert.equal((await lh1.post('/api/visits', { householdId: h.json.id, kind: 'home', note: '困难帮扶' })).status, 201);
  assert.equal((await lh1.ok('/api/visits/due')).total, 0);
  // jd01 sees the list for its street; street 2's community is refused.
  assert.ok((await jd01.ok('/api/visits/due' + q({ asOf: daysFromToday(42) }))).items.some((d) => d.householdId === hs[0].id));
});

test('the visits figure: records equal the cells', async () => {
  const year = daysFromToday(0).slice(0, 4);
  const page = await admin.ok('/api/figures' + q({ orgId: community.id, period: 'year', year }));
  const fig = page.groups.flatMap((g) => g.figures).find((f) => f.key === 'grid.visits');
  assert.ok(fig, 'grid.visits is on the figures page');
  const cells = Object.fromEntries(fig.cells.map((c) => [c.key, c.count]));
  if (daysFromToday(-10).slice(0, 4) === year) assert.equal(cells.phone, 1);
  assert.equal(cells.home, 3); // hs[0], hs[2] and the difficulty household
  assert.equal(cells.meeting, 1);
  assert.equal(cells.problems, 1);
  for (const c of fig.cells) {
    const r = await admin.ok('/api/figures/records' + q({ orgId: community.id, period: 'year', year, figure: 'grid.visits', cell: c.key, pageSize: 100 }));
    assert.equal(r.total, c.count, c.key);
  }
});
