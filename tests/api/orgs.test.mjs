// M1 organizations: create, rename with history, move, merge, split, dissolve, size-rule
// warnings and the settings behind them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { children, findBranch, memberBody, today, walkTree, allPages } from '../lib/fixtures.mjs';

let srv;
let admin;
let street; // 采荷街道 (id of the 2nd street), the area these tests change
let communities; // communities (general branch / committee) of that street with branches

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  const streets = await children(admin, 1);
  street = streets[1];
  assert.equal(street.name, '采荷街道党工委');
  communities = (await children(admin, street.id)).filter(
    (n) => (n.kind === 'general_branch' || n.kind === 'committee') && n.hasChildren,
  );
  assert.ok(communities.length >= 2, 'the street has at least two communities');
});
after(async () => {
  await srv?.stop();
});

function yesterday() {
  const d = new Date(today() + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

async function addMembers(orgId, n, category = 'full') {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const body = memberBody(orgId, { name: `组测${i}号`, category, ...(category === 'full' ? {} : { fullOn: undefined }) });
    if (category !== 'full') delete body.fullOn;
    const r = await admin.post('/api/members', body);
    assert.equal(r.status, 201, r.text);
    ids.push(r.json.id);
  }
  return ids;
}

async function newBranch(parentId, name, extra = {}) {
  const r = await admin.post('/api/orgs', { parentId, name, kind: 'branch', branchType: 'building', ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('create a branch under a community and a party group under it; kind rules; duplicates', async () => {
  const comm = communities[0];
  const b = await newBranch(comm.id, '测试楼宇第一党支部', { secretary: '王测试', phone: '13800001111' });
  assert.equal(b.parentId, comm.id);
  assert.equal(b.kind, 'branch');
  assert.equal(b.kindLabel, '党支部');
  assert.equal(b.path, `${comm.path}${b.id}/`);
  assert.equal(b.depth, comm.depth + 1);
  assert.equal(b.version, 1);
  assert.deepEqual(b.counts, { members: 0, full: 0, probationary: 0, directMembers: 0, directFull: 0 });

  const g = await admin.post('/api/orgs', { parentId: b.id, name: '第一党小组', kind: 'party_group' });
  assert.equal(g.status, 201, g.text);
  assert.equal(g.json.path, `${b.path}${g.json.id}/`);
  const kids = await children(admin, b.id);
  assert.deepEqual(kids.map((k) => k.id), [g.json.id]);
  assert.ok((await children(admin, comm.id)).some((k) => k.id === b.id));

  // A party group only under a branch; a street only under the district.
  assertError(await admin.post('/api/orgs', { parentId: comm.id, name: '错放党小组', kind: 'party_group' }), 400, {
    field: 'kind',
  });
  assertError(await admin.post('/api/orgs', { parentId: comm.id, name: '错放街道', kind: 'street_committee' }), 400, {
    field: 'kind',
  });
  assertError(await admin.post('/api/orgs', { parentId: comm.id, name: '坏类别', kind: 'nonsense' }), 400, {
    field: 'kind',
  });
  assertError(await admin.post('/api/orgs', { parentId: 99999999, name: '无上级', kind: 'branch' }), 400, {
    field: 'parentId',
  });
  assertError(await admin.post('/api/orgs', { parentId: comm.id, name: '测试楼宇第一党支部', kind: 'branch' }), 409, {
    code: 'duplicate',
    field: 'name',
  });
  assertError(await admin.post('/api/orgs', { parentId: comm.id, name: '坏电话支部', kind: 'branch', phone: 'abc' }), 400, {
    field: 'phone',
  });
  const future = new Date(Date.now() + 40 * 86400_000).toISOString().slice(0, 10);
  assertError(await admin.post('/api/orgs', { parentId: comm.id, name: '未来支部', kind: 'branch', foundedOn: future }), 400, {
    field: 'foundedOn',
  });

  // Search finds it (pickers), scoped.
  const found = await admin.ok('/api/orgs/search?q=' + encodeURIComponent('测试楼宇第一'));
  assert.ok(found.some((n) => n.id === b.id));
  const jd01 = await loginAs(srv.url, 'jd01');
  const notFound = await jd01.ok('/api/orgs/search?q=' + encodeURIComponent('测试楼宇第一'));
  assert.ok(!notFound.some((n) => n.id === b.id), 'a street user does not find another street’s org');
});

test('rename keeps a dated history; stale version → 409', async () => {
  const comm = communities[0];
  const b = await newBranch(comm.id, '改名前党支部');
  const r = await admin.put(`/api/orgs/${b.id}`, {
    name: '改名后党支部',
    kind: 'branch',
    branchType: 'building',
    version: b.version,
    effectiveOn: today(),
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.name, '改名后党支部');
  assert.equal(r.json.version, b.version + 1);
  const d = await admin.ok(`/api/orgs/${b.id}`);
  const names = d.history.map((h) => h.name);
  assert.ok(names.includes('改名前党支部') && names.includes('改名后党支部'), JSON.stringify(d.history));
  const old = d.history.find((h) => h.name === '改名前党支部');
  assert.equal(old.toDate, today());
  assert.equal(d.history.find((h) => h.name === '改名后党支部').toDate, null);
  assert.ok(d.events.some((e) => e.event === 'rename'));
  assert.deepEqual(d.ancestors.map((a) => a.id).slice(-2), [street.id, comm.id]);

  assertError(
    await admin.put(`/api/orgs/${b.id}`, { name: '再改名党支部', kind: 'branch', version: b.version }),
    409,
    { code: 'stale' },
  );
  assert.equal((await admin.ok(`/api/orgs/${b.id}`)).name, '改名后党支部');
});

test('move a branch: member counts of old and new parent change, subtree paths follow', async () => {
  const [from, to] = communities;
  const b = await newBranch(from.id, '搬迁党支部');
  const g = (await admin.post('/api/orgs', { parentId: b.id, name: '搬迁党小组', kind: 'party_group' })).json;
  const ids = await addMembers(b.id, 3);
  const fromBefore = (await admin.ok(`/api/orgs/${from.id}`)).counts.members;
  const toBefore = (await admin.ok(`/api/orgs/${to.id}`)).counts.members;

  const r = await admin.post(`/api/orgs/${b.id}/move`, { parentId: to.id, effectiveOn: today() });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.parentId, to.id);
  assert.equal(r.json.path, `${to.path}${b.id}/`);

  assert.equal((await admin.ok(`/api/orgs/${from.id}`)).counts.members, fromBefore - 3);
  assert.equal((await admin.ok(`/api/orgs/${to.id}`)).counts.members, toBefore + 3);
  const gAfter = await admin.ok(`/api/orgs/${g.id}`);
  assert.equal(gAfter.path, `${to.path}${b.id}/${g.id}/`, 'the party group follows');
  // Members are unchanged in their branch but now listed under the new community.
  const under = await allPages(admin, `/api/members?orgId=${to.id}`);
  for (const id of ids) assert.ok(under.some((m) => m.id === id));
  const underOld = await allPages(admin, `/api/members?orgId=${from.id}`);
  for (const id of ids) assert.ok(!underOld.some((m) => m.id === id));
  const m = await admin.ok(`/api/members/${ids[0]}`);
  assert.equal(m.orgId, b.id);
  assert.equal(m.placements.length, 1, 'member placements unchanged by an org move');
  // History of the moved org names both parents.
  const d = await admin.ok(`/api/orgs/${b.id}`);
  assert.deepEqual(
    d.history.map((h) => h.parentId),
    [from.id, to.id],
  );

  // Invalid moves.
  assertError(await admin.post(`/api/orgs/${b.id}/move`, { parentId: g.id, effectiveOn: today() }), 400, {
    field: 'parentId',
  });
  assertError(await admin.post(`/api/orgs/${b.id}/move`, { parentId: to.id, effectiveOn: today() }), 400, {
    field: 'parentId',
  });
});

test('merge: members move; members-on answers who was in the merged branch on a past date', async () => {
  const comm = communities[1];
  const src = await findBranch(admin, comm.id, { min: 3, kind: 'branch' });
  const nodes = await walkTree(admin, { from: comm.id });
  const dst = nodes.find((n) => n.kind === 'branch' && n.id !== src.id && !n.dissolvedOn);
  assert.ok(dst, 'a second branch');
  const srcHadKids = src.hasChildren;
  const before = await allPages(admin, `/api/members?orgId=${src.id}`);
  assert.ok(before.length >= 3);
  const histBefore = await admin.ok(`/api/orgs/${src.id}/members-on?date=${yesterday()}`);
  const dstCount = (await admin.ok(`/api/orgs/${dst.id}`)).counts.members;

  const r = await admin.post(`/api/orgs/${src.id}/merge`, { intoId: dst.id, effectiveOn: today() });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, dst.id);
  assert.equal(r.json.counts.members, dstCount + before.length);

  const s = await admin.ok(`/api/orgs/${src.id}`);
  assert.equal(s.dissolvedOn, today());
  assert.equal(s.mergedInto, dst.id);
  const nowIn = await allPages(admin, `/api/members?orgId=${dst.id}`);
  for (const m of before) assert.ok(nowIn.some((x) => x.id === m.id), `member ${m.id} moved`);
  for (const m of before) assert.equal((await admin.ok(`/api/members/${m.id}`)).orgId, dst.id);

  // History: yesterday the merged branch still had them; today it has none.
  const past = await admin.ok(`/api/orgs/${src.id}/members-on?date=${yesterday()}`);
  assert.deepEqual(
    past.items.map((m) => m.id).sort(),
    histBefore.items.map((m) => m.id).sort(),
  );
  assert.ok(past.items.length >= 3);
  const nowSrc = await admin.ok(`/api/orgs/${src.id}/members-on?date=${today()}`);
  assert.equal(nowSrc.items.length, 0);
  const nowDst = await admin.ok(`/api/orgs/${dst.id}/members-on?date=${today()}`);
  for (const m of before) assert.ok(nowDst.items.some((x) => x.id === m.id));
  const detail = await admin.ok(`/api/members/${before[0].id}`);
  const pl = detail.placements.find((p) => p.orgId === src.id);
  assert.ok(pl && pl.toDate === today(), JSON.stringify(detail.placements));
  if (srcHadKids) assert.equal((await children(admin, src.id)).filter((k) => !k.dissolvedOn).length, 0);

  // A dissolved org cannot be changed or merged into.
  assertError(await admin.post(`/api/orgs/${dst.id}/merge`, { intoId: src.id, effectiveOn: today() }), 400, {
    field: 'intoId',
  });
  assertError(await admin.put(`/api/orgs/${src.id}`, { name: 'x支部', kind: 'branch', version: s.version }), 409, {
    code: 'dissolved',
  });
  assertError(await admin.get(`/api/orgs/${src.id}/members-on?date=bad`), 400, { field: 'date' });
});

test('split: new sibling branches receive the listed members', async () => {
  const comm = communities[0];
  const b = await newBranch(comm.id, '待拆分党支部');
  const ids = await addMembers(b.id, 5);
  const r = await admin.post(`/api/orgs/${b.id}/split`, {
    effectiveOn: today(),
    parts: [
      { name: '拆分甲党支部', memberIds: [ids[0], ids[1]] },
      { name: '拆分乙党支部', memberIds: [ids[2]] },
    ],
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.parts.length, 2);
  const [a, bb] = r.json.parts;
  const kids = await children(admin, comm.id);
  const pa = kids.find((k) => k.id === a.id);
  const pb = kids.find((k) => k.id === bb.id);
  assert.ok(pa && pb, 'siblings of the split branch');
  assert.equal(pa.counts.directMembers, 2);
  assert.equal(pb.counts.directMembers, 1);
  assert.equal((await admin.ok(`/api/orgs/${b.id}`)).counts.directMembers, 2);
  assert.equal((await admin.ok(`/api/members/${ids[0]}`)).orgId, a.id);
  assert.equal((await admin.ok(`/api/members/${ids[4]}`)).orgId, b.id);

  assertError(
    await admin.post(`/api/orgs/${b.id}/split`, { effectiveOn: today(), parts: [{ name: '丙', memberIds: [ids[0]] }] }),
    400,
    { field: 'memberIds' },
  );
  assertError(await admin.post(`/api/orgs/${b.id}/split`, { effectiveOn: today(), parts: [] }), 400, { field: 'parts' });
  assertError(
    await admin.post(`/api/orgs/${b.id}/split`, {
      effectiveOn: today(),
      parts: [{ name: '丁', memberIds: [ids[3]] }, { name: '戊', memberIds: [ids[3]] }],
    }),
    400,
    { field: 'memberIds' },
  );
  // The failed splits created nothing.
  const after = await children(admin, comm.id);
  assert.ok(!after.some((k) => ['丙', '丁', '戊'].includes(k.name)));
});

test('dissolve only when no members and no children', async () => {
  const comm = communities[0];
  const withMembers = await newBranch(comm.id, '有党员党支部');
  await addMembers(withMembers.id, 1);
  assertError(await admin.post(`/api/orgs/${withMembers.id}/dissolve`, { effectiveOn: today() }), 409, {
    code: 'has_members',
  });
  const withKids = await newBranch(comm.id, '有小组党支部');
  await admin.post('/api/orgs', { parentId: withKids.id, name: '小组一', kind: 'party_group' });
  assertError(await admin.post(`/api/orgs/${withKids.id}/dissolve`, { effectiveOn: today() }), 409, {
    code: 'has_children',
  });
  const empty = await newBranch(comm.id, '空党支部');
  const r = await admin.post(`/api/orgs/${empty.id}/dissolve`, { effectiveOn: today() });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.dissolvedOn, today());
  assert.equal((await admin.ok(`/api/orgs/${empty.id}`)).dissolvedOn, today());
  // Members cannot be placed in a dissolved branch.
  assertError(await admin.post('/api/members', memberBody(empty.id)), 400, { field: 'orgId' });
  // A street user cannot dissolve its own street.
  const jd02 = await loginAs(srv.url, 'jd02');
  assertError(await jd02.post(`/api/orgs/${street.id}/dissolve`, { effectiveOn: today() }), 403, { code: 'forbidden' });
});

test('size-rule warnings appear below 3 full members and disappear when fixed', async () => {
  const comm = communities[0];
  const b = await newBranch(comm.id, '规模测试党支部');
  const codes = async () => (await admin.ok(`/api/orgs/${b.id}`)).warnings.map((w) => w.code);
  const inWarnings = async () =>
    (await allPages(admin, '/api/orgs/warnings')).some((n) => n.id === b.id && n.warnings.some((w) => w.code === 'branch_too_small'));
  await addMembers(b.id, 2);
  await addMembers(b.id, 2, 'probationary');
  assert.ok((await codes()).includes('branch_too_small'), 'two full members → too small');
  const w = (await admin.ok(`/api/orgs/${b.id}`)).warnings.find((x) => x.code === 'branch_too_small');
  assert.match(w.message, /[\u4e00-\u9fff]/);
  assert.ok(await inWarnings(), 'listed by /api/orgs/warnings');
  await addMembers(b.id, 1);
  assert.ok(!(await codes()).includes('branch_too_small'), 'three full members → fine');
  assert.ok(!(await inWarnings()));
});

test('settings: branch_max_members change changes warnings; only district staff may change', async () => {
  const comm = communities[0];
  const b = await newBranch(comm.id, '上限测试党支部');
  await addMembers(b.id, 6);
  const codes = async () => (await admin.ok(`/api/orgs/${b.id}`)).warnings.map((w) => w.code);
  assert.ok(!(await codes()).includes('branch_too_large'));

  const settings = await admin.ok('/api/settings');
  const s = settings.find((x) => x.key === 'org.branch_max_members');
  assert.ok(s && s.value === 50 && s.defaultValue === 50 && /[\u4e00-\u9fff]/.test(s.label), JSON.stringify(s));

  const jd01 = await loginAs(srv.url, 'jd01');
  assertError(await jd01.put('/api/settings/org.branch_max_members', { value: 5 }), 403, { code: 'forbidden' });
  assertError(await admin.put('/api/settings/org.branch_max_members', { value: 1 }), 400, { field: 'value' });
  assertError(await admin.put('/api/settings/org.branch_max_members', { value: 'abc' }), 400, { field: 'value' });
  assertError(await admin.put('/api/settings/no.such_key', { value: 5 }), 404);

  const r = await admin.put('/api/settings/org.branch_max_members', { value: 5 });
  assert.ok(r.status === 200 || r.status === 204, r.text);
  assert.ok((await codes()).includes('branch_too_large'), 'over the new limit → warning');
  assert.equal((await admin.ok('/api/settings')).find((x) => x.key === 'org.branch_max_members').value, 5);
  const audit = await admin.ok('/api/audit?entity=setting&pageSize=5');
  assert.ok(audit.items.length >= 1, 'a settings change is audited');

  await admin.put('/api/settings/org.branch_max_members', { value: 50 });
  assert.ok(!(await codes()).includes('branch_too_large'));
});

test('orgs export and import template are real xlsx files', async () => {
  for (const p of ['/api/orgs/export', '/api/orgs/import-template']) {
    const r = await admin.get(p);
    assert.equal(r.status, 200);
    assert.equal(r.buf.subarray(0, 2).toString('latin1'), 'PK', `${p} starts with PK`);
    assert.match(r.headers.get('content-type'), /spreadsheetml/);
    assert.match(r.headers.get('content-disposition') || '', /attachment/);
  }
});
