// Nothing lost under SIGKILL (issue 6, item 6; docs/security.md §6). One database, one server
// at a time: writers of four scopes (district staff, street, community, branch secretary)
// create and edit members while a street user runs all-or-nothing imports back to back; at a
// moment drawn from a seeded PRNG the server gets SIGKILL. With the server dead the test proves
// from the database itself:
//   - every write acknowledged (a 2xx received) is there with its content — a member created,
//     its latest acknowledged name (or the one of the single edit still in flight at the kill);
//   - no import is half-applied: a batch has all of its rows or none;
//   - `zugong rollup check` finds no difference and `zugong audit verify` passes;
// then restarts the server on the same database and proves it serves again: the last
// acknowledged member of each writer reads back through the API, and every import job whose id
// was returned (202) has an honest end — "done" with all its rows, or "failed"/`interrupted`
// with none — never "running" for ever. (A job id is an acknowledgement that the job exists, not
// that its rows are saved: only "done" acknowledges the rows.)
//
// ZUGONG_KILLS (default 10) kill cycles; ZUGONG_KILL_SEED fixes the seed (printed either way).
// scripts/long-tests.sh runs 100 on SQLite and 100 on PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { findBranch, checkDigit, csv, phone } from '../lib/fixtures.mjs';
import { freshDb, serve, sql, removeDir } from '../lib/ops.mjs';

