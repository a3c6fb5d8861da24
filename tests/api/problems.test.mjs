// Residents' problems 民情 over HTTP (SQLite and PostgreSQL): the life-cycle from a contact card's
// QR code (public page, human check) to the resident's rating; routing to the household's contact
// member and community; escalation up the tree and out of a street's sight; the hotline intake;
// the public routes can create one problem and read / rate only that one by number + secret, and
// are rate-limited per address; the contact cards PDF.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, loginAs, assertError } from '../lib/client.mjs';
import { memberBody, idNumber } from '../lib/fixtures.mjs';

let srv;
let admin;
let jd01;
let community;
let member;
let household;

const q = (o) => '?' + new URLSearchParams(o).toString();
const solve = (question) => {
  const m = /^(\d+) \+ (\d+)/.exec(question);
  return String(Number(m[1]) + Number(m[2]));
};
async function report(client, body) {
  const ch = await client.get('/api/public/problems/challenge');
  assert.equal(ch.status, 200, ch.text);
  return client.post('/api/public/problems', { ...body, challenge: ch.json.challenge, answer: solve(ch.json.question) });
}

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  let r = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '民情测试社区党委', kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(r.status, 201, r.text);
  community = r.json;
  const b = await admin.post('/api/orgs', { parentId: community.id, name: '民情测试第一支部', kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(b.status, 201, b.text);
  r = await admin.post('/api/members', memberBody(b.json.id, { name: '民情联户甲', idNumber: idNumber(), phone: '13955556666' }));
  assert.equal(r.status, 201, r.text);
  member = r.json;
  const a = await admin.post('/api/grid/areas', { orgId: community.id, name: '民情片区' });
  const g = await admin.post('/api/grid/groups', { areaId: a.json.id, name: '民情1组' });
  r = await admin.post('/api/grid/households', { groupId: g.json.id, building: '7', unit: '2', room: '301', headName: '李阿姨' });
  assert.equal(r.status, 201, r.text);
  household = r.json;
  r = await admin.post('/api/grid/assign', { householdIds: [household.id], memberId: member.id });
  assert.equal(r.status, 200, r.text);
  await admin.put('/api/settings/problems.public_reports_per_hour', { value: 1000 });
  await admin.put('/api/settings/problems.public_reads_per_minute', { value: 1000 });
});
after(async () => {
  await srv?.stop();
});

test('the contact cards PDF gives the household an opaque token', async () => {
  const r = await jd01.get('/api/problems/cards.pdf' + q({ householdIds: String(household.id) }));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.buf.subarray(0, 5).toString('latin1'), '%PDF-');
  assertError(await jd01.get('/api/problems/cards.pdf'), 400, { field: 'householdIds' });
  assertError(await jd01.get('/api/problems/cards.pdf' + q({ householdIds: 'abc' })), 400, { field: 'householdIds' });
});

test('a resident reports from the public page; staff answer; the resident reads and rates it', async () => {
  const resident = new Client(srv.url);
  // The human check is required and must be right.
  let r = await resident.post('/api/public/problems', { kind: '设施维修', text: '楼道灯坏了', phone: '13812345678' });
  assertError(r, 400, { field: 'answer' });
  const ch = await resident.get('/api/public/problems/challenge');
  assert.ok(ch.json.kinds.includes('设施维修'));
  r = await resident.post('/api/public/problems', { kind: '设施维修', text: '楼道灯坏了', phone: '13812345678', challenge: ch.json.challenge, answer: String(Number(solve(ch.json.question)) + 1) });
  assertError(r, 400, { field: 'answer' });
  assertError(await report(resident, { kind: '不存在', text: 'x', phone: '13812345678' }), 400, { field: 'kind' });
  assertError(await report(resident, { kind: '其他', text: '', phone: '13812345678' }), 400, { field: 'text' });
  assertError(await report(resident, { kind: '其他', text: 'x', phone: '12345' }), 400, { field: 'phone' });
  assertError(await report(resident, { kind: '其他', text: 'x', card: 'f'.repeat(32) }), 400, { field: 'card' });
  // Without a card it goes to the district root (received), with the phone masked.
  r = await report(resident, { kind: '设施维修', text: '公开页面测试：路灯不亮', reporterName: '张先生', phone: '13812345678' });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['number', 'secret']);
  const { number, secret } = r.json;
  assert.match(number, /^MQ\d{4}-\d{6}$/);
  let s = await resident.get(`/api/public/problems/${number}` + q({ secret }));
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.state, 'received');
  for (const k of ['text', 'phoneMasked', 'reporterName', 'orgId', 'orgName', 'memberName', 'id']) assert.ok(!(k in s.json), k);
  assert.ok(!s.text.includes('13812345678') && !s.text.includes('张先生'));
  assert.equal((await resident.get(`/api/public/problems/${number}` + q({ secret: '0'.repeat(8) }))).status, 404);
  // Staff of the district see it; route it down to the community and its member; answer.
  const list = await admin.ok('/api/problems' + q({ q: number }));
  assert.equal(list.total, 1);
  const id = list.items[0].id;
  assert.equal(list.items[0].phoneMasked, '138****5678');
  assertError(await resident.post(`/api/public/problems/${number}/rate`, { secret, satisfaction: 'satisfied' }), 409);
  r = await admin.post(`/api/problems/${id}/assign`, { orgId: community.id, memberId: member.id, note: '请联户党员上门' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'assigned');
  // jd01 (the street above the community) now sees it and answers.
  r = await jd01.post(`/api/problems/${id}/answer`, { answer: '已报修，路灯今天修好' });
  assert.equal(r.status, 200, r.text);
  s = await resident.get(`/api/public/problems/${number}` + q({ secret }));
  assert.equal(s.json.state, 'answered');
  assert.equal(s.json.answer, '已报修，路灯今天修好');
  assertError(await resident.post(`/api/public/problems/${number}/rate`, { secret, satisfaction: 'wow' }), 400, { field: 'satisfaction' });
  r = await resident.post(`/api/public/problems/${number}/rate`, { secret, satisfaction: 'basic' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.satisfactionLabel, '基本满意');
  const d = await jd01.ok(`/api/problems/${id}`);
  assert.equal(d.state, 'closed');
  assert.deepEqual(d.events.map((e) => e.action), ['open', 'assign', 'answer', 'rate']);
  // A rated problem cannot be rated again.
  assertError(await resident.post(`/api/public/problems/${number}/rate`, { secret, satisfaction: 'unsatisfied' }), 409);
});

