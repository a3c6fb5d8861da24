// Backup and restore under load (issue 6, item 7). A server takes member creations from four
// concurrent writers; mid-way `zugong backup` runs; the writers go on. The backup is restored
// into a fresh database and compared with the source table by table: it must equal the source
// as of the backup — every row up to the audit head recorded in the manifest, none after (the
// rows written after it are told apart by their audit entries, written in the same
// transaction) — and `zugong audit verify` must pass on it. Restore refuses a non-empty target
// without --force and a backup file that no longer matches its manifest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, copyFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { zugongBin } from '../lib/server.mjs';
import { loginAs } from '../lib/client.mjs';
import { findBranch, memberBody, idNumber } from '../lib/fixtures.mjs';
import { freshDb, serve, sql, tables, columns, dump, removeDir } from '../lib/ops.mjs';

let src;
let srv;
let restored;
const backupFile = () => path.join(src.dir, 'backup.bin');

/** The CLI without blocking the event loop (the writers must go on meanwhile). */
function cliAsync(d, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(zugongBin, ['--db', d.db, '--data-key-file', d.keyFile, ...args], { cwd: d.dir });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (x) => (stdout += x));
    p.stderr.on('data', (x) => (stderr += x));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

before(async () => {
  src = freshDb(undefined, 'src');
  for (const args of [['migrate'], ['demo', '--scale', 'small', '--no-activity']]) {
    const r = src.cli(args);
    assert.equal(r.code, 0, r.stderr + r.stdout);
  }
  srv = await serve(src, { quiet: true });
});

after(async () => {
  await srv?.stop();
  restored?.drop();
  src?.drop();
  if (src) removeDir(src.dir);
});

const writes = []; // {id, start, end} of every acknowledged creation
let tBackupStart;
let tBackupEnd;
let manifest;

