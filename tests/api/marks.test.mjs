// Responsibility marks 亮身份亮职责亮承诺 over HTTP: marks with history and commitments per year,
// the branch's public page (no login; only what members agreed to show; the whole answer holds
// no ID number, phone, birth date, address or record id; unknown and regenerated tokens are 404;
// rate-limited per address), the poster PDF, the public URL base setting, and scope.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, loginAs, assertError } from '../lib/client.mjs';
import { children, memberBody, idNumber, today } from '../lib/fixtures.mjs';

let srv;
let admin;
let jd01;
let branch; // a branch of street 1 (fresh, so only this test's members are in it)
let branch2; // a branch of street 2
let shown; // member whose mark and commitment are public
let hidden; // member who did not agree
let other; // member of street 2
const year = Number(today().slice(0, 4));

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const jd02 = await loginAs(srv.url, 'jd02');
  const comm = (await children(admin, jd01.user.orgId)).find((k) => k.kind === 'general_branch' || k.kind === 'committee');
  let r = await admin.post('/api/orgs', { parentId: comm.id, name: '亮身份测试党支部', kind: 'branch', branchType: 'community', secretary: '周书记' });
  assert.equal(r.status, 201, r.text);
  branch = r.json;
  branch2 = (await children(admin, jd02.user.orgId)).find((k) => k.kind === 'branch') ||
    (await children(admin, (await children(admin, jd02.user.orgId))[0].id)).find((k) => k.kind === 'branch');
  r = await admin.post('/api/members', memberBody(branch.id, { name: '亮身份甲', idNumber: idNumber({ birth: '1971-04-09' }), address: '隐私路8号' }));
  assert.equal(r.status, 201, r.text);
  shown = r.json;
  r = await admin.post('/api/members', memberBody(branch.id, { name: '不公开乙', idNumber: idNumber({ birth: '1982-02-03' }) }));
  assert.equal(r.status, 201, r.text);
  hidden = r.json;
  r = await admin.post('/api/members', memberBody(branch2.id, { name: '乙街道丙', idNumber: idNumber() }));
  assert.equal(r.status, 201, r.text);
  other = r.json;
});
after(async () => {
  await srv?.stop();
});

test('marks keep their history; commitments per year; bad input names the field', async () => {
  let r = await jd01.post('/api/marks', { memberId: shown.id, kind: 'pioneer_post', title: '垃圾分类督导岗', description: '早晚值守分类投放点', fromDate: '2025-03-01', showPublic: true });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.kindLabel, '党员先锋岗');
  assert.equal(r.json.current, true);
  const old = await jd01.post('/api/marks', { memberId: shown.id, kind: 'responsibility_area', title: '5幢1-2单元', fromDate: '2024-01-01', showPublic: true });
  assert.equal(old.status, 201, old.text);
  r = await jd01.post(`/api/marks/${old.json.id}/end`, { toDate: '2025-01-01' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.current, false);
  assertError(await jd01.post(`/api/marks/${old.json.id}/end`, {}), 409);
  assertError(await jd01.post('/api/marks', { memberId: shown.id, kind: 'nope', title: 'x' }), 400, { field: 'kind' });
  assertError(await jd01.post('/api/marks', { memberId: shown.id, kind: 'post_duty', title: '' }), 400, { field: 'title' });
  assertError(await jd01.post('/api/marks', { memberId: shown.id, kind: 'post_duty', title: '楼道长', fromDate: '2999-01-01' }), 400, { field: 'fromDate' });
  r = await jd01.post('/api/marks', { memberId: hidden.id, kind: 'model_household', title: '文明家庭示范户', showPublic: false });
  assert.equal(r.status, 201, r.text);

  r = await jd01.put(`/api/marks/members/${shown.id}/commitments/${year}`, { commitment: '每月走访联系户两次', fulfilment: '已走访18次', showPublic: true });
  assert.equal(r.status, 200, r.text);
  r = await jd01.put(`/api/marks/members/${hidden.id}/commitments/${year}`, { commitment: '不愿公开的承诺', showPublic: false });
  assert.equal(r.status, 200, r.text);
  assertError(await jd01.put(`/api/marks/members/${shown.id}/commitments/${year}`, { commitment: '' }), 400, { field: 'commitment' });

  const v = await jd01.ok(`/api/marks/branches/${branch.id}`);
  assert.equal(v.memberCount, 2);
  assert.equal(v.withMarks, 2);
  assert.equal(v.withCommitment, 2);
  const a = v.members.find((m) => m.id === shown.id);
  assert.equal(a.marks.length, 2, 'the ended mark is kept');
  assert.deepEqual(a.marks.map((m) => m.current), [true, false]);
  assert.equal(a.commitment.fulfilment, '已走访18次');
  assert.equal(v.publicUrl, null);
});

