// Live roll-ups of the figures page (migration 0016, docs/rollup.md) over HTTP, on SQLite and
// PostgreSQL: a dues payment and a member's birth date changed at a branch show at the branch,
// community, street and district at once; whole months, partial months and the age bands equal the
// records behind each cell (counted from the base tables); after a random mix of moves, merges, an
// organization move, an import, deletions and dues payments, `zugong rollup check` finds every
// aggregate equal to a full recount.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs } from '../lib/client.mjs';
import { children, memberBody, idNumber, phone, csv, waitJob, today } from '../lib/fixtures.mjs';

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

/** The month `delta` months from this one (Asia/Shanghai), as YYYY-MM. */
function month(delta = 0) {
  const [y, m] = today().split('-').map(Number);
  const n = y * 12 + m - 1 + delta;
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
}

// The cells of the rolled figures: {"dues.collected/all": {count, amountFen}, "members.by_age/gt70": …}.
const ROLLED = ['dues.collected', 'members.by_age'];
async function cells(orgId, period = { period: 'year', year }) {
  const page = await admin.ok('/api/figures' + qs({ orgId, ...period }));
  const out = {};
  for (const g of page.groups)
    for (const f of g.figures)
      if (ROLLED.includes(f.key)) for (const c of f.cells) out[`${f.key}/${c.key}`] = { count: c.count, amountFen: c.amountFen ?? null };
  return out;
}
const count = (c, key) => c[key]?.count ?? 0;
const fen = (c, key) => c[key]?.amountFen ?? 0;

// Every rolled cell equals the records behind it (the base tables' count and sum).
async function assertRecords(orgId, period) {
  const now = await cells(orgId, period);
  for (const [key, v] of Object.entries(now)) {
    const [figure, cell] = key.split('/');
    const r = await admin.ok('/api/figures/records' + qs({ orgId, ...period, figure, cell, pageSize: 1 }));
    assert.equal(v.count, r.total, `${key} at org ${orgId} ${JSON.stringify(period)}`);
    if (v.amountFen !== null) assert.equal(v.amountFen, r.amountFen, `${key} amount at org ${orgId} ${JSON.stringify(period)}`);
  }
}

async function mkOrg(parentId, name, kind) {
  const r = await admin.post('/api/orgs', { parentId, name, kind, foundedOn: '2000-01-01' });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

async function newMember(orgId, birth, over = {}) {
  const r = await admin.post('/api/members', memberBody(orgId, { idNumber: idNumber({ birth }), joinedOn: '2020-07-01', fullOn: '2021-07-01', ...over }));
  assert.equal(r.status, 201, r.text);
  const base = await admin.put(`/api/dues/members/${r.json.id}/base`, { kind: 'fixed', amountFen: 150, fromMonth: month(-5) });
  assert.equal(base.status, 200, base.text);
  return r.json;
}

function pay(memberId, m, paidOn = today()) {
  return admin.post('/api/dues/payments', { memberId, month: m, amountFen: 150, paidOn });
}

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  const streets = await children(admin, 1);
  s1 = streets[0].id;
  s2 = streets[1].id;
  c1 = await mkOrg(s1, '统计汇总甲社区党委', 'committee');
  c2 = await mkOrg(s2, '统计汇总乙社区党委', 'committee');
  b1 = await mkOrg(c1, '统计汇总第一党支部', 'branch');
  b2 = await mkOrg(c2, '统计汇总第二党支部', 'branch');
});
after(async () => {
  await srv?.stop();
});

test('a dues payment and a birth date at a branch show at every level above at once', async () => {
  const levels = [b1, c1, s1, 1];
  const thisMonth = { period: 'month', month: month(0) };
  const m = await newMember(b1, '1990-05-10');
  const before = {};
  const beforeMonth = {};
  for (const o of levels) (before[o] = await cells(o)), (beforeMonth[o] = await cells(o, thisMonth));

  // Paid for this month and back for the last one: collected +2 (+300 fen), current +1, back +1.
  const p1 = await pay(m.id, month(0));
  assert.equal(p1.status, 201, p1.text);
  const p2 = await pay(m.id, month(-1));
  assert.equal(p2.status, 201, p2.text);
  for (const o of levels)
    for (const [b, period] of [[before[o], { period: 'year', year }], [beforeMonth[o], thisMonth]]) {
      const now = await cells(o, period);
      assert.equal(count(now, 'dues.collected/all'), count(b, 'dues.collected/all') + 2, `org ${o}`);
      assert.equal(fen(now, 'dues.collected/all'), fen(b, 'dues.collected/all') + 300, `org ${o}`);
      assert.equal(count(now, 'dues.collected/current'), count(b, 'dues.collected/current') + 1, `org ${o}`);
      assert.equal(count(now, 'dues.collected/back'), count(b, 'dues.collected/back') + 1, `org ${o}`);
      assert.equal(fen(now, 'dues.collected/back'), fen(b, 'dues.collected/back') + 150, `org ${o}`);
    }
  // The other street does not see it.
  const other = await cells(s2);
  const del = await admin.del(`/api/dues/payments/${p2.json.id}`, { reason: '录入错误' });
  assert.equal(del.status, 200, del.text);
  for (const o of levels) assert.equal(count(await cells(o), 'dues.collected/back'), count(before[o], 'dues.collected/back'), `org ${o}`);
  assert.deepEqual(await cells(s2), other);

  // Born in 1990: 31–40 (default bands 30,40,50,60,70); corrected to 1950: over 70, at every level.
  const cur = await admin.ok(`/api/members/${m.id}`);
  const u = await admin.put(`/api/members/${m.id}`, {
    name: cur.name,
    idNumber: idNumber({ birth: '1950-02-02' }),
    category: cur.category,
    joinedOn: cur.joinedOn,
    fullOn: cur.fullOn,
    version: cur.version,
  });
  assert.equal(u.status, 200, u.text);
  for (const o of levels) {
    const now = await cells(o);
    assert.equal(count(now, 'members.by_age/31-40'), count(before[o], 'members.by_age/31-40') - 1, `org ${o}`);
    assert.equal(count(now, 'members.by_age/gt70'), count(before[o], 'members.by_age/gt70') + 1, `org ${o}`);
  }
});

