// Key rotation and plaintext at rest (issue 6, item 3). On the full demo (members, mobile
// members, grid households, residents' problems, pipeline applicants, the notification outbox)
// plus an incoming transfer and a household with people, `zugong rotate-key` re-encrypts every
// sealed column with a new key in one transaction. Checked independently of the server (Node's
// own AES-256-GCM and HMAC): every value reads back identically with the new key, none opens
// with the old one, every lookup hash is the new key's; no row is lost; the server, restarted,
// reads the same data and still finds records by ID number. Then the database file, the server
// log and a backup are searched for every ID number and phone in clear: none may be there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { loginAs } from '../lib/client.mjs';
import { findBranch, memberBody, idNumber, phone } from '../lib/fixtures.mjs';
import { freshDb, serve, sql, tables, dump, readKey, openSealed, lookupHash, removeDir } from '../lib/ops.mjs';

// Every encrypted column and the lookup hashes computed from it (keep in step with
// src/platform/keyrotation.cpp; the command itself refuses a schema it does not cover).
const SEALED = [
  { table: 'members', enc: ['id_number_enc', 'phone_enc', 'landline_enc'], hash: [['id_number_hash', 'id_number_enc']] },
  { table: 'mobility_records', enc: ['phone_enc'], hash: [] },
  { table: 'transfer_cases', enc: ['in_member_enc'], hash: [['in_id_hash', 'in_member_enc', 'idNumber']] },
  { table: 'pipeline_applicants', enc: ['id_enc'], hash: [['id_hash', 'id_enc']] },
  { table: 'households', enc: ['phone_enc'], hash: [] },
  { table: 'household_people', enc: ['phone_enc'], hash: [] },
  { table: 'resident_problems', enc: ['phone_enc'], hash: [] },
  { table: 'notify_outbox', enc: ['phone_enc', 'body_enc'], hash: [] },
];

let d;
let srv;
let logs = '';
const mine = {}; // what this test wrote: {memberId, idNumber, phone, transferId, inIdNumber, householdId, personPhone}
let plain; // table.column → Map(id → plaintext), read with the old key
let counts; // table → rows before the rotation
let oldKey;
let oldCiphertexts;
let newKey;
const newKeyFile = () => path.join(d.dir, 'new.key');

function readSealed(key) {
  const out = {};
  for (const s of SEALED) {
    const cols = [...s.enc, ...s.hash.map((h) => h[0])];
    const rows = sql(d.db, `SELECT id, ${cols.join(', ')} FROM ${s.table}`);
    for (const [i, c] of cols.entries()) {
      const m = new Map();
      for (const r of rows) if (r[1 + i] !== '\\N') m.set(r[0], r[1 + i]);
      out[`${s.table}.${c}`] = m;
    }
  }
  return out;
}

/**
 * The bytes of the database as stored: the SQLite file and its WAL, or PostgreSQL's relation
 * files of the database. When the cluster's data directory is not readable by the test's user
 * (a cluster run by another OS user), every row of every table instead. [{name, buf}]
 */
function databaseBytes() {
  if (d.db.startsWith('postgres')) {
    const admin = process.env.ZUGONG_TEST_DB_URL;
    sql(admin, 'CHECKPOINT');
    const dataDir = sql(admin, 'SHOW data_directory')[0][0];
    const oid = sql(admin, `SELECT oid FROM pg_database WHERE datname = '${new URL(d.db).pathname.slice(1)}'`)[0][0];
    const base = path.join(dataDir, 'base', oid);
    try {
      return readdirSync(base).map((f) => ({ name: path.join(base, f), buf: readFileSync(path.join(base, f)) }));
    } catch (e) {
      if (e.code !== 'EACCES' && e.code !== 'EPERM') throw e;
      console.log(`# ${base} is not readable by this user: searching every row of every table instead`);
      return [{ name: 'every row', buf: Buffer.from(tables(d.db).map((t) => dump(d.db, t).join('\n')).join('\n')) }];
    }
  }
  return [d.db, d.db + '-wal'].filter((f) => existsSync(f)).map((f) => ({ name: f, buf: readFileSync(f) }));
}

function rowCounts() {
  const out = {};
  for (const t of tables(d.db)) out[t] = Number(sql(d.db, `SELECT COUNT(*) FROM ${t}`)[0][0]);
  return out;
}

