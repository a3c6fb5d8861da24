// Live roll-ups over HTTP (SQLite and PostgreSQL): a member added at a branch, edited, moved to the
// other street and removed shows at the branch, community, street and district at once; after a
// random mix of creations, moves, merges, splits, an import and removals, `zugong rollup check`
// finds every aggregate equal to a full recount, and each street's figures add up to its list.
// The grid dashboard (migration 0015): a household added and made key, a contact assigned, a visit
// logged, a problem received and answered show at the community, street and district at once, the
// cards equal to the base-table lists; after a random mix of household moves, retags, contact
// changes, visits, problems (escalated, answered, rated), an import and raw-SQL deletions of
// households, visits and problems, `zugong rollup check` finds no difference.
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

// ---- the grid dashboard (households, visits, problems) ------------------------------------------

// Raw SQL on the test database (a repair or a deletion no route offers).
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
const dayShift = (n) => {
  const d = new Date(today() + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

let grid; // { cm, cm2, area, groups, area2, group2, members }
async function gridFixture() {
  if (grid) return grid;
  const mkCommunity = async (parentId, name) => {
    const r = await admin.post('/api/orgs', { parentId, name, kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
    assert.equal(r.status, 201, r.text);
    const b = await admin.post('/api/orgs', { parentId: r.json.id, name: name + '支部', kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' });
    assert.equal(b.status, 201, b.text);
    return { id: r.json.id, branch: b.json.id };
  };
  const cm = await mkCommunity(s1, '汇总网格甲社区党委');
  const cm2 = await mkCommunity(s2, '汇总网格乙社区党委');
  const members = [];
  for (let i = 0; i < 3; i++) {
    const m = await admin.post('/api/members', memberBody(i < 2 ? cm.branch : cm2.branch, { name: `汇总联户${i}`, idNumber: idNumber({ birth: `198${i}-02-0${i + 1}` }) }));
    assert.equal(m.status, 201, m.text);
    members.push(m.json);
  }
  const area = (await admin.post('/api/grid/areas', { orgId: cm.id, name: '汇总片区' })).json;
  const groups = [];
  for (const name of ['第1组', '第2组']) {
    const g = await admin.post('/api/grid/groups', { areaId: area.id, name });
    assert.equal(g.status, 201, g.text);
    groups.push(g.json);
  }
  const area2 = (await admin.post('/api/grid/areas', { orgId: cm2.id, name: '汇总乙片区' })).json;
  const group2 = (await admin.post('/api/grid/groups', { areaId: area2.id, name: '第1组' })).json;
  grid = { cm, cm2, area, groups, area2, group2, members };
  return grid;
}

let roomNo = 100;
async function addHousehold(groupId, tags = []) {
  const h = await admin.post('/api/grid/households', { groupId, building: '8', unit: '1', room: String(++roomNo), headName: `汇总户主${roomNo}`, tags });
  assert.equal(h.status, 201, h.text);
  return h.json;
}

const yearPeriod = { period: 'year', year };
async function dash(orgId, period = yearPeriod) {
  return admin.ok('/api/dashboard/grid' + qs({ ...period, orgId }));
}
// The numbers of one dashboard: the cards' counts and the current month's series.
function numbers(d) {
  const out = {};
  for (const [k, v] of Object.entries(d.kpis)) out[k] = v.count;
  const m = d.months.find((x) => x.month === today().slice(0, 7));
  out.monthVisits = m?.visits ?? 0;
  out.monthReceived = m?.received ?? 0;
  out.monthAnswered = m?.answered ?? 0;
  return out;
}
// The coverage cards against the base-table lists behind them (which never read the roll-ups).
async function expectCardsEqualLists(orgId) {
  const d = await dash(orgId);
  for (const [card, kind] of [['households', 'households'], ['key', 'key'], ['withContact', 'with_contact'], ['keyVisited', 'key_visited']]) {
    const r = await admin.ok('/api/figures/records' + qs({ ...yearPeriod, orgId, figure: 'grid.coverage', cell: kind, pageSize: 1 }));
    assert.equal(d.kpis[card].count, r.total, `org ${orgId} ${card}`);
  }
  for (const [card, fig, cell] of [['visits', 'grid.visits', 'all'], ['received', 'problems.flow', 'received'], ['answered', 'problems.flow', 'answered'], ['overdue', 'problems.flow', 'overdue']]) {
    const r = await admin.ok('/api/figures/records' + qs({ ...yearPeriod, orgId, figure: fig, cell, pageSize: 1 }));
    assert.equal(d.kpis[card].count, r.total, `org ${orgId} ${card}`);
  }
  // The by-child chart adds up to the cards.
  const sum = (k) => d.children.reduce((a, c) => a + c[k], 0);
  assert.equal(sum('households'), d.kpis.households.count, `org ${orgId} children households`);
  assert.equal(sum('key'), d.kpis.key.count, `org ${orgId} children key`);
  assert.equal(sum('withContact'), d.kpis.withContact.count, `org ${orgId} children withContact`);
  assert.equal(sum('keyVisited'), d.kpis.keyVisited.count, `org ${orgId} children keyVisited`);
}

test('grid dashboard: a change at a community shows at the street and the district at once', async () => {
  const g = await gridFixture();
  const levels = [g.cm.id, s1, 1];
  const snap = async () => Object.fromEntries(await Promise.all(levels.map(async (o) => [o, numbers(await dash(o))])));
  const expectDelta = async (base, delta, what) => {
    const now = await snap();
    for (const o of levels)
      for (const [k, v] of Object.entries(base[o])) assert.equal(now[o][k], v + (delta[k] ?? 0), `${what}: org ${o} ${k}`);
    // The other street does not move.
    return now;
  };
  const other = numbers(await dash(s2));
  let cur = await snap();

  const h = await addHousehold(g.groups[0].id, ['elderly_alone']);
  cur = await expectDelta(cur, { households: 1, key: 1 }, 'household added (key)');
  const plain = await addHousehold(g.groups[1].id);
  cur = await expectDelta(cur, { households: 1 }, 'household added');
  const hp = await admin.ok(`/api/grid/households/${plain.id}`);
  const mk = await admin.put(`/api/grid/households/${plain.id}`, { groupId: g.groups[1].id, building: hp.building, unit: hp.unit, room: hp.room, headName: hp.headName, tags: ['disabled'], version: hp.version });
  assert.equal(mk.status, 200, mk.text);
  cur = await expectDelta(cur, { key: 1 }, 'household made key');
  const as = await admin.post('/api/grid/assign', { householdIds: [h.id, plain.id], memberId: g.members[0].id });
  assert.equal(as.status, 200, as.text);
  cur = await expectDelta(cur, { withContact: 2 }, 'contact assigned');
  const v = await admin.post('/api/visits', { householdId: h.id, kind: 'home', note: '汇总走访' });
  assert.equal(v.status, 201, v.text);
  cur = await expectDelta(cur, { visits: 1, monthVisits: 1, keyVisited: 1 }, 'visit logged');
  const p = await admin.post('/api/problems', { source: 'hotline', kind: '其他', text: '汇总测试问题', reporterName: '居民', householdId: h.id });
  assert.equal(p.status, 201, p.text);
  cur = await expectDelta(cur, { received: 1, monthReceived: 1 }, 'problem received');
  const a = await admin.post(`/api/problems/${p.json.id}/answer`, { answer: '已处理' });
  assert.equal(a.status, 200, a.text);
  cur = await expectDelta(cur, { answered: 1, answerDays: 1, monthAnswered: 1 }, 'problem answered');
  const rel = await admin.post(`/api/grid/households/${plain.id}/release`, {});
  assert.equal(rel.status, 200, rel.text);
  cur = await expectDelta(cur, { withContact: -1 }, 'contact released');
  assert.deepEqual(numbers(await dash(s2)), other, 'the other street');
  for (const o of levels) await expectCardsEqualLists(o);
  rollupCheck();
});

test('grid dashboard: after a random mix of grid, visit and problem changes every aggregate equals a full recount', async () => {
  const g = await gridFixture();
  let seed = 20261206;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const tagSets = [[], ['elderly_alone'], ['disabled', 'new_arrival'], ['new_arrival'], ['difficulty']];
  const households = [];
  for (let i = 0; i < 8; i++) households.push((await addHousehold(g.groups[i % 2].id, tagSets[rnd(tagSets.length)])).id);
  for (let i = 0; i < 3; i++) households.push((await addHousehold(g.group2.id, tagSets[rnd(tagSets.length)])).id);
  // An import of three households.
  const rows = [['社区（村）', '片区', '联户小组', '幢（楼）', '单元', '室', '户主姓名', '联系电话', '标签']];
  for (let i = 0; i < 3; i++) rows.push(['汇总网格甲社区党委', '汇总片区', '第2组', '9', '1', String(301 + i), `导入户${i}`, '', i ? '独居老人' : '']);
  const up = await admin.request('POST', '/api/grid/households/import?mode=all_or_nothing&fileName=h.csv', {
    body: Buffer.from(csv(rows)),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(up.status, 202, up.text);
  const job = await waitJob(admin, up.json.jobId);
  assert.equal(job.status, 'done', JSON.stringify(job));
  const problems = [];
  const visits = [];
  const done = { move: 0, retag: 0, assign: 0, release: 0, visit: 0, problem: 0, answer: 0, escalate: 0, close: 0 };
  for (let step = 0; step < 40; step++) {
    const hid = households[rnd(households.length)];
    const h = await admin.ok(`/api/grid/households/${hid}`);
    const op = rnd(9);
    if (op === 0 && h.orgId === g.cm.id) {
      const r = await admin.put(`/api/grid/households/${hid}`, { groupId: g.groups[rnd(2)].id, building: h.building, unit: h.unit, room: h.room, headName: h.headName, tags: h.tagCodes, version: h.version });
      assert.equal(r.status, 200, r.text);
      done.move++;
    } else if (op === 1) {
      const r = await admin.put(`/api/grid/households/${hid}`, { groupId: h.groupId, building: h.building, unit: h.unit, room: h.room, headName: h.headName, tags: tagSets[rnd(tagSets.length)], version: h.version });
      assert.equal(r.status, 200, r.text);
      done.retag++;
    } else if (op === 2) {
      const memberId = h.orgId === g.cm.id ? g.members[rnd(2)].id : g.members[2].id;
      const r = await admin.post('/api/grid/assign', { householdIds: [hid], memberId });
      if (r.status === 200) done.assign++;
    } else if (op === 3) {
      const r = await admin.post(`/api/grid/households/${hid}/release`, {});
      if (r.status === 200) done.release++;
    } else if (op === 4 || op === 5) {
      const r = await admin.post('/api/visits', { householdId: hid, kind: ['home', 'phone', 'wechat'][rnd(3)], note: '随机走访', visitedOn: dayShift(-rnd(120)), ...(rnd(3) ? {} : { problems: '随机发现的问题' }) });
      assert.equal(r.status, 201, r.text);
      visits.push(r.json.id);
      if (r.json.problemId) problems.push(r.json.problemId);
      done.visit++;
    } else if (op === 6) {
      const r = await admin.post('/api/problems', { source: 'hotline', kind: '其他', text: '随机问题', reporterName: '居民', householdId: hid });
      assert.equal(r.status, 201, r.text);
      problems.push(r.json.id);
      done.problem++;
    } else if (problems.length) {
      const pid = problems[rnd(problems.length)];
      const action = ['answer', 'escalate', 'close'][rnd(3)];
      const body = action === 'answer' ? { answer: '已答复' } : action === 'close' ? { satisfaction: ['satisfied', 'basic', 'unsatisfied'][rnd(3)] } : { note: '上提' };
      const r = await admin.post(`/api/problems/${pid}/${action}`, body);
      if (r.status === 200) done[action]++;
    }
  }
  for (const k of ['move', 'retag', 'assign', 'visit', 'problem', 'answer']) assert.ok(done[k] >= 1, `no ${k} took effect: ${JSON.stringify(done)}`);
  rollupCheck();
  // Raw-SQL deletions: a visit, a problem (with its events), a household with its contacts and visits.
  if (visits.length) rawSql(`DELETE FROM visit_logs WHERE id = ${visits[0]}`);
  if (problems.length) {
    const pid = problems[problems.length - 1];
    rawSql(`UPDATE visit_logs SET problem_id = NULL WHERE problem_id = ${pid}; DELETE FROM resident_problem_events WHERE problem_id = ${pid}; DELETE FROM resident_problems WHERE id = ${pid}`);
  }
  const gone = households[1];
  rawSql(
    `DELETE FROM visit_logs WHERE household_id = ${gone}; DELETE FROM household_contacts WHERE household_id = ${gone}; ` +
      `DELETE FROM household_people WHERE household_id = ${gone}; DELETE FROM household_card_tokens WHERE household_id = ${gone}; ` +
      `UPDATE resident_problems SET household_id = NULL WHERE household_id = ${gone}; DELETE FROM households WHERE id = ${gone}`,
  );
  // A raw repair moving a problem and a visit to the other community, and a contact period ending later than today.
  if (problems.length > 1) rawSql(`UPDATE resident_problems SET org_id = ${g.cm2.id} WHERE id = ${problems[0]}`);
  rawSql(`UPDATE household_contacts SET to_on = '${dayShift(30)}' WHERE household_id = ${households[0]} AND to_on IS NULL`);
  rollupCheck();
  for (const o of [g.cm.id, g.cm2.id, s1, s2, 1]) await expectCardsEqualLists(o);
  // A custom period with partial months (edge months from base rows) equals the figures page, whose
  // records come from the base tables.
  const custom = { period: 'custom', from: dayShift(-75), to: dayShift(-5) };
  for (const o of [g.cm.id, s1]) {
    const d = await dash(o, custom);
    for (const [card, fig, cell] of [['visits', 'grid.visits', 'all'], ['received', 'problems.flow', 'received'], ['answered', 'problems.flow', 'answered'], ['overdue', 'problems.flow', 'overdue']]) {
      const r = await admin.ok('/api/figures/records' + qs({ ...custom, orgId: o, figure: fig, cell, pageSize: 1 }));
      assert.equal(d.kpis[card].count, r.total, `custom period, org ${o} ${card}`);
    }
    assert.equal(d.months.reduce((a, m) => a + m.visits, 0), d.kpis.visits.count);
    assert.equal(d.months.reduce((a, m) => a + m.received, 0), d.kpis.received.count);
    assert.equal(d.months.reduce((a, m) => a + m.answered, 0), d.kpis.answered.count);
  }
});