test('the hotline routes by household to its contact member, with a deadline by kind', async () => {
  const r = await jd01.post('/api/problems', { kind: '帮扶救助', text: '热线：独居老人需要帮助买菜', reporterName: '李阿姨', phone: '0571-87654321', householdId: household.id });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.source, 'hotline');
  assert.equal(r.json.orgId, community.id);
  assert.equal(r.json.memberId, member.id);
  assert.equal(r.json.state, 'assigned');
  const days = (await jd01.ok('/api/problems/kinds')).kinds.find((k) => k.kind === '帮扶救助').days;
  const due = new Date(Date.parse(r.json.receivedOn) + days * 86400000).toISOString().slice(0, 10);
  assert.equal(r.json.dueOn, due);
  assertError(await jd01.post('/api/problems', { kind: '其他', text: '无联系方式' }), 400, { field: 'phone' });
  assertError(await jd01.post(`/api/problems/${r.json.id}/close`, { satisfaction: 'satisfied' }), 409);
  // Filters.
  const open = await jd01.ok('/api/problems' + q({ state: 'open', kind: '帮扶救助' }));
  assert.ok(open.items.some((x) => x.id === r.json.id));
  assert.ok(open.items.every((x) => x.kind === '帮扶救助'));
  const overdue = await jd01.ok('/api/problems' + q({ overdue: '1' }));
  assert.ok(overdue.items.every((x) => x.overdue));
  assertError(await jd01.get('/api/problems' + q({ state: 'lost' })), 400, { field: 'state' });
});

test('escalation climbs the tree: out of the street at the district; the root cannot go higher', async () => {
  const r = await jd01.post('/api/problems', { kind: '物业管理', text: '升级测试：物业不作为', phone: '13800001111', householdId: household.id });
  const id = r.json.id;
  let e = await jd01.post(`/api/problems/${id}/escalate`, { note: '社区协调不了' });
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json.orgId, jd01.user.orgId);
  assert.equal(e.json.escalations, 1);
  e = await jd01.post(`/api/problems/${id}/escalate`, {});
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json.outOfScope, true);
  assert.equal((await jd01.get(`/api/problems/${id}`)).status, 404);
  const d = await admin.ok(`/api/problems/${id}`);
  assert.equal(d.canEscalate, false);
  assertError(await admin.post(`/api/problems/${id}/escalate`, {}), 409, { code: 'top' });
  assert.deepEqual(d.events.map((x) => x.action), ['open', 'escalate', 'escalate']);
  const audit = await admin.ok('/api/audit' + q({ entity: 'resident_problem', entityId: id }));
  assert.ok(audit.items.filter((x) => x.action === 'escalate').length >= 2, JSON.stringify(audit.items.map((x) => x.action)));
});

test('the public card shows only the community; the routes are rate-limited per address', async () => {
  // A card token made by printing opens the card route; nothing about the household is sent.
  const cards = await jd01.get('/api/problems/cards.pdf' + q({ householdIds: String(household.id) }));
  assert.equal(cards.status, 200);
  assert.equal((await new Client(srv.url).get(`/api/public/problems/cards/${'0'.repeat(32)}`)).status, 404);
  assert.equal((await admin.put('/api/settings/problems.public_reads_per_minute', { value: 3 })).status, 200);
  const resident = new Client(srv.url);
  const codes = [];
  for (let i = 0; i < 8; i++) codes.push((await resident.get('/api/public/problems/challenge')).status);
  assert.ok(codes.filter((c) => c === 429).length >= 4, codes.join(','));
  assert.ok(codes.every((c) => c === 200 || c === 429), codes.join(','));
  assert.equal((await admin.put('/api/settings/problems.public_reads_per_minute', { value: 30 })).status, 200);
});
