// Party dues 党费 over HTTP (SQLite and PostgreSQL): bases with dated history, the monthly
// amount by bracket, payments (obligation start, back-payment limit, amount = due, duplicate),
// removal with a reason (audited), exemptions and the 6-month list, the reconciled summary,
// arrears, the .xlsx export, and a street user kept to its own street.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { children, memberBody, idNumber, today } from '../lib/fixtures.mjs';
import { xlsxTexts } from '../lib/xlsx.mjs';

let srv;
let admin;
let jd01;
let street1;
let street2;
let branch; // a branch of street 1 (new, empty)
let branch2; // a second branch of street 1 (new, empty)
let other; // a branch of street 2 (new, empty)

/** The month `delta` months from this one (Asia/Shanghai), as YYYY-MM. */
function month(delta = 0) {
  const [y, m] = today().split('-').map(Number);
  const n = y * 12 + m - 1 + delta;
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
}

async function newMember(orgId, over = {}) {
  const r = await admin.post('/api/members', memberBody(orgId, { name: '党费测试', idNumber: idNumber(), ...over }));
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function setBase(client, id, body) {
  return client.put(`/api/dues/members/${id}/base`, body);
}

function pay(client, memberId, m, amountFen, paidOn = today()) {
  return client.post('/api/dues/payments', { memberId, month: m, amountFen, paidOn });
}

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const streets = await children(admin, 1);
  street1 = streets.find((s) => s.id === jd01.user.orgId);
  street2 = streets.find((s) => s.id !== jd01.user.orgId);
  const mk = async (parentId, name) => {
    const r = await admin.post('/api/orgs', { parentId, name, kind: 'branch' });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  branch = await mk(street1.id, '党费测试第一党支部');
  branch2 = await mk(street1.id, '党费测试第二党支部');
  other = await mk(street2.id, '党费测试外街道党支部');
});
after(async () => {
  await srv?.stop();
});