test('a backup taken while four writers create members is written with its manifest', async () => {
  const admin = await loginAs(srv.url, 'admin');
  const roots = await admin.ok('/api/orgs/roots');
  const branch = await findBranch(admin, roots[0].id);
  let stop = false;
  const failures = [];
  // A distinct birth date per creation, so no two writers ever draw the same ID number (random
  // ones collided now and then: a 409 duplicate the test is not about).
  let born = Date.UTC(1950, 0, 1);
  const nextBirth = () => new Date((born += 86400000)).toISOString().slice(0, 10);
  const writer = async () => {
    const c = await loginAs(srv.url, 'admin');
    while (!stop) {
      const start = performance.now();
      const r = await c.post('/api/members', memberBody(branch.id, { name: '备份测试', idNumber: idNumber({ birth: nextBirth() }) }));
      const end = performance.now();
      if (r.status === 201 || r.status === 200) writes.push({ id: r.json.id, start, end });
      else failures.push(`${r.status} ${r.text.slice(0, 200)}`);
    }
  };
  const running = [writer(), writer(), writer(), writer()];
  const until = async (n) => {
    const deadline = Date.now() + 60_000;
    while (writes.length < n && failures.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  await until(40);
  tBackupStart = performance.now();
  const b = await cliAsync(src, ['backup', '--out', backupFile()]);
  tBackupEnd = performance.now();
  const doneAtBackup = writes.length;
  await until(doneAtBackup + 40);
  stop = true;
  await Promise.all(running);
  assert.equal(b.code, 0, b.stderr + b.stdout);
  assert.deepEqual(failures, [], 'every creation succeeded');
  assert.match(b.stdout, /backup written to .* audit head \d+/);

  manifest = JSON.parse(readFileSync(backupFile() + '.manifest.json', 'utf8'));
  assert.equal(manifest.format, 'zugong-backup-1');
  assert.equal(manifest.backend, src.db.startsWith('postgres') ? 'postgres' : 'sqlite');
  assert.equal(manifest.bytes, statSync(backupFile()).size);
  assert.ok(manifest.auditHead.id > 0 && /^[0-9a-f]{64}$/.test(manifest.auditHead.hash));
  assert.ok(manifest.tables.members > 2000, 'member count recorded');
  assert.equal(statSync(backupFile()).mode & 0o077, 0, 'the backup is readable by its owner only');
  // Writes were really going on: some were in flight when the backup began.
  const inFlight = writes.filter((w) => w.start < tBackupStart && w.end > tBackupStart).length;
  assert.ok(inFlight > 0, 'a write was in flight when the backup started');
  console.log(`# backup: ${writes.length} members written, ${inFlight} in flight at the start, audit head ${manifest.auditHead.id}, ${manifest.bytes} bytes in ${manifest.seconds.toFixed(2)} s`);
});

test('restore into a fresh database: every table equals the source as of the backup, the chain verifies', async () => {
  restored = freshDb(src.dir, 'restored');
  const r = restored.cli(['restore', '--from', backupFile()]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /audit chain intact .* equal to the manifest/);
  const v = restored.cli(['audit', 'verify']);
  assert.equal(v.code, 0, v.stderr + v.stdout);
  assert.match(v.stdout, /chain intact/);

  const head = manifest.auditHead.id;
  // What the source did after the backup, from its audit log: member creations, and the
  // backup's own entry.
  const later = sql(src.db, `SELECT id, action, entity, entity_id FROM audit_log WHERE id > ${head} ORDER BY id`);
  const createdAfter = new Set(later.filter((e) => e[1] === 'create' && e[2] === 'member').map((e) => e[3]));
  assert.deepEqual(later.filter((e) => !(e[1] === 'create' && e[2] === 'member')).map((e) => e[1]), ['backup']);
  assert.ok(createdAfter.size >= 40, 'writes after the backup are not in it');
  // Every write acknowledged before the backup began is in it; none begun after it ended is.
  for (const w of writes) {
    if (w.end < tBackupStart) assert.ok(!createdAfter.has(String(w.id)), `member ${w.id} acknowledged before the backup`);
    if (w.start > tBackupEnd)
      assert.ok(createdAfter.has(String(w.id)), `member ${w.id} written after the backup: ${JSON.stringify({ w, tBackupStart, tBackupEnd, head, entry: sql(src.db, `SELECT id, logged_at, action FROM audit_log WHERE entity = 'member' AND entity_id = ${w.id}`) })}`);
  }

  // The restored copy has exactly one entry past the head: its restore.
  const extra = sql(restored.db, `SELECT action, entity FROM audit_log WHERE id > ${head}`);
  assert.deepEqual(extra, [['restore', 'database']]);

  const srcTables = tables(src.db);
  assert.deepEqual(tables(restored.db), srcTables);
  let compared = 0;
  let rows = 0;
  for (const t of srcTables) {
    if (t === 'org_counts') {
      // Derived (live roll-ups, docs/rollup.md): the source's kept moving with the writes after
      // the backup; the restored copy must equal a full recount of the restored base tables.
      assert.equal(dump(restored.db, t).length, manifest.tables[t], `${t}: row count as in the manifest`);
      const chk = restored.cli(['rollup', 'check']);
      assert.equal(chk.code, 0, chk.stdout + chk.stderr);
      compared++;
      continue;
    }
    if (t === 'cache_epochs') {
      // Change counters for the in-process caches (platform/cache.h): the source's moved with the
      // writes after the backup, so only the counters' names can be compared.
      const names = (db) => dump(db, t).map((line) => line.split('\x1f')[0]).sort();
      assert.deepEqual(names(restored.db), names(src.db), `${t}: the same counters`);
      compared++;
      continue;
    }
    const cols = columns(src.db, t);
    const keep = (line) => {
      const v = line.split('\x1f');
      const at = (c) => v[cols.indexOf(c)];
      if (t === 'audit_log') return Number(at('id')) <= head;
      if (t === 'members') return !createdAfter.has(at('id'));
      if (t === 'member_placements') return !createdAfter.has(at('member_id'));
      return true;
    };
    const expected = dump(src.db, t).filter(keep);
    const got = t === 'audit_log' ? dump(restored.db, t).filter(keep) : dump(restored.db, t);
    assert.equal(got.length, manifest.tables[t], `${t}: row count as in the manifest`);
    assert.deepEqual(got, expected, `table ${t} equals the source as of the backup`);
    compared++;
    rows += got.length;
  }
  assert.ok(compared > 40);
  console.log(`# restore: ${compared} tables, ${rows} rows equal to the source as of audit entry ${head}`);
});

test('restore refuses a non-empty database without --force, and replaces it with --force', () => {
  const head = () => sql(restored.db, 'SELECT MAX(id) FROM audit_log')[0][0];
  const before = head();
  const r = restored.cli(['restore', '--from', backupFile()]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /目标数据库不是空的.*--force/);
  assert.equal(head(), before, 'nothing changed');
  const f = restored.cli(['restore', '--from', backupFile(), '--force']);
  assert.equal(f.code, 0, f.stderr + f.stdout);
  assert.equal(Number(head()), manifest.auditHead.id + 1, 'the copy again ends with one restore entry');
  assert.equal(restored.cli(['audit', 'verify']).code, 0);
});

test('a backup file that no longer matches its manifest is refused', () => {
  const bad = path.join(src.dir, 'tampered.bin');
  copyFileSync(backupFile(), bad);
  copyFileSync(backupFile() + '.manifest.json', bad + '.manifest.json');
  const bytes = readFileSync(bad);
  bytes[Math.floor(bytes.length / 2)] ^= 0x55;
  writeFileSync(bad, bytes);
  const target = freshDb(src.dir, 'tampered');
  try {
    const r = target.cli(['restore', '--from', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /与其清单不符/);
    const missing = target.cli(['restore', '--from', path.join(src.dir, 'nope.bin')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /备份文件不存在/);
  } finally {
    target.drop();
  }
});
