// Accounts (issue 6, item 2; docs/accounts.md): two-step sign-in with TOTP for district and
// street staff — enrolment at sign-in, codes computed here as an authenticator app does, replay
// refused, recovery codes once, wrong codes toward the lock-out, reset by an administrator —;
// password history; sign-out everywhere; the sign-in log; security headers on HTML pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, DEMO_PASSWORD } from '../lib/server.mjs';
import { Client, loginAs, assertError } from '../lib/client.mjs';
import { totpCode, stepAt } from '../lib/totp.mjs';

let srv;
let admin;
let webDir;

before(async () => {
  // A stand-in web app, so the HTML answers (/ and a page route) can be checked without a build.
  webDir = mkdtempSync(path.join(tmpdir(), 'zg-web-'));
  writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><html><body>app</body></html>');
  srv = await startServer({ web: webDir });
  admin = await loginAs(srv.url, 'admin');
  // The demo has two-step sign-in off (its logins are shared); turn it on as production has it.
  const r = await admin.put('/api/settings/auth.totp_required', { value: true });
  assert.equal(r.status, 200, r.text);
});
after(async () => {
  await srv?.stop();
  if (webDir) rmSync(webDir, { recursive: true, force: true });
});

const signIn = (c, username, code, password = DEMO_PASSWORD) =>
  c.post('/api/auth/login', code === undefined ? { username, password } : { username, password, code });

/** Enrols `username` at sign-in; returns {client (signed in), secret, step used, recovery codes}. */
async function enrol(username) {
  const c = new Client(srv.url);
  const first = await signIn(c, username);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.step, 'enrol');
  assert.equal(first.headers.getSetCookie().length, 0, 'no session before the second factor');
  assert.match(first.json.secret, /^[A-Z2-7]{32}$/);
  assert.ok(first.json.uri.startsWith('otpauth://totp/'), first.json.uri);
  assert.ok(first.json.uri.includes(`secret=${first.json.secret}`));
  assert.ok(first.json.uri.includes(`:${username}?`));
  assert.match(first.json.uri, /algorithm=SHA1&digits=6&period=30/);
  assert.ok(first.json.qr.startsWith('data:image/svg+xml;base64,'));
  assert.ok(Buffer.from(first.json.qr.split(',')[1], 'base64').toString().includes('<svg'));
  const step = stepAt();
  const done = await signIn(c, username, totpCode(first.json.secret, step));
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.step, 'done');
  assert.equal(done.json.user.username, username);
  assert.equal(done.json.recoveryCodes.length, 10);
  for (const rc of done.json.recoveryCodes) assert.match(rc, /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
  c.csrf = done.json.csrfToken;
  return { c, secret: first.json.secret, used: step, recovery: done.json.recoveryCodes };
}

test('street staff enrol at sign-in; then password + code; a used code is refused', async () => {
  const { c, secret, used } = await enrol('jd01');
  const st = await c.ok('/api/auth/totp');
  assert.equal(st.enrolled, true);
  assert.equal(st.required, true);
  assert.equal(st.recoveryCodesLeft, 10);

  const other = new Client(srv.url);
  const ask = await signIn(other, 'jd01');
  assert.equal(ask.status, 200);
  assert.deepEqual(ask.json, { step: 'code' });
  assert.equal(other.cookies.size, 0);
  // The enrolment's code again: refused (replay), Chinese message naming the code field.
  assertError(await signIn(other, 'jd01', totpCode(secret, used)), 401, { code: 'bad_code', field: 'code' });
  assertError(await signIn(other, 'jd01', '12345'), 401, { code: 'bad_code', field: 'code' });
  const ok = await signIn(other, 'jd01', totpCode(secret, used + 1));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.step, 'done');
  other.csrf = ok.json.csrfToken;
  assert.equal((await other.ok('/api/auth/me')).user.username, 'jd01');
  assertError(await signIn(new Client(srv.url), 'jd01', totpCode(secret, used + 1)), 401, { code: 'bad_code' });
  // A code two steps ahead is outside the ±1 window.
  assertError(await signIn(new Client(srv.url), 'jd01', totpCode(secret, stepAt() + 3)), 401, { code: 'bad_code' });

  // Setting up again while enrolled is refused (a lost phone is an administrator's reset).
  assertError(await c.post('/api/auth/totp/setup', {}), 409, { code: 'totp_enrolled' });
  // Members and other roles are not asked for a code.
  const dy = await signIn(new Client(srv.url), 'dy0001');
  assert.equal(dy.json.step, 'done');
  const sq = await signIn(new Client(srv.url), 'sq0101');
  assert.equal(sq.json.step, 'done');
});

