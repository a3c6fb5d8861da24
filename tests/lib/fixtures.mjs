// Test data: valid and broken Chinese ID numbers, phones, GBK bytes, and ways to find demo
// organizations by kind.
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';

const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The GB 11643 check character of the first 17 digits. */
export function checkDigit(first17) {
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * W[i];
  return CHECK[s % 11];
}

let seq = Math.floor(Math.random() * 500);

/**
 * A valid, unique 18-digit ID number (region 659001, which the demo data never uses) for someone born on `birth` (YYYY-MM-DD; default a
 * random date 1945–1980). `sex` 'male' | 'female' chooses the parity of digit 17.
 */
export function idNumber({ birth, sex } = {}) {
  if (!birth) {
    const y = 1945 + Math.floor(Math.random() * 36);
    const m = 1 + Math.floor(Math.random() * 12);
    const d = 1 + Math.floor(Math.random() * 28);
    birth = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  }
  seq = (seq + 1 + Math.floor(Math.random() * 7)) % 1000;
  let s3 = seq;
  if (sex === 'male' && s3 % 2 === 0) s3 = (s3 + 1) % 1000;
  if (sex === 'female' && s3 % 2 === 1) s3 = (s3 + 1) % 1000;
  const first = '659001' + birth.replaceAll('-', '') + String(s3).padStart(3, '0');
  return first + checkDigit(first);
}

/** An ID number whose check digit is wrong. */
export function badCheckIdNumber() {
  const good = idNumber();
  const wrong = CHECK.split('').find((c) => c !== good[17] && c !== 'X');
  return good.slice(0, 17) + wrong;
}

export function phone() {
  return '13' + String(Math.floor(Math.random() * 1e9)).padStart(9, '0');
}

/** Today in Asia/Shanghai as YYYY-MM-DD. */
export function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

/** UTF-8 text → GBK bytes via Debian's iconv (TextDecoder can read GBK, but not write it). */
export function toGbk(text) {
  const r = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: Buffer.from(text, 'utf8') });
  assert.equal(r.status, 0, `iconv failed: ${r.stderr}`);
  return r.stdout;
}

/** Walks the visible tree breadth-first from the caller's roots; returns nodes (max `limit`). */
export async function walkTree(client, { limit = 2000, from } = {}) {
  const roots = from ? [await client.ok(`/api/orgs/${from}`)] : await client.ok('/api/orgs/roots');
  const out = [];
  const queue = [...roots];
  while (queue.length && out.length < limit) {
    const n = queue.shift();
    out.push(n);
    if (n.hasChildren) queue.push(...(await client.ok(`/api/orgs/${n.id}/children`)));
  }
  return out;
}

/** The direct children of an org. */
export async function children(client, id) {
  return client.ok(`/api/orgs/${id}/children`);
}

/** A member-holding branch (branch/joint_branch) under `rootId` with at least `min` direct members. */
export async function findBranch(client, rootId, { min = 0, kind } = {}) {
  const nodes = await walkTree(client, { from: rootId });
  const b = nodes.find(
    (n) =>
      (kind ? n.kind === kind : n.kind === 'branch' || n.kind === 'joint_branch') &&
      !n.dissolvedOn &&
      n.counts.directMembers >= min,
  );
  assert.ok(b, `no branch under ${rootId} with ${min} members`);
  return b;
}

/** Body for POST /api/members with sensible defaults. */
export function memberBody(orgId, over = {}) {
  return {
    name: '测试党员',
    idNumber: idNumber({ birth: '1980-05-17' }),
    category: 'full',
    orgId,
    joinedOn: '2005-07-01',
    fullOn: '2006-07-01',
    phone: phone(),
    ethnicity: '汉族',
    education: '大学本科',
    ...over,
  };
}

/** CSV text (CRLF) from rows of cells, quoting where needed. */
export function csv(rows) {
  return (
    rows
      .map((r) => r.map((c) => (/[",\r\n]/.test(String(c)) ? `"${String(c).replaceAll('"', '""')}"` : String(c))).join(','))
      .join('\r\n') + '\r\n'
  );
}

/** Polls GET /api/jobs/:id until done or failed; returns the job. */
export async function waitJob(client, jobId, timeoutMs = 30_000) {
  const t0 = Date.now();
  for (;;) {
    const j = await client.ok(`/api/jobs/${jobId}`);
    if (j.status === 'done' || j.status === 'failed') return j;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${jobId} still ${j.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** All list items of a paged list endpoint (pageSize 200). */
export async function allPages(client, p) {
  const sep = p.includes('?') ? '&' : '?';
  const items = [];
  for (let page = 1; ; page++) {
    const r = await client.ok(`${p}${sep}page=${page}&pageSize=200`);
    items.push(...r.items);
    if (items.length >= r.total || r.items.length === 0) return items;
  }
}
