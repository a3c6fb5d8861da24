// THE SCOPE TEST. A street user (jd01, 凯旋街道) calls every route the server has — the list
// is read from `zugong routes` at test time — aimed at street 2 (采荷街道, jd02): its
// organizations, members, users, jobs and files as :id, as orgId/parentId/intoId/memberIds in
// bodies, as orgId= in queries and as names in import files. It asserts that
//  - no id-bearing call aimed at street 2 answers 2xx (404, 403, or 400 naming the org field);
//  - no list, search, tree or export answer contains a record of street 2;
//  - afterwards (seen by admin) nothing of street 2 changed.
// A route the test does not know how to exercise fails the test: extend HANDLERS below.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO_PASSWORD } from '../lib/server.mjs';
import { Client, loginAs } from '../lib/client.mjs';
import { listRoutes } from '../lib/routes.mjs';
import { walkTree, allPages, memberBody, idNumber, badCheckIdNumber, phone, toGbk, csv, waitJob, today } from '../lib/fixtures.mjs';
import { xlsxTexts } from '../lib/xlsx.mjs';

let srv;
let admin;
let jd01;
let jd02;
const S1 = {}; // street 1 (the caller's own)
const S2 = {}; // street 2 (the target)
const results = []; // every attempt, for the report on failure

// ---------------------------------------------------------------------------------------------
// Collecting both streets as admin.

async function collectStreet(rootId) {
  const orgs = await walkTree(admin, { from: rootId });
  const members = await allPages(admin, `/api/members?orgId=${rootId}`);
  const root = orgs[0];
  return {
    root,
    path: root.path,
    orgs,
    orgIds: new Set(orgs.map((o) => o.id)),
    members,
    memberIds: new Set(members.map((m) => m.id)),
  };
}

/** Every string value inside a JSON value. */
function strings(v, out = new Set()) {
  if (typeof v === 'string') out.add(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => strings(x, out));
  return out;
}

async function snapshot() {
  const orgs = await walkTree(admin, { from: S2.root.id });
  const o = {};
  for (const n of orgs) {
    const d = await admin.ok(`/api/orgs/${n.id}`);
    o[n.id] = JSON.stringify({
      name: d.name,
      parentId: d.parentId,
      path: d.path,
      kind: d.kind,
      version: d.version,
      dissolvedOn: d.dissolvedOn,
      mergedInto: d.mergedInto,
      counts: d.counts,
      history: d.history,
      secretary: d.secretary,
    });
  }
  const m = {};
  for (const r of await allPages(admin, `/api/members?orgId=${S2.root.id}`)) m[r.id] = JSON.stringify(r);
  const detail = {};
  for (const id of S2.targetMembers) {
    const d = await admin.ok(`/api/members/${id}`);
    detail[id] = JSON.stringify({ v: d.version, orgId: d.orgId, placements: d.placements, name: d.name });
  }
  const users = (await admin.ok('/api/users'))
    .filter((u) => S2.orgIds.has(u.orgId))
    .map((u) => JSON.stringify(u))
    .sort();
  return { orgs: o, members: m, detail, users };
}

// ---------------------------------------------------------------------------------------------
// Checks.

const ORG_FIELDS = new Set(['orgId', 'parentId', 'intoId', 'memberIds', 'org', 'id']);

/** A call aimed at street 2: never 2xx; 404, 403, or 400 naming an org/target field. */
function assertDenied(label, r, fields = ORG_FIELDS) {
  results.push(`${label} → ${r.status}`);
  assert.ok(r.status < 200 || r.status >= 300, `${label}: answered ${r.status} ${r.text.slice(0, 300)}`);
  assert.ok([400, 403, 404].includes(r.status), `${label}: status ${r.status} ${r.text.slice(0, 200)}`);
  if (r.status === 400) {
    assert.ok(r.json && fields.has(r.json.field), `${label}: 400 must name the target field, got ${r.text}`);
  }
  if (r.json) assert.ok(!leaksIn(r.json).length, `${label}: error body leaks ${leaksIn(r.json)}`);
}

