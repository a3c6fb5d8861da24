// dues.owed 欠交党费 over HTTP, on SQLite and PostgreSQL (issue 5 item 2, docs/rollup.md): a
// payment, an exemption, a base change and a member moved at a branch change the figure at once at
// the branch, community, street and district by exactly what the ledger rules say; after a random
// mix of such changes `zugong rollup check` finds no difference and every cell of every level
// equals its records and the branch books counted by another path (GET /api/dues/arrears and
// /api/dues/flagged, which read each member's ledger through load()).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs } from '../lib/client.mjs';
import { children, memberBody, idNumber, today } from '../lib/fixtures.mjs';

let srv;
let admin;
let s1;
let s2;
let c1;
let c2;
let b1;
let b2;

const qs = (o) => '?' + new URLSearchParams(o).toString();
const year = Number(today().slice(0, 4));
const PERIOD = { period: 'year', year }; // as of today

/** The month `delta` months from this one (Asia/Shanghai), as YYYY-MM. */
function month(delta = 0) {
  const [y, m] = today().split('-').map(Number);
  const n = y * 12 + m - 1 + delta;
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
}

/** {owing: {count, amountFen}, flagged: {count, amountFen}} of dues.owed at `orgId`, as of today. */
async function owed(orgId) {
  const page = await admin.ok('/api/figures' + qs({ orgId, ...PERIOD, group: 'dues.owed' }));
  const out = {};
  for (const g of page.groups)
    for (const f of g.figures) if (f.key === 'dues.owed') for (const c of f.cells) out[c.key] = { count: c.count, amountFen: c.amountFen };
  assert.ok(out.owing && out.flagged, JSON.stringify(page));
  return out;
}

// Every cell equals its records, and the branch books of another code path: the arrears through
// last month (the current month is still payable) and the flagged list.
async function assertExact(orgId) {
  const now = await owed(orgId);
  for (const cell of ['owing', 'flagged']) {
    const r = await admin.ok('/api/figures/records' + qs({ orgId, ...PERIOD, figure: 'dues.owed', cell, pageSize: 1 }));
    assert.equal(now[cell].count, r.total, `${cell} at org ${orgId}`);
    assert.equal(now[cell].amountFen, r.amountFen, `${cell} amount at org ${orgId}`);
  }
  const arrears = await admin.ok('/api/dues/arrears' + qs({ orgId, month: month(-1) }));
  assert.equal(now.owing.count, arrears.items.length, `owing vs arrears at org ${orgId}`);
  assert.equal(now.owing.amountFen, arrears.owedFen, `owing amount vs arrears at org ${orgId}`);
  const flagged = await admin.ok('/api/dues/flagged' + qs({ orgId }));
  const owedOf = new Map(arrears.items.map((x) => [x.memberId ?? x.id, x.owedFen]));
  assert.equal(now.flagged.count, flagged.items.length, `flagged vs list at org ${orgId}`);
  const flaggedFen = flagged.items.reduce((s, x) => s + owedOf.get(x.memberId ?? x.id), 0);
  assert.equal(now.flagged.amountFen, flaggedFen, `flagged amount vs list at org ${orgId}`);
}

async function mkOrg(parentId, name, kind) {
  const r = await admin.post('/api/orgs', { parentId, name, kind, foundedOn: '2000-01-01' });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

/** A member at `orgId` owing a fixed 150 fen a month from `months` months ago. */
async function newMember(orgId, months, birth = '1980-05-17') {
  const r = await admin.post('/api/members', memberBody(orgId, { idNumber: idNumber({ birth }), joinedOn: '2015-07-01', fullOn: '2016-07-01' }));
  assert.equal(r.status, 201, r.text);
  const base = await admin.put(`/api/dues/members/${r.json.id}/base`, { kind: 'fixed', amountFen: 150, fromMonth: month(-months) });
  assert.equal(base.status, 200, base.text);
  return r.json.id;
}

const pay = (memberId, m, amountFen = 150) => admin.post('/api/dues/payments', { memberId, month: m, amountFen, paidOn: today() });

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  const streets = await children(admin, 1);
  s1 = streets[0].id;
  s2 = streets[1].id;
  c1 = await mkOrg(s1, '欠费汇总甲社区党委', 'committee');
  c2 = await mkOrg(s2, '欠费汇总乙社区党委', 'committee');
  b1 = await mkOrg(c1, '欠费汇总第一党支部', 'branch');
  b2 = await mkOrg(c2, '欠费汇总第二党支部', 'branch');
});
after(async () => {
  await srv?.stop();
});