test('base: brackets on the whole base, dated history, errors name the field', async () => {
  const m = await newMember(branch.id);
  let r = await setBase(jd01, m.id, { kind: 'employed', baseFen: 300000, fromMonth: month(-3) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.monthlyDueFen, 1500);
  r = await setBase(jd01, m.id, { kind: 'employed', baseFen: 300001, fromMonth: month(-1) });
  assert.equal(r.json.monthlyDueFen, 3000, '1% of the whole base above 3000 yuan');
  assertError(await setBase(jd01, m.id, { kind: 'employed', baseFen: 1, fromMonth: month(-6) }), 400, { field: 'fromMonth' });
  assertError(await setBase(jd01, m.id, { kind: 'salary', fromMonth: month() }), 400, { field: 'kind' });
  assertError(await setBase(jd01, m.id, { kind: 'employed', fromMonth: month() }), 400, { field: 'baseFen' });
  assertError(await setBase(jd01, m.id, { kind: 'fixed', fromMonth: month() }), 400, { field: 'amountFen' });
  assertError(await setBase(jd01, m.id, { kind: 'student', fromMonth: '2024/01' }), 400, { field: 'fromMonth' });
  const d = await jd01.ok(`/api/dues/members/${m.id}`);
  assert.deepEqual(
    d.bases.map((b) => [b.fromMonth, b.toMonth, b.monthlyDueFen]),
    [
      [month(-3), month(-1), 1500],
      [month(-1), null, 3000],
    ],
  );
  assert.equal(d.base.baseFen, 300001);
  assert.equal(d.ledger.length, 12);
  const cur = await jd01.ok(`/api/dues/members/${m.id}/base`);
  assert.equal(cur.kind, 'employed');
  const retired = await newMember(branch.id);
  r = await setBase(jd01, retired.id, { kind: 'retired', baseFen: 500001, fromMonth: month() });
  assert.equal(r.json.monthlyDueFen, 5000);
  const student = await newMember(branch.id);
  r = await setBase(jd01, student.id, { kind: 'student', fromMonth: month() });
  assert.equal(r.json.monthlyDueFen, 20);
});

test('payments: amount = due, obligation start, back-payment limit, no duplicate; removal needs a reason', async () => {
  const m = await newMember(branch.id);
  assert.equal((await setBase(jd01, m.id, { kind: 'fixed', amountFen: 100, fromMonth: month(-10) })).status, 200);
  assertError(await pay(jd01, m.id, month(-1), 99), 400, { field: 'amountFen', messageIncludes: '1.00元' });
  const ok = await pay(jd01, m.id, month(-1), 100);
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.amountFen, 100);
  assertError(await pay(jd01, m.id, month(-1), 100), 409, { field: 'month', code: 'duplicate' });
  assertError(await pay(jd01, m.id, month(-7), 100), 400, { field: 'month', messageIncludes: '补交' });
  assert.equal((await pay(jd01, m.id, month(-6), 100)).status, 201);
  assertError(await pay(jd01, m.id, month(1), 100), 400, { field: 'month' });
  assertError(await pay(jd01, m.id, month(0), 100, '2999-01-01'), 400, { field: 'paidOn' });
  assertError(await pay(jd01, m.id, 'last month', 100), 400, { field: 'month' });
  assertError(await jd01.post('/api/dues/payments', { month: month(0), amountFen: 100, paidOn: today() }), 400, { field: 'memberId' });

  // Probationary: from the month they were accepted.
  const p = await newMember(branch.id, { category: 'probationary', joinedOn: `${month(-1)}-15`, fullOn: undefined });
  assert.equal((await setBase(jd01, p.id, { kind: 'student', fromMonth: month(-5) })).status, 200);
  assertError(await pay(jd01, p.id, month(-2), 20), 400, { field: 'month', messageIncludes: '入党' });
  assert.equal((await pay(jd01, p.id, month(-1), 20)).status, 201);
  const d = await jd01.ok(`/api/dues/members/${p.id}`);
  assert.equal(d.obligationStart, month(-1));

  assertError(await jd01.del(`/api/dues/payments/${ok.json.id}`, {}), 400, { field: 'reason' });
  const del = await jd01.del(`/api/dues/payments/${ok.json.id}`, { reason: '录入错误' });
  assert.equal(del.status, 200, del.text);
  assert.equal((await jd01.del(`/api/dues/payments/${ok.json.id}`, { reason: '录入错误' })).status, 404);
  const audit = await admin.ok(`/api/audit?entity=dues_payment&entityId=${ok.json.id}`);
  assert.deepEqual(audit.items.map((e) => e.action).sort(), ['create', 'delete']);
  assert.ok(audit.items.find((e) => e.action === 'delete').summary.includes('录入错误'));
  assert.equal((await admin.ok(`/api/audit?entity=dues_base&entityId=${p.id}`)).total, 1);
});

test('6 unpaid months → flagged; a recorded reason breaks the run; arrears list the months', async () => {
  const a = await newMember(branch2.id, { name: '欠费甲' });
  const b = await newMember(branch2.id, { name: '欠费乙' });
  for (const m of [a, b]) assert.equal((await setBase(jd01, m.id, { kind: 'fixed', amountFen: 50, fromMonth: month(-6) })).status, 200);
  let f = await jd01.ok(`/api/dues/flagged?orgId=${branch2.id}`);
  assert.deepEqual(f.items.map((x) => x.memberId).sort(), [a.id, b.id].sort());
  assert.equal(f.items[0].unpaidMonths, 6);
  assert.equal(f.throughMonth, month(-1));
  const ex = await jd01.post('/api/dues/exemptions', { memberId: b.id, fromMonth: month(-2), toMonth: month(-2), reason: '长期住院' });
  assert.equal(ex.status, 201, ex.text);
  assertError(
    await jd01.post('/api/dues/exemptions', { memberId: b.id, fromMonth: month(-1), toMonth: month(-2), reason: 'x' }),
    400,
    { field: 'toMonth' },
  );
  f = await jd01.ok(`/api/dues/flagged?orgId=${branch2.id}`);
  assert.deepEqual(f.items.map((x) => x.memberId), [a.id]);
  assert.equal((await jd01.ok(`/api/dues/members/${a.id}`)).flagged, true);
  assert.equal((await jd01.ok(`/api/dues/members/${b.id}`)).flagged, false);
  const ar = await jd01.ok(`/api/dues/arrears?orgId=${branch2.id}&month=${month(-1)}`);
  const row = ar.items.find((x) => x.memberId === a.id);
  assert.equal(row.monthsOwed, 6);
  assert.equal(row.owedFen, 300);
  assert.deepEqual(row.months.map((x) => x.month), [-6, -5, -4, -3, -2, -1].map(month));
  assert.equal(ar.items.find((x) => x.memberId === b.id).months.find((x) => x.month === month(-2)).exempt, true);
});