/** The street-2 records a JSON answer contains (empty when none). */
function leaksIn(json) {
  const found = [];
  const walk = (v, where) => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${where}[${i}]`));
    if (!v || typeof v !== 'object') {
      if (typeof v === 'string' && S2.uniqueStrings.has(v)) found.push(`${where}="${v}"`);
      return;
    }
    const isMember = 'idNumberMasked' in v || 'placements' in v || ('category' in v && 'sex' in v);
    const isOrg = 'kind' in v && 'path' in v;
    const isUser = 'username' in v;
    if (isMember && S2.memberIds.has(v.id)) found.push(`${where}: member ${v.id}`);
    if (isOrg && S2.orgIds.has(v.id)) found.push(`${where}: org ${v.id}`);
    if (isUser && S2.userIds.has(v.id)) found.push(`${where}: user ${v.id}`);
    if (typeof v.path === 'string' && v.path.startsWith(S2.path)) found.push(`${where}: path ${v.path}`);
    for (const k of ['orgId', 'parentId', 'mergedInto']) if (S2.orgIds.has(v[k])) found.push(`${where}.${k}=${v[k]}`);
    for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
  };
  walk(json, '$');
  return found;
}

/** A list/search/tree answer: either denied, or 2xx without any street-2 record. */
function assertNoLeak(label, r) {
  results.push(`${label} → ${r.status}`);
  assert.ok(r.status < 500, `${label}: ${r.status} ${r.text.slice(0, 200)}`);
  if (r.status >= 200 && r.status < 300) {
    if (r.json !== undefined) {
      const l = leaksIn(r.json);
      assert.deepEqual(l, [], `${label} leaks street 2: ${l.slice(0, 5).join('; ')}`);
    } else if (r.buf.subarray(0, 2).toString('latin1') === 'PK') {
      const hits = xlsxTexts(r.buf).filter((t) => S2.uniqueStrings.has(t));
      assert.deepEqual(hits, [], `${label} (xlsx) leaks street 2: ${hits.slice(0, 5).join(', ')}`);
    } else {
      const hits = [...S2.uniqueStrings].filter((s) => s.length >= 3 && r.text.includes(s));
      assert.deepEqual(hits, [], `${label} leaks street 2 text`);
    }
  } else {
    assert.ok([400, 403, 404].includes(r.status), `${label}: ${r.status}`);
  }
}

// ---------------------------------------------------------------------------------------------
// How to exercise each route. Each handler runs its calls as jd01 and asserts.

const q = (o) => '?' + new URLSearchParams(o).toString();
const importCall = (path, bytes) =>
  jd01.request('POST', path, { body: bytes, headers: { 'content-type': 'application/octet-stream' } });

async function importMustNotTouch(label, path, bytes) {
  const r = await importCall(path, bytes);
  results.push(`${label} → ${r.status}`);
  if (r.status !== 202) return assertDenied(label, r, new Set(['file', 'org', 'parent', 'orgId']));
  const job = await waitJob(jd01, r.json.jobId);
  if (job.status === 'done') {
    assert.equal(job.result.good, 0, `${label}: rows aimed at street 2 must be bad: ${JSON.stringify(job.result)}`);
    assert.equal(job.result.committed === true && job.result.good > 0, false);
    assert.deepEqual(leaksIn(job.result.errors ?? []), []);
  }
}

const HANDLERS = {
  // Auth: no target to aim at another street; the session calls are checked for content.
  'POST /api/auth/login': async () => {
    const c = new Client(srv.url);
    const r = await c.post('/api/auth/login', { username: 'jd01', password: DEMO_PASSWORD });
    assert.equal(r.status, 200);
    assert.equal(r.json.user.orgId, S1.root.id);
    assertNoLeak('login', r);
  },
  'POST /api/auth/logout': async () => {
    const c = await loginAs(srv.url, 'jd01');
    const r = await c.post('/api/auth/logout', {});
    assert.ok(r.status < 300);
    // jd02's session is unaffected by jd01 logging out.
    assert.equal((await jd02.get('/api/auth/me')).status, 200);
  },
  'GET /api/auth/me': async () => assertNoLeak('me', await jd01.get('/api/auth/me')),
  'POST /api/auth/password': async () => {
    // Only the caller's own password; a username/userId in the body must not redirect it.
    const r = await jd01.post('/api/auth/password', {
      oldPassword: DEMO_PASSWORD,
      newPassword: DEMO_PASSWORD,
      userId: S2.user.id,
      username: S2.user.username,
    });
    results.push(`password → ${r.status}`);
    await loginAs(srv.url, 'jd02'); // jd02's password still works
    // A password change may end the caller's sessions: log in again for the other routes.
    jd01 = await loginAs(srv.url, 'jd01');
  },
  'GET /api/meta': async () => assertNoLeak('meta', await jd01.get('/api/meta')),

  'GET /api/audit': async () => {
    assertNoLeak('audit', await jd01.get('/api/audit?pageSize=200'));
    assertNoLeak('audit q', await jd01.get('/api/audit' + q({ q: S2.root.name, pageSize: 200 })));
  },
  'GET /api/audit/verify': async () => assertNoLeak('audit verify', await jd01.get('/api/audit/verify')),
  'GET /api/settings': async () => assertNoLeak('settings', await jd01.get('/api/settings')),
  'PUT /api/settings/:key': async () => {
    // Settings are district-wide: a street user may not change them at all.
    const r = await jd01.put('/api/settings/org.branch_max_members', { value: 5, orgId: S2.root.id });
    assert.equal(r.status, 403, r.text);
  },

  'GET /api/users': async () => {
    assertNoLeak('users', await jd01.get('/api/users'));
    assertNoLeak('users orgId', await jd01.get('/api/users' + q({ orgId: S2.root.id })));
  },
  'POST /api/users': async () => {
    assertDenied(
      'create user in street 2',
      await jd01.post('/api/users', {
        username: 'scope_intruder',
        displayName: '越权用户',
        role: 'street',
        orgId: S2.root.id,
        password: 'Intrude2026',
      }),
    );
    assert.equal((await new Client(srv.url).post('/api/auth/login', { username: 'scope_intruder', password: 'Intrude2026' })).status, 401);
  },
  'POST /api/users/:id/reset-password': async () => {
    assertDenied('reset jd02 password', await jd01.post(`/api/users/${S2.user.id}/reset-password`, { password: 'Hijack2026x' }), new Set(['id']));
    assert.equal((await new Client(srv.url).post('/api/auth/login', { username: 'jd02', password: 'Hijack2026x' })).status, 401);
  },
  'POST /api/users/:id/active': async () => {
    assertDenied('deactivate jd02', await jd01.post(`/api/users/${S2.user.id}/active`, { active: false }), new Set(['id']));
    assert.equal((await jd02.get('/api/auth/me')).status, 200, 'jd02 still active');
  },
  // Account protections (docs/accounts.md): the caller's own, whatever ids a body carries.
  'GET /api/auth/totp': async () => assertNoLeak('totp status', await jd01.get(`/api/auth/totp?userId=${S2.user.id}`)),
  'POST /api/auth/totp/setup': async () => {
    const r = await jd01.post('/api/auth/totp/setup', { userId: S2.user.id, username: S2.user.username });
    assertNoLeak('totp setup', r);
    if (r.status === 200) assert.ok(r.json.uri.includes(':jd01?'), r.json.uri);
  },
  'POST /api/auth/totp/confirm': async () => {
    const r = await jd01.post('/api/auth/totp/confirm', { code: '000000', userId: S2.user.id });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.field, 'code');
  },
  'POST /api/auth/totp/recovery-codes': async () => {
    const r = await jd01.post('/api/auth/totp/recovery-codes', { code: '000000', userId: S2.user.id });
    assert.equal(r.status, 400, r.text);
  },
  'POST /api/auth/sessions/end-all': async () => {
    const other = await loginAs(srv.url, 'jd01');
    const r = await other.post('/api/auth/sessions/end-all', { userId: S2.user.id, username: S2.user.username });
    assert.equal(r.status, 200, r.text);
    assert.equal((await jd02.get('/api/auth/me')).status, 200, 'jd02 keeps its session');
    jd01 = await loginAs(srv.url, 'jd01'); // jd01's own sessions all ended
  },
  'GET /api/auth/sign-ins': async () => assertNoLeak('sign-ins', await jd01.get(`/api/auth/sign-ins?userId=${S2.user.id}`)),
  'POST /api/users/:id/totp/reset': async () =>
    assertDenied('reset jd02 second factor', await jd01.post(`/api/users/${S2.user.id}/totp/reset`, {}), new Set(['id'])),
  'POST /api/users/:id/sessions/end': async () => {
    assertDenied('end jd02 sessions', await jd01.post(`/api/users/${S2.user.id}/sessions/end`, {}), new Set(['id']));
    assert.equal((await jd02.get('/api/auth/me')).status, 200, 'jd02 keeps its session');
  },
  'GET /api/users/:id/sign-ins': async () =>
    assertDenied('jd02 sign-ins', await jd01.get(`/api/users/${S2.user.id}/sign-ins`), new Set(['id'])),

  'GET /api/jobs/:id': async () => {
    assertDenied('jd02 job', await jd01.get(`/api/jobs/${S2.jobId}`));
    // Control: the caller's own job is readable.
    assert.equal((await jd01.get(`/api/jobs/${S1.jobId}`)).status, 200);
  },
  'GET /api/files/:id': async () => {
    assertDenied('jd02 file', await jd01.get(`/api/files/${S2.fileId}`));
    assert.equal((await jd01.get(`/api/files/${S1.fileId}`)).status, 200);
  },

  'GET /api/orgs/roots': async () => {
    const r = await jd01.get('/api/orgs/roots');
    assertNoLeak('roots', r);
    assert.deepEqual(r.json.map((n) => n.id), [S1.root.id]);
  },
  'GET /api/orgs/search': async () => {
    for (const name of [S2.root.name, S2.branch.name, S2.community.name, '党', '']) {
      assertNoLeak(`search ${name}`, await jd01.get('/api/orgs/search' + q({ q: name })));
      assertNoLeak(`search ${name} orgId`, await jd01.get('/api/orgs/search' + q({ q: name, orgId: S2.root.id, kind: 'branch' })));
    }
  },
  'GET /api/orgs/warnings': async () => {
    for (let page = 1; page <= 5; page++) {
      const r = await jd01.get('/api/orgs/warnings' + q({ page, pageSize: 200, orgId: S2.root.id }));
      assertNoLeak(`warnings p${page}`, r);
      if (!r.json?.items?.length) break;
    }
  },
  'GET /api/orgs/:id/children': async () => {
    for (const o of S2.targetOrgs) assertDenied(`children of ${o.id}`, await jd01.get(`/api/orgs/${o.id}/children`));
    assert.equal((await jd01.get(`/api/orgs/${S1.community.id}/children`)).status, 200);
  },
  'GET /api/orgs/:id': async () => {
    for (const o of S2.targetOrgs) assertDenied(`org ${o.id}`, await jd01.get(`/api/orgs/${o.id}`));
    assertDenied('district root', await jd01.get(`/api/orgs/1`));
    assert.equal((await jd01.get(`/api/orgs/${S1.branch.id}`)).status, 200);
  },
  'GET /api/orgs/:id/members-on': async () => {
    for (const o of S2.targetOrgs)
      assertDenied(`members-on ${o.id}`, await jd01.get(`/api/orgs/${o.id}/members-on?date=${today()}`));
    assert.equal((await jd01.get(`/api/orgs/${S1.branch.id}/members-on?date=${today()}`)).status, 200);
  },
  'POST /api/orgs': async () => {
    for (const o of [S2.root, S2.community, S2.branch])
      assertDenied(
        `create under ${o.id}`,
        await jd01.post('/api/orgs', {
          parentId: o.id,
          name: '越权新建组织',
          kind: o.kind === 'branch' ? 'party_group' : 'branch',
          branchType: o.kind === 'branch' ? undefined : 'building',
        }),
      );
  },
  'PUT /api/orgs/:id': async () => {
    for (const o of [S2.root, S2.community, S2.branch]) {
      const cur = S2.orgs.find((x) => x.id === o.id);
      assertDenied(
        `rename ${o.id}`,
        await jd01.put(`/api/orgs/${o.id}`, {
          name: cur.name + '（越权）',
          kind: cur.kind,
          branchType: cur.branchType ?? undefined,
          version: cur.version,
          effectiveOn: today(),
        }),
      );
    }
  },
  'POST /api/orgs/:id/move': async () => {
    assertDenied(
      'move street-2 branch into street 1',
      await jd01.post(`/api/orgs/${S2.branch.id}/move`, { parentId: S1.community.id, effectiveOn: today() }),
    );
    assertDenied(
      'move street-2 community into street 1',
      await jd01.post(`/api/orgs/${S2.community.id}/move`, { parentId: S1.root.id, effectiveOn: today() }),
    );
    assertDenied(
      'move street-1 branch under street 2',
      await jd01.post(`/api/orgs/${S1.spareBranch.id}/move`, { parentId: S2.community.id, effectiveOn: today() }),
    );
  },
  'POST /api/orgs/:id/merge': async () => {
    assertDenied(
      'merge street-2 branch into street 1',
      await jd01.post(`/api/orgs/${S2.branch.id}/merge`, { intoId: S1.branch.id, effectiveOn: today() }),
    );
    assertDenied(
      'merge street-1 branch into street 2',
      await jd01.post(`/api/orgs/${S1.spareBranch.id}/merge`, { intoId: S2.branch.id, effectiveOn: today() }),
    );
  },
  'POST /api/orgs/:id/split': async () => {
    assertDenied(
      'split street-2 branch',
      await jd01.post(`/api/orgs/${S2.branch.id}/split`, {
        effectiveOn: today(),
        parts: [{ name: '越权拆分党支部', memberIds: S2.targetMembers.slice(0, 1) }],
      }),
    );
    assertDenied(
      'split own branch taking street-2 members',
      await jd01.post(`/api/orgs/${S1.spareBranch.id}/split`, {
        effectiveOn: today(),
        parts: [{ name: '越权拆分党支部二', memberIds: S2.targetMembers.slice(0, 2) }],
      }),
    );
  },
  'POST /api/orgs/:id/dissolve': async () => {
    assertDenied('dissolve empty street-2 branch', await jd01.post(`/api/orgs/${S2.emptyBranch.id}/dissolve`, { effectiveOn: today() }));
  },
  'GET /api/orgs/export': async () => {
    assertNoLeak('orgs export', await jd01.get('/api/orgs/export'));
    assertNoLeak('orgs export orgId', await jd01.get('/api/orgs/export' + q({ orgId: S2.root.id })));
  },
  'GET /api/orgs/import-template': async () => assertNoLeak('orgs template', await jd01.get('/api/orgs/import-template')),
  'POST /api/orgs/import': async () => {
    const rows = [
      ['党组织全称', '组织类别', '支部类型', '上级党组织'],
      ['越权导入党支部', '党支部', '楼宇', S2.community.name],
      ['越权导入党支部二', '党支部', '楼宇', `${S2.root.name}/${S2.community.name}`],
      ['越权导入党小组', '党小组', '', S2.branch.name],
    ];
    for (const mode of ['keep_good', 'all_or_nothing'])
      await importMustNotTouch(`orgs import ${mode}`, `/api/orgs/import?mode=${mode}&fileName=o.csv`, toGbk(csv(rows)));
  },

  'GET /api/members': async () => {
    assertNoLeak('members orgId=street2', await jd01.get('/api/members' + q({ orgId: S2.root.id, pageSize: 200 })));
    assertNoLeak('members orgId=branch2', await jd01.get('/api/members' + q({ orgId: S2.branch.id, pageSize: 200 })));
    for (const m of S2.targetMemberRows) {
      assertNoLeak(`members q=${m.name}`, await jd01.get('/api/members' + q({ q: m.name, pageSize: 200 })));
    }
    // The whole scope, every page.
    for (let page = 1; ; page++) {
      const r = await jd01.get('/api/members' + q({ page, pageSize: 200 }));
      assertNoLeak(`members p${page}`, r);
      if (page * 200 >= r.json.total) break;
    }
  },
  'GET /api/members/export': async () => {
    assertNoLeak('members export', await jd01.get('/api/members/export'));
    assertNoLeak('members export orgId', await jd01.get('/api/members/export' + q({ orgId: S2.root.id })));
    assertNoLeak('members export q', await jd01.get('/api/members/export' + q({ q: S2.targetMemberRows[0].name })));
  },
  'GET /api/members/import-template': async () => assertNoLeak('members template', await jd01.get('/api/members/import-template')),
  'POST /api/members/import': async () => {
    const rows = [
      ['姓名', '公民身份证号', '人员类别', '所在党支部', '加入党组织日期', '转为正式党员日期', '联系电话'],
      ['越权甲', idNumber({ birth: '1970-01-01' }), '正式党员', S2.branch.name, '1995-07-01', '1996-07-01', phone()],
      ['越权乙', idNumber({ birth: '1971-01-01' }), '正式党员', `${S2.community.name}/${S2.branch.name}`, '1995-07-01', '1996-07-01', phone()],
    ];
    for (const mode of ['keep_good', 'all_or_nothing'])
      await importMustNotTouch(`members import ${mode}`, `/api/members/import?mode=${mode}&fileName=m.csv`, toGbk(csv(rows)));
  },
  'GET /api/members/:id': async () => {
    for (const id of S2.targetMembers) assertDenied(`member ${id}`, await jd01.get(`/api/members/${id}`));
    assert.equal((await jd01.get(`/api/members/${S1.member.id}`)).status, 200);
  },
  'GET /api/members/:id/sensitive': async () => {
    for (const id of S2.targetMembers) assertDenied(`sensitive ${id}`, await jd01.get(`/api/members/${id}/sensitive`));
    assert.equal((await jd01.get(`/api/members/${S1.member.id}/sensitive`)).status, 200);
  },
  'POST /api/members': async () => {
    for (const o of [S2.branch, S2.root])
      assertDenied(`create member in ${o.id}`, await jd01.post('/api/members', memberBody(o.id, { name: '越权党员', idNumber: idNumber() })));
  },
  'PUT /api/members/:id': async () => {
    for (const id of S2.targetMembers) {
      const d = S2.memberDetails[id];
      const body = memberBody(d.orgId, { name: '越权修改', idNumber: idNumber(), version: d.version });
      delete body.orgId;
      assertDenied(`update member ${id}`, await jd01.put(`/api/members/${id}`, body));
    }
  },
  'POST /api/members/:id/move': async () => {
    for (const id of S2.targetMembers)
      assertDenied(
        `move member ${id} into street 1`,
        await jd01.post(`/api/members/${id}/move`, { orgId: S1.branch.id, effectiveOn: today(), reason: '越权' }),
      );
    assertDenied(
      'move own member into street 2',
      await jd01.post(`/api/members/${S1.member.id}/move`, { orgId: S2.branch.id, effectiveOn: today(), reason: '越权' }),
    );
  },
  'DELETE /api/members/:id': async () => {
    for (const id of S2.targetMembers)
      assertDenied(`delete member ${id}`, await jd01.del(`/api/members/${id}`, { reason: '越权', effectiveOn: today() }));
  },
  // Party dues 党费: street 2's member gets a base and a payment (by admin, once); jd01 aims
  // every dues call at that member, that payment and street 2's organizations.
  ...(() => {
    const month = (delta) => {
      const [y, m] = today().split('-').map(Number);
      const n = y * 12 + m - 1 + delta;
      return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
    };
    let d2;
    const duesS2 = async () => {
      if (!d2) {
        const id = S2.targetMembers[0];
        const b = await admin.put(`/api/dues/members/${id}/base`, { kind: 'fixed', amountFen: 100, fromMonth: month(-2) });
        assert.equal(b.status, 200, b.text);
        const p = await admin.post('/api/dues/payments', { memberId: id, month: month(-1), amountFen: 100, paidOn: today() });
        assert.equal(p.status, 201, p.text);
        d2 = { memberId: id, paymentId: p.json.id, before: JSON.stringify(await admin.ok(`/api/dues/members/${id}`)) };
      }
      return d2;
    };
    const unchanged = async () => {
      const d = await duesS2();
      assert.equal(JSON.stringify(await admin.ok(`/api/dues/members/${d.memberId}`)), d.before, 'street-2 dues unchanged');
    };
    const fields = new Set(['memberId', 'orgId', 'id']);
    const lists = async (path) => {
      await duesS2();
      assertNoLeak(path, await jd01.get(path));
      assertNoLeak(`${path} month`, await jd01.get(path + q({ month: month(-1) })));
      for (const o of S2.targetOrgs) assertDenied(`${path} orgId ${o.id}`, await jd01.get(path + q({ orgId: o.id })), fields);
    };
    return {
      'GET /api/dues/members/:id': async () => {
        const d = await duesS2();
        for (const id of S2.targetMembers) assertDenied(`dues member ${id}`, await jd01.get(`/api/dues/members/${id}`));
        assert.equal((await jd01.get(`/api/dues/members/${S1.member.id}`)).status, 200);
        await unchanged(d);
      },
      'GET /api/dues/members/:id/base': async () => {
        await duesS2();
        for (const id of S2.targetMembers) assertDenied(`dues base ${id}`, await jd01.get(`/api/dues/members/${id}/base`));
      },
      'PUT /api/dues/members/:id/base': async () => {
        await duesS2();
        for (const id of S2.targetMembers)
          assertDenied(`dues set base ${id}`, await jd01.put(`/api/dues/members/${id}/base`, { kind: 'student', fromMonth: month(0) }));
        await unchanged();
      },
      'POST /api/dues/payments': async () => {
        const d = await duesS2();
        for (const id of S2.targetMembers)
          assertDenied(
            `dues pay ${id}`,
            await jd01.post('/api/dues/payments', { memberId: id, month: month(0), amountFen: 100, paidOn: today() }),
            fields,
          );
        await unchanged(d);
      },
      'DELETE /api/dues/payments/:id': async () => {
        const d = await duesS2();
        assertDenied('dues delete payment', await jd01.request('DELETE', `/api/dues/payments/${d.paymentId}`, { json: { reason: '越权' } }));
        await unchanged();
      },
      'POST /api/dues/exemptions': async () => {
        await duesS2();
        for (const id of S2.targetMembers)
          assertDenied(
            `dues exemption ${id}`,
            await jd01.post('/api/dues/exemptions', { memberId: id, fromMonth: month(-1), toMonth: month(-1), reason: '越权' }),
            fields,
          );
        await unchanged();
      },
      'GET /api/dues/summary': () => lists('/api/dues/summary'),
      'GET /api/dues/arrears': () => lists('/api/dues/arrears'),
      'GET /api/dues/flagged': () => lists('/api/dues/flagged'),
      'GET /api/dues/export': () => lists('/api/dues/export'),
    };
  })(),
  // Mobile members 流动党员: street 2's record (an inflow, so the member row itself is not
  // touched) and request are made lazily by admin; jd01 aims every call at them.
  'GET /api/mobile/service-kinds': async () => assertNoLeak('mobile kinds', await jd01.get('/api/mobile/service-kinds')),
  'GET /api/mobile/records': async () => {
    await mobileS2();
    assertNoLeak('mobile records', await jd01.get('/api/mobile/records' + q({ pageSize: 200 })));
    assertNoLeak('mobile records orgId', await jd01.get('/api/mobile/records' + q({ orgId: S2.root.id, pageSize: 200 })));
    assertNoLeak('mobile records q', await jd01.get('/api/mobile/records' + q({ q: S2.mobile.memberName })));
  },
  'GET /api/mobile/records/:id': async () => {
    const m = await mobileS2();
    assertDenied('mobile record', await jd01.get(`/api/mobile/records/${m.id}`));
  },
  'POST /api/mobile/records': async () => {
    const fields = new Set(['memberId', 'mobileBranchId']);
    const body = { direction: 'inflow', place: '越权', sinceDate: today() };
    for (const id of S2.targetMembers)
      assertDenied(`mobile record for member ${id}`, await jd01.post('/api/mobile/records', { ...body, memberId: id }), fields);
    assertDenied(
      'mobile record in street-2 branch',
      await jd01.post('/api/mobile/records', { ...body, memberId: S1.member.id, mobileBranchId: S2.branch.id }),
      fields,
    );
    await mobileUnchanged();
  },
  'PUT /api/mobile/records/:id': async () => {
    const m = await mobileS2();
    assertDenied('mobile edit', await jd01.put(`/api/mobile/records/${m.id}`, { place: '越权', sinceDate: m.sinceDate, version: m.version }));
    await mobileUnchanged();
  },
  'POST /api/mobile/records/:id/close': async () => {
    const m = await mobileS2();
    assertDenied('mobile close', await jd01.post(`/api/mobile/records/${m.id}/close`, { untilDate: today() }));
    await mobileUnchanged();
  },
  'POST /api/mobile/records/:id/contacts': async () => {
    const m = await mobileS2();
    assertDenied('mobile contact', await jd01.post(`/api/mobile/records/${m.id}/contacts`, { channel: '电话', note: '越权' }));
    await mobileUnchanged();
  },
  'POST /api/mobile/records/:id/requests': async () => {
    const m = await mobileS2();
    assertDenied('mobile request', await jd01.post(`/api/mobile/records/${m.id}/requests`, { kind: 'other', description: '越权' }));
    await mobileUnchanged();
  },
  'GET /api/mobile/overdue': async () => {
    await mobileS2();
    assertNoLeak('mobile overdue', await jd01.get('/api/mobile/overdue'));
    assertNoLeak('mobile overdue orgId', await jd01.get('/api/mobile/overdue' + q({ orgId: S2.root.id })));
  },
  'GET /api/mobile/requests': async () => {
    await mobileS2();
    assertNoLeak('mobile requests', await jd01.get('/api/mobile/requests' + q({ pageSize: 200 })));
    assertNoLeak('mobile requests orgId', await jd01.get('/api/mobile/requests' + q({ orgId: S2.root.id, status: 'open' })));
  },
  'POST /api/mobile/requests/:id/assign': async () => {
    await mobileS2();
    assertDenied('mobile assign', await jd01.post(`/api/mobile/requests/${S2.mobileRequest.id}/assign`, { userId: jd01.user.id }));
    await mobileUnchanged();
  },
  'POST /api/mobile/requests/:id/close': async () => {
    await mobileS2();
    assertDenied('mobile request close', await jd01.post(`/api/mobile/requests/${S2.mobileRequest.id}/close`, { result: '越权' }));
    await mobileUnchanged();
  },
};

/** Street 2's mobile record and request (created once, by admin). */
async function mobileS2() {
  if (!S2.mobile) {
    const r = await admin.post('/api/mobile/records', {
      memberId: S2.targetMembers[0],
      direction: 'inflow',
      place: '安徽省合肥市',
      sinceDate: '2020-01-01',
    });
    assert.equal(r.status, 201, r.text);
    S2.mobile = r.json;
    const q2 = await admin.post(`/api/mobile/records/${r.json.id}/requests`, { kind: 'medical', description: '异地就医' });
    assert.equal(q2.status, 201, q2.text);
    S2.mobileRequest = q2.json;
    S2.mobileBefore = JSON.stringify(await admin.ok(`/api/mobile/records/${r.json.id}`));
  }
  return S2.mobile;
}

async function mobileUnchanged() {
  if (!S2.mobile) return;
  assert.equal(JSON.stringify(await admin.ok(`/api/mobile/records/${S2.mobile.id}`)), S2.mobileBefore, 'street-2 mobile record unchanged');
}

// In-service members' dual management: street 2's registration (a street-2 member with a
// street-2 community, so neither side is in street 1), created once by admin.
Object.assign(HANDLERS, {
  'GET /api/dual/registrations': async () => {
    await dualS2();
    for (const side of ['', 'workplace', 'community']) {
      assertNoLeak(`dual registrations ${side}`, await jd01.get('/api/dual/registrations' + q({ side, pageSize: 200 })));
      assertNoLeak(`dual registrations ${side} orgId`, await jd01.get('/api/dual/registrations' + q({ side, orgId: S2.root.id })));
    }
  },
  'GET /api/dual/registrations/:id': async () => {
    const g = await dualS2();
    assertDenied('dual registration', await jd01.get(`/api/dual/registrations/${g.id}`));
  },
  'POST /api/dual/registrations': async () => {
    await dualS2();
    const fields = new Set(['memberId', 'communityOrgId', 'idNumber']);
    assertDenied('dual register street-2 both', await jd01.post('/api/dual/registrations', { memberId: S2.dualSpare, communityOrgId: S2.dualCommunity.id }), fields);
    const c1 = S1.orgs.find((o) => ['community', 'village'].includes(o.branchType) && !o.dissolvedOn);
    if (c1) {
      assertDenied('dual register street-2 member without id number', await jd01.post('/api/dual/registrations', { memberId: S2.dualSpare, communityOrgId: c1.id }), fields);
    }
    await dualUnchanged();
  },
  'PUT /api/dual/registrations/:id': async () => {
    const g = await dualS2();
    assertDenied('dual post', await jd01.put(`/api/dual/registrations/${g.id}`, { post: '越权', version: g.version }));
    await dualUnchanged();
  },
  'POST /api/dual/registrations/:id/end': async () => {
    const g = await dualS2();
    assertDenied('dual end', await jd01.post(`/api/dual/registrations/${g.id}/end`, { endedOn: today() }));
    await dualUnchanged();
  },
  'POST /api/dual/registrations/:id/services': async () => {
    const g = await dualS2();
    assertDenied('dual service', await jd01.post(`/api/dual/registrations/${g.id}/services`, { hours: 1, description: '越权' }));
    await dualUnchanged();
  },
  'GET /api/dual/unregistered': async () => {
    await dualS2();
    assertNoLeak('dual unregistered', await jd01.get('/api/dual/unregistered' + q({ pageSize: 200 })));
    assertNoLeak('dual unregistered orgId', await jd01.get('/api/dual/unregistered' + q({ orgId: S2.root.id })));
  },
});

async function dualS2() {
  if (!S2.dual) {
    S2.dualCommunity = S2.orgs.find((o) => ['community', 'village'].includes(o.branchType) && !o.dissolvedOn);
    assert.ok(S2.dualCommunity, 'street 2 has a community branch');
    const un = await admin.ok('/api/dual/unregistered' + q({ orgId: S2.root.id, pageSize: 2 }));
    assert.ok(un.items.length === 2, 'street 2 has in-service members');
    S2.dualSpare = un.items[1].memberId;
    const r = await admin.post('/api/dual/registrations', { memberId: un.items[0].memberId, communityOrgId: S2.dualCommunity.id, post: '楼道长' });
    assert.equal(r.status, 201, r.text);
    const s = await admin.post(`/api/dual/registrations/${r.json.id}/services`, { hours: 2, description: '楼道清扫' });
    assert.equal(s.status, 201, s.text);
    S2.dual = s.json;
    S2.dualBefore = JSON.stringify(await admin.ok(`/api/dual/registrations/${r.json.id}`));
    S2.dualTotal = (await admin.ok('/api/dual/registrations')).total;
  }
  return S2.dual;
}

async function dualUnchanged() {
  if (!S2.dual) return;
  assert.equal(JSON.stringify(await admin.ok(`/api/dual/registrations/${S2.dual.id}`)), S2.dualBefore, 'street-2 registration unchanged');
  assert.equal((await admin.ok('/api/dual/registrations')).total, S2.dualTotal, 'no new registration');
}

// ---------------------------------------------------------------------------------------------

// Responsibility marks 亮身份亮职责亮承诺: street 2's mark, commitment and public page, created
// once by admin. jd01 can neither read nor change them; the public page cannot be reached
// without the token, which jd01 cannot obtain or regenerate.
Object.assign(HANDLERS, {
  'GET /api/marks/kinds': async () => assertNoLeak('marks kinds', await jd01.get('/api/marks/kinds')),
  'GET /api/marks/branches/:id': async () => {
    await marksS2();
    for (const o of S2.targetOrgs) assertDenied(`marks branch ${o.id}`, await jd01.get(`/api/marks/branches/${o.id}`));
    assertNoLeak('marks own branch', await jd01.get(`/api/marks/branches/${S1.branch.id}`));
  },
  'POST /api/marks/branches/:id/token': async () => {
    await marksS2();
    assertDenied('marks token', await jd01.post(`/api/marks/branches/${S2.branch.id}/token`, {}));
    await marksUnchanged();
  },
  'GET /api/marks/branches/:id/poster.pdf': async () => {
    await marksS2();
    assertDenied('marks poster', await jd01.get(`/api/marks/branches/${S2.branch.id}/poster.pdf`));
  },
  'POST /api/marks': async () => {
    await marksS2();
    const fields = new Set(['memberId']);
    for (const id of S2.targetMembers)
      assertDenied(`mark for member ${id}`, await jd01.post('/api/marks', { memberId: id, kind: 'pioneer_post', title: '越权岗', showPublic: true }), fields);
    await marksUnchanged();
  },
  'PUT /api/marks/:id': async () => {
    const m = await marksS2();
    assertDenied('mark edit', await jd01.put(`/api/marks/${m.id}`, { title: '越权', version: m.version, showPublic: true }));
    await marksUnchanged();
  },
  'POST /api/marks/:id/end': async () => {
    const m = await marksS2();
    assertDenied('mark end', await jd01.post(`/api/marks/${m.id}/end`, {}));
    await marksUnchanged();
  },
  'PUT /api/marks/members/:id/commitments/:year': async () => {
    await marksS2();
    const fields = new Set(['memberId']);
    for (const id of S2.targetMembers)
      assertDenied(`commitment for ${id}`, await jd01.put(`/api/marks/members/${id}/commitments/${new Date().getFullYear()}`, { commitment: '越权', showPublic: true }), fields);
    await marksUnchanged();
  },
  'GET /api/public/branches/:token': async () => {
    await marksS2();
    // Without the token there is no page: a made-up token is 404, with a session or without.
    assert.equal((await jd01.get(`/api/public/branches/${'0'.repeat(32)}`)).status, 404);
    assert.equal((await new Client(srv.url).get(`/api/public/branches/${'f'.repeat(32)}`)).status, 404);
  },
});

async function marksS2() {
  if (!S2.mark) {
    const r = await admin.post('/api/marks', { memberId: S2.targetMembers[0], kind: 'pioneer_post', title: '乙街道先锋岗', showPublic: true });
    assert.equal(r.status, 201, r.text);
    S2.mark = r.json;
    const c = await admin.put(`/api/marks/members/${S2.targetMembers[0]}/commitments/${new Date().getFullYear()}`, { commitment: '乙街道承诺', showPublic: true });
    assert.equal(c.status, 200, c.text);
    const t = await admin.post(`/api/marks/branches/${S2.branch.id}/token`, {});
    assert.equal(t.status, 201, t.text);
    S2.marksPublicPath = t.json.publicPath;
    S2.marksBefore = JSON.stringify(await admin.ok(`/api/marks/branches/${S2.branch.id}`));
  }
  return S2.mark;
}

async function marksUnchanged() {
  if (!S2.mark) return;
  assert.equal(JSON.stringify(await admin.ok(`/api/marks/branches/${S2.branch.id}`)), S2.marksBefore, 'street-2 marks unchanged');
  // The public link still works: jd01 did not regenerate it.
  assert.equal((await new Client(srv.url).get('/api' + S2.marksPublicPath.replace('/p/', '/public/branches/'))).status, 200);
}

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  jd02 = await loginAs(srv.url, 'jd02');

  Object.assign(S1, await collectStreet(jd01.user.orgId));
  Object.assign(S2, await collectStreet(jd02.user.orgId));
  assert.notEqual(S1.root.id, S2.root.id);
  assert.ok(S2.orgs.length > 10 && S2.members.length > 50, 'street 2 has data');

  const pick = (st) => {
    st.community = st.orgs.find((o) => (o.kind === 'general_branch' || o.kind === 'committee') && o.hasChildren);
    st.branch = st.orgs.find((o) => o.kind === 'branch' && o.counts.directMembers >= 3);
    assert.ok(st.community && st.branch);
  };
  pick(S1);
  pick(S2);
  // An empty branch in street 2 (dissolvable if scope were broken) and a spare one in street 1.
  const e = await admin.post('/api/orgs', { parentId: S2.community.id, name: '空置党支部', kind: 'branch' });
  assert.equal(e.status, 201, e.text);
  S2.emptyBranch = e.json;
  const s = await admin.post('/api/orgs', { parentId: S1.community.id, name: '备用党支部', kind: 'branch' });
  assert.equal(s.status, 201, s.text);
  S1.spareBranch = s.json;
  const sm = await admin.post('/api/members', memberBody(S1.spareBranch.id, { name: '备用党员', idNumber: idNumber() }));
  assert.equal(sm.status, 201, sm.text);
  S1.member = sm.json;
  S2.orgs.push(S2.emptyBranch);
  S2.orgIds.add(S2.emptyBranch.id);

  S2.targetOrgs = [S2.root, S2.community, S2.branch, S2.emptyBranch];
  S2.targetMemberRows = S2.members.filter((m) => m.orgId === S2.branch.id).slice(0, 3);
  S2.targetMembers = S2.targetMemberRows.map((m) => m.id);
  S2.memberDetails = {};
  for (const id of S2.targetMembers) S2.memberDetails[id] = await admin.ok(`/api/members/${id}`);

  const users = await admin.ok('/api/users');
  S2.userIds = new Set(users.filter((u) => S2.orgIds.has(u.orgId)).map((u) => u.id));
  S2.user = users.find((u) => u.username === 'jd02');
  assert.ok(S2.user && S2.userIds.has(S2.user.id));

  // A job and a file of each street (keep_good import with one bad row).
  const mkImport = async (client, branch) => {
    const rows = [
      ['姓名', '公民身份证号', '人员类别', '所在党支部', '加入党组织日期', '转为正式党员日期'],
      ['好行', idNumber({ birth: '1966-06-06' }), '正式党员', branch.name, '1990-07-01', '1991-07-01'],
      ['坏行', badCheckIdNumber(), '正式党员', branch.name, '2015-07-01', '2016-07-01'],
    ];
    const r = await client.request('POST', '/api/members/import?mode=keep_good&fileName=x.csv', {
      body: Buffer.from(csv(rows)),
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(r.status, 202, r.text);
    const job = await waitJob(client, r.json.jobId);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.ok(job.result.badFileId, JSON.stringify(job.result));
    return { jobId: job.id, fileId: job.result.badFileId };
  };
  Object.assign(S2, await mkImport(jd02, S2.branch));
  Object.assign(S1, await mkImport(jd01, S1.spareBranch));
  // Re-read street 2's members after the import so the new one counts as street 2's.
  const m2 = await allPages(admin, `/api/members?orgId=${S2.root.id}`);
  S2.members = m2;
  S2.memberIds = new Set(m2.map((m) => m.id));

  // Strings that identify street 2: names of its orgs and members that street 1 does not
  // also contain anywhere (names repeat across streets, e.g. 第一党小组).
  const s1Strings = new Set();
  for (const o of S1.orgs) strings(o, s1Strings);
  for (const m of await allPages(admin, `/api/members?orgId=${S1.root.id}`)) strings(m, s1Strings);
  for (const x of ['党员', '正式党员', '预备党员', '男', '女', '汉族']) s1Strings.add(x);
  S2.uniqueStrings = new Set();
  for (const o of S2.orgs) for (const v of [o.name, o.shortName]) if (v && !s1Strings.has(v)) S2.uniqueStrings.add(v);
  for (const m of S2.members) if (!s1Strings.has(m.name)) S2.uniqueStrings.add(m.name);
  assert.ok(S2.uniqueStrings.has(S2.root.name));
  assert.ok(S2.uniqueStrings.size > 100, `identifying strings: ${S2.uniqueStrings.size}`);

  S2.before = await snapshot();
});

after(async () => {
  await srv?.stop();
});

// The member's own page: jd01 has no member record (404); a member-role login of street 1
// sees only its own record whatever the query or body names, and changes only its own phone.
async function meS1() {
  if (!S1.meClient) {
    const m = S1.members[0];
    const r = srv.cli(['user', 'add', '--username', 'scope_me', '--password', 'Member1234', '--role', 'member',
      '--org-id', String(m.orgId), '--member-id', String(m.id)]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    S1.meClient = await loginAs(srv.url, 'scope_me', 'Member1234');
    S1.meMember = m;
  }
  return S1.meClient;
}
// Democratic evaluation 民主评议: street 2's campaign (created once by admin) is neither listed,
// read, graded nor closed by jd01; a street-2 branch cannot be the target of a new campaign; a
// street-2 member cannot be named helper in street 1's own campaign.
Object.assign(HANDLERS, {
  'GET /api/evaluation/campaigns': async () => {
    await evaluationS2();
    assertNoLeak('evaluation campaigns', await jd01.get('/api/evaluation/campaigns' + q({ pageSize: 200 })));
    assertNoLeak('evaluation campaigns orgId', await jd01.get('/api/evaluation/campaigns' + q({ orgId: S2.root.id })));
  },
  'GET /api/evaluation/campaigns/:id': async () => {
    const k = await evaluationS2();
    assertDenied('evaluation campaign', await jd01.get(`/api/evaluation/campaigns/${k.id}`));
  },
  'POST /api/evaluation/campaigns': async () => {
    const k = await evaluationS2();
    const other = S2.orgs.find((o) => o.kind === 'branch' && o.id !== k.orgId && !o.dissolvedOn) ?? S2.orgs.find((o) => o.kind === 'branch');
    assertDenied('evaluation open street-2 branch', await jd01.post('/api/evaluation/campaigns', { orgId: other.id, year: Number(today().slice(0, 4)) - 1 }));
    assertDenied('evaluation open street-2 root', await jd01.post('/api/evaluation/campaigns', { orgId: S2.root.id, year: Number(today().slice(0, 4)) - 1 }));
    await evaluationUnchanged();
  },
  'PUT /api/evaluation/entries/:id': async () => {
    const k = await evaluationS2();
    const e = k.entries[0];
    assertDenied('evaluation entry', await jd01.put(`/api/evaluation/entries/${e.id}`, { grade: 'poor', version: e.version }));
    // jd01's own campaign may not name a street-2 member as helper.
    const b1 = S1.orgs.find((o) => o.kind === 'branch' && !o.dissolvedOn && S1.members.some((m) => m.orgId === o.id));
    const own = await jd01.post('/api/evaluation/campaigns', { orgId: b1.id, year: Number(today().slice(0, 4)) });
    assert.equal(own.status, 201, own.text);
    const mine = own.json.entries[0];
    const r = await jd01.put(`/api/evaluation/entries/${mine.id}`, { grade: 'poor', helperMemberId: e.memberId, helperRole: '支部委员', version: mine.version });
    assertDenied('evaluation helper from street 2', r, new Set(['helperMemberId']));
    await evaluationUnchanged();
  },
  'POST /api/evaluation/campaigns/:id/close': async () => {
    const k = await evaluationS2();
    assertDenied('evaluation close', await jd01.post(`/api/evaluation/campaigns/${k.id}/close`, {}));
    await evaluationUnchanged();
  },
  'GET /api/evaluation/rollup': async () => {
    await evaluationS2();
    assertNoLeak('evaluation rollup', await jd01.get('/api/evaluation/rollup'));
    assertDenied('evaluation rollup street 2', await jd01.get('/api/evaluation/rollup' + q({ orgId: S2.root.id })));
  },
});

async function evaluationS2() {
  if (!S2.evaluation) {
    const b = S2.orgs.find((o) => o.kind === 'branch' && !o.dissolvedOn && S2.members.some((m) => m.orgId === o.id));
    assert.ok(b, 'street 2 has a branch with members');
    const r = await admin.post('/api/evaluation/campaigns', { orgId: b.id, year: Number(today().slice(0, 4)) });
    assert.equal(r.status, 201, r.text);
    const e = r.json.entries[0];
    const g = await admin.put(`/api/evaluation/entries/${e.id}`, { grade: 'fair', selfAssessment: '学习不够深入', version: e.version });
    assert.equal(g.status, 200, g.text);
    S2.evaluation = await admin.ok(`/api/evaluation/campaigns/${r.json.id}`);
    S2.evaluationBefore = JSON.stringify(S2.evaluation);
    S2.evaluationTotal = (await admin.ok('/api/evaluation/campaigns' + q({ orgId: S2.root.id }))).total;
  }
  return S2.evaluation;
}

async function evaluationUnchanged() {
  if (!S2.evaluation) return;
  assert.equal(JSON.stringify(await admin.ok(`/api/evaluation/campaigns/${S2.evaluation.id}`)), S2.evaluationBefore, 'street-2 campaign unchanged');
  assert.equal((await admin.ok('/api/evaluation/campaigns' + q({ orgId: S2.root.id }))).total, S2.evaluationTotal, 'no new campaign in street 2');
}

Object.assign(HANDLERS, {
  'GET /api/me': async () => {
    assertDenied('me (unlinked)', await jd01.get('/api/me'));
    const c = await meS1();
    const target = S2.members[0].id;
    const r = await c.get('/api/me' + q({ memberId: target, id: target, orgId: S2.root.id }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.member.id, S1.meMember.id);
    assertNoLeak('me', r);
  },
  'PUT /api/me/phone': async () => {
    const target = S2.members[0].id;
    assertDenied('me phone (unlinked)', await jd01.put('/api/me/phone', { phone: phone(), memberId: target }));
    const c = await meS1();
    const r = await c.put('/api/me/phone', { phone: phone(), memberId: target, id: target });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, S1.meMember.id, 'only the caller\'s own record changes');
    assertNoLeak('me phone', r);
  },
});

// Figures 统计: street 2 as orgId is not found through any figures route; jd01's own page, a
// cell's records and both .xlsx files hold nothing of street 2.
Object.assign(HANDLERS, {
  'GET /api/figures': async () => {
    assertDenied('figures street 2', await jd01.get('/api/figures' + q({ orgId: S2.root.id })));
    assertDenied('figures district', await jd01.get('/api/figures' + q({ orgId: 1 })));
    const own = await jd01.get('/api/figures');
    assert.equal(own.status, 200, own.text);
    assertNoLeak('figures own', own);
  },
  'GET /api/figures/export': async () => {
    assertDenied('figures export street 2', await jd01.get('/api/figures/export' + q({ orgId: S2.root.id })));
    assertNoLeak('figures export own', await jd01.get('/api/figures/export'));
  },
  'GET /api/figures/records': async () => {
    const cell = { figure: 'members.by_category', cell: 'full' };
    assertDenied('figure records street 2', await jd01.get('/api/figures/records' + q({ ...cell, orgId: S2.root.id })));
    const own = await jd01.get('/api/figures/records' + q({ ...cell, pageSize: 200 }));
    assert.equal(own.status, 200, own.text);
    assert.ok(own.json.total > 0);
    assertNoLeak('figure records own', own);
  },
  'GET /api/figures/records/export': async () => {
    const cell = { figure: 'members.by_category', cell: 'full' };
    assertDenied('figure records export street 2', await jd01.get('/api/figures/records/export' + q({ ...cell, orgId: S2.root.id })));
    assertNoLeak('figure records export own', await jd01.get('/api/figures/records/export' + q(cell)));
  },
});

// The grid 片组户: an area, a group and a household in each street (made by admin); jd01 must
// not read or change street 2's through any grid route.
async function gridSetup() {
  if (!S2.grid) {
    const mk = async (S, tag) => {
      const isCommunity = (o) => ['community', 'village'].includes(o.branchType) && !o.dissolvedOn;
      const co = S.orgs.find((o) => isCommunity(o) && !S.orgs.some((p) => p.id === o.parentId && isCommunity(p)));
      assert.ok(co, `street ${tag} has a community`);
      const a = await admin.post('/api/grid/areas', { orgId: co.id, name: `范围测试片区${tag}` });
      assert.equal(a.status, 201, a.text);
      const g = await admin.post('/api/grid/groups', { areaId: a.json.id, name: `范围测试组${tag}` });
      assert.equal(g.status, 201, g.text);
      const h = await admin.post('/api/grid/households', { groupId: g.json.id, building: '9', unit: '1', room: '101', headName: `范围户主${tag}`, tags: ['elderly_alone'] });
      assert.equal(h.status, 201, h.text);
      const m = S.members.find((x) => x.orgId !== undefined);
      const as = await admin.post('/api/grid/assign', { householdIds: [h.json.id], memberId: m.id });
      assert.equal(as.status, 200, as.text);
      return { community: co, area: a.json, group: g.json, household: h.json, member: m };
    };
    S1.grid = await mk(S1, '甲');
    S2.grid = await mk(S2, '乙');
    S2.gridBefore = JSON.stringify(await admin.ok(`/api/grid/households/${S2.grid.household.id}`));
    S2.gridAreas = JSON.stringify(await admin.ok('/api/grid/areas' + q({ orgId: S2.grid.community.id })));
  }
  return S2.grid;
}
async function gridUnchanged() {
  assert.equal(JSON.stringify(await admin.ok(`/api/grid/households/${S2.grid.household.id}`)), S2.gridBefore, 'street-2 household unchanged');
  assert.equal(JSON.stringify(await admin.ok('/api/grid/areas' + q({ orgId: S2.grid.community.id }))), S2.gridAreas, 'street-2 grid unchanged');
}
const GRID_FIELDS = new Set([...ORG_FIELDS, 'areaId', 'groupId', 'householdIds', 'memberId', 'partyOrgId', 'branchOrgId', 'leaderMemberId']);
Object.assign(HANDLERS, {
  'GET /api/grid/areas': async () => {
    const g = await gridSetup();
    assertNoLeak('grid areas', await jd01.get('/api/grid/areas'));
    assertDenied('grid areas orgId', await jd01.get('/api/grid/areas' + q({ orgId: g.community.id })));
    assertDenied('grid areas areaId', await jd01.get('/api/grid/areas' + q({ areaId: g.area.id })), GRID_FIELDS);
  },
  'POST /api/grid/areas': async () => {
    const g = await gridSetup();
    assertDenied('grid area create', await jd01.post('/api/grid/areas', { orgId: g.community.id, name: '越权片区' }));
    assertDenied('grid area leader', await jd01.post('/api/grid/areas', { orgId: S1.grid.community.id, name: '越权片区2', leaderMemberId: g.member.id }), GRID_FIELDS);
    await gridUnchanged();
  },
  'PUT /api/grid/areas/:id': async () => {
    const g = await gridSetup();
    assertDenied('grid area update', await jd01.put(`/api/grid/areas/${g.area.id}`, { name: '越权', version: g.area.version }));
    await gridUnchanged();
  },
  'POST /api/grid/areas/:id/buildings': async () => {
    const g = await gridSetup();
    assertDenied('grid building', await jd01.post(`/api/grid/areas/${g.area.id}/buildings`, { building: '9', partyOrgId: S1.grid.community.id }));
    assertDenied('grid building org', await jd01.post(`/api/grid/areas/${S1.grid.area.id}/buildings`, { building: '9', partyOrgId: g.community.id }), GRID_FIELDS);
    await gridUnchanged();
  },
  'POST /api/grid/groups': async () => {
    const g = await gridSetup();
    assertDenied('grid group create', await jd01.post('/api/grid/groups', { areaId: g.area.id, name: '越权组' }), GRID_FIELDS);
    await gridUnchanged();
  },
  'PUT /api/grid/groups/:id': async () => {
    const g = await gridSetup();
    assertDenied('grid group update', await jd01.put(`/api/grid/groups/${g.group.id}`, { name: '越权', version: 1 }));
    await gridUnchanged();
  },
  'GET /api/grid/households/import-template': async () => {
    assertNoLeak('grid import template', await jd01.get('/api/grid/households/import-template'));
  },
  'POST /api/grid/households/import': async () => {
    const g = await gridSetup();
    const rows = [
      ['社区（村）', '片区', '联户小组', '幢（楼）', '单元', '室', '户主姓名'],
      [g.community.name, g.area.name, g.group.name, '9', '2', '202', '越权户'],
    ];
    await importMustNotTouch('grid import', '/api/grid/households/import?mode=keep_good&fileName=h.csv', Buffer.from(csv(rows)));
    await gridUnchanged();
  },
  'GET /api/grid/households': async () => {
    const g = await gridSetup();
    for (const filter of ['', 'no_contact', 'key', 'key_unvisited'])
      assertNoLeak(`grid households ${filter}`, await jd01.get('/api/grid/households' + q({ filter, pageSize: 200 })));
    assertDenied('grid households orgId', await jd01.get('/api/grid/households' + q({ orgId: g.community.id })));
    assertDenied('grid households groupId', await jd01.get('/api/grid/households' + q({ groupId: g.group.id })), GRID_FIELDS);
  },
  'GET /api/grid/households/:id': async () => {
    const g = await gridSetup();
    assertDenied('grid household', await jd01.get(`/api/grid/households/${g.household.id}`));
  },
  'POST /api/grid/households': async () => {
    const g = await gridSetup();
    assertDenied('grid household create', await jd01.post('/api/grid/households', { groupId: g.group.id, building: '9', headName: '越权' }), GRID_FIELDS);
    await gridUnchanged();
  },
  'PUT /api/grid/households/:id': async () => {
    const g = await gridSetup();
    assertDenied('grid household update', await jd01.put(`/api/grid/households/${g.household.id}`, { groupId: S1.grid.group.id, building: '9', headName: '越权', version: g.household.version }));
    assertDenied('grid household move in', await jd01.put(`/api/grid/households/${S1.grid.household.id}`, { groupId: g.group.id, building: '9', headName: '越权', version: S1.grid.household.version }), GRID_FIELDS);
    await gridUnchanged();
  },
  'POST /api/grid/households/:id/release': async () => {
    const g = await gridSetup();
    assertDenied('grid release', await jd01.post(`/api/grid/households/${g.household.id}/release`, {}));
    await gridUnchanged();
  },
  'POST /api/grid/assign': async () => {
    const g = await gridSetup();
    assertDenied('grid assign household', await jd01.post('/api/grid/assign', { householdIds: [g.household.id], memberId: S1.grid.member.id }), GRID_FIELDS);
    assertDenied('grid assign member', await jd01.post('/api/grid/assign', { householdIds: [S1.grid.household.id], memberId: g.member.id }), GRID_FIELDS);
    await gridUnchanged();
  },
  'GET /api/grid/contacts': async () => {
    const g = await gridSetup();
    for (const load of ['', 'idle', 'over', 'under']) assertNoLeak(`grid contacts ${load}`, await jd01.get('/api/grid/contacts' + q({ load, pageSize: 200 })));
    assertDenied('grid contacts orgId', await jd01.get('/api/grid/contacts' + q({ orgId: g.community.id })));
  },
  'GET /api/grid/coverage': async () => {
    const g = await gridSetup();
    assertNoLeak('grid coverage', await jd01.get('/api/grid/coverage'));
    assertNoLeak('grid coverage root', await jd01.get('/api/grid/coverage' + q({ orgId: S1.root.id })));
    assertDenied('grid coverage orgId', await jd01.get('/api/grid/coverage' + q({ orgId: g.community.id })));
    assertDenied('grid coverage areaId', await jd01.get('/api/grid/coverage' + q({ areaId: g.area.id })));
  },
  'GET /api/grid/coverage/list': async () => {
    const g = await gridSetup();
    for (const kind of ['households', 'contacts', 'areas', 'groups'])
      assertNoLeak(`grid coverage list ${kind}`, await jd01.get('/api/grid/coverage/list' + q({ kind, pageSize: 200 })));
    assertDenied('grid coverage list orgId', await jd01.get('/api/grid/coverage/list' + q({ kind: 'households', orgId: g.community.id })));
  },
  'GET /api/grid/my-households': async () => {
    await gridSetup();
    assertNoLeak('grid my households', await jd01.get('/api/grid/my-households' + q({ memberId: S2.grid.member.id })));
  },
});

// Grid management pages: an area's buildings, the organizations a community's grid can attach,
// and the household list narrowed to one contact member (a street-2 member is refused).
const gridHouseholdsHandler = HANDLERS['GET /api/grid/households'];
Object.assign(HANDLERS, {
  'GET /api/grid/households': async () => {
    await gridHouseholdsHandler();
    const g = await gridSetup();
    assertDenied('grid households memberId', await jd01.get('/api/grid/households' + q({ memberId: g.member.id })), GRID_FIELDS);
    assertNoLeak('grid households own member', await jd01.get('/api/grid/households' + q({ memberId: S1.grid.member.id })));
  },
  'GET /api/grid/areas/:id/buildings': async () => {
    const g = await gridSetup();
    assertDenied('grid area buildings', await jd01.get(`/api/grid/areas/${g.area.id}/buildings`));
    assertNoLeak('grid own area buildings', await jd01.get(`/api/grid/areas/${S1.grid.area.id}/buildings`));
  },
  'GET /api/grid/org-options': async () => {
    const g = await gridSetup();
    assertDenied('grid org options', await jd01.get('/api/grid/org-options' + q({ orgId: g.community.id })));
    assertNoLeak('grid own org options', await jd01.get('/api/grid/org-options' + q({ orgId: S1.grid.community.id })));
  },
});

// Visit logs 网格日志: a visit (with a photo) in street 2's household; jd01 must not read, log
// for, or attach to it through any visits route.
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
async function visitSetup() {
  const g = await gridSetup();
  if (!S2.visit) {
    const v = await admin.post('/api/visits', { householdId: g.household.id, kind: 'home', note: '范围测试走访', memberId: g.member.id });
    assert.equal(v.status, 201, v.text);
    const ph = await admin.request('POST', `/api/visits/${v.json.id}/photo`, { body: PNG });
    assert.equal(ph.status, 200, ph.text);
    await admin.post('/api/grid/areas/' + g.area.id + '/buildings', { building: '9', partyOrgId: g.community.id });
    S2.visit = v.json;
    S2.gridBefore = JSON.stringify(await admin.ok(`/api/grid/households/${g.household.id}`));
    S2.gridAreas = JSON.stringify(await admin.ok('/api/grid/areas' + q({ orgId: g.community.id })));
    S2.visitsBefore = JSON.stringify(await admin.ok('/api/visits' + q({ householdId: g.household.id })));
  }
  return S2.visit;
}
async function visitsUnchanged() {
  await gridUnchanged();
  assert.equal(JSON.stringify(await admin.ok('/api/visits' + q({ householdId: S2.grid.household.id }))), S2.visitsBefore, 'street-2 visits unchanged');
}
const VISIT_FIELDS = new Set([...GRID_FIELDS, 'householdId']);
Object.assign(HANDLERS, {
  'GET /api/visits': async () => {
    await visitSetup();
    assertNoLeak('visits', await jd01.get('/api/visits'));
    assertNoLeak('visits of a street-2 member', await jd01.get('/api/visits' + q({ memberId: S2.grid.member.id })));
    assertDenied('visits of a street-2 household', await jd01.get('/api/visits' + q({ householdId: S2.grid.household.id })), VISIT_FIELDS);
  },
  'POST /api/visits': async () => {
    await visitSetup();
    assertDenied('visit for a street-2 household', await jd01.post('/api/visits', { householdId: S2.grid.household.id, kind: 'home', note: '越权走访' }), VISIT_FIELDS);
    await visitsUnchanged();
  },
  'POST /api/visits/:id/photo': async () => {
    const v = await visitSetup();
    assertDenied('photo on a street-2 visit', await jd01.request('POST', `/api/visits/${v.id}/photo`, { body: PNG }));
    await visitsUnchanged();
  },
  'GET /api/visits/:id/photo': async () => {
    const v = await visitSetup();
    assertDenied('photo of a street-2 visit', await jd01.get(`/api/visits/${v.id}/photo`));
  },
  'GET /api/visits/due': async () => {
    await visitSetup();
    assertNoLeak('due visits', await jd01.get('/api/visits/due'));
    assertDenied('due visits of a street-2 community', await jd01.get('/api/visits/due' + q({ orgId: S2.grid.community.id })));
  },
});

// Transfers 组织关系接转: street 2's case (one street-2 member to another street-2 branch, sent;
// and one out of the district, for the public page). Two-sided: a case jd01 sees must have one
// side in street 1; street 2's names in it are the counterpart's and are not checked as leaks.
async function transferS2() {
  if (!S2.transfer) {
    const branches = S2.orgs.filter((o) => o.kind === 'branch' && !o.dissolvedOn);
    const from = branches.find((o) => o.counts.directMembers >= 3);
    const to = branches.find((o) => o.id !== from.id);
    const ms = await admin.ok('/api/members' + q({ orgId: from.id, pageSize: 3 }));
    const start = async (body) => {
      const r = await admin.post('/api/transfers', body);
      assert.equal(r.status, 201, r.text);
      const s = await admin.post(`/api/transfers/${r.json.id}/send`, {});
      assert.equal(s.status, 200, s.text);
      return s.json;
    };
    S2.transfer = await start({ direction: 'within', memberId: ms.items[0].id, toOrgId: to.id, reason: '范围测试' });
    S2.transferOut = await start({ direction: 'out', memberId: ms.items[1].id, toOutside: '区外范围测试支部', reason: '范围测试' });
    S2.transferSpare = ms.items[2].id;
    S2.transferBefore = JSON.stringify([await admin.ok(`/api/transfers/${S2.transfer.id}`), await admin.ok(`/api/transfers/${S2.transferOut.id}`)]);
    S2.transferTotal = (await admin.ok('/api/transfers')).total;
  }
  return S2.transfer;
}
async function transferUnchanged() {
  if (!S2.transfer) return;
  const now = JSON.stringify([await admin.ok(`/api/transfers/${S2.transfer.id}`), await admin.ok(`/api/transfers/${S2.transferOut.id}`)]);
  assert.equal(now, S2.transferBefore, 'street-2 transfers unchanged');
  assert.equal((await admin.ok('/api/transfers')).total, S2.transferTotal, 'no new transfer');
}
function transferListNoLeak(label, r) {
  if (r.status === 200) {
    for (const x of r.json.items) {
      assert.ok(S1.orgIds.has(x.fromOrgId) || S1.orgIds.has(x.toOrgId), `${label}: case ${x.id} has no side in street 1`);
      if (!S1.orgIds.has(x.fromOrgId)) delete x.fromName;
      if (!S1.orgIds.has(x.toOrgId)) delete x.toName;
    }
  }
  assertNoLeak(label, r);
}
const transferFields = new Set([...ORG_FIELDS, 'memberId', 'toOrgId']);
Object.assign(HANDLERS, {
  'GET /api/transfers': async () => {
    await transferS2();
    for (const tab of ['all', 'out', 'in']) {
      transferListNoLeak(`transfers ${tab}`, await jd01.get('/api/transfers' + q({ tab, pageSize: 200 })));
      transferListNoLeak(`transfers ${tab} orgId`, await jd01.get('/api/transfers' + q({ tab, orgId: S2.root.id })));
    }
  },
  'GET /api/transfers/:id': async () => {
    const t = await transferS2();
    assertDenied('transfer', await jd01.get(`/api/transfers/${t.id}`));
  },
  'GET /api/transfers/targets': async () => {
    // A directory of receiving branches (id and name only) across the district, by design: the
    // sending side must name a branch of another street. No member, path, user or count in it.
    const r = await jd01.get('/api/transfers/targets' + q({ q: '支部' }));
    assert.equal(r.status, 200, r.text);
    for (const x of r.json.items) assert.deepEqual(Object.keys(x).sort(), ['id', 'name', 'parentName']);
  },
  'POST /api/transfers': async () => {
    await transferS2();
    assertDenied('transfer start street-2 member', await jd01.post('/api/transfers', { direction: 'within', memberId: S2.transferSpare, toOrgId: S1.branch.id, reason: '越权' }), transferFields);
    assertDenied('transfer out street-2 member', await jd01.post('/api/transfers', { direction: 'out', memberId: S2.transferSpare, toOutside: '外地', reason: '越权' }), transferFields);
    assertDenied('transfer in to street 2', await jd01.post('/api/transfers', { direction: 'in', toOrgId: S2.branch.id, fromOutside: '外地', reason: '越权', name: '越权', idNumber: idNumber(), category: 'full' }), transferFields);
    await transferUnchanged();
  },
  ...Object.fromEntries(['send', 'receive', 'complete', 'return', 'cancel'].map((a) => [`POST /api/transfers/:id/${a}`, async () => {
    const t = await transferS2();
    assertDenied(`transfer ${a}`, await jd01.post(`/api/transfers/${t.id}/${a}`, { reason: '越权' }));
    assertDenied(`transfer out ${a}`, await jd01.post(`/api/transfers/${S2.transferOut.id}/${a}`, { reason: '越权' }));
    await transferUnchanged();
  }])),
  'GET /api/transfers/:id/letter.pdf': async () => {
    const t = await transferS2();
    assertDenied('transfer letter', await jd01.get(`/api/transfers/${t.id}/letter.pdf`));
  },
  'GET /api/public/transfers/:code': async () => {
    // Public by design for whoever holds the letter's code: masked name, organization names, state.
    await transferS2();
    const r = await jd01.get(`/api/public/transfers/${S2.transferOut.code}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(!('id' in r.json) && !('memberId' in r.json) && !('checkCode' in r.json));
    assert.match(r.json.memberName, /^.\*+$/u);
  },
  'POST /api/public/transfers/:code/receipt': async () => {
    await transferS2();
    const r = await jd01.post(`/api/public/transfers/${S2.transferOut.code}/receipt`, { check: 'AAAAAA', receiver: '越权' });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.field, 'check');
    const d = await admin.ok(`/api/transfers/${S2.transferOut.id}`);
    assert.equal(d.state, 'sent');
    S2.transferBefore = JSON.stringify([await admin.ok(`/api/transfers/${S2.transfer.id}`), d]);
  },
});

