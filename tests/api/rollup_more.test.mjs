// More figures on the live roll-ups (R4, migration 0021; docs/rollup.md) over HTTP, on SQLite and
// PostgreSQL: a mobility record opened, dated ahead, edited and closed at a branch shows at once
// in mobile.members and members.by_status "mobile" at the branch, community, street and district,
// each cell equal to its records; after a random mix of openings, closings, member moves,
// removals, merges and raw-SQL deletions `zugong rollup check` finds no difference.
// (transfer.*, pipeline, marks and evaluation still count from the base tables: docs/rollup.md,
// "Not (yet) on the roll-ups".)
import { test, before, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs } from '../lib/client.mjs';
import { children, memberBody, idNumber, today } from '../lib/fixtures.mjs';

let srv;
let admin;
let s1;
let s2;
let c1;
let b1;
let b2;

const year = Number(today().slice(0, 4));
const qs = (o) => '?' + new URLSearchParams(o).toString();
const dayShift = (n) => {
  const d = new Date(today() + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};
const watched = [
  ['mobile.members', 'outflow'],
  ['mobile.members', 'inflow'],
  ['members.by_status', 'mobile'],
];

// The watched cells of one organization as of today, each checked against its records' total.
async function cells(orgId) {
  const q = { orgId, period: 'year', year };
  const page = await admin.ok('/api/figures' + qs(q));
  const out = {};
  for (const g of page.groups)
    for (const f of g.figures)
      for (const c of f.cells)
        if (watched.some(([k, cell]) => k === f.key && cell === c.key)) out[`${f.key}/${c.key}`] = c.count;
  for (const [figure, cell] of watched) {
    const key = `${figure}/${cell}`;
    out[key] ??= 0;
    const r = await admin.ok('/api/figures/records' + qs({ ...q, figure, cell, pageSize: 1 }));
    assert.equal(r.total, out[key], `org ${orgId} ${key}: cell equals its records`);
  }
  return out;
}

function rawSql(stmt) {
  const r =
    srv.backend === 'postgres'
      ? spawnSync('psql', [srv.db, '-v', 'ON_ERROR_STOP=1', '-qc', stmt], { encoding: 'utf8' })
      : spawnSync('sqlite3', [srv.db, stmt], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}
function rollupCheck() {
  const check = srv.cli(['rollup', 'check']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /^0 difference\(s\)$/m);
}

async function mkOrg(parentId, name, kind) {
  const r = await admin.post('/api/orgs', { parentId, name, kind, foundedOn: '2000-01-01' });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}
let seq = 0;
async function mkMember(orgId) {
  seq += 1;
  const r = await admin.post('/api/members', memberBody(orgId, { name: `流动汇总${seq}`, idNumber: idNumber({ birth: `1985-0${1 + (seq % 9)}-1${seq % 10}` }) }));
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}
async function openRecord(memberId, direction, sinceDate) {
  const r = await admin.post('/api/mobile/records', { memberId, direction, place: '广东省深圳市南山区', sinceDate });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  const streets = await children(admin, 1);
  s1 = streets[0].id;
  s2 = streets[1].id;
  c1 = await mkOrg(s1, '流动汇总甲社区党委', 'committee');
  const c2 = await mkOrg(s2, '流动汇总乙社区党委', 'committee');
  b1 = await mkOrg(c1, '流动汇总第一党支部', 'branch');
  b2 = await mkOrg(c2, '流动汇总第二党支部', 'branch');
});
after(async () => {
  await srv?.stop();
});

test('a mobility record at a branch shows at every level above at once, equal to its records', async () => {
  const up = [b1, c1, s1, 1];
  const m = await mkMember(b1);
  const m2 = await mkMember(b1);
  const base = {};
  for (const o of up) base[o] = await cells(o);
  const expect = async (delta, why) => {
    for (const o of up) {
      const now = await cells(o);
      for (const [k, d] of Object.entries(delta)) assert.equal(now[k], base[o][k] + d, `org ${o} ${k}: ${why}`);
    }
  };

  const rec = await openRecord(m, 'outflow', dayShift(-30));
  await expect({ 'mobile.members/outflow': 1, 'mobile.members/inflow': 0, 'members.by_status/mobile': 1 }, 'outflow opened');
  const rin = await openRecord(m2, 'inflow', dayShift(-3));
  await expect({ 'mobile.members/outflow': 1, 'mobile.members/inflow': 1, 'members.by_status/mobile': 1 }, 'inflow opened');

  // Dated after today (a repair by SQL; the form refuses later dates): open in the aggregate, not
  // yet ongoing today (the correction).
  const later = await openRecord(m2, 'outflow', today());
  rawSql(`UPDATE mobility_records SET since_date = '${dayShift(5)}' WHERE id = ${later.id}`);
  await expect({ 'mobile.members/outflow': 1, 'mobile.members/inflow': 1, 'members.by_status/mobile': 1 }, 'starts later');
  // … and brought forward to today by an edit: now it counts.
  const ed = await admin.put(`/api/mobile/records/${later.id}`, { version: later.version, place: '上海市浦东新区', sinceDate: today() });
  assert.equal(ed.status, 200, ed.text);
  await expect({ 'mobile.members/outflow': 2, 'mobile.members/inflow': 1, 'members.by_status/mobile': 2 }, 'starts today');

  // Closed today: no longer ongoing anywhere above.
  const cl = await admin.post(`/api/mobile/records/${rec.id}/close`, { untilDate: today() });
  assert.equal(cl.status, 200, cl.text);
  await expect({ 'mobile.members/outflow': 1, 'mobile.members/inflow': 1, 'members.by_status/mobile': 1 }, 'closed');

  // Closed records still running after today (a repair by SQL): ongoing today, not in the aggregate.
  rawSql(`UPDATE mobility_records SET until_date = '${dayShift(10)}' WHERE id = ${rin.id}`);
  await expect({ 'mobile.members/outflow': 1, 'mobile.members/inflow': 1, 'members.by_status/mobile': 1 }, 'ends later');

  // The member moves to the other street: gone from every level of the first (not the district).
  const mv = await admin.post(`/api/members/${m2}/move`, { orgId: b2 });
  assert.equal(mv.status, 200, mv.text);
  for (const o of [b1, c1, s1]) {
    const now = await cells(o);
    assert.equal(now['mobile.members/outflow'], base[o]['mobile.members/outflow'], `org ${o}: moved away`);
    assert.equal(now['mobile.members/inflow'], base[o]['mobile.members/inflow'], `org ${o}: moved away`);
  }
  const d = await cells(1);
  assert.equal(d['mobile.members/outflow'], base[1]['mobile.members/outflow'] + 1, 'district keeps the moved member');
  rollupCheck();
});

test('after a random mix of changes rollup check finds every mobility aggregate equal to a recount', async () => {
  let seed = 20261206;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const branches = [b1, b2, await mkOrg(c1, '流动汇总第三党支部', 'branch'), await mkOrg(c1, '流动汇总第四党支部', 'branch')];
  const people = [];
  for (let i = 0; i < 10; i++) people.push(await mkMember(branches[i % branches.length]));
  const open = new Map(); // record id → { memberId, direction }
  const gone = new Set(); // members removed
  for (let step = 0; step < 40; step++) {
    const what = rnd(8);
    const alive = people.filter((p) => !gone.has(p));
    if (what <= 2) {
      const memberId = alive[rnd(alive.length)];
      const direction = rnd(2) ? 'outflow' : 'inflow';
      if ([...open.values()].some((r) => r.memberId === memberId && r.direction === direction)) continue;
      const r = await openRecord(memberId, direction, dayShift(-rnd(60)));
      open.set(r.id, { memberId, direction });
      if (rnd(4) === 0) rawSql(`UPDATE mobility_records SET since_date = '${dayShift(1 + rnd(9))}' WHERE id = ${r.id}`);
    } else if (what === 3 && open.size) {
      const id = [...open.keys()][rnd(open.size)];
      const r = await admin.post(`/api/mobile/records/${id}/close`, {});
      if (r.status === 200) open.delete(id); // a removed member's records stay as they were
    } else if (what === 4) {
      const m = alive[rnd(alive.length)];
      const r = await admin.post(`/api/members/${m}/move`, { orgId: branches[rnd(branches.length)] });
      assert.ok(r.status === 200 || r.status === 409, r.text);
    } else if (what === 7 && alive.length > 3) {
      // Removed with records still open: the placement closes, the records' keys leave with it.
      const m = alive[rnd(alive.length)];
      const r = await admin.del(`/api/members/${m}`, { reason: '出党' });
      if (r.status === 200) gone.add(m);
    } else if (what === 5 && open.size) {
      // A deletion no route offers (a repair): the record, its contacts and requests.
      const id = [...open.keys()][rnd(open.size)];
      rawSql(`DELETE FROM mobility_requests WHERE record_id = ${id}; DELETE FROM mobility_contacts WHERE record_id = ${id}; DELETE FROM mobility_records WHERE id = ${id}`);
      open.delete(id);
    } else if (what === 6 && branches.length > 2) {
      const from = branches.splice(2 + rnd(branches.length - 2), 1)[0];
      const r = await admin.post(`/api/orgs/${from}/merge`, { intoId: branches[rnd(branches.length)] });
      assert.equal(r.status, 200, r.text);
    }
  }
  rollupCheck();
  // Every street's cells still equal their records.
  for (const o of [s1, s2, 1]) await cells(o);
});

// The figures still counted from the base tables (docs/rollup.md, "Not (yet) on the roll-ups")
// keep the same promise, so moving them later can be checked by this test: a development
// applicant and a responsibility mark added at a branch show at once at every level above, each
// cell equal to its records.
test('a pipeline applicant and a mark at a branch show at every level above at once', async () => {
  const up = [b1, c1, s1, 1];
  const figureCells = async (orgId, figure) => {
    const q = { orgId, period: 'year', year };
    const page = await admin.ok('/api/figures' + qs(q));
    const out = {};
    for (const g of page.groups) for (const f of g.figures) if (f.key === figure) for (const c of f.cells) out[c.key] = c.count;
    for (const [cell, n] of Object.entries(out)) {
      const r = await admin.ok('/api/figures/records' + qs({ ...q, figure, cell, pageSize: 1 }));
      assert.equal(r.total, n, `org ${orgId} ${figure}/${cell}: cell equals its records`);
    }
    return out;
  };
  const changes = [
    ['pipeline.by_stage', 'applicant', async () => {
      const r = await admin.post('/api/pipeline/applicants', { name: '流动汇总申请人', idNumber: idNumber({ birth: '1996-05-17' }), orgId: b1, appliedOn: dayShift(-10) });
      assert.equal(r.status, 201, r.text);
    }],
    ['marks.by_kind', 'pioneer_post', async () => {
      const memberId = await mkMember(b1);
      const r = await admin.post('/api/marks', { memberId, kind: 'pioneer_post', title: '汇总先锋岗', fromDate: dayShift(-5) });
      assert.equal(r.status, 201, r.text);
    }],
  ];
  for (const [figure, cell, change] of changes) {
    const base = {};
    for (const o of up) base[o] = await figureCells(o, figure);
    await change();
    for (const o of up) {
      const now = await figureCells(o, figure);
      assert.equal(now[cell] ?? 0, (base[o][cell] ?? 0) + 1, `org ${o} ${figure}/${cell}`);
    }
  }
});