test('a payment, an exemption, a base change and a move at a branch change dues.owed at every level at once', async () => {
  const up = [b1, c1, s1, 1];
  const other = [b2, c2, s2];
  const snap = async (orgs) => Object.fromEntries(await Promise.all(orgs.map(async (o) => [o, await owed(o)])));
  const expect = async (before, orgs, d) => {
    for (const o of orgs) {
      const now = await owed(o);
      for (const cell of ['owing', 'flagged']) {
        assert.equal(now[cell].count, before[o][cell].count + (d[cell]?.count ?? 0), `${cell} count at org ${o} ${JSON.stringify(d)}`);
        assert.equal(now[cell].amountFen, before[o][cell].amountFen + (d[cell]?.fen ?? 0), `${cell} fen at org ${o} ${JSON.stringify(d)}`);
      }
      await assertExact(o);
    }
  };

  let base = await snap([...up, ...other]);
  // Three unpaid months (−3, −2, −1; this month is still payable): owing +1, 450 fen.
  const a = await newMember(b1, 3);
  await expect(base, up, { owing: { count: 1, fen: 450 } });
  await expect(base, other, {});

  // Paid for last month: 150 fen less, still owing.
  base = await snap(up);
  const p = await pay(a, month(-1));
  assert.equal(p.status, 201, p.text);
  await expect(base, up, { owing: { fen: -150 } });

  // Eight unpaid months: owing and flagged (≥ 6 in a row), 1200 fen in both cells.
  base = await snap(up);
  const b = await newMember(b1, 8, '1975-03-03');
  await expect(base, up, { owing: { count: 1, fen: 1200 }, flagged: { count: 1, fen: 1200 } });

  // A reason recorded for last month ends the run: off the flagged cell; the due is still owed.
  base = await snap(up);
  const ex = await admin.post('/api/dues/exemptions', { memberId: b, fromMonth: month(-1), toMonth: month(-1), reason: '长期住院' });
  assert.equal(ex.status, 201, ex.text);
  await expect(base, up, { flagged: { count: -1, fen: -1200 } });

  // A new base of 300 fen from two months ago for a: month −2 now owes 300 (−1 was paid at 150).
  base = await snap(up);
  const nb = await admin.put(`/api/dues/members/${a}/base`, { kind: 'fixed', amountFen: 300, fromMonth: month(-2) });
  assert.equal(nb.status, 200, nb.text);
  await expect(base, up, { owing: { fen: 150 } });

  // a (owing 150 + 300) moves to the other street: it leaves b1, c1, s1 and arrives at b2, c2, s2; the
  // district is unchanged.
  base = await snap([...up, ...other]);
  const mv = await admin.post(`/api/members/${a}/move`, { orgId: b2 });
  assert.equal(mv.status, 200, mv.text);
  await expect(base, [b1, c1, s1], { owing: { count: -1, fen: -450 } });
  await expect(base, other, { owing: { count: 1, fen: 450 } });
  await expect(base, [1], {});

  // Paying the last owed months takes a off the figure everywhere.
  base = await snap([...other, 1]);
  assert.equal((await pay(a, month(-3))).status, 201);
  assert.equal((await pay(a, month(-2), 300)).status, 201);
  await expect(base, [...other, 1], { owing: { count: -1, fen: -450 } });
});

test('after a random mix of payments, exemptions, base changes and moves every cell equals its records and rollup check finds no difference', async () => {
  let seed = 20261207;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor(seed / 65536) % n; // the high bits: the low ones of this generator cycle fast
  };
  const branches = [b1, b2, await mkOrg(c1, '欠费随机支部甲', 'branch'), await mkOrg(c2, '欠费随机支部乙', 'branch')];
  const members = [];
  for (let i = 0; i < 10; i++) members.push(await newMember(branches[rnd(branches.length)], 2 + rnd(9), `19${60 + i}-0${1 + (i % 9)}-1${i}`));
  const payments = [];
  const amount = new Map(members.map((m) => [m, 150]));
  const done = { pay: 0, unpay: 0, exempt: 0, base: 0, move: 0 };
  for (let step = 0; step < 40; step++) {
    const op = rnd(6);
    const m = members[rnd(members.length)];
    if (op <= 1) {
      const r = await pay(m, month(-1 - rnd(5)), amount.get(m));
      if (r.status === 201) payments.push(r.json.id), done.pay++;
    } else if (op === 2 && payments.length) {
      const r = await admin.del(`/api/dues/payments/${payments.splice(rnd(payments.length), 1)[0]}`, { reason: '录入错误' });
      if (r.status === 200) done.unpay++;
    } else if (op === 3) {
      const x = month(-1 - rnd(6));
      const r = await admin.post('/api/dues/exemptions', { memberId: m, fromMonth: x, toMonth: x, reason: '外出务工' });
      if (r.status === 201) done.exempt++;
    } else if (op === 4) {
      // From this month (a correction of the current base) or last month: the amount of the later
      // payments follows the base (a payment must equal the month's due).
      const fen = 100 + 50 * rnd(5);
      const r = await admin.put(`/api/dues/members/${m}/base`, { kind: 'fixed', amountFen: fen, fromMonth: month(-rnd(2)) });
      if (r.status === 200) amount.set(m, fen), done.base++;
    } else {
      const r = await admin.post(`/api/members/${m}/move`, { orgId: branches[rnd(branches.length)] });
      if (r.status === 200) done.move++;
    }
  }
  for (const [k, n] of Object.entries(done)) assert.ok(n >= 1, `no ${k} took effect: ${JSON.stringify(done)}`);
  const check = srv.cli(['rollup', 'check']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /^0 difference\(s\)$/m);
  for (const o of [...branches, c1, c2, s1, s2, 1]) await assertExact(o);
});