const KILLS = Number(process.env.ZUGONG_KILLS || 10);
const SEED = Number(process.env.ZUGONG_KILL_SEED || Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(SEED);
const between = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

// Unique, valid ID numbers for the whole run (region 659001, unused by the demo): the n-th is
// born n days after 1940-01-01 (modulo 15,000 days) with a sequence of n / 15,000.
let idSeq = 0;
function nextIdNumber() {
  const n = idSeq++;
  const birth = new Date(Date.UTC(1940, 0, 1) + (n % 15000) * 86400000).toISOString().slice(0, 10).replaceAll('-', '');
  const first = '659001' + birth + String(Math.floor(n / 15000) % 1000).padStart(3, '0');
  return first + checkDigit(first);
}

const WRITERS = ['admin', 'jd01', 'sq0101', 'zb0001', 'admin', 'jd02', 'sq0102', 'zb0001'];
const IMPORT_BRANCH = '断电导入测试党支部';

let d;
let srv;
let writers = []; // {username, client, branchId, mine: {id, name, version} | null}
let importer; // a street-1 client
const acked = new Map(); // member id → {name, orgId, pending: name | null, by}
const batches = []; // {no, rows, jobId, jobDone, cycle}
let ackedWrites = 0; // creations + edits acknowledged, plus rows of imports acknowledged as done
let checkedWrites = 0;
const stats = { killsDuringImport: 0, interrupted: 0, importsDone: 0, importsAcked: 0, notAcked: 0, non2xx: [] };

function setBase(url) {
  for (const w of writers) w.client.base = url;
  importer.base = url;
}

/** Did the request reach an answer? A thrown fetch (connection refused or reset) did not. */
async function send(c, method, path, opts) {
  try {
    return await c.request(method, path, opts);
  } catch {
    return null;
  }
}

before(async () => {
  d = freshDb(undefined, 'killsafe');
  for (const args of [['migrate'], ['demo', '--scale', 'small', '--no-activity']]) {
    const r = d.cli(args);
    assert.equal(r.code, 0, r.stderr + r.stdout);
  }
  srv = await serve(d, { quiet: true });
  for (const username of WRITERS) {
    const client = await loginAs(srv.url, username);
    const root = client.user.orgId;
    const branchId = client.user.role === 'branch_secretary' ? root : (await findBranch(client, root)).id;
    writers.push({ username, client, branchId, mine: null });
  }
  importer = await loginAs(srv.url, 'jd01');
  const street1 = importer.user.orgId;
  const r = await importer.post('/api/orgs', { parentId: street1, name: IMPORT_BRANCH, kind: 'branch', branchType: 'nonpublic' });
  assert.equal(r.status, 201, r.text);
  console.log(`# killsafe: seed ${SEED}, ${KILLS} kills, ${d.db.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'}`);
});

after(async () => {
  await srv?.stop();
  d?.drop();
  if (d) removeDir(d.dir);
});

/** One writer until `stop()`: creates a member, then edits it a few times, and again. */
async function writer(w, stop) {
  let n = 0;
  while (!stop()) {
    n++;
    const c = w.client;
    if (!w.mine || n % 4 === 0) {
      const name = `断电${w.username}${n}${between(0, 1e6)}`;
      const r = await send(c, 'POST', '/api/members', {
        json: { name, idNumber: nextIdNumber(), category: 'full', orgId: w.branchId, joinedOn: '2005-07-01', fullOn: '2006-07-01', phone: phone(), education: '大学本科' },
      });
      if (!r) return;
      if (r.status !== 201) {
        stats.non2xx.push(`${w.username} POST /api/members → ${r.status} ${r.text.slice(0, 160)}`);
        continue;
      }
      acked.set(r.json.id, { name, orgId: w.branchId, pending: null, by: w.username });
      ackedWrites++;
      w.mine = { id: r.json.id };
      continue;
    }
    const g = await send(c, 'GET', `/api/members/${w.mine.id}`);
    if (!g) return;
    if (g.status !== 200) {
      stats.non2xx.push(`${w.username} GET member → ${g.status} ${g.text.slice(0, 160)}`);
      continue;
    }
    const name = `断电改${w.username}${n}${between(0, 1e6)}`;
    const rec = acked.get(w.mine.id);
    rec.pending = name; // in flight: it may or may not land if the kill comes now
    const p = await send(c, 'PUT', `/api/members/${w.mine.id}`, {
      json: { name, category: 'full', joinedOn: '2005-07-01', fullOn: '2006-07-01', phone: phone(), education: '大学本科', version: g.json.version },
    });
    if (!p) return;
    if (p.status !== 200) {
      rec.pending = null;
      stats.non2xx.push(`${w.username} PUT member → ${p.status} ${p.text.slice(0, 160)}`);
      continue;
    }
    rec.name = name;
    rec.pending = null;
    ackedWrites++;
  }
}

/** Imports back to back until `stop()`, each all_or_nothing into the import branch. */
async function importLoop(cycle, stop) {
  while (!stop()) {
    const no = batches.length + 1;
    const rows = between(20, 250);
    const b = { no, rows, jobId: null, jobDone: false, cycle };
    batches.push(b);
    const lines = [['姓名', '公民身份证号', '人员类别', '所在党支部', '加入党组织日期', '转为正式党员日期', '联系电话', '学历']];
    for (let i = 1; i <= rows; i++) lines.push([`断电批${no}号${i}`, nextIdNumber(), '正式党员', IMPORT_BRANCH, '2005-07-01', '2006-07-01', phone(), '高中']);
    const r = await send(importer, 'POST', '/api/members/import?mode=all_or_nothing&fileName=k.csv', {
      body: Buffer.from(csv(lines), 'utf8'),
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (!r) return;
    if (r.status !== 202) {
      stats.non2xx.push(`import → ${r.status} ${r.text.slice(0, 160)}`);
      continue;
    }
    b.jobId = r.json.jobId;
    stats.importsAcked++;
    for (;;) {
      const j = await send(importer, 'GET', `/api/jobs/${b.jobId}`);
      if (!j) return;
      if (j.status === 200 && j.json.status === 'done') {
        assert.equal(j.json.result.committed, true, JSON.stringify(j.json));
        b.jobDone = true;
        ackedWrites += rows;
        break;
      }
      if (j.status !== 200 || j.json.status !== 'running') {
        stats.non2xx.push(`job ${b.jobId} → ${j.status} ${j.text.slice(0, 200)}`);
        break;
      }
      await new Promise((res) => setTimeout(res, 20));
    }
  }
}

/** With the server dead: every acknowledged write there, every batch whole or absent, roll-ups and chain sound. */
function checkDatabase(cycle) {
  const ids = [...acked.keys()];
  const found = new Map();
  for (let i = 0; i < ids.length; i += 500) {
    for (const [id, name, orgId] of sql(d.db, `SELECT id, name, org_id FROM members WHERE id IN (${ids.slice(i, i + 500).join(',')})`))
      found.set(Number(id), { name, orgId: Number(orgId) });
  }
  for (const [id, rec] of acked) {
    const got = found.get(id);
    assert.ok(got, `cycle ${cycle}: acknowledged member ${id} (${rec.by}) is lost`);
    assert.equal(got.orgId, rec.orgId, `cycle ${cycle}: member ${id} moved`);
    const allowed = rec.pending ? [rec.name, rec.pending] : [rec.name];
    assert.ok(allowed.includes(got.name), `cycle ${cycle}: member ${id} is "${got.name}", acknowledged "${rec.name}"${rec.pending ? ` or in flight "${rec.pending}"` : ''}`);
    rec.name = got.name; // an edit in flight that landed is the new state
    rec.pending = null;
  }
  checkedWrites = ackedWrites;
  const counts = new Map(sql(d.db, "SELECT name, COUNT(*) FROM members WHERE name LIKE '断电批%' GROUP BY name").map(([n, c]) => [n, Number(c)]));
  for (const b of batches.filter((x) => x.cycle === cycle)) {
    let present = 0;
    for (let i = 1; i <= b.rows; i++) present += counts.get(`断电批${b.no}号${i}`) ?? 0;
    assert.ok(present === 0 || present === b.rows, `cycle ${cycle}: import ${b.no} (job ${b.jobId}) is half-applied: ${present} of ${b.rows} rows`);
    if (b.jobDone) assert.equal(present, b.rows, `cycle ${cycle}: import ${b.no} acknowledged done but ${present} of ${b.rows} rows`);
    b.present = present;
  }
  const roll = d.cli(['rollup', 'check']);
  assert.equal(roll.code, 0, `cycle ${cycle}: rollup check\n${roll.stdout}${roll.stderr}`);
  assert.match(roll.stdout, /^0 difference\(s\)$/m);
  const chain = d.cli(['audit', 'verify']);
  assert.equal(chain.code, 0, `cycle ${cycle}: audit verify\n${chain.stdout}${chain.stderr}`);
  assert.match(chain.stdout, /chain intact/);
}

/** After the restart: the server answers, reads back each writer's member, ends every acknowledged job honestly. */
async function checkServed(cycle) {
  const h = await fetch(srv.url + '/healthz');
  assert.equal(h.status, 200);
  for (const w of writers) {
    if (!w.mine) continue;
    const r = await w.client.get(`/api/members/${w.mine.id}`);
    assert.equal(r.status, 200, `cycle ${cycle}: ${w.username} reads member ${w.mine.id}: ${r.text}`);
    assert.equal(r.json.name, acked.get(w.mine.id).name);
  }
  for (const b of batches.filter((x) => x.cycle === cycle && x.jobId)) {
    const r = await importer.get(`/api/jobs/${b.jobId}`);
    assert.equal(r.status, 200, r.text);
    const j = r.json;
    if (j.status === 'done') {
      assert.equal(b.present, b.rows, `cycle ${cycle}: job ${b.jobId} done, ${b.present} of ${b.rows} rows`);
      stats.importsDone++;
    } else {
      assert.equal(j.status, 'failed', `cycle ${cycle}: job ${b.jobId} after the restart: ${JSON.stringify(j)}`);
      assert.equal(j.result.code, 'interrupted', JSON.stringify(j));
      assert.match(j.result.message, /没有保存任何数据/);
      assert.equal(j.message, j.result.message, 'the reason where the import panel shows it');
      assert.equal(b.present, 0, `cycle ${cycle}: job ${b.jobId} interrupted but ${b.present} rows saved`);
      stats.interrupted++;
    }
  }
}

test(`SIGKILL at random moments during imports and writes of four scopes loses nothing acknowledged`, { timeout: 3_600_000 }, async () => {
  for (let cycle = 1; cycle <= KILLS; cycle++) {
    let stopped = false;
    const stop = () => stopped;
    const importDelay = between(0, 300);
    const running = [
      ...writers.map((w) => writer(w, stop)),
      new Promise((res) => setTimeout(res, importDelay)).then(() => importLoop(cycle, stop)),
    ];
    // The moment: half the cycles just after an import job was accepted (to land inside an
    // import), the others after a random number of acknowledged writes; then a random delay.
    // Counted in events, not milliseconds, so a slow machine still kills mid-work.
    const ackedBefore = ackedWrites;
    const duringImport = rand() < 0.5;
    const wantWrites = between(1, 40);
    const ready = () =>
      duringImport ? batches.some((b) => b.cycle === cycle && b.jobId && !b.jobDone) : ackedWrites - ackedBefore >= wantWrites;
    const waitUntil = Date.now() + 60_000;
    while (!ready() && Date.now() < waitUntil) await new Promise((res) => setTimeout(res, 5));
    await new Promise((res) => setTimeout(res, between(0, duringImport ? 400 : 300)));
    const inFlight = batches.some((b) => b.cycle === cycle && b.jobId && !b.jobDone);
    await srv.kill();
    stopped = true;
    await Promise.all(running);
    if (inFlight) stats.killsDuringImport++;
    checkDatabase(cycle);
    srv = await serve(d, { quiet: true });
    setBase(srv.url);
    await checkServed(cycle); // and it takes the next cycle's load
  }
  // Any answer that was neither 2xx nor a dropped connection is a bug of its own.
  assert.deepEqual(stats.non2xx, [], 'every answer received was a success');
  assert.ok(ackedWrites > KILLS, 'writes were acknowledged');
  console.log(
    `# ${KILLS} kills, ${checkedWrites} acknowledged writes checked, 0 lost ` +
      `(${batches.length} imports started, ${stats.importsAcked} accepted: ${stats.importsDone} done, ${stats.interrupted} interrupted; ` +
      `${stats.killsDuringImport} kills during a running import; seed ${SEED})`,
  );
});
