// The member list's page cache and the session cache (src/platform/cache.h, migration 0018) over
// real HTTP: a page read (and so cached) before a change is never answered after it — a member
// renamed, added, removed, an organization renamed — and a session is refused at once after
// sign-out, deactivation or a password reset, even though it was resumed from memory just before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO_PASSWORD } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { children, memberBody, today } from '../lib/fixtures.mjs';

let srv;
let admin;
let jd01;
let branch;

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const street1 = (await children(admin, 1))[0];
  branch = (await children(admin, street1.id)).find((k) => k.kind === 'branch');
  assert.ok(branch);
});
after(async () => {
  await srv?.stop();
});

// The branch's first page by name, read twice (the second from the cache when nothing changed).
async function page(c) {
  const p = `/api/members?orgId=${branch.id}&sort=name&pageSize=200`;
  const a = await c.ok(p);
  const b = await c.ok(p);
  assert.deepEqual(b, a, 'the same page twice with no change between');
  return a;
}
const find = (pg, id) => pg.items.find((x) => x.id === id);

test('a cached member page never outlives a change to a member or an organization', async () => {
  const created = await jd01.post('/api/members', memberBody(branch.id, { name: '缓存甲' }));
  assert.equal(created.status, 201, created.text);
  const m = created.json;
  let pg = await page(jd01);
  assert.equal(find(pg, m.id)?.name, '缓存甲', 'a new member shows at once');
  const total = pg.total;

  const body = memberBody(branch.id, { name: '缓存乙' });
  delete body.orgId;
  delete body.idNumber;
  delete body.phone;
  const u = await jd01.put(`/api/members/${m.id}`, { ...body, version: m.version });
  assert.equal(u.status, 200, u.text);
  pg = await page(jd01);
  assert.equal(find(pg, m.id)?.name, '缓存乙', 'a rename shows at once');
  assert.equal((await page(admin)).items.find((x) => x.id === m.id)?.name, '缓存乙', 'for every user');

  const o = await admin.ok(`/api/orgs/${branch.id}`);
  const renamed = o.name + '（更名）';
  const r = await admin.put(`/api/orgs/${branch.id}`, { ...o, name: renamed, version: o.version });
  assert.equal(r.status, 200, r.text);
  pg = await page(jd01);
  assert.equal(find(pg, m.id)?.orgName, renamed, 'an organization renamed shows at once');

  const del = await jd01.del(`/api/members/${m.id}`, { reason: '出党', effectiveOn: today() });
  assert.ok(del.status === 200 || del.status === 204, del.text);
  pg = await page(jd01);
  assert.equal(find(pg, m.id), undefined, 'a removed member leaves at once');
  assert.equal(pg.total, total - 1);
});

test('a session resumed from memory is refused at once after sign-out, deactivation, password reset', async () => {
  // Sign-out.
  const c = await loginAs(srv.url, 'jd01');
  await c.ok('/api/members');
  await c.ok('/api/members');
  assert.ok((await c.post('/api/auth/logout', {})).status < 300);
  assertError(await c.get('/api/members'), 401, { code: 'unauthenticated' });

  // Deactivated by the district, then (active again) its password reset.
  const u = (await admin.ok('/api/users')).find((x) => x.username === 'jd01');
  assert.ok(u);
  const d = await loginAs(srv.url, 'jd01');
  await d.ok('/api/members');
  const off = await admin.post(`/api/users/${u.id}/active`, { active: false });
  assert.ok(off.status < 300, off.text);
  assertError(await d.get('/api/members'), 401, { code: 'unauthenticated' });
  const on = await admin.post(`/api/users/${u.id}/active`, { active: true });
  assert.ok(on.status < 300, on.text);
  const e = await loginAs(srv.url, 'jd01');
  await e.ok('/api/members');
  // A new password: the password history refuses the one in use.
  const reset = await admin.post(`/api/users/${u.id}/reset-password`, { password: 'CacheTest2026x' });
  assert.ok(reset.status < 300, reset.text);
  assertError(await e.get('/api/members'), 401, { code: 'unauthenticated' });
  // jd01's shared session in this file was ended too: log in again for other tests.
  jd01 = await loginAs(srv.url, 'jd01', 'CacheTest2026x');
});
