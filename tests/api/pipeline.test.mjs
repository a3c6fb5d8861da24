// M3 recruitment 发展党员 over HTTP (SQLite, and PostgreSQL with ZUGONG_TEST_DB_URL): every rule
// refused with the field and a message that says what to do — age 18, step order, a step
// before the previous one, a year as activist, training 3 days / 24 hours, introducers who are
// full members, a year of probation — the member record created at approval and made full, the
// points ledger carried when a migrant worker moves, the board and the figure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { children, memberBody, idNumber, today } from '../lib/fixtures.mjs';

let srv;
let admin;
let jd01;
let branch;
let branch2; // another branch of street 1
let otherStreetBranch;
const full = [];
let prob;

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const jd02 = await loginAs(srv.url, 'jd02');
  const kids = (await children(admin, jd01.user.orgId)).filter((k) => k.kind === 'branch');
  [branch, branch2] = kids;
  otherStreetBranch = (await children(admin, jd02.user.orgId)).filter((k) => k.kind === 'branch')[0];
  for (let i = 0; i < 3; i++) {
    const r = await admin.post('/api/members', memberBody(branch.id, { name: `介绍人${i}`, idNumber: idNumber({ birth: '1975-03-0' + (i + 1) }) }));
    assert.equal(r.status, 201, r.text);
    full.push(r.json.id);
  }
  const p = await admin.post('/api/members', memberBody(branch.id, { name: '预备甲', category: 'probationary', joinedOn: '2026-01-01', fullOn: undefined, idNumber: idNumber({ birth: '1990-01-01' }) }));
  assert.equal(p.status, 201, p.text);
  prob = p.json.id;
});
after(async () => {
  await srv?.stop();
});

const DATES = [null, '2023-01-10', '2023-02-01', '2023-07-01', '2023-07-05', '2023-07-06', '2024-06-01', '2024-07-01',
  '2024-07-05', '2024-07-10', '2024-07-20', '2024-08-20', '2024-08-25', '2024-09-01', '2024-09-05', '2024-09-10',
  '2024-09-20', '2024-10-08', '2024-10-15', '2024-10-16', '2024-10-20', '2025-03-01', '2025-08-20', '2025-09-10',
  '2025-09-20', '2025-10-01'];

async function apply(c, over = {}) {
  return c.post('/api/pipeline/applicants', {
    name: '发展测试', idNumber: idNumber({ birth: '1994-06-15' }), orgId: branch.id, appliedOn: DATES[1], ...over,
  });
}
const step = (c, id, stepNo, doneOn) => c.post(`/api/pipeline/applicants/${id}/steps`, { stepNo, doneOn, decision: '同意' });
async function advance(c, id, upTo) {
  const d = await c.ok(`/api/pipeline/applicants/${id}`);
  for (let no = d.lastStep + 1; no <= upTo; no++) {
    if (no === 5) assert.equal((await c.post(`/api/pipeline/applicants/${id}/people`, { role: 'sponsor', memberId: full[0], fromDate: DATES[4] })).status, 201);
    if (no === 9) for (const m of [full[1], full[2]]) {
      const r = await c.post(`/api/pipeline/applicants/${id}/people`, { role: 'introducer', memberId: m, fromDate: DATES[8] });
      assert.equal(r.status, 201, r.text);
    }
    if (no === 11) {
      const r = await c.post(`/api/pipeline/applicants/${id}/training`, { fromDate: '2024-08-12', toDate: '2024-08-14', days: 3, hours: 24, organizer: '区委党校' });
      assert.equal(r.status, 201, r.text);
    }
    const r = await step(c, id, no, DATES[no]);
    assert.equal(r.status, 201, `step ${no}: ${r.text}`);
  }
}

