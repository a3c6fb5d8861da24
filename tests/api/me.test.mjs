// The member's own page 我的 over HTTP: a member-role login linked to a member record (made
// with `zugong user add --role member --member-id`) sees its own record, dues ledger, mobility
// records and dues tasks; changes its own phone (stored encrypted, audited with masks only);
// and can read or change nothing else (403 on every other data route). An unlinked login gets 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { children, memberBody, idNumber, today, allPages } from '../lib/fixtures.mjs';

const PW = 'Member1234';
let srv;
let admin;
let me; // the member-role login
let branch;
let mine; // the linked member
let other; // another member of the same branch

function month(delta = 0) {
  const [y, m] = today().split('-').map(Number);
  const n = y * 12 + m - 1 + delta;
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
}

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  const jd01 = await loginAs(srv.url, 'jd01');
  branch = (await children(admin, jd01.user.orgId)).find((k) => k.kind === 'branch');
  assert.ok(branch, 'street 1 has a branch');
  let r = await admin.post('/api/members', memberBody(branch.id, { name: '我的测试', idNumber: idNumber(), phone: '13911112222' }));
  assert.equal(r.status, 201, r.text);
  mine = r.json;
  r = await admin.post('/api/members', memberBody(branch.id, { name: '别人测试', idNumber: idNumber() }));
  assert.equal(r.status, 201, r.text);
  other = r.json;
  r = await admin.put(`/api/dues/members/${mine.id}/base`, { kind: 'fixed', amountFen: 1000, fromMonth: month(-1) });
  assert.equal(r.status, 200, r.text);
  r = await admin.post('/api/dues/payments', { memberId: mine.id, month: month(-1), amountFen: 1000, paidOn: today() });
  assert.equal(r.status, 201, r.text);
  let c = srv.cli(['user', 'add', '--username', 'dy_me', '--password', PW, '--role', 'member', '--org-id', String(branch.id),
    '--member-id', String(mine.id), '--display-name', '我的测试']);
  assert.equal(c.code, 0, c.stderr + c.stdout);
  c = srv.cli(['user', 'add', '--username', 'dy_none', '--password', PW, '--role', 'member', '--org-id', String(branch.id)]);
  assert.equal(c.code, 0, c.stderr + c.stdout);
  me = await loginAs(srv.url, 'dy_me', PW);
});
after(async () => {
  await srv?.stop();
});

test('the session user carries memberId; a member has only org.read', async () => {
  const s = await me.ok('/api/auth/me');
  assert.equal(s.user.memberId, mine.id);
  assert.equal(s.user.role, 'member');
  assert.deepEqual(s.permissions, ['org.read']);
  assert.equal((await admin.ok('/api/auth/me')).user.memberId, null);
});

test('GET /api/me: own record (masked), ledger, mobility, tasks', async () => {
  const r = await me.get('/api/me');
  assert.equal(r.status, 200, r.text);
  const b = r.json;
  assert.equal(b.member.id, mine.id);
  assert.equal(b.member.name, '我的测试');
  assert.equal(b.member.placements.length, 1);
  assert.equal(b.member.placements[0].orgId, branch.id);
  assert.ok(!r.text.includes('13911112222'), 'the clear phone is not sent');
  assert.ok(b.member.idNumberMasked.includes('*'));
  assert.equal(b.dues.months.length, 12);
  assert.equal(b.dues.base.kind, 'fixed');
  assert.deepEqual(b.mobility, []);
  // Last month is paid; this month is owed.
  assert.deepEqual(b.tasks, [{ kind: 'dues', title: '本月党费待交纳（¥10.00）', due: b.tasks[0].due, link: '/me#dues', overdue: false }]);
  assert.ok(b.tasks[0].due.startsWith(month()));
  // Whatever the query names, only the caller's record.
  const again = await me.ok(`/api/me?memberId=${other.id}&id=${other.id}`);
  assert.equal(again.member.id, mine.id);
});

test('an unlinked login gets 404 with the Chinese message', async () => {
  const none = await loginAs(srv.url, 'dy_none', PW);
  assertError(await none.get('/api/me'), 404, { messageIncludes: '当前账号未关联党员档案' });
  assertError(await none.put('/api/me/phone', { phone: '13900000000' }), 404);
  assertError(await admin.get('/api/me'), 404);
});

test('PUT /api/me/phone: validated, stored masked, audited with masks only', async () => {
  assertError(await me.put('/api/me/phone', { phone: '12345' }), 400, { field: 'phone' });
  assertError(await me.put('/api/me/phone', { phone: '0571-87654321' }), 400, { field: 'phone' });
  assertError(await me.put('/api/me/phone', {}), 400, { field: 'phone' });
  assertError(await me.put('/api/me/phone', { phone: '13922223333' }, { csrf: false }), 403, { code: 'csrf' });
  const r = await me.put('/api/me/phone', { phone: '139-2222-3333', memberId: other.id });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, mine.id);
  assert.ok(!r.text.includes('13922223333'));
  const d = await admin.ok(`/api/members/${mine.id}`);
  assert.equal(d.phoneMasked, r.json.phoneMasked);
  const audit = await allPages(admin, `/api/audit?entity=member&entityId=${mine.id}`);
  const entry = audit.find((e) => (e.summary || '').includes('修改手机号码'));
  assert.ok(entry, 'the phone change is audited');
  const text = JSON.stringify(entry);
  assert.ok(!text.includes('13922223333') && !text.includes('13911112222'), 'only masks in the audit entry');
});

test('a member can read no other member and change nothing else', async () => {
  const id = mine.id;
  const denied = [
    ['GET', `/api/members/${other.id}`],
    ['GET', `/api/members/${id}`],
    ['GET', '/api/members'],
    ['GET', `/api/dues/members/${id}`],
    ['GET', '/api/mobile/records'],
    ['POST', '/api/members', memberBody(branch.id, { idNumber: idNumber() })],
    ['PUT', `/api/members/${id}`, { ...memberBody(branch.id), version: 1 }],
    ['POST', `/api/members/${id}/move`, { orgId: branch.id }],
    ['DELETE', `/api/members/${id}`, { reason: '越权' }],
    ['PUT', `/api/dues/members/${id}/base`, { kind: 'fixed', amountFen: 1, fromMonth: month() }],
    ['POST', '/api/dues/payments', { memberId: id, month: month(), amountFen: 1000, paidOn: today() }],
    ['POST', '/api/dues/exemptions', { memberId: id, fromMonth: month(), toMonth: month(), reason: '越权' }],
    ['POST', '/api/mobile/records', { memberId: id, direction: 'outflow', place: '深圳', sinceDate: today() }],
    ['POST', '/api/orgs', { parentId: branch.id, name: '越权', kind: 'group' }],
    ['GET', '/api/users'],
    ['GET', '/api/audit'],
  ];
  for (const [method, path, body] of denied) {
    const r = await me.request(method, path, body === undefined ? {} : { json: body });
    assert.equal(r.status, 403, `${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  // Still unchanged, as admin sees it.
  const d = await admin.ok(`/api/members/${id}`);
  assert.equal(d.name, '我的测试');
  assert.equal(d.orgId, branch.id);
  // The password change is the caller's own (POST /api/auth/password) and works for a member.
  const r = await me.post('/api/auth/password', { oldPassword: PW, newPassword: 'Member5678' });
  assert.equal(r.status, 200, r.text);
  await loginAs(srv.url, 'dy_me', 'Member5678');
});
