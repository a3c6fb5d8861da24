// What the public report page (扫码反映) can reach (issue 4, item 10): a resident without a login,
// holding the number and secret of the one problem they created, can read and rate that problem and
// nothing else — not another resident's problem with their own secret, not a list, not a change of
// the text, kind, organization or answer, not any route that needs a session. The other public
// routes give away nothing about a household. (Every non-public route without a session → 401 is
// proven for all routes in auth.test.mjs; this file proves the public ones' reach.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, loginAs, assertError } from '../lib/client.mjs';
import { listRoutes, PUBLIC_ROUTES } from '../lib/routes.mjs';

let srv;
let admin;
const q = (o) => '?' + new URLSearchParams(o).toString();
const solve = (question) => {
  const m = /^(\d+) \+ (\d+)/.exec(question);
  return String(Number(m[1]) + Number(m[2]));
};
async function report(client, body) {
  const ch = await client.get('/api/public/problems/challenge');
  assert.equal(ch.status, 200, ch.text);
  const r = await client.post('/api/public/problems', { ...body, challenge: ch.json.challenge, answer: solve(ch.json.question) });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
/** The staff view of a problem, by number (for comparing before and after). */
async function staffView(number) {
  const l = await admin.ok('/api/problems' + q({ q: number }));
  assert.equal(l.total, 1, number);
  const d = await admin.ok(`/api/problems/${l.items[0].id}`);
  return { id: d.id, text: d.text, kind: d.kind, orgId: d.orgId, state: d.state, answer: d.answer ?? null, satisfaction: d.satisfaction ?? null, events: d.events.length };
}

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  await admin.put('/api/settings/problems.public_reports_per_hour', { value: 1000 });
  await admin.put('/api/settings/problems.public_reads_per_minute', { value: 1000 });
});
after(async () => {
  await srv?.stop();
});

test('the public routes are exactly the listed ones', () => {
  const open = listRoutes()
    .map((r) => `${r.method} ${r.pattern}`)
    .filter((k) => k.includes('/api/public/problems'));
  assert.deepEqual(open.sort(), [...PUBLIC_ROUTES].filter((k) => k.includes('/api/public/problems')).sort());
});

test('a resident reads and rates only the problem they created', async () => {
  const alice = new Client(srv.url);
  const bob = new Client(srv.url);
  const a = await report(alice, { kind: '设施维修', text: '公开范围测试A：电梯异响', reporterName: '甲居民', phone: '13811112222' });
  const b = await report(bob, { kind: '环境卫生', text: '公开范围测试B：垃圾未清运', reporterName: '乙居民', phone: '13833334444' });
  assert.notEqual(a.number, b.number);
  const bBefore = await staffView(b.number);

  // Own problem with own secret: readable, and it says nothing of the reporter or the text.
  const own = await alice.get(`/api/public/problems/${a.number}` + q({ secret: a.secret }));
  assert.equal(own.status, 200, own.text);
  assert.ok(!own.text.includes('13811112222') && !own.text.includes('甲居民') && !own.text.includes('电梯异响'));

  // Another's number with one's own secret, a guessed secret, no secret: all 404, same body.
  const other = await alice.get(`/api/public/problems/${b.number}` + q({ secret: a.secret }));
  assertError(other, 404);
  assertError(await alice.get(`/api/public/problems/${b.number}`), 404);
  assertError(await alice.get(`/api/public/problems/${b.number}` + q({ secret: b.secret.replace(/.$/, (c) => (c === '0' ? '1' : '0')) })), 404);
  assertError(await alice.get('/api/public/problems/MQ0000-000000' + q({ secret: a.secret })), 404);
  assert.ok(!other.text.includes('垃圾') && !other.text.includes('乙居民'));

  // Answer B as staff so it could be rated; Alice cannot rate it with her secret.
  assert.equal((await admin.post(`/api/problems/${bBefore.id}/answer`, { answer: '已清运' })).status, 200);
  assertError(await alice.post(`/api/public/problems/${b.number}/rate`, { secret: a.secret, satisfaction: 'unsatisfied' }), 404);

  // No route changes a problem's text, kind, organization or answer without a session: the
  // public POST creates a new problem (a new number) and never touches an existing one.
  for (const [method, path, body] of [
    ['PUT', `/api/public/problems/${b.number}`, { secret: a.secret, text: '改写', kind: '其他' }],
    ['POST', `/api/public/problems/${b.number}`, { secret: a.secret, text: '改写' }],
    ['POST', `/api/public/problems/${b.number}/answer`, { secret: a.secret, answer: '伪造答复' }],
    ['DELETE', `/api/public/problems/${b.number}`, { secret: a.secret }],
    ['GET', '/api/public/problems', {}],
    ['PUT', `/api/problems/${bBefore.id}`, { text: '改写' }],
    ['POST', `/api/problems/${bBefore.id}/answer`, { answer: '伪造答复' }],
    ['GET', `/api/problems/${bBefore.id}`, {}],
    ['GET', '/api/problems', {}],
  ]) {
    const r = await alice.request(method, path, method === 'GET' ? {} : { json: body, csrf: 'x'.repeat(48) });
    assert.ok([401, 403, 404, 405].includes(r.status), `${method} ${path} → ${r.status} ${r.text}`);
  }
  const again = await report(alice, { kind: '其他', text: '公开范围测试A2', phone: '13811112222', number: b.number, id: bBefore.id, orgId: 1 });
  assert.notEqual(again.number, b.number);

  const bAfter = await staffView(b.number);
  // B changed only by the staff answer: same text, kind and organization, one more event, unrated.
  assert.deepEqual([bAfter.text, bAfter.kind, bAfter.orgId], [bBefore.text, bBefore.kind, bBefore.orgId]);
  assert.equal(bAfter.state, 'answered');
  assert.equal(bAfter.answer, '已清运');
  assert.equal(bAfter.satisfaction, null);
  assert.equal(bAfter.events, bBefore.events + 1);

  // Alice can rate her own once answered.
  const aStaff = await staffView(a.number);
  assert.equal((await admin.post(`/api/problems/${aStaff.id}/answer`, { answer: '已维修' })).status, 200);
  const rated = await alice.post(`/api/public/problems/${a.number}/rate`, { secret: a.secret, satisfaction: 'satisfied' });
  assert.equal(rated.status, 200, rated.text);
  assert.equal((await staffView(a.number)).satisfaction, 'satisfied');
});

test('a card token opens only the community name; an unknown token is 404', async () => {
  const anon = new Client(srv.url);
  assertError(await anon.get(`/api/public/problems/cards/${'a'.repeat(32)}`), 404);
  assertError(await anon.get('/api/public/problems/cards/..%2F..%2Fetc'), 404);
});