test('summary: rows per child organization reconcile with the total; export .xlsx', async () => {
  const m1 = await newMember(branch.id, { name: '汇总甲' });
  const m2 = await newMember(branch2.id, { name: '汇总乙' });
  await setBase(jd01, m1.id, { kind: 'employed', baseFen: 800000, fromMonth: month(0) });
  await setBase(jd01, m2.id, { kind: 'retired', baseFen: 400000, fromMonth: month(0) });
  assert.equal((await pay(jd01, m1.id, month(0), 12000)).status, 201);
  const s = await jd01.ok(`/api/dues/summary?orgId=${street1.id}&month=${month(0)}`);
  assert.equal(s.month, month(0));
  const keys = ['membersObliged', 'dueFen', 'paidFen', 'owedFen', 'membersPaid', 'membersUnpaid'];
  for (const k of keys) assert.equal(s.total[k], s.rows.reduce((a, r) => a + r[k], 0), k);
  for (const r of [...s.rows, s.total]) {
    assert.equal(r.dueFen, r.paidFen + r.owedFen);
    assert.equal(r.membersObliged, r.membersPaid + r.membersUnpaid);
  }
  const rowA = s.rows.find((r) => r.orgId === branch.id);
  assert.ok(rowA.paidFen >= 12000);
  const rowB = s.rows.find((r) => r.orgId === branch2.id);
  assert.ok(rowB.owedFen >= 2000);
  assertError(await jd01.get(`/api/dues/summary?orgId=${street1.id}&month=2024-13`), 400, { field: 'month' });

  const x = await jd01.get(`/api/dues/export?orgId=${street1.id}&month=${month(0)}`);
  assert.equal(x.status, 200);
  assert.match(x.headers.get('content-type'), /spreadsheetml/);
  const texts = xlsxTexts(x.buf);
  assert.ok(texts.includes('汇总甲') && texts.includes('合计') && texts.includes('120.00'), texts.slice(0, 40).join(','));
});

test('a street user cannot see or pay for another street (404 / 400 orgId)', async () => {
  const m = await newMember(other.id, { name: '外街道党员' });
  assert.equal((await setBase(admin, m.id, { kind: 'fixed', amountFen: 100, fromMonth: month(-1) })).status, 200);
  const p = await pay(admin, m.id, month(-1), 100);
  assert.equal(p.status, 201, p.text);
  assert.equal((await jd01.get(`/api/dues/members/${m.id}`)).status, 404);
  assert.equal((await setBase(jd01, m.id, { kind: 'student', fromMonth: month(0) })).status, 404);
  assert.equal((await pay(jd01, m.id, month(0), 100)).status, 404);
  assert.equal((await jd01.del(`/api/dues/payments/${p.json.id}`, { reason: '越权' })).status, 404);
  for (const r of ['summary', 'arrears', 'flagged', 'export'])
    assertError(await jd01.get(`/api/dues/${r}?orgId=${street2.id}`), 400, { field: 'orgId' });
  const own = await jd01.ok('/api/dues/summary');
  assert.equal(own.orgId, street1.id);
  assert.ok(!JSON.stringify(own).includes('外街道'));
});