test('every route is known to the scope test', () => {
  const routes = listRoutes().map((r) => `${r.method} ${r.pattern}`);
  const unknown = routes.filter((r) => !HANDLERS[r]);
  assert.deepEqual(unknown, [], `routes the scope test does not exercise (extend HANDLERS in ${import.meta.url}): ${unknown.join(', ')}`);
  const stale = Object.keys(HANDLERS).filter((k) => !routes.includes(k));
  assert.deepEqual(stale, [], 'handlers for routes that no longer exist');
});

test('street user jd01 can neither read nor change anything of street 2, through any route', async (t) => {
  for (const { method, pattern } of listRoutes()) {
    const key = `${method} ${pattern}`;
    const h = HANDLERS[key];
    if (!h) continue; // reported by the test above
    await t.test(key, async () => {
      await h();
    });
  }
});

test('afterwards nothing of street 2 changed (as admin)', async () => {
  const after = await snapshot();
  assert.deepEqual(Object.keys(after.orgs).sort(), Object.keys(S2.before.orgs).sort(), 'same organizations in street 2');
  for (const id of Object.keys(S2.before.orgs)) assert.equal(after.orgs[id], S2.before.orgs[id], `org ${id} unchanged`);
  assert.deepEqual(Object.keys(after.members).sort(), Object.keys(S2.before.members).sort(), 'same members in street 2');
  for (const id of Object.keys(S2.before.members)) assert.equal(after.members[id], S2.before.members[id], `member ${id} unchanged`);
  assert.deepEqual(after.detail, S2.before.detail);
  assert.deepEqual(after.users, S2.before.users);
  // jd02 still logs in with the demo password and sees its street.
  const again = await loginAs(srv.url, 'jd02');
  assert.equal(again.user.orgId, S2.root.id);
  // Settings unchanged.
  assert.equal((await admin.ok('/api/settings')).find((x) => x.key === 'org.branch_max_members').value, 50);
  // Nothing in the audit log says jd01 changed a street-2 record.
  const audit = await allPages(admin, '/api/audit?q=' + encodeURIComponent('jd01'));
  const bad = audit.filter((e) => /jd01/.test(e.actorName) && e.entity !== 'session' && e.action !== 'export' && S2.before.orgs[e.entityId] && e.entity === 'org');
  assert.deepEqual(bad, []);
});

