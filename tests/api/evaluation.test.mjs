// Democratic evaluation 民主评议 over HTTP (SQLite and PostgreSQL): a campaign per branch and year
// with the members placed on the opening day; the 好 share limit (evaluation.max_good_share)
// refused naming "grade", counted without the entry itself, and re-checked on closing; the 差
// follow-up; closing lists what is missing; the roll-up per organization and year; the member's
// task on /api/me; street 2 sees nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { memberBody, idNumber, today } from '../lib/fixtures.mjs';

let srv;
let admin;
let jd01;
let jd02;
let branch; // street 1, 7 members
let members = [];
const year = Number(today().slice(0, 4));

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  jd02 = await loginAs(srv.url, 'jd02');
  const r = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '评议接口测试党支部', kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(r.status, 201, r.text);
  branch = r.json;
  for (let i = 0; i < 7; i++) {
    const m = await admin.post('/api/members', memberBody(branch.id, { name: `评议员${'一二三四五六七'[i]}`, idNumber: idNumber() }));
    assert.equal(m.status, 201, m.text);
    members.push(m.json);
  }
});

after(async () => {
  await srv?.stop();
});

const setShare = async (value) => {
  const r = await admin.put('/api/settings/evaluation.max_good_share', { value });
  assert.equal(r.status, 200, r.text);
};
const entryOf = (k, name) => k.entries.find((e) => e.memberName === name);
const put = (e, body) => jd01.put(`/api/evaluation/entries/${e.id}`, { ...e, ...body, version: e.version });

test('the 好 share limit, the 差 follow-up and closing', async () => {
  await setShare(30); // 7 members → at most 2 好
  try {
    const r = await jd01.post('/api/evaluation/campaigns', { orgId: branch.id, year });
    assert.equal(r.status, 201, r.text);
    let k = r.json;
    assert.equal(k.members, 7);
    assert.equal(k.maxGood, 2);
    assert.equal(k.maxGoodShare, 30);
    assert.deepEqual(k.items, ['政治表现', '学习情况', '作用发挥', '遵规守纪', '群众评价']);
    assertError(await jd01.post('/api/evaluation/campaigns', { orgId: branch.id, year }), 409, { code: 'exists', field: 'year' });

    assert.equal((await put(entryOf(k, '评议员一'), { grade: 'good' })).status, 200);
    assert.equal((await put(entryOf(k, '评议员二'), { grade: 'good' })).status, 200);
    k = await jd01.ok(`/api/evaluation/campaigns/${k.id}`);
    assertError(await put(entryOf(k, '评议员三'), { grade: 'good' }), 400, { field: 'grade', code: 'share_limit', messageIncludes: '最多2人' });
    // Saving an entry already 好 again is allowed (it does not count itself).
    assert.equal((await put(entryOf(k, '评议员一'), { target: '争当先锋' })).status, 200);
    k = await jd01.ok(`/api/evaluation/campaigns/${k.id}`);
    assert.equal(k.good, 2);
    assert.equal(entryOf(k, '评议员三').grade, null);

    // Ratings on the campaign's items; the good rate.
    const rated = await put(entryOf(k, '评议员三'), { grade: 'fair', ratings: { peer: { 政治表现: [3, 1, 0, 0] }, masses: { 群众评价: [1, 1, 1, 1] } } });
    assert.equal(rated.status, 200, rated.text);
    assert.equal(rated.json.goodRate, 75);
    assertError(await put(rated.json, { ratings: { peer: { 唱歌: [1, 0, 0, 0] } } }), 400, { field: 'ratings' });

    for (const n of ['四', '五', '六']) assert.equal((await put(entryOf(k, `评议员${n}`), { grade: 'fair' })).status, 200);
    const poor = await put(entryOf(k, '评议员七'), { grade: 'poor' });
    assert.equal(poor.status, 200, poor.text);
    const c1 = assertError(await jd01.post(`/api/evaluation/campaigns/${k.id}/close`, {}), 400, { field: 'closedOn', code: 'incomplete' });
    assert.ok(c1.message.includes('未确定帮扶人：评议员七') && c1.message.includes('未记录谈话：评议员七'), c1.message);

    assertError(await put(poor.json, { helperMemberId: members[6].id, helperRole: '支部书记' }), 400, { field: 'helperMemberId' });
    const done = await put(poor.json, {
      helperMemberId: members[0].id,
      helperRole: '支部书记',
      talkOn: today(),
      talkBy: '街道党工委副书记',
      talkContent: '指出问题，限期整改',
    });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.helperName, '评议员一');

    // Lowering the limit after grading stops the close, naming the excess.
    await setShare(20); // 7 → at most 1
    const c2 = assertError(await jd01.post(`/api/evaluation/campaigns/${k.id}/close`, {}), 400, { field: 'closedOn' });
    assert.ok(c2.message.includes('超过上限1人'), c2.message);
    await setShare(30);
    const closed = await jd01.post(`/api/evaluation/campaigns/${k.id}/close`, { closedOn: today() });
    assert.equal(closed.status, 200, closed.text);
    assert.equal(closed.json.state, 'closed');
    assert.deepEqual([closed.json.good, closed.json.fair, closed.json.poor, closed.json.ungraded], [2, 4, 1, 0]);
    assertError(await put(entryOf(closed.json, '评议员四'), { grade: 'good' }), 409, { code: 'closed' });

    // Listed by year and state; rolled up under the street.
    const list = await jd01.ok('/api/evaluation/campaigns?' + new URLSearchParams({ year, state: 'closed', orgId: branch.id }));
    assert.equal(list.total, 1);
    const roll = await jd01.ok(`/api/evaluation/rollup?year=${year}`);
    assert.equal(roll.orgId, jd01.user.orgId);
    assert.ok(roll.total.good >= 2 && roll.total.poor >= 1);
    const row = roll.rows.find((x) => x.orgId === branch.id);
    assert.deepEqual([row.members, row.good, row.fair, row.poor, row.closed], [7, 2, 4, 1, 1]);

    // Every change audited.
    const audit = await admin.ok('/api/audit?' + new URLSearchParams({ q: '评议接口测试党支部' }));
    assert.ok(audit.items.some((e) => e.entity === 'evaluation_campaign' && e.action === 'close'), 'close audited');
  } finally {
    await setShare(0);
  }
});

