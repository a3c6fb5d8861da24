// Live roll-ups over HTTP (SQLite and PostgreSQL): a member added at a branch, edited, moved to the
// other street and removed shows at the branch, community, street and district at once; after a
// random mix of creations, moves, merges, splits, an import and removals, `zugong rollup check`
// finds every aggregate equal to a full recount, and each street's figures add up to its list.
import { test, before, after } from 'node:test';
import { spawnSync } from 'node:child_process';
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

const year = Number(today().slice(0, 4));
const qs = (o) => '?' + new URLSearchParams(o).toString();

// The members figures of one organization as of today: {"members.by_category/full": n, …}.
async function figures(orgId) {
  const page = await admin.ok('/api/figures' + qs({ orgId, period: 'year', year }));
  const out = {};
  for (const g of page.groups)
    for (const f of g.figures)
      if (f.key.startsWith('members.')) for (const c of f.cells) out[`${f.key}/${c.key}`] = c.count;
  return out;
}
const val = (cells, key) => cells[key] ?? 0;

async function mkOrg(parentId, name, kind) {
  const r = await admin.post('/api/orgs', { parentId, name, kind, foundedOn: '2000-01-01' });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  const streets = await children(admin, 1);
  s1 = streets[0].id;
  s2 = streets[1].id;
  c1 = await mkOrg(s1, '汇总测试甲社区党委', 'committee');
  c2 = await mkOrg(s2, '汇总测试乙社区党委', 'committee');
  b1 = await mkOrg(c1, '汇总测试第一党支部', 'branch');
  b2 = await mkOrg(c2, '汇总测试第二党支部', 'branch');
});
after(async () => {
  await srv?.stop();
});

test('a change at a branch shows at every level above at once', async () => {
  const levels1 = [b1, c1, s1, 1];
  const levels2 = [b2, c2, s2];
  const before = {};
  for (const o of [...levels1, ...levels2]) before[o] = await figures(o);

  // Added: a full member with 研究生 who joined in the 1990s.
  const r = await admin.post(
    '/api/members',
    memberBody(b1, { education: '研究生', joinedOn: '1999-07-01', fullOn: '2000-07-01', idNumber: idNumber({ birth: '1975-04-03' }) }),
  );
  assert.equal(r.status, 201, r.text);
  const m = r.json;
  for (const o of levels1) {
    const now = await figures(o);
    assert.equal(val(now, 'members.by_category/full'), val(before[o], 'members.by_category/full') + 1, `org ${o}`);
    assert.equal(val(now, 'members.by_education/研究生'), val(before[o], 'members.by_education/研究生') + 1, `org ${o}`);
    assert.equal(val(now, 'members.by_joining_decade/1990s'), val(before[o], 'members.by_joining_decade/1990s') + 1, `org ${o}`);
  }

  // Edited: probationary, 大学专科 — full back, probationary +1 at every level.
  const cur = await admin.ok(`/api/members/${m.id}`);
  const u = await admin.put(`/api/members/${m.id}`, {
    name: cur.name,
    category: 'probationary',
    education: '大学专科',
    joinedOn: cur.joinedOn,
    version: cur.version,
  });
  assert.equal(u.status, 200, u.text);
  for (const o of levels1) {
    const now = await figures(o);
    assert.equal(val(now, 'members.by_category/full'), val(before[o], 'members.by_category/full'), `org ${o}`);
    assert.equal(val(now, 'members.by_category/probationary'), val(before[o], 'members.by_category/probationary') + 1, `org ${o}`);
    assert.equal(val(now, 'members.by_education/研究生'), val(before[o], 'members.by_education/研究生'), `org ${o}`);
    assert.equal(val(now, 'members.by_education/大学专科'), val(before[o], 'members.by_education/大学专科') + 1, `org ${o}`);
  }

  // Moved to the other street: street 1's levels as before, street 2's +1, the district unchanged.
  const district = await figures(1);
  const mv = await admin.post(`/api/members/${m.id}/move`, { orgId: b2 });
  assert.equal(mv.status, 200, mv.text);
  for (const o of [b1, c1, s1]) assert.deepEqual(await figures(o), before[o], `org ${o}`);
  for (const o of levels2) {
    const now = await figures(o);
    assert.equal(val(now, 'members.by_category/probationary'), val(before[o], 'members.by_category/probationary') + 1, `org ${o}`);
    assert.equal(val(now, 'members.by_education/大学专科'), val(before[o], 'members.by_education/大学专科') + 1, `org ${o}`);
  }
  assert.deepEqual(await figures(1), district);

  // Removed: every level back to where it started.
  const del = await admin.del(`/api/members/${m.id}`, { reason: '去世' });
  assert.equal(del.status, 200, del.text);
  for (const o of [...levels1, ...levels2]) assert.deepEqual(await figures(o), before[o], `org ${o}`);
});