// Recruitment 发展党员: street 2's applicant (an activist), created once by admin.
async function pipelineS2() {
  if (!S2.applicant) {
    const r = await admin.post('/api/pipeline/applicants', {
      name: '采荷发展甲', idNumber: idNumber({ birth: '1996-04-02' }), orgId: S2.branch.id, migrant: true, appliedOn: '2024-01-05',
    });
    assert.equal(r.status, 201, r.text);
    S2.uniqueStrings.add('采荷发展甲');
    for (const [no, on] of [[2, '2024-02-01'], [3, '2024-07-01']]) {
      const s = await admin.post(`/api/pipeline/applicants/${r.json.id}/steps`, { stepNo: no, doneOn: on, decision: '同意' });
      assert.equal(s.status, 201, s.text);
    }
    S2.applicant = r.json;
    S2.applicantBefore = JSON.stringify(await admin.ok(`/api/pipeline/applicants/${r.json.id}`));
    const s1 = await admin.post('/api/pipeline/applicants', {
      name: '凯旋发展乙', idNumber: idNumber({ birth: '1997-05-03' }), orgId: S1.branch.id, appliedOn: '2024-01-05',
    });
    assert.equal(s1.status, 201, s1.text);
    S1.applicant = s1.json;
  }
  return S2.applicant;
}
async function pipelineUnchanged() {
  if (!S2.applicant) return;
  assert.equal(JSON.stringify(await admin.ok(`/api/pipeline/applicants/${S2.applicant.id}`)), S2.applicantBefore, 'street-2 applicant unchanged');
}
const pipelineWrite = (sub, body) => async () => {
  const a = await pipelineS2();
  assertDenied(`pipeline ${sub}`, await jd01.post(`/api/pipeline/applicants/${a.id}/${sub}`, body));
  await pipelineUnchanged();
};
Object.assign(HANDLERS, {
  'GET /api/pipeline/config': async () => assertNoLeak('pipeline config', await jd01.get('/api/pipeline/config')),
  'PUT /api/pipeline/steps/:no': async () => assertDenied('pipeline step def', await jd01.put('/api/pipeline/steps/1', { name: '越权' })),
  'POST /api/pipeline/questions': async () => assertDenied('pipeline question', await jd01.post('/api/pipeline/questions', { text: '越权' })),
  'PUT /api/pipeline/questions/:id': async () => assertDenied('pipeline question edit', await jd01.put('/api/pipeline/questions/1', { text: '越权' })),
  'POST /api/pipeline/point-items': async () => assertDenied('pipeline item', await jd01.post('/api/pipeline/point-items', { name: '越权', points: 9 })),
  'PUT /api/pipeline/point-items/:id': async () => assertDenied('pipeline item edit', await jd01.put('/api/pipeline/point-items/1', { name: '越权', points: 9 })),
  'GET /api/pipeline/board': async () => {
    await pipelineS2();
    const b = await jd01.get('/api/pipeline/board');
    assertNoLeak('pipeline board', b);
    assert.ok(b.json.columns.some((c) => c.cards.some((x) => x.id === S1.applicant.id)), 'own applicant on the board');
    assertDenied('pipeline board orgId', await jd01.get('/api/pipeline/board' + q({ orgId: S2.root.id })));
  },
  'GET /api/pipeline/applicants': async () => {
    await pipelineS2();
    assertNoLeak('pipeline applicants', await jd01.get('/api/pipeline/applicants' + q({ pageSize: 200 })));
    assertNoLeak('pipeline applicants q', await jd01.get('/api/pipeline/applicants' + q({ q: '采荷发展甲' })));
    assertDenied('pipeline applicants orgId', await jd01.get('/api/pipeline/applicants' + q({ orgId: S2.root.id })));
  },
  'GET /api/pipeline/counts': async () => {
    await pipelineS2();
    const r = await jd01.get('/api/pipeline/counts');
    assertNoLeak('pipeline counts', r);
    assertDenied('pipeline counts orgId', await jd01.get('/api/pipeline/counts' + q({ orgId: S2.root.id })));
  },
  'GET /api/pipeline/applicants/:id': async () => {
    const a = await pipelineS2();
    assertDenied('pipeline applicant', await jd01.get(`/api/pipeline/applicants/${a.id}`));
  },
  'POST /api/pipeline/applicants': async () => {
    await pipelineS2();
    assertDenied('pipeline apply in street 2', await jd01.post('/api/pipeline/applicants', {
      name: '越权申请', idNumber: idNumber({ birth: '1998-01-01' }), orgId: S2.branch.id, appliedOn: '2024-01-01',
    }));
  },
  'POST /api/pipeline/applicants/:id/steps': pipelineWrite('steps', { stepNo: 4, doneOn: today(), decision: '越权' }),
  'POST /api/pipeline/applicants/:id/people': async () => {
    await pipelineWrite('people', { role: 'sponsor', memberId: S1.member.id })();
    // An own applicant cannot take a street-2 member as sponsor.
    const own = await admin.post(`/api/pipeline/applicants/${S1.applicant.id}/steps`, { stepNo: 2, doneOn: '2024-02-01', decision: '谈话' });
    if (own.status === 201) await admin.post(`/api/pipeline/applicants/${S1.applicant.id}/steps`, { stepNo: 3, doneOn: '2024-07-01', decision: '确定' });
    assertDenied('pipeline sponsor from street 2', await jd01.post(`/api/pipeline/applicants/${S1.applicant.id}/people`, { role: 'sponsor', memberId: S2.targetMembers[0] }), new Set(['memberId']));
  },
  'POST /api/pipeline/applicants/:id/training': pipelineWrite('training', { fromDate: '2024-08-01', toDate: '2024-08-03', days: 3, hours: 24, organizer: '越权' }),
  'POST /api/pipeline/applicants/:id/documents': pipelineWrite('documents', { name: '越权', dated: '2024-08-01' }),
  'POST /api/pipeline/applicants/:id/documents/file': async () => {
    const a = await pipelineS2();
    const r = await jd01.request('POST', `/api/pipeline/applicants/${a.id}/documents/file` + q({ name: '越权.pdf', dated: '2024-08-01' }), {
      body: Buffer.from('%PDF-1.4 x'), headers: { 'content-type': 'application/octet-stream' },
    });
    assertDenied('pipeline document file', r);
    await pipelineUnchanged();
  },
  'POST /api/pipeline/applicants/:id/points': pipelineWrite('points', { itemId: 1, earnedOn: '2024-08-01' }),
  'POST /api/pipeline/applicants/:id/move': async () => {
    await pipelineWrite('move', { orgId: S1.branch.id, movedOn: today(), reason: '越权' })();
    assertDenied('pipeline move own into street 2', await jd01.post(`/api/pipeline/applicants/${S1.applicant.id}/move`, { orgId: S2.branch.id, movedOn: today(), reason: '越权' }));
  },
  'PUT /api/pipeline/applicants/:id/questionnaire': async () => {
    const a = await pipelineS2();
    assertDenied('pipeline questionnaire', await jd01.put(`/api/pipeline/applicants/${a.id}/questionnaire`, { answers: [{ questionId: 1, answer: '越权' }] }));
    await pipelineUnchanged();
  },
});