test('recovery codes work once; wrong codes count toward the lock-out', async () => {
  const { secret, used, recovery } = await enrol('jd02');
  const r = await signIn(new Client(srv.url), 'jd02', recovery[0].toUpperCase().replaceAll('-', ''));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.usedRecoveryCode, true);
  assertError(await signIn(new Client(srv.url), 'jd02', recovery[0]), 401, { code: 'bad_code' });
  const c = new Client(srv.url);
  const again = await signIn(c, 'jd02', recovery[1]);
  c.csrf = again.json.csrfToken;
  assert.equal((await c.ok('/api/auth/totp')).recoveryCodesLeft, 8);
  // New recovery codes need a current code; the old ones stop working.
  assertError(await c.post('/api/auth/totp/recovery-codes', { code: '000000' }), 400, { field: 'code' });
  const fresh = await c.post('/api/auth/totp/recovery-codes', { code: totpCode(secret, used + 1) });
  assert.equal(fresh.status, 200, fresh.text);
  assert.equal(fresh.json.recoveryCodes.length, 10);
  assertError(await signIn(new Client(srv.url), 'jd02', recovery[2]), 401, { code: 'bad_code' });
  // That was one wrong code; four more reach the limit of five: locked even with a good code.
  for (let i = 0; i < 4; i++) assertError(await signIn(new Client(srv.url), 'jd02', '000000'), 401, { code: 'bad_code' });
  assertError(await signIn(new Client(srv.url), 'jd02', fresh.json.recoveryCodes[0]), 429, { code: 'throttled' });
});

test('an administrator resets a lost second factor (audited); the user enrols again', async () => {
  const { c } = await enrol('jd03');
  const users = await admin.ok('/api/users');
  const jd03 = users.find((u) => u.username === 'jd03');
  assert.equal(jd03.totpEnrolled, true);
  // A street user cannot reset another street's user.
  const jd04 = await loginWithEnrol('jd04');
  assertError(await jd04.post(`/api/users/${jd03.id}/totp/reset`, {}), 404);
  const r = await admin.post(`/api/users/${jd03.id}/totp/reset`, {});
  assert.equal(r.status, 200, r.text);
  assertError(await c.get('/api/auth/me'), 401); // the reset ends the user's sessions
  assert.equal((await admin.ok('/api/users')).find((u) => u.username === 'jd03').totpEnrolled, false);
  const audit = await admin.ok('/api/audit?action=reset_totp');
  assert.ok(audit.items.some((e) => e.entityId === jd03.id && e.summary.includes('jd03')), JSON.stringify(audit.items));
  const again = await signIn(new Client(srv.url), 'jd03');
  assert.equal(again.json.step, 'enrol');
});

async function loginWithEnrol(username) {
  return (await enrol(username)).c;
}

test('password history: none of the last five passwords again', async () => {
  const c = await loginAs(srv.url, 'sq0102');
  const change = (oldPassword, newPassword) => c.post('/api/auth/password', { oldPassword, newPassword });
  assertError(await change(DEMO_PASSWORD, DEMO_PASSWORD), 400, { code: 'password_reused', field: 'newPassword', messageIncludes: '最近5次' });
  const seq = [DEMO_PASSWORD, 'Second2026', 'Third2026', 'Fourth2026', 'Fifth2026'];
  for (let i = 1; i < seq.length; i++) {
    assert.equal((await change(seq[i - 1], seq[i])).status, 200);
    const relog = await loginAs(srv.url, 'sq0102', seq[i]); // a change ends the sessions
    c.cookies = relog.cookies;
    c.csrf = relog.csrf;
  }
  for (const old of seq.slice(0, 4))
    assertError(await change('Fifth2026', old), 400, { code: 'password_reused', field: 'newPassword' });
  // An administrator's reset follows the same rule.
  const id = (await admin.ok('/api/users')).find((u) => u.username === 'sq0102').id;
  assertError(await admin.post(`/api/users/${id}/reset-password`, { password: 'Third2026' }), 400, {
    code: 'password_reused',
    field: 'password',
  });
  assert.equal((await admin.post(`/api/users/${id}/reset-password`, { password: 'Sixth2026' })).status, 200);
  // Now DEMO_PASSWORD is six passwords back: allowed again.
  assert.equal((await admin.post(`/api/users/${id}/reset-password`, { password: DEMO_PASSWORD })).status, 200);
});

