#!/usr/bin/env node
// The bounded soak (issue 6, item 8; docs/security.md §8): one `zugong serve` on a fresh
// database with the whole small demo, and for `--minutes` the mixed read/write load of
// tests/lib/load.mjs — virtual users of every scope (district staff, streets, communities, a
// branch secretary, a member) over loopback — while the server's RSS (/proc/<pid>/status VmRSS)
// is sampled every `--sample` seconds.
//
//   node bench/soak.mjs [--minutes 2] [--users 16] [--sample 2] [--port 0]
//   (scripts/soak.sh [minutes] wraps it; ZUGONG_TEST_DB_URL=postgresql://… for PostgreSQL)
//
// Passes (exit 0) when there was no error at all (any non-2xx or dropped request) and memory
// is flat. The rule: the first third of the run is warm-up (caches, connection pool, allocator
// arenas fill); memory is flat when the median anonymous RSS (RssAnon: heap and anonymous
// maps, where a leak shows) of the last third exceeds the median of the middle third by at most
// 10 % or 10 MB, whichever is more — a leak of a constant size per request grows the last third
// past the middle at any steady rate. VmRSS is reported too, but not judged: its file-backed
// part follows the page cache of the growing database file (SQLite maps it), not the heap.
// Prints requests, errors, req/s, p50/p99 overall and per kind of request, and the RSS figures.
import { readFileSync } from 'node:fs';
import { runMixed } from '../tests/lib/load.mjs';
import { freshDb, serve, removeDir } from '../tests/lib/ops.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const minutes = Number(arg('minutes', 2));
const users = Number(arg('users', 16));
const sampleSeconds = Number(arg('sample', 2));
const port = Number(arg('port', 0));

/** {rss, anon} in kB: VmRSS, and its anonymous part RssAnon (heap and anonymous maps). */
function memKb(pid) {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (f) => Number(new RegExp(`${f}:\\s+(\\d+) kB`).exec(st)?.[1] ?? 0);
  return { rss: kb('VmRSS'), anon: kb('RssAnon') };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
};
const mb = (kb) => (kb / 1024).toFixed(1);

const d = freshDb(undefined, 'soak');
let srv;
let code = 1;
try {
  for (const args of [['migrate'], ['demo', '--scale', 'small']]) {
    const r = d.cli(args);
    if (r.code !== 0) throw new Error(`zugong ${args[0]} failed: ${r.stderr}${r.stdout}`);
  }
  srv = await serve(d, { quiet: true, port });
  const samples = []; // {t (s), kb}
  const t0 = Date.now();
  const take = () => samples.push({ t: (Date.now() - t0) / 1000, ...memKb(srv.pid) });
  take();
  const timer = setInterval(take, sampleSeconds * 1000);
  const r = await runMixed({ url: srv.url, seconds: minutes * 60, users });
  clearInterval(timer);
  take();

  // Samples of the first, middle and last third of the run, one field of them.
  const third = (i, f) => samples.filter((s) => s.t >= (i * minutes * 60) / 3 && s.t < ((i + 1) * minutes * 60) / 3).map((s) => s[f]);
  const mid = median(third(1, 'anon'));
  const end = median(third(2, 'anon'));
  const allowed = Math.max(mid * 0.1, 10 * 1024);
  const flat = third(1, 'anon').length > 0 && third(2, 'anon').length > 0 && end - mid <= allowed;

  console.log(`soak on ${d.db.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'}: ${users} users for ${r.seconds} s over ${srv.url}`);
  console.log(`requests ${r.requests}, errors ${r.errors}, ${r.rps} req/s, p50 ${r.p50} ms, p90 ${r.p90} ms, p99 ${r.p99} ms, max ${r.max} ms`);
  console.log('per kind (n, p50, p99 ms):');
  for (const [k, v] of Object.entries(r.byKind).sort()) console.log(`  ${k.padEnd(18)} ${String(v.n).padStart(7)} ${String(v.p50).padStart(6)} ${String(v.p99).padStart(6)}`);
  for (const [f, label] of [['rss', 'VmRSS'], ['anon', 'RssAnon']])
    console.log(
      `${label} (MB, ${samples.length} samples every ${sampleSeconds} s): start ${mb(samples[0][f])}, median of thirds ` +
        `${[0, 1, 2].map((i) => mb(median(third(i, f)))).join(' / ')}, peak ${mb(Math.max(...samples.map((s) => s[f])))}, end ${mb(samples[samples.length - 1][f])}`,
    );
  console.log(`memory ${flat ? 'flat' : 'NOT flat'}: RssAnon median of the last third ${mb(end)} MB vs the middle third ${mb(mid)} MB (${end >= mid ? '+' : ''}${mb(end - mid)} MB, allowed +${mb(allowed)} MB)`);
  for (const s of r.errorSamples) console.log('error:', s);
  console.log(`soak ${r.errors === 0 && flat ? 'passed' : 'FAILED'}: ${r.errors} errors, memory ${flat ? 'flat' : 'not flat'}`);
  code = r.errors === 0 && flat ? 0 : 1;
} catch (e) {
  console.error(e);
} finally {
  await srv?.stop();
  d.drop();
  removeDir(d.dir);
}
process.exit(code);
