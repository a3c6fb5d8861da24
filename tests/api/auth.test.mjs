// Auth, CSRF, unauthenticated access, error shapes, health, metrics and HTTP limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO_PASSWORD } from '../lib/server.mjs';
import { Client, loginAs, assertError } from '../lib/client.mjs';
import { listRoutes, fill, PUBLIC_ROUTES } from '../lib/routes.mjs';

let srv;
let admin;

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
});
after(async () => {
  await srv?.stop();
});

// Values for :params when the target does not matter (CSRF/authentication come first).
const anyParam = (name) => (name === 'key' ? 'org.branch_max_members' : 2);

test('login answers user and csrfToken, me answers permissions, logout ends the session', async () => {
  const c = new Client(srv.url);
  const r = await c.post('/api/auth/login', { username: 'jd01', password: DEMO_PASSWORD });
  assert.equal(r.status, 200);
  assert.ok(r.json.csrfToken.length >= 16);
  assert.equal(r.json.user.username, 'jd01');
  assert.equal(r.json.user.role, 'street');
  assert.equal(r.json.user.orgName, '凯旋街道党工委');
  const setCookie = r.headers.getSetCookie().join('\n');
  assert.match(setCookie, /zg_session=/);
  assert.match(setCookie, /HttpOnly/i);
  assert.match(setCookie, /SameSite=Strict/i);
  c.csrf = r.json.csrfToken;

  const me = await c.ok('/api/auth/me');
  assert.equal(me.user.username, 'jd01');
  assert.equal(me.csrfToken, r.json.csrfToken);
  assert.ok(me.permissions.includes('member.read'));
  assert.ok(!me.permissions.includes('audit.read'), 'a street user cannot read the audit log');

  const adminMe = await admin.ok('/api/auth/me');
  for (const p of ['org.write', 'member.sensitive', 'audit.read', 'settings.write', 'user.manage'])
    assert.ok(adminMe.permissions.includes(p), p);

  const cookieBefore = c.cookieHeader();
  const out = await c.post('/api/auth/logout', {});
  assert.ok(out.status >= 200 && out.status < 300, `logout ${out.status}`);
  // The old cookie must no longer work even if a client kept it.
  const stale = new Client(srv.url);
  stale.cookies = new Map(cookieBefore.split('; ').map((kv) => kv.split('=')));
  assertError(await stale.get('/api/auth/me'), 401, { code: 'unauthenticated' });
  assertError(await c.get('/api/auth/me'), 401, { code: 'unauthenticated' });
});

test('wrong password → 401 with Chinese message; unknown user the same', async () => {
  const c = new Client(srv.url);
  const a = assertError(await c.post('/api/auth/login', { username: 'sq0102', password: 'wrong-pass1' }), 401);
  const b = assertError(await c.post('/api/auth/login', { username: 'nobody-here', password: 'wrong-pass1' }), 401);
  assert.equal(a.message, b.message, 'no user enumeration through the message');
  assertError(await c.post('/api/auth/login', { username: 'sq0102' }), 400);
});

test('5 failures for one user name → 429 throttled, even with the right password', async () => {
  const c = new Client(srv.url);
  const user = 'sq0103';
  for (let i = 0; i < 5; i++) {
    const r = await c.post('/api/auth/login', { username: user, password: `bad-${i}-pass` });
    assert.equal(r.status, 401, `failure ${i + 1}: ${r.text}`);
  }
  assertError(await c.post('/api/auth/login', { username: user, password: 'bad-x-pass' }), 429, { code: 'throttled' });
  assertError(await c.post('/api/auth/login', { username: user, password: DEMO_PASSWORD }), 429, { code: 'throttled' });
  // Other users are not affected.
  await loginAs(srv.url, 'sq0101');
});

test('password change: rules, wrong old password, new password works', async () => {
  const c = await loginAs(srv.url, 'jd07');
  assertError(await c.post('/api/auth/password', { oldPassword: DEMO_PASSWORD, newPassword: 'short1' }), 400, {
    field: 'newPassword',
  });
  assertError(await c.post('/api/auth/password', { oldPassword: DEMO_PASSWORD, newPassword: 'abcdefghij' }), 400, {
    field: 'newPassword',
  });
  const wrong = await c.post('/api/auth/password', { oldPassword: 'Wrong@2026', newPassword: 'NewPass2026' });
  assert.ok([400, 401, 403].includes(wrong.status), `wrong old password: ${wrong.status}`);
  assertError(wrong, wrong.status);
  const ok = await c.post('/api/auth/password', { oldPassword: DEMO_PASSWORD, newPassword: 'NewPass2026' });
  assert.ok(ok.status >= 200 && ok.status < 300, ok.text);
  await loginAs(srv.url, 'jd07', 'NewPass2026');
  const old = await new Client(srv.url).post('/api/auth/login', { username: 'jd07', password: DEMO_PASSWORD });
  assertError(old, 401);
});