test('street 2 sees and changes nothing of it', async () => {
  const list = await jd02.ok('/api/evaluation/campaigns?pageSize=200');
  assert.ok(!list.items.some((k) => k.orgId === branch.id));
  const k = (await jd01.ok('/api/evaluation/campaigns?' + new URLSearchParams({ orgId: branch.id }))).items[0];
  assert.equal((await jd02.get(`/api/evaluation/campaigns/${k.id}`)).status, 404);
  assertError(await jd02.get(`/api/evaluation/rollup?orgId=${jd01.user.orgId}`), 400, { field: 'orgId' });
  assertError(await jd02.post('/api/evaluation/campaigns', { orgId: branch.id, year: year - 1 }), 400, { field: 'orgId' });
});

test('the member sees the task to hand in the self-assessment while the campaign is open', async () => {
  const b = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '评议待办测试党支部', kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' });
  const m = await admin.post('/api/members', memberBody(b.json.id, { name: '待办党员', idNumber: idNumber() }));
  const m2 = await admin.post('/api/members', memberBody(b.json.id, { name: '待办党员乙', idNumber: idNumber() }));
  assert.equal(m2.status, 201);
  const c = srv.cli(['user', 'add', '--username', 'evalmember', '--password', 'Member@2026', '--role', 'member', '--org-id', String(b.json.id),
    '--member-id', String(m.json.id), '--display-name', '待办党员']);
  assert.equal(c.code, 0, c.stderr + c.stdout);
  const member = await loginAs(srv.url, 'evalmember', 'Member@2026');
  const before = await member.ok('/api/me');
  assert.ok(!before.tasks.some((t) => t.kind === 'evaluation'));
  const k = await jd01.post('/api/evaluation/campaigns', { orgId: b.json.id, year });
  assert.equal(k.status, 201, k.text);
  const me = await member.ok('/api/me');
  const tasks = me.tasks.filter((t) => t.kind === 'evaluation');
  assert.equal(tasks.length, 2, JSON.stringify(me.tasks));
  assert.ok(tasks[0].title.includes('自我评价'));
  assert.equal(tasks[0].due, k.json.closesOn);
  // The member cannot write the entry.
  const e = k.json.entries.find((x) => x.memberId === m.json.id);
  assert.equal((await member.put(`/api/evaluation/entries/${e.id}`, { selfAssessment: '自己写', version: e.version })).status, 403);
  assert.equal((await jd01.put(`/api/evaluation/entries/${e.id}`, { selfAssessment: '书面剖析材料', target: '争当先锋', version: e.version })).status, 200);
  assert.ok(!(await member.ok('/api/me')).tasks.some((t) => t.kind === 'evaluation'));
});