before(async () => {
  d = freshDb(undefined, 'keys');
  for (const args of [['migrate'], ['demo', '--scale', 'small']]) {
    const r = d.cli(args);
    assert.equal(r.code, 0, r.stderr + r.stdout);
  }
  srv = await serve(d);
});

after(async () => {
  await srv?.stop();
  d?.drop();
  if (d) removeDir(d.dir);
});

test('data written under the old key: a member, an incoming transfer, a household with people', async () => {
  const admin = await loginAs(srv.url, 'admin');
  const roots = await admin.ok('/api/orgs/roots');
  const branch = await findBranch(admin, roots[0].id);
  mine.idNumber = idNumber();
  mine.phone = phone();
  let r = await admin.post('/api/members', memberBody(branch.id, { name: '轮换测试', idNumber: mine.idNumber, phone: mine.phone }));
  assert.equal(r.status, 201, r.text);
  mine.memberId = r.json.id;

  mine.inIdNumber = idNumber();
  r = await admin.post('/api/transfers', {
    direction: 'in', toOrgId: branch.id, fromOutside: '中共绍兴市某支部委员会', outsideLetter: '绍组转〔2026〕9号', reason: '工作调入',
    name: '转入待办', idNumber: mine.inIdNumber, category: 'full', joinedOn: '2015-06-01', fullOn: '2016-06-01', phone: phone(),
  });
  assert.equal(r.status, 201, r.text);
  mine.transferId = r.json.id;

  const hh = await admin.ok('/api/grid/households?pageSize=1');
  mine.personPhone = phone();
  r = await admin.post('/api/grid/households', {
    groupId: hh.items[0].groupId, address: '轮换测试路1号', headName: '户主甲', phone: phone(),
    people: [{ name: '家人乙', relation: '配偶', birthYear: 1970, phone: mine.personPhone }],
  });
  assert.equal(r.status, 201, r.text);
  mine.householdId = r.json.id;

  const s = await admin.ok(`/api/members/${mine.memberId}/sensitive`);
  assert.equal(s.idNumber, mine.idNumber);
  assert.equal(s.phone, mine.phone);
  if (d.db.startsWith('postgres')) {
    // While a server is connected the rotation is refused (it would go on with the old key).
    const busy = d.cli(['rotate-key', '--new-key-file', path.join(d.dir, 'busy.key')]);
    assert.equal(busy.code, 1, busy.stdout);
    assert.match(busy.stderr, /请先停止服务器再轮换密钥/);
  }
  await srv.stop(); // rotation runs with the server stopped
  logs += srv.log();

  oldKey = readKey(d.keyFile);
  const sealed = readSealed();
  oldCiphertexts = Object.fromEntries(Object.entries(sealed).filter(([k]) => k.endsWith('_enc')));
  counts = rowCounts();
  plain = {};
  for (const s2 of SEALED) {
    for (const c of s2.enc) {
      const m = new Map();
      for (const [id, v] of sealed[`${s2.table}.${c}`]) m.set(id, openSealed(oldKey, v));
      plain[`${s2.table}.${c}`] = m;
    }
    // The stored hashes are the old key's (so the Node implementation matches the server's).
    for (const [h, from, field] of s2.hash) {
      for (const [id, v] of sealed[`${s2.table}.${h}`]) {
        const p = plain[`${s2.table}.${from}`].get(id);
        assert.equal(v, lookupHash(oldKey, field ? JSON.parse(p)[field] : p), `${s2.table}.${h} #${id}`);
      }
    }
  }
  for (const c of ['members.id_number_enc', 'households.phone_enc', 'household_people.phone_enc', 'transfer_cases.in_member_enc',
    'pipeline_applicants.id_enc', 'resident_problems.phone_enc', 'notify_outbox.body_enc', 'mobility_records.phone_enc'])
    assert.ok(plain[c].size > 0, `${c} has values to rotate`);
  assert.equal(plain['members.id_number_enc'].get(String(mine.memberId)), mine.idNumber);
});

