// A mixed read/write load of many users of different scopes (issue 5, item 5), through one base
// URL (nginx in front of two servers). Closed loop: each virtual user logs in once (its own
// session) and repeats its role's mix until the time is up. Every answer must be 2xx: a 5xx or
// any 4xx is counted as an error — each user edits only records it owns (a member it created, a
// household of its own), so even a 409 would be a bug here.
//
// runMixed({url, seconds, users}) → {requests, errors, errorSamples, rps, p50, p90, p99, max,
// byKind: {kind: {n, p99}}, upstreams: {addr: n}}. Used by tests/api/multi.test.mjs (short run)
// and bench/mixed-load.mjs (the minute, documented in docs/scale.md).
import { performance } from 'node:perf_hooks';
import { Client } from './client.mjs';
import { memberBody, idNumber } from './fixtures.mjs';

// Logins of the demo, one per scope level; virtual users cycle over them.
export const SCOPES = ['admin', 'jd01', 'jd02', 'sq0101', 'zb0001', 'jd03', 'sq0102', 'dy0001'];

function pct(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function runMixed({ url, seconds = 20, users = 16, log = () => {} }) {
  const lat = [];
  const byKind = {};
  const upstreams = {};
  let errors = 0;
  const errorSamples = [];
  const deadline = performance.now() + seconds * 1000;
  const runId = Date.now().toString(36); // a fresh building per run: households never collide

  async function call(c, kind, method, path, body) {
    const t0 = performance.now();
    let r;
    try {
      r = await c.request(method, path, body === undefined ? {} : { json: body });
    } catch (e) {
      r = { status: 0, text: String(e), headers: new Headers() };
    }
    const ms = performance.now() - t0;
    lat.push(ms);
    (byKind[kind] ??= []).push(ms);
    const u = r.headers.get('x-upstream');
    if (u) upstreams[u] = (upstreams[u] ?? 0) + 1;
    if (r.status < 200 || r.status >= 300) {
      errors++;
      if (errorSamples.length < 10) errorSamples.push(`${kind} ${method} ${path} → ${r.status} ${r.text.slice(0, 200)}`);
      return null;
    }
    return r.json;
  }

  async function firstBranch(c, rootId) {
    const queue = [rootId];
    while (queue.length) {
      const id = queue.shift();
      const kids = (await call(c, 'setup', 'GET', `/api/orgs/${id}/children`)) ?? [];
      for (const k of kids) {
        if (k.kind === 'branch' && !k.dissolvedOn) return k;
        queue.push(k.id);
      }
    }
    return null;
  }

  async function vuser(i) {
    const username = SCOPES[i % SCOPES.length];
    const c = new Client(url);
    const lr = await c.post('/api/auth/login', { username, password: 'Demo@2026' });
    if (lr.status !== 200) throw new Error(`login ${username}: ${lr.status} ${lr.text}`);
    c.csrf = lr.json.csrfToken;
    c.user = lr.json.user;
    const root = c.user.orgId;
    const writer = ['district_staff', 'street', 'community', 'branch_secretary'].includes(c.user.role);
    const branch = writer ? (c.user.role === 'branch_secretary' ? { id: root } : await firstBranch(c, root)) : null;
    let mine = null; // a member this user created and keeps editing
    let household = null;
    if (writer && c.user.role !== 'branch_secretary') {
      // A household of its own (a fresh address in the group of the first one it can see): the
      // demo's addresses are not all unique within a community, and no two users share one.
      const hs = await call(c, 'setup', 'GET', '/api/grid/households?pageSize=1');
      const g = hs?.items?.[0];
      if (g)
        household = await call(c, 'households.create', 'POST', '/api/grid/households', {
          groupId: g.groupId, building: `压测${runId}`, unit: String(i + 1), room: '101', headName: `压测户主${i}`,
        });
    }
    let n = 0;
    while (performance.now() < deadline) {
      n++;
      if (!writer) {
        await call(c, 'me', 'GET', '/api/me');
        await call(c, 'me.problems', 'GET', '/api/me/problems');
        continue;
      }
      const page = 1 + (n % 3);
      await call(c, 'members.list', 'GET', `/api/members?orgId=${root}&sort=name&page=${page}&pageSize=50`);
      await call(c, 'orgs.children', 'GET', `/api/orgs/${root}/children`);
      if (n % 2 === 0) await call(c, 'problems.list', 'GET', `/api/problems?pageSize=20`);
      if (n % 3 === 0) await call(c, 'grid.households', 'GET', `/api/grid/households?pageSize=20&page=${page}`);
      if (n % 4 === 0) await call(c, 'orgs.detail', 'GET', `/api/orgs/${root}`);
      if (n % 3 === 1 && branch) {
        if (!mine || n % 12 === 1) {
          mine = await call(c, 'members.create', 'POST', '/api/members', memberBody(branch.id, { name: `压测${i}号${n}`, idNumber: idNumber() }));
        } else {
          const d = await call(c, 'members.get', 'GET', `/api/members/${mine.id}`);
          if (d) {
            const body = memberBody(branch.id, { name: `压测${i}改${n}` });
            delete body.orgId;
            delete body.idNumber;
            mine = (await call(c, 'members.put', 'PUT', `/api/members/${d.id}`, { ...body, version: d.version })) ?? mine;
          }
        }
      }
      if (n % 5 === 2 && household) {
        const h = await call(c, 'households.get', 'GET', `/api/grid/households/${household.id}`);
        if (h)
          await call(c, 'households.put', 'PUT', `/api/grid/households/${h.id}`, {
            groupId: h.groupId, building: h.building, unit: h.unit, room: h.room, address: h.address,
            headName: h.headName, note: `走访${n}`, version: h.version,
          });
      }
    }
    log(`user ${i} (${username}) did ${n} rounds`);
  }

  const t0 = performance.now();
  await Promise.all(Array.from({ length: users }, (_, i) => vuser(i)));
  const elapsed = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const kinds = {};
  for (const [k, v] of Object.entries(byKind)) {
    v.sort((a, b) => a - b);
    kinds[k] = { n: v.length, p50: Math.round(pct(v, 50)), p99: Math.round(pct(v, 99)) };
  }
  return {
    seconds: Math.round(elapsed * 10) / 10,
    users,
    requests: lat.length,
    errors,
    errorSamples,
    rps: Math.round(lat.length / elapsed),
    p50: Math.round(pct(lat, 50)),
    p90: Math.round(pct(lat, 90)),
    p99: Math.round(pct(lat, 99)),
    max: Math.round(lat[lat.length - 1] ?? 0),
    byKind: kinds,
    upstreams,
  };
}
