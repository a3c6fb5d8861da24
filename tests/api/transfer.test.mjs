// Transfer of organizational relationship 组织关系接转 over HTTP (SQLite and PostgreSQL): street 1
// starts and sends, street 2 receives and completes, the member's placement changes once; a third
// street sees nothing; no double placement when a completion races a move of the same member
// (concurrent requests); the letter PDF; the public receipt page for a transfer out of the
// district (no session, rate-limited); a transfer into the district creates the member on completion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, loginAs, assertError } from '../lib/client.mjs';
import { memberBody, idNumber, today } from '../lib/fixtures.mjs';

let srv;
let admin;
let jd01;
let jd02;
let jd03;
let a1; // street-1 branch
let a2; // another street-1 branch
let b1; // street-2 branch

const addDays = (iso, n) => {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  jd02 = await loginAs(srv.url, 'jd02');
  jd03 = await loginAs(srv.url, 'jd03');
  const org = async (parentId, name) => {
    const r = await admin.post('/api/orgs', { parentId, name, kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  a1 = await org(jd01.user.orgId, '接转测试甲一党支部');
  a2 = await org(jd01.user.orgId, '接转测试甲二党支部');
  b1 = await org(jd02.user.orgId, '接转测试乙一党支部');
});

after(async () => {
  await srv?.stop();
});

async function newMember(orgId, name) {
  const r = await admin.post('/api/members', memberBody(orgId, { name }));
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function placements(memberId) {
  const d = await admin.ok(`/api/members/${memberId}`);
  return { orgId: d.orgId, active: d.active, open: d.placements.filter((p) => !p.toDate), all: d.placements };
}

test('street 1 starts and sends, street 2 receives and completes; the placement changes once', async () => {
  const m = await newMember(a1.id, '接转甲');
  let r = await jd01.post('/api/transfers', { direction: 'within', memberId: m.id, toOrgId: b1.id, reason: '工作调动' });
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  assert.match(r.json.code, /^JZ\d{4}-\d{6}$/);
  assert.equal(r.json.state, 'started');
  assertError(await jd01.post('/api/transfers', { direction: 'within', memberId: m.id, toOrgId: a2.id, reason: '再次' }), 409, { code: 'open_case', field: 'memberId' });

  // The receiving side sees it under 转入 and may not send; a third street does not see it.
  const inList = await jd02.ok('/api/transfers?tab=in&pageSize=100');
  assert.ok(inList.items.some((x) => x.id === id));
  assert.equal((await jd02.post(`/api/transfers/${id}/send`, {})).status, 403);
  assert.equal((await jd03.get(`/api/transfers/${id}`)).status, 404);
  assert.ok(!(await jd03.ok('/api/transfers?pageSize=100')).items.some((x) => x.id === id));
  assert.equal((await jd03.post(`/api/transfers/${id}/receive`, {})).status, 404);

  r = await jd01.post(`/api/transfers/${id}/send`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.deadline, addDays(today(), 30));
  assert.equal((await jd01.post(`/api/transfers/${id}/receive`, {})).status, 403);
  const pdf = await jd01.get(`/api/transfers/${id}/letter.pdf`);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.buf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.match(pdf.headers.get('content-disposition'), /attachment/);
  assert.equal((await jd02.get(`/api/transfers/${id}/letter.pdf`)).status, 403);

  assert.equal((await placements(m.id)).orgId, a1.id);
  assert.equal((await jd02.post(`/api/transfers/${id}/receive`, {})).status, 200);
  assert.equal((await placements(m.id)).orgId, a1.id, 'not moved before completion');
  r = await jd02.post(`/api/transfers/${id}/complete`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'completed');
  assert.deepEqual(r.json.events.map((e) => e.state), ['started', 'sent', 'received', 'completed']);
  const p = await placements(m.id);
  assert.equal(p.orgId, b1.id);
  assert.equal(p.open.length, 1);
  assert.equal(p.open[0].orgId, b1.id);
  const closed = p.all.find((x) => x.orgId === a1.id);
  assert.equal(closed.toDate, today());
  assert.equal(p.open[0].fromDate, today());

  // Audited in both sides' trail of the case.
  const audit = await admin.ok('/api/audit?entity=transfer&pageSize=50');
  const mine = audit.items.filter((e) => e.entityId === id).map((e) => e.action);
  for (const a of ['create', 'send', 'print', 'receive', 'complete']) assert.ok(mine.includes(a), `audit ${a}: ${mine}`);
});

test('no double placement: a completion racing a move of the same member leaves exactly one branch', async () => {
  for (let round = 0; round < 4; round++) {
    const m = await newMember(a1.id, `并发${round}`);
    const id = (await jd01.post('/api/transfers', { direction: 'within', memberId: m.id, toOrgId: b1.id, reason: '调动' })).json.id;
    assert.equal((await jd01.post(`/api/transfers/${id}/send`, {})).status, 200);
    assert.equal((await jd02.post(`/api/transfers/${id}/receive`, {})).status, 200);
    const [done, moved] = await Promise.all([
      jd02.post(`/api/transfers/${id}/complete`, {}),
      jd01.post(`/api/members/${m.id}/move`, { orgId: a2.id, reason: '社区调整' }),
    ]);
    const p = await placements(m.id);
    assert.equal(p.open.length, 1, `round ${round}: ${JSON.stringify(p.all)} complete=${done.status} move=${moved.status}`);
    assert.equal(p.open[0].orgId, p.orgId);
    const state = (await admin.ok(`/api/transfers/${id}`)).state;
    if (done.status === 200) {
      assert.equal(state, 'completed');
      // the move either ran first (then completion would have failed) or after: from street 2's
      // branch street 1 cannot move the member any more
      assert.notEqual(moved.status, 200, `both succeeded in round ${round}`);
      assert.equal(p.orgId, b1.id);
    } else {
      assert.equal(done.status, 409, done.text);
      assert.equal(state, 'received');
      assert.equal(moved.status, 200, moved.text);
      assert.equal(p.orgId, a2.id);
    }
  }
});

test('returned and cancelled cases leave the placement untouched', async () => {
  const m = await newMember(a1.id, '接转退回');
  const before = await placements(m.id);
  const id = (await jd01.post('/api/transfers', { direction: 'within', memberId: m.id, toOrgId: b1.id, reason: '调动' })).json.id;
  await jd01.post(`/api/transfers/${id}/send`, {});
  assertError(await jd02.post(`/api/transfers/${id}/return`, {}), 400, { field: 'reason' });
  const r = await jd02.post(`/api/transfers/${id}/return`, { reason: '接收组织有误' });
  assert.equal(r.json.state, 'returned');
  assert.deepEqual(await placements(m.id), before);
  const id2 = (await jd01.post('/api/transfers', { direction: 'within', memberId: m.id, toOrgId: a2.id, reason: '调动' })).json.id;
  assert.equal((await jd01.post(`/api/transfers/${id2}/cancel`, { reason: '暂缓' })).json.state, 'cancelled');
  assert.deepEqual(await placements(m.id), before);
});

test('out of the district: the public receipt page confirms with the check part and removes the member', async () => {
  const m = await newMember(a1.id, '接转外出');
  const id = (await jd01.post('/api/transfers', { direction: 'out', memberId: m.id, toOutside: '中共宁波市某社区支部委员会', reason: '迁居' })).json.id;
  const sent = await jd01.post(`/api/transfers/${id}/send`, {});
  const { code, checkCode } = sent.json;
  assert.equal(checkCode.length, 6);
  assert.equal((await jd02.get(`/api/transfers/${id}`)).status, 404);

  const anon = new Client(srv.url); // no session
  let r = await anon.get(`/api/public/transfers/${code}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.memberName, '接***');
  assert.equal(r.json.canConfirm, true);
  assert.equal(r.json.id, undefined);
  assert.equal((await anon.get('/api/public/transfers/JZ1999-000001')).status, 404);
  r = await anon.post(`/api/public/transfers/${code}/receipt`, { check: 'AAAAAA', receiver: '宁波某支部' });
  assertError(r, 400, { field: 'check' });
  assert.equal((await placements(m.id)).active, true);
  r = await anon.post(`/api/public/transfers/${code}/receipt`, { check: checkCode.toLowerCase(), receiver: '中共宁波市某社区支部委员会' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'completed');
  const p = await placements(m.id);
  assert.equal(p.active, false);
  assert.equal(p.open.length, 0);
  const d = await jd01.ok(`/api/transfers/${id}`);
  assert.ok(d.events.some((e) => e.by.includes('介绍信回执')));
});

test('into the district: the member is created on completion, not before', async () => {
  const idn = idNumber({ birth: '1991-02-03' });
  const body = {
    direction: 'in', toOrgId: b1.id, fromOutside: '中共绍兴市某支部委员会', outsideLetter: '绍组转〔2026〕8号', reason: '工作调入',
    name: '转入党员', idNumber: idn, category: 'full', joinedOn: '2015-06-01', fullOn: '2016-06-01',
  };
  assertError(await jd01.post('/api/transfers', body), 400, { field: 'toOrgId' });
  let r = await jd02.post('/api/transfers', body);
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  assert.equal(r.json.state, 'sent');
  assert.equal(r.json.memberId, null);
  assert.equal((await admin.ok('/api/members?q=转入党员')).total, 0);
  assert.equal((await jd02.post(`/api/transfers/${id}/receive`, {})).status, 200);
  r = await jd02.post(`/api/transfers/${id}/complete`, {});
  assert.equal(r.status, 200, r.text);
  const p = await placements(r.json.memberId);
  assert.equal(p.orgId, b1.id);
  assert.equal(p.all.length, 1);
});

test('lists: tabs, state filter, overdue flag; public page is rate-limited per IP', async () => {
  const out = await jd01.ok('/api/transfers?tab=out&pageSize=100');
  assert.ok(out.items.length >= 3);
  assert.ok(out.items.every((x) => x.sendingSide));
  const done = await jd01.ok('/api/transfers?state=completed&pageSize=100');
  assert.ok(done.items.every((x) => x.state === 'completed'));
  assertError(await jd01.get('/api/transfers?state=lost'), 400, { field: 'state' });
  assertError(await jd01.get('/api/transfers?tab=x'), 400, { field: 'tab' });
  const od = await jd01.ok('/api/transfers?overdue=true');
  assert.ok(od.items.every((x) => x.overdue));

  assert.equal((await admin.put('/api/settings/transfer.public_rate_per_minute', { value: 2 })).status, 200);
  const anon = new Client(srv.url);
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await anon.get('/api/public/transfers/JZ1999-000009')).status);
  assert.ok(statuses.includes(429), `statuses ${statuses}`);
  assert.equal((await admin.put('/api/settings/transfer.public_rate_per_minute', { value: 600 })).status, 200);
});

test("the member's own page 我的 shows the open transfer as a task, and nothing once completed", async () => {
  const m = await newMember(a1.id, '接转本人');
  const r = srv.cli(['user', 'add', '--username', 'transfer_me', '--password', 'Member1234', '--role', 'member',
    '--org-id', String(a1.id), '--member-id', String(m.id)]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const self = await loginAs(srv.url, 'transfer_me', 'Member1234');
  assert.equal((await self.get('/api/transfers')).status, 403, 'a member cannot list transfers');
  const id = (await jd01.post('/api/transfers', { direction: 'within', memberId: m.id, toOrgId: b1.id, reason: '工作调动' })).json.id;
  const c = await jd01.post(`/api/transfers/${id}/send`, {});
  let tasks = (await self.ok('/api/me')).tasks.filter((t) => t.kind === 'transfer');
  assert.equal(tasks.length, 1);
  assert.match(tasks[0].title, new RegExp(`${c.json.code}.*接转测试乙一党支部.*已开介绍信`));
  assert.equal(tasks[0].due, c.json.deadline);
  await jd02.post(`/api/transfers/${id}/receive`, {});
  await jd02.post(`/api/transfers/${id}/complete`, {});
  tasks = (await self.ok('/api/me')).tasks.filter((t) => t.kind === 'transfer');
  assert.deepEqual(tasks, []);
  assert.equal((await self.ok('/api/me')).member.orgId, b1.id);
});