test('rotate-key re-encrypts every value and recomputes every hash in place, losing no row', () => {
  const r = d.cli(['rotate-key', '--new-key-file', newKeyFile()]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /new key generated/);
  assert.match(r.stdout, /values re-encrypted, \d+ lookup hashes recomputed/);
  newKey = readKey(newKeyFile());
  assert.notDeepEqual(newKey, oldKey);
  // The deployment's key file now holds the new key; the old one is kept aside for old backups.
  assert.deepEqual(readKey(d.keyFile), newKey);
  const retired = readdirSync(d.dir).find((f) => f.startsWith(path.basename(d.keyFile) + '.retired-'));
  assert.ok(retired, 'the old key is kept under a .retired- name');
  assert.deepEqual(readKey(path.join(d.dir, retired)), oldKey);
  assert.equal(statSync(d.keyFile).mode & 0o077, 0, 'the key file is readable by its owner only');
  assert.equal(statSync(newKeyFile()).mode & 0o077, 0, 'the generated key file too');

  const sealed = readSealed();
  // The old ciphertexts are gone from the live database's files, not only from its rows.
  const oldSealed = [];
  for (const m of Object.values(oldCiphertexts)) for (const v of m.values()) oldSealed.push(v);
  const sample = oldSealed.filter((_, i) => i % Math.ceil(oldSealed.length / 150) === 0);
  for (const { name, buf } of databaseBytes()) {
    for (const v of sample) assert.equal(buf.indexOf(v), -1, `an old ciphertext is still in ${name}`);
  }
  let values = 0;
  let hashes = 0;
  for (const s of SEALED) {
    for (const c of s.enc) {
      const before = plain[`${s.table}.${c}`];
      const now = sealed[`${s.table}.${c}`];
      assert.equal(now.size, before.size, `${s.table}.${c}: as many values as before`);
      for (const [id, p] of before) {
        assert.equal(openSealed(newKey, now.get(id)), p, `${s.table}.${c} #${id} reads back with the new key`);
        assert.throws(() => openSealed(oldKey, now.get(id)), `${s.table}.${c} #${id} does not open with the old key`);
        values++;
      }
    }
    for (const [h, from, field] of s.hash) {
      for (const [id, v] of sealed[`${s.table}.${h}`]) {
        const p = plain[`${s.table}.${from}`].get(id);
        assert.equal(v, lookupHash(newKey, field ? JSON.parse(p)[field] : p), `${s.table}.${h} #${id} is the new key's`);
        hashes++;
      }
    }
  }
  const now = rowCounts();
  for (const [t, n] of Object.entries(counts)) assert.equal(now[t], t === 'audit_log' ? n + 1 : n, `${t}: no row lost or added`);
  const last = sql(d.db, 'SELECT action, entity, summary FROM audit_log ORDER BY id DESC LIMIT 1')[0];
  assert.deepEqual(last.slice(0, 2), ['rotate-key', 'data_key']);
  assert.equal(d.cli(['audit', 'verify']).code, 0);
  console.log(`# rotate-key: ${values} values re-encrypted and ${hashes} hashes recomputed, checked one by one`);

  // A second run with the old key as "new" is refused: it would not open (the data is no
  // longer under the current key's predecessor) — and the same key twice is refused too.
  const same = d.cli(['rotate-key', '--new-key-file', d.keyFile]);
  assert.equal(same.code, 1);
  assert.match(same.stderr, /新密钥与当前密钥相同/);
});

test('restarted with the new key, the server reads the same data and finds records by ID number', async () => {
  srv = await serve(d);
  const admin = await loginAs(srv.url, 'admin');
  const s = await admin.ok(`/api/members/${mine.memberId}/sensitive`);
  assert.equal(s.idNumber, mine.idNumber);
  assert.equal(s.phone, mine.phone);
  // Some demo members too.
  const list = await admin.ok('/api/members?pageSize=5');
  for (const m of list.items) {
    const v = await admin.ok(`/api/members/${m.id}/sensitive`);
    assert.equal(v.idNumber, plain['members.id_number_enc'].get(String(m.id)));
  }
  // Lookups by keyed hash: a duplicate ID number is found, an open incoming transfer too.
  const roots = await admin.ok('/api/orgs/roots');
  const branch = await findBranch(admin, roots[0].id);
  let r = await admin.post('/api/members', memberBody(branch.id, { idNumber: mine.idNumber }));
  assert.equal(r.status, 409, r.text);
  assert.equal(r.json.code, 'duplicate');
  const demoId = plain['members.id_number_enc'].get(String(list.items[0].id));
  r = await admin.post('/api/members', memberBody(branch.id, { idNumber: demoId }));
  assert.equal(r.status, 409, `a demo member's ID number is still found: ${r.text}`);
  r = await admin.post('/api/transfers', {
    direction: 'in', toOrgId: branch.id, fromOutside: '中共绍兴市某支部委员会', outsideLetter: '绍组转〔2026〕10号', reason: '工作调入',
    name: '转入待办', idNumber: mine.inIdNumber, category: 'full', joinedOn: '2015-06-01', fullOn: '2016-06-01',
  });
  assert.equal(r.status, 409, r.text);
  assert.equal(r.json.code, 'open_case');
  // The sealed incoming member opens with the new key: completing the transfer creates it.
  assert.equal((await admin.post(`/api/transfers/${mine.transferId}/receive`, {})).status, 200);
  r = await admin.post(`/api/transfers/${mine.transferId}/complete`, {});
  assert.equal(r.status, 200, r.text);
  const created = await admin.ok(`/api/members/${r.json.memberId}/sensitive`);
  assert.equal(created.idNumber, mine.inIdNumber);
  const hh = await admin.ok(`/api/grid/households/${mine.householdId}`);
  assert.equal(hh.people[0].phoneMasked, mine.personPhone.slice(0, 3) + '****' + mine.personPhone.slice(7));
});

