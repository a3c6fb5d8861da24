// Residents' problems 民情 over HTTP (SQLite and PostgreSQL): the life-cycle from a contact card's
// QR code (public page, human check) to the resident's rating; routing to the household's contact
// member and community; escalation up the tree and out of a street's sight; the hotline intake;
// the public routes can create one problem and read / rate only that one by number + secret, and
// are rate-limited per address; the contact cards PDF.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { startServer, zugongBin } from '../lib/server.mjs';
import { Client, loginAs, assertError } from '../lib/client.mjs';
import { memberBody, idNumber, today } from '../lib/fixtures.mjs';

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

// --- the timer, two sweeps at once, the contact member's side, the household archive ---

/** Runs one SQL statement on the suite's database (sqlite3 or psql); returns the output, trimmed. */
function sql(statement) {
  const r = srv.backend === 'postgres'
    ? spawnSync('psql', [srv.db, '-v', 'ON_ERROR_STOP=1', '-qAtc', statement], { encoding: 'utf8' })
    : spawnSync('sqlite3', ['-cmd', '.timeout 10000', srv.db, statement], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${statement}: ${r.stderr}`);
  return r.stdout.trim();
}
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
/** Sets the deadline of problems `ids` to `days` days ago (the only way to make one overdue now). */
function backdate(ids, days = 2) {
  const d = new Date(Date.parse(today()) - days * 86400000).toISOString().slice(0, 10);
  sql(`UPDATE resident_problems SET due_on = '${d}' WHERE id IN (${ids.join(',')})`);
}
/** Starts `zugong problems sweep` against the suite's database without waiting for it. */
function sweepCli() {
  return new Promise((resolve, reject) => {
    const p = spawn(zugongBin, ['--db', srv.db, '--data-key-file', srv.keyFile, 'problems', 'sweep'], { cwd: srv.dir });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}
async function hotline(text, kind = '环境卫生') {
  const r = await jd01.post('/api/problems', { kind, text, reporterName: '李阿姨', phone: '13800002222', householdId: household.id });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('the server moves an overdue problem up on its timer, without any page being read', async () => {
  const p = await hotline('定时上提测试：楼道灯不亮');
  assert.equal(p.orgId, community.id);
  assert.equal((await admin.put('/api/settings/problems.sweep_interval_seconds', { value: 1 })).status, 200);
  backdate([p.id]);
  // Watch the database only: no problems page is opened while waiting.
  let org = '';
  for (let i = 0; i < 60 && org !== String(jd01.user.orgId); i++) {
    await sleep(250);
    org = sql(`SELECT org_id FROM resident_problems WHERE id = ${p.id}`);
  }
  assert.equal(org, String(jd01.user.orgId), 'risen to the street above the community');
  assert.equal(sql(`SELECT escalations FROM resident_problems WHERE id = ${p.id}`), '1');
  assert.equal(sql(`SELECT COUNT(*) FROM audit_log WHERE entity = 'resident_problem' AND action = 'auto_escalate' AND entity_id = ${p.id}`), '1');
  // The street is told (outbox), and the timeline says why.
  assert.equal(sql(`SELECT COUNT(*) FROM notify_outbox WHERE ref_kind = 'resident_problem' AND ref_id = ${p.id} AND member_id IS NULL`), '1');
  const d = await jd01.ok(`/api/problems/${p.id}`);
  assert.deepEqual(d.events.map((e) => e.action), ['open', 'auto_escalate']);
  assert.equal(d.state, 'received');
  assert.equal(d.memberId, null);
  assert.equal((await admin.put('/api/settings/problems.sweep_interval_seconds', { value: 0 })).status, 200);
  await sleep(1500); // the timer reads the setting at least every second at interval 1
});

test('two sweeps at once (the CLI twice) move each overdue problem one level and audit it once', async (t) => {
  const ids = [];
  for (let i = 0; i < 12; i++) ids.push((await hotline(`并发上提测试 ${i}`)).id);
  backdate(ids);
  const [a, b] = await Promise.all([sweepCli(), sweepCli()]);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  const moved = [a, b].map((x) => Number(/(\d+) overdue problem/.exec(x.out)[1]));
  assert.equal(moved[0] + moved[1], ids.length, `moved ${moved}`);
  t.diagnostic(`moved by each sweep: ${moved.join(' + ')}`);
  const list = ids.join(',');
  assert.equal(sql(`SELECT COUNT(*) FROM resident_problems WHERE id IN (${list}) AND org_id = ${jd01.user.orgId} AND escalations = 1`), String(ids.length));
  assert.equal(sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'auto_escalate' AND entity_id IN (${list})`), String(ids.length));
  assert.equal(sql(`SELECT COUNT(*) FROM resident_problem_events WHERE action = 'auto_escalate' AND problem_id IN (${list})`), String(ids.length));
  // A third run finds nothing left to move (the new deadline is in the future).
  const c = await sweepCli();
  assert.match(c.out, /: 0 overdue/);
  const v = srv.cli(['audit', 'verify']);
  assert.equal(v.code, 0, v.stdout);
});