test('age: at least 18 on the day of the application', async () => {
  const birth = '2005-03-11';
  assertError(await apply(jd01, { idNumber: idNumber({ birth }), appliedOn: '2023-03-10' }), 400, { field: 'appliedOn', messageIncludes: '年满18周岁' });
  const r = await apply(jd01, { idNumber: idNumber({ birth }), appliedOn: '2023-03-11' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.stage, 'applicant');
  assert.match(r.json.idNumberMasked, /\*{4}/);
  assert.ok(!JSON.stringify(r.json).includes(birth.replaceAll('-', '') + '0'), 'no clear ID number');
  assertError(await apply(jd01, { orgId: otherStreetBranch.id }), 400, { field: 'orgId' });
});

test('step order and dates: next step only, never before the previous one', async () => {
  const { json: a } = await apply(jd01);
  assertError(await step(jd01, a.id, 3, '2023-07-01'), 400, { field: 'stepNo', messageIncludes: '党组织派人谈话' });
  assertError(await step(jd01, a.id, 2, '2023-01-09'), 400, { field: 'doneOn', messageIncludes: '2023-01-10' });
  assert.equal((await step(jd01, a.id, 2, '2023-01-10')).status, 201);
});

test('a year as activist before becoming a development target (carried across a move)', async () => {
  const { json: a } = await apply(jd01);
  await advance(jd01, a.id, 6);
  const d = await jd01.ok(`/api/pipeline/applicants/${a.id}`);
  assert.equal(d.nextEarliest, '2024-07-01');
  assertError(await step(jd01, a.id, 7, '2024-06-30'), 400, { code: 'too_early', field: 'doneOn', messageIncludes: '2024-07-01' });
  assert.equal((await step(jd01, a.id, 7, '2024-07-01')).status, 201);
});

test('introducers: two full members of the registry', async () => {
  const { json: a } = await apply(jd01);
  await advance(jd01, a.id, 8);
  assertError(await jd01.post(`/api/pipeline/applicants/${a.id}/people`, { role: 'introducer', memberId: prob }), 400, { field: 'memberId', messageIncludes: '正式党员' });
  assert.equal((await jd01.post(`/api/pipeline/applicants/${a.id}/people`, { role: 'introducer', memberId: full[1] })).status, 201);
  assertError(await step(jd01, a.id, 9, DATES[9]), 400, { field: 'stepNo', messageIncludes: '入党介绍人' });
});

test('training: 3 days or 24 class hours before 开展集中培训', async () => {
  const { json: a } = await apply(jd01);
  await advance(jd01, a.id, 10);
  assert.equal((await jd01.post(`/api/pipeline/applicants/${a.id}/training`, { fromDate: '2024-08-12', toDate: '2024-08-13', days: 2, hours: 20, organizer: '街道党校' })).status, 201);
  assertError(await step(jd01, a.id, 11, DATES[11]), 400, { code: 'training', messageIncludes: '2天、20学时' });
  assert.equal((await jd01.post(`/api/pipeline/applicants/${a.id}/training`, { fromDate: '2024-08-15', toDate: '2024-08-15', days: 1, hours: 4, organizer: '街道党校' })).status, 201);
  assert.equal((await step(jd01, a.id, 11, DATES[11])).status, 201);
});

test('approval creates the probationary member; a year of probation before 转正; full member after', async () => {
  const { json: a } = await apply(jd01, { name: '全程测试' });
  await advance(jd01, a.id, 17);
  let d = await jd01.ok(`/api/pipeline/applicants/${a.id}`);
  assert.equal(d.stage, 'probationary');
  let m = await jd01.ok(`/api/members/${d.memberId}`);
  assert.equal(m.category, 'probationary');
  assert.equal(m.joinedOn, DATES[15]);
  await advance(jd01, a.id, 22);
  assertError(await step(jd01, a.id, 23, '2025-09-09'), 400, { code: 'too_early', field: 'doneOn', messageIncludes: '2025-09-10' });
  await advance(jd01, a.id, 25);
  m = await jd01.ok(`/api/members/${d.memberId}`);
  assert.equal(m.category, 'full');
  assert.equal(m.fullOn, '2025-09-10');
  d = await jd01.ok(`/api/pipeline/applicants/${a.id}`);
  assert.equal(d.complete, true);
  assert.equal(d.steps.length, 25);
  // Moving a member is the transfer module's business.
  assertError(await jd01.post(`/api/pipeline/applicants/${a.id}/move`, { orgId: branch2.id, reason: '调动' }), 400, { field: 'orgId' });
});

test('points 积分制: only migrant workers; the ledger moves with the applicant', async () => {
  const cfg = await jd01.ok('/api/pipeline/config');
  const item = cfg.pointItems.find((i) => i.active);
  const { json: plain } = await apply(jd01);
  assertError(await jd01.post(`/api/pipeline/applicants/${plain.id}/points`, { itemId: item.id, earnedOn: '2023-03-01' }), 400, { code: 'not_migrant' });
  const { json: a } = await apply(jd01, { name: '农民工甲', migrant: true });
  for (const on of ['2023-03-01', '2023-04-01']) {
    const r = await jd01.post(`/api/pipeline/applicants/${a.id}/points`, { itemId: item.id, earnedOn: on });
    assert.equal(r.status, 201, r.text);
  }
  const mv = await jd01.post(`/api/pipeline/applicants/${a.id}/move`, { orgId: branch2.id, movedOn: '2023-05-01', reason: '务工地变动' });
  assert.equal(mv.status, 200, mv.text);
  assert.equal(mv.json.orgId, branch2.id);
  assert.equal(mv.json.points, item.points * 2);
  assert.deepEqual(mv.json.pointsLedger.map((p) => p.orgId), [branch.id, branch.id]);
  assert.equal(mv.json.moves.length, 1);
  assert.equal(mv.json.steps.length, 1);
  // A street user cannot move the applicant into another street.
  assertError(await jd01.post(`/api/pipeline/applicants/${a.id}/move`, { orgId: otherStreetBranch.id, reason: '越权' }), 400, { field: 'orgId' });
  // District staff can (the whole district is their scope); the history stays intact.
  const far = await admin.post(`/api/pipeline/applicants/${a.id}/move`, { orgId: otherStreetBranch.id, movedOn: '2023-06-01', reason: '跨街道务工' });
  assert.equal(far.status, 200, far.text);
  assert.equal(far.json.points, item.points * 2);
  assert.equal(far.json.moves.length, 2);
  assert.equal((await jd01.get(`/api/pipeline/applicants/${a.id}`)).status, 404);
  const audit = await admin.ok(`/api/audit?entity=applicant&action=move&entityId=${a.id}`);
  assert.equal(audit.total, 2);
});

test('board: five columns with days in stage and the next step\'s earliest date', async () => {
  const b = await jd01.ok(`/api/pipeline/board?orgId=${branch.id}`);
  assert.deepEqual(b.columns.map((c) => c.stage), ['applicant', 'activist', 'target', 'probationary', 'full']);
  const cards = b.columns.flatMap((c) => c.cards);
  assert.ok(cards.length > 0);
  for (const c of cards) {
    assert.equal(typeof c.daysInStage, 'number');
    assert.match(c.nextEarliest, /^\d{4}-\d{2}-\d{2}$/);
  }
  const counts = await jd01.ok(`/api/pipeline/counts?orgId=${branch.id}`);
  for (const col of b.columns) if (col.stage !== 'full') assert.equal(counts[col.stage], col.count, col.stage);
});

test('configuration is district staff\'s: steps, questions, point items', async () => {
  assert.equal((await jd01.put('/api/pipeline/steps/2', { name: '谈话' })).status, 403);
  const r = await admin.post('/api/pipeline/point-items', { name: '参加社区治理', points: 3 });
  assert.equal(r.status, 201, r.text);
  assert.ok(r.json.some((i) => i.name === '参加社区治理' && i.points === 3));
  assertError(await admin.post('/api/pipeline/point-items', { name: '过大', points: 1000 }), 400, { field: 'points' });
  const steps = (await admin.ok('/api/pipeline/config')).steps;
  assert.equal(steps.length, 25);
  assert.equal(steps[24].name, '材料归档');
});