test('no ID number or phone in clear in the database file, the server log or a backup', async () => {
  const b = d.cli(['backup', '--out', path.join(d.dir, 'after-rotation.bak')]);
  assert.equal(b.code, 0, b.stderr + b.stdout);
  await srv.stop();
  logs += srv.log();

  // Every ID number and phone the data holds (the sealed columns' plaintexts, phones inside
  // sealed texts, and what this test typed).
  const secrets = new Set([mine.idNumber, mine.phone, mine.inIdNumber, mine.personPhone]);
  for (const [col, m] of Object.entries(plain)) {
    for (const p of m.values()) {
      if (col === 'transfer_cases.in_member_enc') {
        const o = JSON.parse(p);
        secrets.add(o.idNumber);
        if (o.phone) secrets.add(o.phone);
      } else if (col === 'notify_outbox.body_enc') {
        for (const x of p.match(/1[3-9]\d{9}/g) || []) secrets.add(x);
      } else {
        secrets.add(p);
      }
    }
  }
  // Known gap, not hidden: an organization's contact phone (orgs.phone, 联系电话) is a plain
  // column shown to every reader of the organization, and the demo fills a branch's with its
  // secretary's mobile. Those numbers are left out of the search and counted; docs/security.md
  // (item 3) lists the decision to take.
  const orgPhones = new Set(sql(d.db, 'SELECT phone FROM orgs WHERE phone IS NOT NULL').map((r) => r[0]));
  let published = 0;
  for (const p of [...secrets]) if (orgPhones.has(p)) (secrets.delete(p), published++);
  const lengths = new Set([...secrets].map((s) => s.length));
  assert.ok(secrets.size > 5000, `${secrets.size} secrets to look for`);
  // Every window of those lengths in every run of digits/X/- of the bytes is a candidate.
  const findIn = (buf, what) => {
    const text = buf.toString('latin1');
    const found = new Set();
    for (const m of text.matchAll(/[0-9Xx-]{7,}/g)) {
      const run = m[0].toUpperCase();
      for (const n of lengths) for (let i = 0; i + n <= run.length; i++) if (secrets.has(run.slice(i, i + n))) found.add(run.slice(i, i + n));
    }
    // Also in UTF-16 (a stray wide string would hide from the scan above).
    const wide = buf.toString('utf16le');
    for (const m of wide.matchAll(/[0-9X-]{7,}/g)) for (const n of lengths) for (let i = 0; i + n <= m[0].length; i++) if (secrets.has(m[0].slice(i, i + n))) found.add(m[0].slice(i, i + n));
    assert.deepEqual([...found].slice(0, 5), [], `${what} holds ID numbers or phones in clear`);
  };
  // The control: the scan finds them where they are.
  findIn(Buffer.from('x'), 'nothing');
  assert.throws(() => findIn(Buffer.from(`abc ${mine.idNumber} def`), 'control'));

  const files = databaseBytes();
  let bytes = 0;
  for (const { name, buf } of files) {
    bytes += buf.length;
    findIn(buf, name);
  }
  findIn(Buffer.from(logs), 'the server log');
  const bak = readFileSync(path.join(d.dir, 'after-rotation.bak'));
  findIn(bak, 'the backup');
  console.log(`# plaintext search: ${secrets.size} ID numbers and phones (${published} more left out: also an organization's contact phone, kept in clear), none in ${files.length} database files (${bytes} bytes), the server log (${logs.length} chars) or the backup (${bak.length} bytes)`);
});
