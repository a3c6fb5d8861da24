// Helpers for the operations tests (backup, restore, key rotation): fresh databases that
// outlive a server process, a server that can be stopped and started again on the same
// database, and raw SQL on SQLite (sqlite3) or PostgreSQL (psql) to compare what is stored.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes, createDecipheriv, createHmac } from 'node:crypto';
import { backend, runCli, zugongBin } from './server.mjs';

function psql(url, sql) {
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed (${sql}): ${r.stderr || r.error}`);
  return r.stdout;
}

/**
 * A fresh, empty database (not migrated) in its own temp directory with its own key file.
 * Returns {db, dir, keyFile, cli(args), drop()}.
 */
export function freshDb(dir = mkdtempSync(path.join(tmpdir(), 'zg-ops-')), name = 'test') {
  let db;
  let drop = () => {};
  if (backend() === 'postgres') {
    const admin = process.env.ZUGONG_TEST_DB_URL;
    const dbName = `zgo_${process.pid}_${name}_${randomBytes(3).toString('hex')}`;
    psql(admin, `CREATE DATABASE ${dbName}`);
    const u = new URL(admin);
    u.pathname = '/' + dbName;
    db = u.toString();
    drop = () => {
      try {
        psql(admin, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      } catch (e) {
        console.error(String(e));
      }
    };
  } else {
    db = path.join(dir, `${name}.db`);
  }
  const keyFile = path.join(dir, `${name}.key`);
  writeFileSync(keyFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  const cli = (args, opts = {}) => runCli(['--db', db, '--data-key-file', keyFile, ...args], { cwd: dir, ...opts });
  return { db, dir, keyFile, cli, drop };
}

/**
 * `zugong serve` on `d` (from freshDb) on a free port (or `port`); returns {url, pid, stop(), kill(), log()}.
 * stop() ends it with SIGTERM (SIGKILL after 5 s); kill() with SIGKILL at once, as a crash would.
 */
export async function serve(d, { quiet = false, port = 0 } = {}) {
  const proc = spawn(zugongBin, ['--db', d.db, '--data-key-file', d.keyFile, 'serve', '--host', '127.0.0.1', '--port', String(port),
    ...(quiet ? ['--quiet'] : [])], { cwd: d.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (x) => (err += x));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 20_000);
    proc.stdout.on('data', (x) => {
      out += x;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}\n${err}`));
    });
  });
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  const stop = async () => {
    if (gone()) return;
    const exited = new Promise((res) => proc.once('exit', res));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  const kill = async () => {
    if (gone()) return;
    const exited = new Promise((res) => proc.once('exit', res));
    proc.kill('SIGKILL');
    await exited;
  };
  return { url, pid: proc.pid, stop, kill, log: () => out + err };
}

const US = '\x1f';
const RS = '\x1e';

/** Rows of `sql` on database `db` as arrays of text (NULL as "\\N"). */
export function sql(db, text) {
  let r;
  if (/^postgres(ql)?:\/\//.test(db)) {
    r = spawnSync('psql', [db, '-v', 'ON_ERROR_STOP=1', '-qAt', '-F', US, '-R', RS, '-P', 'null=\\N', '-c', text], {
      encoding: 'utf8', maxBuffer: 1 << 30,
    });
  } else {
    r = spawnSync('sqlite3', ['-batch', '-noheader', '-separator', US, '-newline', RS, '-nullvalue', '\\N', db, text], {
      encoding: 'utf8', maxBuffer: 1 << 30,
    });
  }
  if (r.status !== 0) throw new Error(`sql failed (${text}): ${r.stderr}`);
  // psql ends its output with one newline after the last record; sqlite3 with the separator.
  const out = /^postgres(ql)?:\/\//.test(db) ? r.stdout.replace(/\n$/, '') : r.stdout.replace(new RegExp(RS + '$'), '');
  return out === '' ? [] : out.split(RS).map((l) => l.split(US));
}

/** Every table of the database. */
export function tables(db) {
  const q = /^postgres(ql)?:\/\//.test(db)
    ? "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1";
  return sql(db, q).map((r) => r[0]);
}

/** Columns of a table, in order. */
export function columns(db, table) {
  if (/^postgres(ql)?:\/\//.test(db))
    return sql(db, `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`).map((r) => r[0]);
  return sql(db, `SELECT name FROM pragma_table_info('${table}') ORDER BY cid`).map((r) => r[0]);
}

/** All rows of a table, each as one string (columns joined), sorted. */
export function dump(db, table) {
  return sql(db, `SELECT * FROM ${table}`).map((r) => r.join(US)).sort();
}

/** The raw 32-byte key of a key file. */
export function readKey(file) {
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

/** Opens base64(nonce12 | ciphertext | tag16) with AES-256-GCM — independently of the server. Throws on a wrong key. */
export function openSealed(key, sealed) {
  const raw = Buffer.from(sealed, 'base64');
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
}

/** The keyed lookup hash of platform/crypto.cpp: HMAC(HMAC(key, "zugong-lookup"), value) in hex. */
export function lookupHash(key, value) {
  const mac = createHmac('sha256', key).update('zugong-lookup').digest();
  return createHmac('sha256', mac).update(value, 'utf8').digest('hex');
}

export function removeDir(dir) {
  if (!process.env.ZUGONG_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
}
