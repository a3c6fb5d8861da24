// Starts a real `zugong serve` process for a test file against a fresh database.
//
// The database comes from the env var ZUGONG_TEST_DB_URL:
//   unset, "" or "sqlite"   a new SQLite file in a temp directory (one per server);
//   postgresql://…          a PostgreSQL server/database URL: a new database named
//                           zgt_<pid>_<n> is created on that server for each startServer()
//                           (through `psql`) and dropped again by stop().
// The binary is ZUGONG_BIN or <repo>/build/zugong. Each server runs `migrate` and, unless
// {demo:false}, `demo --scale small` first, so every test file starts from the same data and
// test files cannot disturb each other (throttling, tampering, settings).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const zugongBin = process.env.ZUGONG_BIN || path.join(repoRoot, 'build', 'zugong');
export const DEMO_PASSWORD = 'Demo@2026';

let dbCounter = 0;

/** The backend the suite runs on: "sqlite" or "postgres". */
export function backend() {
  const u = process.env.ZUGONG_TEST_DB_URL || '';
  return /^postgres(ql)?:\/\//.test(u) ? 'postgres' : 'sqlite';
}

function psql(url, sql) {
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed (${sql}): ${r.stderr || r.error}`);
  return r.stdout;
}

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

/** Runs the zugong CLI synchronously; returns {code, stdout, stderr}. */
export function runCli(args, { env = {}, cwd } = {}) {
  const r = spawnSync(zugongBin, args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    cwd,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Creates a fresh database (migrated, demo data unless demo:false) and starts `zugong serve`
 * on a free port. Returns {url, db, dir, backend, cli(args), stop()}.
 */
// demoArgs: extra arguments of `demo` (default: no activity; [] loads the whole small demo —
// dues, grid, visits, problems … — for pages that show a year of it, e.g. the dashboard).
export async function startServer({ demo = true, demoArgs = ['--no-activity'], web, env = {}, extraArgs = [] } = {}) {
  if (!existsSync(zugongBin)) throw new Error(`zugong binary not found: ${zugongBin} (build first)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'zg-test-'));
  const keyFile = path.join(dir, 'data.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  let db;
  let dropDb = null;
  if (backend() === 'postgres') {
    const admin = process.env.ZUGONG_TEST_DB_URL;
    const name = `zgt_${process.pid}_${++dbCounter}_${randomBytes(3).toString('hex')}`;
    psql(admin, `CREATE DATABASE ${name}`);
    db = withDatabase(admin, name);
    dropDb = () => {
      try {
        psql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } catch (e) {
        console.error(String(e));
      }
    };
  } else {
    db = path.join(dir, 'test.db');
  }
  const common = ['--db', db, '--data-key-file', keyFile];
  const cli = (args, opts = {}) => runCli([...common, ...args], { cwd: dir, ...opts });

  let r = cli(['migrate']);
  if (r.code !== 0) throw new Error(`zugong migrate failed: ${r.stderr}${r.stdout}`);
  if (demo) {
    r = cli(['demo', '--scale', 'small', ...demoArgs]);
    if (r.code !== 0) throw new Error(`zugong demo failed: ${r.stderr}${r.stdout}`);
  }

  const args = [...common, 'serve', '--host', '127.0.0.1', '--port', '0', '--quiet', ...extraArgs];
  if (web) args.push('--web', web);
  const proc = spawn(zugongBin, args, {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => {
    err += d;
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 20_000);
    proc.stdout.on('data', (d) => {
      out += d;
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
  proc.stdout.resume();

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (proc.exitCode === null) {
      const exited = new Promise((res) => proc.once('exit', res));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    if (dropDb) dropDb();
    if (!process.env.ZUGONG_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  return { url, db, dir, keyFile, backend: backend(), cli, stop, stderr: () => err };
}
