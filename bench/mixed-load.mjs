#!/usr/bin/env node
// The mixed read/write load through nginx (issue 5, item 5): many users of different scopes
// (district, streets, communities, a branch secretary, a member) reading and writing for a
// minute. Start the servers first (deploy/two-servers.sh start), then:
//
//   node bench/mixed-load.mjs [--url http://127.0.0.1:8311] [--seconds 60] [--users 24]
//
// Prints requests, errors (any non-2xx), req/s, p50/p90/p99 and the share each server took;
// exits non-zero when there was an error. docs/scale.md records a run.
import { runMixed } from '../tests/lib/load.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const url = arg('url', 'http://127.0.0.1:8311');
const seconds = Number(arg('seconds', 60));
const users = Number(arg('users', 24));
const r = await runMixed({ url, seconds, users });
console.log(`mixed load through ${url}: ${users} users, ${r.seconds} s`);
console.log(`requests ${r.requests}, errors ${r.errors}, ${r.rps} req/s, p50 ${r.p50} ms, p90 ${r.p90} ms, p99 ${r.p99} ms, max ${r.max} ms`);
console.log('per server:', JSON.stringify(r.upstreams));
console.log('per kind (n, p50, p99 ms):');
for (const [k, v] of Object.entries(r.byKind).sort()) console.log(`  ${k.padEnd(18)} ${String(v.n).padStart(7)} ${String(v.p50).padStart(6)} ${String(v.p99).padStart(6)}`);
for (const s of r.errorSamples) console.log('error:', s);
process.exitCode = r.errors ? 1 : 0;
