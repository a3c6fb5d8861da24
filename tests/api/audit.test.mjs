// Audit: entries for changes with before/after, access rules, the hash chain verified by the
// API and by `zugong audit verify`, and tampering detected (SQLite run only).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startServer, runCli, backend } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { children, memberBody, today } from '../lib/fixtures.mjs';

let srv;
let admin;
let jd01;
let branch;
let memberId;
let orgId;

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const street1 = (await children(admin, 1))[0];
  branch = (await children(admin, street1.id)).find((k) => k.kind === 'branch');
  // A few changes to audit.
  const o = await jd01.post('/api/orgs', { parentId: street1.id, name: '审计测试党支部', kind: 'branch' });
  assert.equal(o.status, 201, o.text);
  orgId = o.json.id;
  const r = await jd01.put(`/api/orgs/${orgId}`, { name: '审计测试党支部（新）', kind: 'branch', version: 1, effectiveOn: today() });
  assert.equal(r.status, 200, r.text);
  const m = await jd01.post('/api/members', memberBody(orgId, { name: '审计对象' }));
  assert.equal(m.status, 201, m.text);
  memberId = m.json.id;
  const mv = await jd01.post(`/api/members/${memberId}/move`, { orgId: branch.id, effectiveOn: today(), reason: '测试' });
  assert.equal(mv.status, 200, mv.text);
});
after(async () => {
  await srv?.stop();
});

test('changes are audited with actor, before and after', async () => {
  const list = await admin.ok('/api/audit?pageSize=100');
  assert.ok(list.total >= 5);
  for (const k of ['id', 'loggedAt', 'actorName', 'ip', 'action', 'entity', 'entityId', 'summary', 'before', 'after'])
    assert.ok(k in list.items[0], `entry has ${k}`);
  assert.match(list.items[0].loggedAt, /\+08:00$/);

  const orgUpd = list.items.find((e) => e.entity === 'org' && e.action === 'update' && e.entityId === orgId);
  assert.ok(orgUpd, 'org update audited');
  assert.equal(orgUpd.before.name, '审计测试党支部');
  assert.equal(orgUpd.after.name, '审计测试党支部（新）');
  assert.match(orgUpd.actorName, /jd01/);
  assert.equal(orgUpd.ip, '127.0.0.1');

  const orgCreate = list.items.find((e) => e.entity === 'org' && e.action === 'create' && e.entityId === orgId);
  assert.ok(orgCreate && orgCreate.before === null && orgCreate.after, 'org create audited');

  const create = list.items.find((e) => e.entity === 'member' && e.action === 'create' && e.entityId === memberId);
  assert.ok(create, 'member create audited');
  assert.ok(!JSON.stringify(create).match(/\d{17}[\dX]/), 'no clear ID number in the audit log');
  const move = list.items.find((e) => e.entity === 'member' && e.action === 'move' && e.entityId === memberId);
  assert.ok(move && move.before && move.after, 'member move audited with before/after');
  assert.notDeepEqual(move.before, move.after);

  // Filters.
  const f = await admin.ok(`/api/audit?entity=org&action=update&pageSize=100`);
  assert.ok(f.items.length >= 1 && f.items.every((e) => e.entity === 'org' && e.action === 'update'));
  const q = await admin.ok(`/api/audit?q=${encodeURIComponent('审计测试')}&pageSize=100`);
  assert.ok(q.items.length >= 2 && q.items.every((e) => JSON.stringify(e).includes('审计测试')));
  const logins = await admin.ok('/api/audit?entity=session&action=login&pageSize=100');
  assert.ok(logins.items.some((e) => /jd01/.test(e.actorName)), 'logins are audited');
});

test('the audit log is forbidden for a street user', async () => {
  assertError(await jd01.get('/api/audit'), 403, { code: 'forbidden' });
  assertError(await jd01.get('/api/audit/verify'), 403, { code: 'forbidden' });
});

test('the chain verifies through the API and the CLI', async () => {
  const v = await admin.ok('/api/audit/verify');
  assert.equal(v.ok, true, JSON.stringify(v));
  assert.ok(v.checked >= 5);
  assert.deepEqual(v.problems, []);
  const r = srv.cli(['audit', 'verify']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('tampering with the SQLite file is detected and names the entry', { skip: backend() !== 'sqlite' && 'SQLite run only' }, async () => {
  const list = await admin.ok(`/api/audit?entity=org&action=update&pageSize=5`);
  const victim = list.items.find((e) => e.entityId === orgId);
  assert.ok(victim);

  const sqlite = (db, sql) => {
    const r = spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const copy = (name) => {
    const out = path.join(srv.dir, name);
    const r = srv.cli(['backup', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    return out;
  };
  const runVerify = (db) => runCli(['--db', db, '--data-key-file', srv.keyFile, 'audit', 'verify']);

  // The append-only triggers refuse a plain UPDATE.
  const guarded = copy('guarded.db');
  const g = spawnSync('sqlite3', [guarded, `UPDATE audit_log SET summary = 'x' WHERE id = ${victim.id}`], { encoding: 'utf8' });
  assert.notEqual(g.status, 0, 'the trigger refuses updates');
  assert.match(g.stderr, /append-only/);

  const triggers = sqlite(guarded, "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_log'")
    .split('\n')
    .filter(Boolean);
  assert.ok(triggers.length >= 2, 'update and delete triggers exist');
  const drop = triggers.map((n) => `DROP TRIGGER ${n};`).join(' ');

  // Copy 1: an edited summary.
  const edited = copy('edited.db');
  sqlite(edited, `${drop} UPDATE audit_log SET summary = '篡改后的摘要' WHERE id = ${victim.id};`);
  const v1 = runVerify(edited);
  assert.notEqual(v1.code, 0, 'verify fails on an edited entry');
  assert.match(v1.stdout + v1.stderr, new RegExp(`\\b${victim.id}\\b`), `names entry ${victim.id}: ${v1.stdout}${v1.stderr}`);

  // Copy 2: a deleted entry (not the last one).
  const deleted = copy('deleted.db');
  sqlite(deleted, `${drop} DELETE FROM audit_log WHERE id = ${victim.id};`);
  const v2 = runVerify(deleted);
  assert.notEqual(v2.code, 0, 'verify fails on a deleted entry');
  const named = [victim.id, victim.id + 1].some((id) => new RegExp(`\\b${id}\\b`).test(v2.stdout + v2.stderr));
  assert.ok(named, `names the gap at ${victim.id}: ${v2.stdout}${v2.stderr}`);

  // The untouched copy still verifies.
  assert.equal(runVerify(copy('clean.db')).code, 0);
});