// Residents' problems 民情: a problem of street 2's grid household (hotline, by admin) and one of
// street 1's; jd01 can neither read nor act on street 2's, nor print its household's card.
async function problemsS2() {
  if (!S2.problem) {
    const g = await gridSetup();
    const r = await admin.post('/api/problems', { kind: '环境卫生', text: '范围测试民情乙', reporterName: '乙街道居民', phone: '13811112222', householdId: g.household.id });
    assert.equal(r.status, 201, r.text);
    S2.uniqueStrings.add('范围测试民情乙');
    S2.problem = r.json;
    S2.problemBefore = JSON.stringify(await admin.ok(`/api/problems/${r.json.id}`));
    const r1 = await admin.post('/api/problems', { kind: '环境卫生', text: '范围测试民情甲', reporterName: '甲街道居民', householdId: S1.grid.household.id });
    assert.equal(r1.status, 201, r1.text);
    S1.problem = r1.json;
  }
  return S2.problem;
}
async function problemsUnchanged() {
  if (!S2.problem) return;
  assert.equal(JSON.stringify(await admin.ok(`/api/problems/${S2.problem.id}`)), S2.problemBefore, 'street-2 problem unchanged');
}
const PROBLEM_FIELDS = new Set([...ORG_FIELDS, 'householdId', 'householdIds', 'memberId']);
const problemWrite = (sub, body) => async () => {
  const p = await problemsS2();
  assertDenied(`problem ${sub}`, await jd01.post(`/api/problems/${p.id}/${sub}`, body), PROBLEM_FIELDS);
  await problemsUnchanged();
};
Object.assign(HANDLERS, {
  'GET /api/problems/kinds': async () => assertNoLeak('problem kinds', await jd01.get('/api/problems/kinds')),
  'GET /api/problems': async () => {
    await problemsS2();
    const r = await jd01.get('/api/problems' + q({ pageSize: 200 }));
    assert.equal(r.status, 200, r.text);
    assertNoLeak('problems', r);
    assert.ok(r.json.items.some((x) => x.id === S1.problem.id), 'own problem listed');
    assert.ok(!r.json.items.some((x) => x.id === S2.problem.id), 'street-2 problem not listed');
    assertNoLeak('problems q', await jd01.get('/api/problems' + q({ q: '范围测试民情乙' })));
    assertDenied('problems orgId', await jd01.get('/api/problems' + q({ orgId: S2.root.id })));
  },
  'GET /api/problems/:id': async () => {
    const p = await problemsS2();
    assertDenied('problem', await jd01.get(`/api/problems/${p.id}`));
  },
  'GET /api/problems/cards.pdf': async () => {
    const g = await gridSetup();
    assertDenied('cards', await jd01.get('/api/problems/cards.pdf' + q({ householdIds: String(g.household.id) })), PROBLEM_FIELDS);
  },
  'POST /api/problems': async () => {
    const g = await gridSetup();
    assertDenied('problem for street-2 household', await jd01.post('/api/problems', { kind: '其他', text: '越权', phone: '13800000000', householdId: g.household.id }), PROBLEM_FIELDS);
    assertDenied('problem at street-2 org', await jd01.post('/api/problems', { kind: '其他', text: '越权', phone: '13800000000', orgId: S2.root.id }), PROBLEM_FIELDS);
  },
  'POST /api/problems/:id/assign': async () => {
    await problemWrite('assign', { orgId: S1.root.id })();
    // Nor can an own problem be handed to a street-2 organization or member.
    assertDenied('problem assign to street 2', await jd01.post(`/api/problems/${S1.problem.id}/assign`, { orgId: S2.root.id }), PROBLEM_FIELDS);
    assertDenied('problem assign street-2 member', await jd01.post(`/api/problems/${S1.problem.id}/assign`, { memberId: S2.grid.member.id }), PROBLEM_FIELDS);
  },
  'POST /api/problems/:id/start': problemWrite('start', {}),
  'POST /api/problems/:id/escalate': problemWrite('escalate', {}),
  'POST /api/problems/:id/answer': problemWrite('answer', { answer: '越权答复' }),
  'POST /api/problems/:id/close': problemWrite('close', { satisfaction: 'satisfied' }),
  'GET /api/public/problems/challenge': async () => assertNoLeak('problem challenge', await jd01.get('/api/public/problems/challenge')),
  'GET /api/public/problems/cards/:token': async () => {
    assert.equal((await jd01.get(`/api/public/problems/cards/${'0'.repeat(32)}`)).status, 404);
  },
  'POST /api/public/problems': async () => {
    // Without a solved human check nothing is created.
    const r = await jd01.post('/api/public/problems', { kind: '其他', text: '越权', phone: '13800000000', challenge: 'x.y.z', answer: '1' });
    assert.equal(r.status, 400);
    assert.equal(r.json.field, 'answer');
  },
  'GET /api/public/problems/:number': async () => {
    const p = await problemsS2();
    // The number alone (without its secret) opens nothing.
    assert.equal((await jd01.get(`/api/public/problems/${p.number}` + q({ secret: '00000000' }))).status, 404);
    assert.equal((await jd01.get(`/api/public/problems/${p.number}`)).status, 404);
  },
  'POST /api/public/problems/:number/rate': async () => {
    const p = await problemsS2();
    assert.equal((await jd01.post(`/api/public/problems/${p.number}/rate`, { secret: '00000000', satisfaction: 'unsatisfied' })).status, 404);
    await problemsUnchanged();
  },
  // The contact member's routes: the assignment is the authorization. jd01 (no member record) and a
  // street-1 member login (meS1) neither list, read, answer nor pass street 2's problem.
  'GET /api/me/problems': async () => {
    await problemsS2();
    const g = await gridSetup();
    assertDenied('my problems (unlinked)', await jd01.get('/api/me/problems'));
    const c = await meS1();
    for (const query of [{}, { householdId: g.household.id }]) {
      const r = await c.get('/api/me/problems' + q(query));
      assert.equal(r.status, 200, r.text);
      assert.ok(!r.json.items.some((x) => x.id === S2.problem.id), 'street-2 problem not listed');
      assertNoLeak('my problems', r);
    }
  },
  'GET /api/me/problems/:id': async () => {
    const p = await problemsS2();
    assertDenied('my problem (unlinked)', await jd01.get(`/api/me/problems/${p.id}`));
    assertDenied('my problem (other member)', await (await meS1()).get(`/api/me/problems/${p.id}`));
  },
  'POST /api/me/problems/:id/answer': async () => {
    const p = await problemsS2();
    assertDenied('my problem answer (unlinked)', await jd01.post(`/api/me/problems/${p.id}/answer`, { answer: '越权答复' }));
    assertDenied('my problem answer (other member)', await (await meS1()).post(`/api/me/problems/${p.id}/answer`, { answer: '越权答复' }));
    await problemsUnchanged();
  },
  'POST /api/me/problems/:id/pass': async () => {
    const p = await problemsS2();
    assertDenied('my problem pass (unlinked)', await jd01.post(`/api/me/problems/${p.id}/pass`, { note: '越权交回' }));
    assertDenied('my problem pass (other member)', await (await meS1()).post(`/api/me/problems/${p.id}/pass`, { note: '越权交回' }));
    await problemsUnchanged();
  },
});