test('every changing route without the CSRF header → 403 csrf; with a wrong token too', async () => {
  const routes = listRoutes().filter((r) => r.method !== 'GET' && !PUBLIC_ROUTES.has(`${r.method} ${r.pattern}`));
  assert.ok(routes.length >= 15, `changing routes found: ${routes.length}`);
  for (const r of routes) {
    const p = fill(r.pattern, anyParam) + (r.pattern.endsWith('/import') ? '?mode=dry_run&fileName=x.csv' : '');
    const missing = await admin.request(r.method, p, { json: {}, csrf: false });
    assertError(missing, 403, { code: 'csrf' });
    const wrong = await admin.request(r.method, p, { json: {}, csrf: 'deadbeef'.repeat(6) });
    assertError(wrong, 403, { code: 'csrf' });
  }
  // Nothing was changed by those calls: the org still has its name, the setting its value.
  const org = await admin.ok('/api/orgs/2');
  assert.equal(org.name, '凯旋街道党工委');
  const settings = await admin.ok('/api/settings');
  assert.equal(settings.find((s) => s.key === 'org.branch_max_members').value, 50);
});

test('every route except login without a session → 401 unauthenticated', async () => {
  const anon = new Client(srv.url);
  for (const r of listRoutes()) {
    if (PUBLIC_ROUTES.has(`${r.method} ${r.pattern}`)) continue;
    const p = fill(r.pattern, anyParam);
    const res = await anon.request(r.method, p, r.method === 'GET' ? {} : { json: {}, csrf: 'x'.repeat(48) });
    assertError(res, 401, { code: 'unauthenticated' });
  }
});

test('error bodies: validation names the field in Chinese; 404 and 405 shapes', async () => {
  const e = assertError(await admin.post('/api/orgs', { parentId: 2, name: '', kind: 'branch' }), 400);
  assert.equal(e.field, 'name');
  assertError(await admin.get('/api/no-such-route'), 404, { code: 'not_found' });
  assertError(await admin.get('/api/orgs/99999999'), 404);
  assertError(await admin.get('/api/members/99999999'), 404);
  assertError(await admin.request('DELETE', '/api/orgs/2', { json: {} }), 405);
  assertError(await admin.request('PATCH', '/api/members/1', { json: {} }), 405);
  // Malformed JSON is a 400, not a 500.
  const bad = await admin.request('POST', '/api/orgs', {
    body: '{"parentId": 2, "name": ',
    headers: { 'content-type': 'application/json' },
  });
  assertError(bad, 400);
  const notObj = await admin.request('POST', '/api/members', {
    body: '[1,2,3]',
    headers: { 'content-type': 'application/json' },
  });
  assertError(notObj, 400);
  // Non-numeric ids never reach SQL as text.
  const weird = await admin.get('/api/orgs/1%20OR%201=1');
  assert.ok([400, 404].includes(weird.status), `weird id ${weird.status}`);
  assertError(weird, weird.status);
});

test('a JSON body over the limit → 413 payload_too_large', async () => {
  const big = JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024) });
  const r = await admin.request('POST', '/api/orgs', { body: big, headers: { 'content-type': 'application/json' } });
  assertError(r, 413);
  // The server is still fine afterwards.
  await admin.ok('/api/auth/me');
});

test('an import body over 20 MB → 413', async () => {
  const big = Buffer.alloc(21 * 1024 * 1024, 0x41);
  const r = await admin.request('POST', '/api/members/import?mode=dry_run&fileName=big.csv', {
    body: big,
    headers: { 'content-type': 'application/octet-stream' },
  });
  assertError(r, 413);
});

test('internal errors never leak internals (bad UTF-8, absurd ints, SQL-ish input)', async () => {
  const probes = {
    'q with SQL': () => admin.get('/api/members?q=' + encodeURIComponent("' OR 1=1 --")),
    'huge page': () => admin.get('/api/members?page=99999999999999999999'),
    'huge pageSize': () => admin.get('/api/members?pageSize=100000'),
    'sort by a column name': () => admin.get('/api/members?sort=password_hash'),
    'invalid UTF-8 in a query': () => admin.get('/api/orgs/search?q=%FF%FE'),
    'invalid UTF-8 in members q': () => admin.get('/api/members?q=%C3%28'),
    'impossible date': () => admin.get('/api/orgs/1/members-on?date=2020-13-45'),
    'invalid UTF-8 in JSON': () =>
      admin.request('POST', '/api/orgs', {
        body: Buffer.from('{"parentId":2,"kind":"branch","name":"\xff\xfe"}', 'latin1'),
        headers: { 'content-type': 'application/json' },
      }),
  };
  for (const [label, call] of Object.entries(probes)) {
    const r = await call();
    assert.ok(r.status < 500, `${label}: status ${r.status}: ${r.text.slice(0, 300)}`);
    if (r.status >= 400) {
      assertError(r, r.status);
      assert.doesNotMatch(r.text, /SQLITE|sqlite3|syntax error|pq:|ERROR:|std::|\.cpp|exception/i);
    }
  }
});

test('/healthz is public; /metrics has the documented series', async () => {
  const anon = new Client(srv.url);
  const h = await anon.get('/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.text.trim(), 'ok');
  const m = await anon.get('/metrics');
  assert.equal(m.status, 200);
  for (const name of [
    'zugong_http_requests_total',
    'zugong_http_request_duration_seconds',
    'zugong_http_errors_total',
    'zugong_process_resident_memory_bytes',
  ])
    assert.ok(m.text.includes(name), `metrics has ${name}`);
  assert.match(m.text, /zugong_http_requests_total\{[^}]*route="\/api\/auth\/login"[^}]*\} \d+/);
});

test('security headers on API answers', async () => {
  const r = await admin.get('/api/auth/me');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.match(r.headers.get('cache-control') || '', /no-store/);
});