test('the public page shows only what members agreed to show and leaks nothing', async () => {
  const t = await jd01.post(`/api/marks/branches/${branch.id}/token`, {});
  assert.equal(t.status, 201, t.text);
  assert.match(t.json.publicPath, /^\/p\/[0-9a-f]{32}$/);
  // The default base is the address the request came to.
  assert.equal(t.json.publicUrl, srv.url.replace(/\/$/, '') + t.json.publicPath);
  const token = t.json.publicPath.slice(3);
  const resident = new Client(srv.url); // no session
  const r = await resident.get(`/api/public/branches/${token}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.json.branchName, '亮身份测试党支部');
  assert.equal(r.json.secretary, '周书记');
  assert.equal(r.json.members.length, 1);
  const m = r.json.members[0];
  assert.equal(m.name, '亮身份甲');
  assert.deepEqual(m.marks.map((k) => k.title), ['垃圾分类督导岗']);
  assert.equal(m.commitment.text, '每月走访联系户两次');
  // The whole answer, read as text.
  const detail = await admin.ok(`/api/members/${shown.id}`);
  const secrets = [shown.idNumber, detail.idNumberMasked, detail.phoneMasked, detail.phone, '1971-04-09', '19710409', '隐私路',
    '不公开乙', '不愿公开', '文明家庭示范户', '5幢1-2单元', String(shown.id), 'idNumber', 'phone', 'birth', 'address', 'memberId'];
  for (const s of secrets.filter(Boolean)) assert.ok(!r.text.includes(s), `public page leaks ${s}: ${r.text}`);
  assert.deepEqual(Object.keys(r.json).sort(), ['asOf', 'branchName', 'members', 'secretary', 'year']);
  assert.deepEqual(Object.keys(m).sort(), ['commitment', 'marks', 'name']);
  // Read-only: no other method.
  assert.ok([404, 405].includes((await resident.post(`/api/public/branches/${token}`, {})).status));

  // Unknown and regenerated tokens are 404.
  assert.equal((await resident.get(`/api/public/branches/${'a'.repeat(32)}`)).status, 404);
  assert.equal((await resident.get('/api/public/branches/short')).status, 404);
  const t2 = await jd01.post(`/api/marks/branches/${branch.id}/token`, {});
  assert.equal(t2.status, 201);
  assert.notEqual(t2.json.publicPath, t.json.publicPath);
  assert.equal((await resident.get(`/api/public/branches/${token}`)).status, 404);
  assert.equal((await resident.get('/api/public/branches/' + t2.json.publicPath.slice(3))).status, 200);
  const audit = await admin.ok('/api/audit?entity=branch_public_page');
  assert.ok(audit.items.some((e) => e.action === 'regenerate'));
  assert.ok(!JSON.stringify(audit).includes(token), 'the token is not in the audit log');
});

test('the poster is a PDF; the URL base is a setting', async () => {
  const r = await jd01.get(`/api/marks/branches/${branch.id}/poster.pdf`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  assert.equal(r.buf.subarray(0, 5).toString('latin1'), '%PDF-');
  const s = await admin.put('/api/settings/public.base_url', { value: 'https://zg.example.gov.cn/' });
  assert.equal(s.status, 200, s.text);
  const v = await jd01.ok(`/api/marks/branches/${branch.id}`);
  assert.match(v.publicUrl, /^https:\/\/zg\.example\.gov\.cn\/p\/[0-9a-f]{32}$/);
  assert.equal((await admin.put('/api/settings/public.base_url', { value: '' })).status, 200);
});

test('street user cannot reach street 2 through the marks routes', async () => {
  assertError(await jd01.post('/api/marks', { memberId: other.id, kind: 'pioneer_post', title: '越权' }), 400, { field: 'memberId' });
  assert.equal((await jd01.get(`/api/marks/branches/${branch2.id}`)).status, 404);
  assertError(await jd01.post(`/api/marks/branches/${branch2.id}/token`, {}), 400, { field: 'orgId' });
  assertError(await jd01.put(`/api/marks/members/${other.id}/commitments/${year}`, { commitment: '越权' }), 400, { field: 'memberId' });
  const m = await admin.post('/api/marks', { memberId: other.id, kind: 'pioneer_post', title: '乙的岗', showPublic: true });
  assert.equal(m.status, 201);
  assert.equal((await jd01.post(`/api/marks/${m.json.id}/end`, {})).status, 404);
  assert.equal((await jd01.put(`/api/marks/${m.json.id}`, { title: '改', version: 1 })).status, 404);
});

test('the public page is rate-limited per address', async () => {
  const t = await jd01.post(`/api/marks/branches/${branch.id}/token`, {});
  const path = '/api/public/branches/' + t.json.publicPath.slice(3);
  assert.equal((await admin.put('/api/settings/marks.public_requests_per_minute', { value: 5 })).status, 200);
  const resident = new Client(srv.url);
  const codes = [];
  for (let i = 0; i < 10; i++) codes.push((await resident.get(path)).status);
  assert.ok(codes.filter((c) => c === 429).length >= 5, codes.join(','));
  assert.ok(codes.every((c) => c === 200 || c === 429), codes.join(','));
  assert.equal((await admin.put('/api/settings/marks.public_requests_per_minute', { value: 60 })).status, 200);
});