// Mobilization 一键动员: a mobilization of a street-2 community (made by admin); jd01 must not
// read, preview, form, close or cancel it, and street users do not read the outbox.
async function mobilizeSetup() {
  if (!S2.mobilization) {
    const g = await gridSetup();
    const r = await admin.post('/api/mobilize', { orgId: g.community.id, title: '范围测试动员乙', teamSize: 5 });
    assert.equal(r.status, 201, r.text);
    S2.mobilization = r.json;
    S2.mobilizationBefore = JSON.stringify((({ teams, ...rest }) => ({ ...rest, messages: undefined, teams: teams.map((t) => t.id) }))(r.json));
  }
  return S2.mobilization;
}
async function mobilizeUnchanged() {
  const now = await admin.ok(`/api/mobilize/${S2.mobilization.id}`);
  assert.equal(JSON.stringify((({ teams, ...rest }) => ({ ...rest, messages: undefined, teams: teams.map((t) => t.id) }))(now)), S2.mobilizationBefore, 'street-2 mobilization unchanged');
}
Object.assign(HANDLERS, {
  'GET /api/mobilize': async () => {
    const m = await mobilizeSetup();
    const r = await jd01.get('/api/mobilize' + q({ pageSize: 100 }));
    assertNoLeak('mobilize list', r);
    assert.ok(!r.json.items.some((x) => x.id === m.id || x.title === m.title), 'street-2 mobilization listed');
  },
  'GET /api/mobilize/preview': async () => {
    const g = await gridSetup();
    assertDenied('mobilize preview', await jd01.get('/api/mobilize/preview' + q({ orgId: g.community.id, teamSize: 5 })));
  },
  'POST /api/mobilize': async () => {
    const g = await gridSetup();
    await mobilizeSetup();
    assertDenied('mobilize form', await jd01.post('/api/mobilize', { orgId: g.community.id, title: '越权动员', teamSize: 5 }));
    assertDenied('mobilize form street 2', await jd01.post('/api/mobilize', { orgId: jd02.user.orgId, title: '越权动员', teamSize: 5 }));
    await mobilizeUnchanged();
  },
  'GET /api/mobilize/:id': async () => {
    const m = await mobilizeSetup();
    assertDenied('mobilize read', await jd01.get(`/api/mobilize/${m.id}`));
  },
  'POST /api/mobilize/:id/close': async () => {
    const m = await mobilizeSetup();
    assertDenied('mobilize close', await jd01.post(`/api/mobilize/${m.id}/close`, { note: '越权' }));
    await mobilizeUnchanged();
  },
  'POST /api/mobilize/:id/cancel': async () => {
    const m = await mobilizeSetup();
    assertDenied('mobilize cancel', await jd01.post(`/api/mobilize/${m.id}/cancel`, {}));
    await mobilizeUnchanged();
  },
  'GET /api/notify/outbox': async () => {
    await mobilizeSetup();
    const r = await jd01.get('/api/notify/outbox');
    assertDenied('outbox', r);
    assert.equal(r.status, 403);
  },
});

