// Mobilization 一键动员 over HTTP (SQLite and PostgreSQL): teams formed from the grid's contact
// members of a subtree (sizes, leader rule, every member once), one outbox message per member
// delivered by the server's background sender (log driver), refusals naming the field, the
// outbox list for district staff, close and cancel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { memberBody, idNumber } from '../lib/fixtures.mjs';

let srv, admin, jd01, community;
const members = [];
let area;
const q = (o) => '?' + new URLSearchParams(o).toString();

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const r = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '动员测试社区党委', kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(r.status, 201, r.text);
  community = r.json;
  const b = await admin.post('/api/orgs', { parentId: community.id, name: '动员测试第一支部', kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(b.status, 201, b.text);
  const a = await jd01.post('/api/grid/areas', { orgId: community.id, name: '动员片区' });
  assert.equal(a.status, 201, a.text);
  area = a.json;
  const g = await jd01.post('/api/grid/groups', { areaId: area.id, name: '第1组' });
  for (let i = 0; i < 8; i++) {
    const m = await admin.post('/api/members', memberBody(b.json.id, { name: `动员党员${i}`, idNumber: idNumber() }));
    assert.equal(m.status, 201, m.text);
    members.push(m.json);
    const h = await jd01.post('/api/grid/households', { groupId: g.json.id, building: '2', unit: '1', room: String(201 + i), headName: `户主${i}` });
    assert.equal(h.status, 201, h.text);
    const as = await jd01.post('/api/grid/assign', { householdIds: [h.json.id], memberId: m.json.id });
    assert.equal(as.status, 200, as.text);
  }
  const upd = await jd01.put(`/api/grid/areas/${area.id}`, { orgId: community.id, name: '动员片区', leaderMemberId: members[5].id, version: area.version });
  assert.equal(upd.status, 200, upd.text);
});

after(async () => {
  await srv?.stop();
});

test('preview counts, then one action forms teams and sends every member one message', async () => {
  const p = await jd01.ok('/api/mobilize/preview' + q({ orgId: community.id, teamSize: 3 }));
  assert.equal(p.members, 8);
  assert.equal(p.teams, 3); // ceil(8 / 3), sizes 3, 3, 2
  assert.equal(p.maxTeamSize, 3);
  assert.equal(p.minTeamSize, 2);
  const r = await jd01.post('/api/mobilize', { orgId: community.id, title: '抗雪救灾', description: '清扫积雪，走访独居老人', teamSize: 3 });
  assert.equal(r.status, 201, r.text);
  const m = r.json;
  assert.equal(m.teamsCount, 3);
  assert.deepEqual(m.teams.map((t) => t.size), [3, 3, 2]);
  const ids = m.teams.flatMap((t) => t.members.map((x) => x.memberId)).sort((x, y) => x - y);
  assert.deepEqual(ids, members.map((x) => x.id).sort((x, y) => x - y), 'every contact member exactly once');
  // The area leader leads the team they are on; the other teams take their first member.
  const withLeader = m.teams.find((t) => t.members.some((x) => x.memberId === members[5].id));
  assert.equal(withLeader.leaderId, members[5].id);
  assert.equal(withLeader.leaderRule, 'area_leader');
  for (const t of m.teams) {
    assert.equal(t.members.filter((x) => x.leader).length, 1);
    assert.ok(t.name.startsWith('动员片区第'));
  }
  // The server's sender (log driver) delivers all of them within seconds.
  let d;
  for (let i = 0; i < 40; i++) {
    d = await jd01.ok(`/api/mobilize/${m.id}`);
    if (d.messages.pending === 0) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  assert.equal(d.messages.sent, 8, JSON.stringify(d.messages));
  assert.ok(d.teams.every((t) => t.members.every((x) => x.messageState === 'sent')));
  // The outbox: district staff only, filtered by state; phones masked, no ID numbers.
  const ob = await admin.ok('/api/notify/outbox' + q({ state: 'sent', mobilizationId: m.id }));
  assert.equal(ob.total, 8);
  for (const it of ob.items) {
    assert.match(it.phoneMasked, /^\d{3}\*{4}\d{4}$/);
    assert.ok(it.preview.includes('抗雪救灾'));
    assert.ok(!/\d{11}/.test(it.preview), it.preview);
    assert.equal(it.driver, 'log');
  }
  assert.equal((await admin.ok('/api/notify/outbox' + q({ state: 'pending', mobilizationId: m.id }))).total, 0);
  assertError(await admin.get('/api/notify/outbox' + q({ state: 'lost' })), 400, { field: 'state' });
  assert.equal((await jd01.get('/api/notify/outbox')).status, 403);
  // Close; then neither close nor cancel again.
  const c = await jd01.post(`/api/mobilize/${m.id}/close`, { note: '积雪已清' });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.state, 'closed');
  assertError(await jd01.post(`/api/mobilize/${m.id}/cancel`, {}), 409, { code: 'state' });
  const list = await jd01.ok('/api/mobilize');
  assert.ok(list.items.some((x) => x.id === m.id && x.stateLabel === '已结束'));
  const audit = await admin.ok('/api/audit' + q({ entity: 'mobilization', entityId: m.id }));
  assert.deepEqual(audit.items.map((x) => x.action).sort(), ['close', 'create']);
});

test('bad input names the field', async () => {
  assertError(await jd01.post('/api/mobilize', { orgId: community.id, title: '', teamSize: 3 }), 400, { field: 'title' });
  assertError(await jd01.post('/api/mobilize', { orgId: community.id, title: '演练', teamSize: 1 }), 400, { field: 'teamSize' });
  assertError(await jd01.post('/api/mobilize', { orgId: community.id, title: '演练', teamSize: 3, description: '身份证' + idNumber() }), 400, { field: 'description' });
  assertError(await jd01.post('/api/mobilize', { orgId: jd01.user.orgId + 100000, title: '演练', teamSize: 3 }), 400, { field: 'orgId' });
  assertError(await jd01.get('/api/mobilize/preview'), 400, { field: 'orgId' });
});

test('a subtree without contact members is refused; cancel withdraws pending messages', async () => {
  const empty = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '无网格社区党委', kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
  assertError(await jd01.post('/api/mobilize', { orgId: empty.json.id, title: '演练', teamSize: 3 }), 409, { code: 'no_contacts' });
  const r = await jd01.post('/api/mobilize', { orgId: community.id, title: '防汛演练', teamSize: 4 });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.teams.map((t) => t.size), [4, 4]);
  const c = await jd01.post(`/api/mobilize/${r.json.id}/cancel`, {});
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.state, 'cancelled');
  const m = c.json.messages;
  assert.equal(m.cancelled + m.sent, 8, JSON.stringify(m)); // the sender may have been quicker for some
});