test('the age bands\' edge months, partial months and whole months equal the records behind each cell', async () => {
  // Members born exactly on the band edges (today 31 years ago is "≤30"'s first excluded day …)
  // and a day either side, each paying in a different way.
  const t = today();
  const edge = (years, days) => {
    const d = new Date(`${Number(t.slice(0, 4)) - years}${t.slice(4)}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  };
  for (const [years, days] of [[31, 0], [31, 1], [31, -1], [41, 0], [71, 1], [71, -1]]) {
    const m = await newMember(b2, edge(years, days));
    const r = await pay(m.id, month(days + 1 - 2)); // back, current or advance
    assert.equal(r.status, 201, r.text);
  }
  const periods = [
    { period: 'year', year },
    { period: 'month', month: month(0) },
    { period: 'quarter', year, quarter: Math.floor((Number(month(0).slice(5)) - 1) / 3) + 1 },
    { period: 'custom', from: `${month(-4)}-15`, to: `${month(0)}-20` }, // two partial months, three whole
    { period: 'custom', from: `${month(0)}-02`, to: `${month(1)}-01` }, // one partial month
    { period: 'custom', from: `${month(-1)}-01`, to: `${month(1)}-01` }, // whole months only
  ];
  for (const o of [b2, c2, s2, 1]) for (const p of periods) await assertRecords(o, p);
});

test('after a random mix of moves, merges, an organization move, an import, deletions and dues payments every aggregate equals a full recount', async () => {
  let seed = 20261206;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const branches = [b1, b2];
  for (let i = 0; i < 4; i++) branches.push(await mkOrg(i % 2 ? c2 : c1, `统计随机支部${i}`, 'branch'));
  const members = [];
  for (let i = 0; i < 12; i++) members.push((await newMember(branches[rnd(branches.length)], `19${55 + i * 3}-0${1 + (i % 9)}-1${i % 10}`)).id);
  // An import of three rows into a branch of its own.
  const ib = await mkOrg(c1, '统计汇总导入党支部', 'branch');
  branches.push(ib);
  const rows = [['姓名', '公民身份证号', '人员类别', '所在党支部', '加入党组织日期', '转为正式党员日期', '联系电话', '学历']];
  for (let i = 0; i < 3; i++)
    rows.push([`统计导入${i}`, idNumber({ birth: `197${i}-08-2${i}` }), '正式党员', '统计汇总导入党支部', '2008-07-01', '2009-07-01', phone(), '高中']);
  const up = await admin.request('POST', `/api/members/import?mode=all_or_nothing&fileName=m.csv`, {
    body: Buffer.from(csv(rows)),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(up.status, 202, up.text);
  assert.equal((await waitJob(admin, up.json.jobId)).status, 'done');

  const payments = [];
  const done = { pay: 0, unpay: 0, move: 0, delete: 0, merge: 0, birth: 0, orgMove: 0 };
  for (let step = 0; step < 40; step++) {
    const op = rnd(7);
    const m = members[rnd(members.length)];
    if (op <= 1) {
      const r = await pay(m, month(-rnd(5)));
      if (r.status === 201) payments.push(r.json.id), done.pay++;
    } else if (op === 2 && payments.length) {
      const r = await admin.del(`/api/dues/payments/${payments.splice(rnd(payments.length), 1)[0]}`, { reason: '录入错误' });
      if (r.status === 200) done.unpay++;
    } else if (op === 3) {
      const r = await admin.post(`/api/members/${m}/move`, { orgId: branches[rnd(branches.length)] });
      if (r.status === 200) done.move++;
    } else if (op === 4 && step % 3 === 0) {
      const r = await admin.del(`/api/members/${m}`, { reason: '出党' });
      assert.equal(r.status, 200, r.text);
      members.splice(members.indexOf(m), 1);
      done.delete++;
    } else if (op === 4 && branches.length > 4) {
      const from = branches.splice(2 + rnd(branches.length - 2), 1)[0];
      const r = await admin.post(`/api/orgs/${from}/merge`, { intoId: branches[rnd(branches.length)] });
      assert.equal(r.status, 200, r.text);
      done.merge++;
    } else if (op === 5) {
      const cur = await admin.ok(`/api/members/${m}`);
      if (cur.active) {
        const r = await admin.put(`/api/members/${m}`, {
          name: cur.name,
          idNumber: idNumber({ birth: `19${50 + rnd(50)}-0${1 + rnd(9)}-1${rnd(10)}` }),
          category: cur.category,
          joinedOn: cur.joinedOn,
          fullOn: cur.fullOn,
          version: cur.version,
        });
        assert.equal(r.status, 200, r.text);
        done.birth++;
      }
    } else {
      // A committee with its branches (and their dues books) moves to the other street.
      const [from, to] = done.orgMove % 2 ? [c2, s1] : [c1, s2];
      const r = await admin.post(`/api/orgs/${from}/move`, { parentId: to });
      if (r.status === 200) done.orgMove++;
    }
  }
  for (const [k, n] of Object.entries(done)) assert.ok(n >= 1, `no ${k} took effect: ${JSON.stringify(done)}`);
  const check = srv.cli(['rollup', 'check']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /^0 difference\(s\)$/m);
  for (const o of [1, s1, s2, c1, c2]) await assertRecords(o, { period: 'year', year });
});