test('after a random mix of moves, merges, splits, an import and removals every aggregate equals a full recount', async () => {
  let seed = 20260623;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const branches = [b1, b2];
  for (let i = 0; i < 4; i++) branches.push(await mkOrg(i % 2 ? c2 : c1, `汇总随机支部${i}`, 'branch'));
  const members = [];
  const eds = ['研究生', '大学本科', '高中', '初中及以下'];
  for (let i = 0; i < 16; i++) {
    const r = await admin.post(
      '/api/members',
      memberBody(branches[rnd(branches.length)], {
        name: `汇总${i}`,
        idNumber: idNumber({ birth: `19${60 + i}-03-0${1 + (i % 9)}` }),
        education: eds[rnd(eds.length)],
        category: i % 3 ? 'full' : 'probationary',
        fullOn: i % 3 ? '2006-07-01' : undefined,
      }),
    );
    assert.equal(r.status, 201, r.text);
    members.push(r.json.id);
  }
  // An import of three rows into a branch of its own.
  const ib = await mkOrg(c1, '汇总导入党支部', 'branch');
  branches.push(ib);
  const rows = [['姓名', '公民身份证号', '人员类别', '所在党支部', '加入党组织日期', '转为正式党员日期', '联系电话', '学历']];
  for (let i = 0; i < 3; i++)
    rows.push([`导入${i}`, idNumber({ birth: `198${i}-06-11` }), '正式党员', '汇总导入党支部', '2008-07-01', '2009-07-01', phone(), '高中']);
  const up = await admin.request('POST', `/api/members/import?mode=all_or_nothing&fileName=m.csv`, {
    body: Buffer.from(csv(rows)),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(up.status, 202, up.text);
  const job = await waitJob(admin, up.json.jobId);
  assert.equal(job.status, 'done', JSON.stringify(job));
  let ops = 0;
  const done = { move: 0, delete: 0, merge: 0, split: 0, edit: 0 };
  for (let step = 0; step < 24; step++) {
    const op = rnd(5);
    const m = members[rnd(members.length)];
    if (op === 0) {
      const r = await admin.post(`/api/members/${m}/move`, { orgId: branches[rnd(branches.length)] });
      if (r.status === 200) ops++, done.move++;
    } else if (op === 1) {
      const r = await admin.del(`/api/members/${m}`, { reason: '出党' });
      if (r.status === 200) ops++, done.delete++;
    } else if (op === 2 && branches.length > 3) {
      const from = branches.splice(2 + rnd(branches.length - 2), 1)[0];
      const r = await admin.post(`/api/orgs/${from}/merge`, { intoId: branches[rnd(branches.length)] });
      assert.equal(r.status, 200, r.text);
      ops++, done.merge++;
    } else if (op === 3) {
      const b = branches[rnd(branches.length)];
      const list = await admin.ok(`/api/members?orgId=${b}&pageSize=50`);
      const ids = list.items.slice(0, 2).map((x) => x.id);
      if (ids.length) {
        const r = await admin.post(`/api/orgs/${b}/split`, { parts: [{ name: `汇总拆分${step}`, memberIds: ids }] });
        assert.equal(r.status, 201, r.text);
        branches.push(r.json.parts[0].id);
        ops++, done.split++;
      }
    } else {
      const cur = await admin.ok(`/api/members/${m}`);
      if (cur.active) {
        const r = await admin.put(`/api/members/${m}`, {
          name: cur.name,
          category: cur.category === 'full' ? 'probationary' : 'full',
          fullOn: cur.category === 'full' ? undefined : '2006-07-01',
          education: eds[rnd(eds.length)],
          joinedOn: cur.joinedOn,
          version: cur.version,
        });
        assert.equal(r.status, 200, r.text);
        ops++, done.edit++;
      }
    }
  }
  assert.ok(ops >= 10, `only ${ops} operations took effect`);
  for (const [k, n] of Object.entries(done)) assert.ok(n >= 1, `no ${k} took effect: ${JSON.stringify(done)}`);
  const check = srv.cli(['rollup', 'check']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /^0 difference\(s\)$/m);
  // Each level's categories add up to the members listed there (a count from the base tables).
  for (const o of [1, s1, s2, c1, c2]) {
    const f = await figures(o);
    const list = await admin.ok(`/api/members?orgId=${o}&pageSize=1`);
    assert.equal(val(f, 'members.by_category/full') + val(f, 'members.by_category/probationary'), list.total, `org ${o}`);
  }
});

test('?group=members answers the members figures only, with the same cells as the whole page', async () => {
  const page = await admin.ok('/api/figures' + qs({ orgId: s1, period: 'year', year, group: 'members' }));
  const keys = page.groups.flatMap((g) => g.figures.map((f) => f.key));
  assert.deepEqual(keys, ['members.by_category', 'members.by_status', 'members.by_age', 'members.by_education', 'members.by_joining_decade']);
  const part = {};
  for (const g of page.groups) for (const f of g.figures) for (const c of f.cells) part[`${f.key}/${c.key}`] = c.count;
  assert.deepEqual(part, await figures(s1));
  const one = await admin.ok('/api/figures' + qs({ orgId: s1, period: 'year', year, group: 'members.by_status' }));
  assert.deepEqual(one.groups.flatMap((g) => g.figures.map((f) => f.key)), ['members.by_status']);
});

test('rollup check reports a damaged aggregate and rebuild repairs it', async () => {
  const bumped = `INSERT INTO org_counts(org_id, metric, k, n) VALUES (${b1}, 'members.education', '研究生', 5) ON CONFLICT (org_id, metric, k) DO UPDATE SET n = org_counts.n + 5`;
  const r0 =
    srv.backend === 'postgres'
      ? spawnSync('psql', [srv.db, '-v', 'ON_ERROR_STOP=1', '-qc', bumped], { encoding: 'utf8' })
      : spawnSync('sqlite3', [srv.db, bumped], { encoding: 'utf8' });
  assert.equal(r0.status, 0, r0.stderr);
  const bad = srv.cli(['rollup', 'check']);
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, new RegExp(`^org ${b1} members\\.education \\[研究生\\] stored \\d+ counted \\d+$`, 'm'));
  assert.match(bad.stdout, /^1 difference\(s\)$/m);
  const r = srv.cli(['rollup', 'rebuild']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^rebuilt \d+ roll-up rows$/m);
  const c = srv.cli(['rollup', 'check']);
  assert.equal(c.code, 0, c.stdout);
  assert.match(c.stdout, /^0 difference\(s\)$/m);
});