// Dashboard 概览: street 2 (its root or its community) as orgId is not found; jd01's own
// dashboard names nothing of street 2 and counts exactly street 1's households and problems.
Object.assign(HANDLERS, {
  'GET /api/dashboard/grid': async () => {
    const g = await gridSetup();
    await problemsS2();
    assertDenied('dashboard street 2', await jd01.get('/api/dashboard/grid' + q({ orgId: S2.root.id })));
    assertDenied('dashboard street 2 community', await jd01.get('/api/dashboard/grid' + q({ orgId: g.community.id })));
    assertDenied('dashboard district', await jd01.get('/api/dashboard/grid' + q({ orgId: 1 })));
    const own = await jd01.get('/api/dashboard/grid');
    assert.equal(own.status, 200, own.text);
    assertNoLeak('dashboard own', own);
    const fig = await admin.ok('/api/figures' + q({ orgId: S1.root.id }));
    const cells = Object.fromEntries(fig.groups.flatMap((x) => x.figures).map((f) => [f.key, f.cells]));
    const count = (f, k) => cells[f].find((c) => c.key === k).count;
    assert.equal(own.json.kpis.households.count, count('grid.coverage', 'households'), 'street 1 households only');
    assert.equal(own.json.kpis.received.count, count('problems.flow', 'received'), 'street 1 problems only');
    assert.ok(own.json.children.every((c) => !S2.uniqueStrings.has(c.name)));
  },
});