test('sign-out everywhere ends every session of the user at once, only theirs', async () => {
  const a = await loginAs(srv.url, 'sq0103');
  const b = await loginAs(srv.url, 'sq0103');
  const bystander = await loginAs(srv.url, 'zb0001');
  const r = await a.post('/api/auth/sessions/end-all', {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ended, 2);
  assertError(await a.get('/api/auth/me'), 401, { code: 'unauthenticated' });
  assertError(await b.get('/api/auth/me'), 401, { code: 'unauthenticated' });
  assert.equal((await bystander.get('/api/auth/me')).status, 200);
  // An administrator does the same for a user.
  const c = await loginAs(srv.url, 'sq0103');
  const id = (await admin.ok('/api/users')).find((u) => u.username === 'sq0103').id;
  const e = await admin.post(`/api/users/${id}/sessions/end`, {});
  assert.equal(e.json.ended, 1);
  assertError(await c.get('/api/auth/me'), 401);
  const audit = await admin.ok('/api/audit?action=end_sessions');
  assert.equal(audit.items.filter((x) => x.entityId === id).length, 2);
});

test('sign-in log: own successes and failures with address; an administrator sees a user’s, in scope', async () => {
  assertError(await signIn(new Client(srv.url), 'zb0001', undefined, 'Wrong2026x'), 401);
  const c = await loginAs(srv.url, 'zb0001');
  const log = await c.ok('/api/auth/sign-ins');
  assert.ok(log.total >= 2);
  assert.equal(log.items[0].result, 'ok');
  assert.equal(log.items[1].result, 'bad_password');
  assert.equal(log.items[1].ip, '127.0.0.1');
  assert.match(log.items[0].at, /^\d{4}-\d\d-\d\dT/);
  // ?userId= does not turn it into someone else's log.
  const id = (await admin.ok('/api/users')).find((u) => u.username === 'jd01').id;
  assert.deepEqual((await c.ok(`/api/auth/sign-ins?userId=${id}`)).items, log.items);
  const zb = (await admin.ok('/api/users')).find((u) => u.username === 'zb0001').id;
  const seen = await admin.ok(`/api/users/${zb}/sign-ins`);
  assert.deepEqual(seen.items.slice(0, 2).map((x) => x.result), ['ok', 'bad_password']);
  // zb0001 is in 凯旋街道 (jd01's): jd05 may not read it; a branch secretary may not at all.
  const jd05 = await loginWithEnrol('jd05');
  assertError(await jd05.get(`/api/users/${zb}/sign-ins`), 404);
  assertError(await c.get(`/api/users/${zb}/sign-ins`), 403);
});

test('security headers on the HTML page and a page route, frame-ancestors included', async () => {
  for (const p of ['/', '/members', '/login?redirect=%2Fusers']) {
    const r = await fetch(srv.url + p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type') || '', /text\/html/);
    const csp = r.headers.get('content-security-policy') || '';
    assert.match(csp, /frame-ancestors 'none'/, p);
    assert.match(csp, /default-src 'self'/, p);
    assert.match(csp, /script-src 'self'(;|$)/, p);
    assert.match(csp, /object-src 'none'/, p);
    assert.equal(r.headers.get('x-frame-options'), 'DENY', p);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
    assert.equal(r.headers.get('referrer-policy'), 'same-origin', p);
  }
});