test('the contact member sees the problem on 我的, answers one and passes another back', async () => {
  const r = srv.cli(['user', 'add', '--username', 'mq_member', '--password', 'Member1234', '--role', 'member',
    '--org-id', String(member.orgId), '--member-id', String(member.id), '--display-name', '民情联户甲']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const me = await loginAs(srv.url, 'mq_member', 'Member1234');
  const a = await hotline('待办测试：门口垃圾桶满了');
  const b = await hotline('待办测试：咨询低保政策', '政策咨询');
  backdate([b.id], 0); // due today: not yet overdue
  // The member was told of each (outbox, no resident's text in it).
  assert.equal(sql(`SELECT COUNT(*) FROM notify_outbox WHERE ref_kind = 'resident_problem' AND ref_id = ${a.id} AND member_id = ${member.id}`), '1');
  assert.equal(sql(`SELECT COUNT(*) FROM notify_outbox WHERE ref_id = ${a.id} AND preview LIKE '%垃圾桶%'`), '0');
  let page = await me.ok('/api/me');
  const task = page.tasks.find((x) => x.link === `/me/problems/${a.id}`);
  assert.ok(task, JSON.stringify(page.tasks));
  assert.equal(task.kind, 'problem');
  assert.ok(task.title.includes(a.number) && task.title.includes('环境卫生') && task.title.includes('7幢2单元301室'), task.title);
  assert.equal(task.due, a.dueOn);
  assert.equal(task.overdue, false);
  // Overdue shows as such (the timer is off in this test).
  backdate([a.id], 1);
  page = await me.ok('/api/me');
  assert.equal(page.tasks.find((x) => x.link === `/me/problems/${a.id}`).overdue, true);
  // The list of the household and the detail; not the staff routes.
  const mine = await me.ok('/api/me/problems' + q({ householdId: household.id }));
  assert.ok(mine.items.some((x) => x.id === a.id) && mine.items.some((x) => x.id === b.id));
  assertError(await me.get('/api/me/problems' + q({ householdId: 'x' })), 400, { field: 'householdId' });
  assert.equal((await me.get(`/api/problems/${a.id}`)).status, 403);
  const d = await me.ok(`/api/me/problems/${a.id}`);
  assert.equal(d.text, '待办测试：门口垃圾桶满了');
  // Answer: the resident's answer is required; then it is answered and off the task list.
  assertError(await me.post(`/api/me/problems/${a.id}/answer`, { answer: '  ' }), 400, { field: 'answer' });
  let x = await me.post(`/api/me/problems/${a.id}/answer`, { answer: '已联系保洁，下午清运' });
  assert.equal(x.status, 200, x.text);
  assert.equal(x.json.state, 'answered');
  assertError(await me.post(`/api/me/problems/${a.id}/answer`, { answer: '再答' }), 409, { code: 'state' });
  // Pass back: a reason is required; the community is told; the member no longer has it.
  assertError(await me.post(`/api/me/problems/${b.id}/pass`, {}), 400, { field: 'note' });
  x = await me.post(`/api/me/problems/${b.id}/pass`, { note: '低保政策需社区答复' });
  assert.equal(x.status, 200, x.text);
  assert.equal((await me.get(`/api/me/problems/${b.id}`)).status, 404);
  const s = await jd01.ok(`/api/problems/${b.id}`);
  assert.equal(s.state, 'received');
  assert.equal(s.memberId, null);
  assert.equal(s.orgId, community.id);
  assert.deepEqual(s.events.map((e) => e.action), ['open', 'pass']);
  assert.equal(sql(`SELECT COUNT(*) FROM notify_outbox WHERE ref_id = ${b.id} AND member_id IS NULL`), '1');
  page = await me.ok('/api/me');
  assert.ok(!page.tasks.some((t) => t.link === `/me/problems/${a.id}` || t.link === `/me/problems/${b.id}`));
  const audit = await admin.ok('/api/audit' + q({ entity: 'resident_problem', entityId: b.id }));
  assert.ok(audit.items.some((e) => e.summary.includes('交回') && e.actorName.includes('mq_member')), JSON.stringify(audit.items));
});

test('the household archive: its problems by householdId; the archive JSON carries no visits', async () => {
  const h = await jd01.ok(`/api/grid/households/${household.id}`);
  assert.ok(!('visits' in h));
  const list = await jd01.ok('/api/problems' + q({ householdId: household.id, pageSize: 100 }));
  assert.ok(list.total >= 2);
  assert.ok(list.items.every((x) => x.householdId === household.id));
  assertError(await jd01.get('/api/problems' + q({ householdId: '0' })), 400, { field: 'householdId' });
});
