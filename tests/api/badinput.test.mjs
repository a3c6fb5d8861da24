// THE BAD-INPUT SWEEP (issue 6, item 5). Every route the server registers (read from `zugong
// routes`, so a new route is swept without touching this file) gets hostile and broken input:
//  - path parameters: SQL, <script>, absurd and negative numbers, full-width digits, NUL, ../;
//  - query strings: the same in every common parameter (orgId, page, pageSize, q, date, …);
//  - bodies of every changing route: not JSON, truncated JSON, invalid UTF-8, UTF-16, BOMs,
//    JSON that is an array/number/null, huge JSON (over the limit), deep JSON (30k nesting
//    under the limit, 100k over it), objects with every field the server reads (harvested from
//    src/) set to each wrong type, and a plausible body whose text fields carry SQL, HTML and
//    spreadsheet formulas;
//  - files for every upload route: GBK, UTF-16, invalid UTF-8, BOMs, full-width digits, a 10 MB
//    cell, formula cells, duplicate ID numbers, a zip bomb .xlsx, a lying zip header, truncated
//    .xlsx/.csv, random bytes.
// Every answer must be a 4xx carrying {code, message (Chinese), field} or a correct handling
// (a 2xx; a <script> name stored and returned verbatim); zero 5xx; no import job failing as
// "internal"; the server still answers at the end. Then every export (any GET answering a
// spreadsheet) is checked after records with = + - @ text exist: no formula cell in any .xlsx
// and no unneutralized formula cell in any CSV. Prints one line with the count tried.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync, crc32 } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { startServer, repoRoot, DEMO_PASSWORD } from '../lib/server.mjs';
import { Client, loginAs } from '../lib/client.mjs';
import { listRoutes, PUBLIC_ROUTES } from '../lib/routes.mjs';
import { idNumber, phone, toGbk, csv, waitJob, children, memberBody, today } from '../lib/fixtures.mjs';
import { unzip, xlsxTexts } from '../lib/xlsx.mjs';

let srv;
let admin;
let routes;
const ids = {}; // real ids the plausible bodies and :params use
const stats = { tried: 0, fivexx: 0, routes: new Set() };
const problems = []; // every answer that broke the contract (reported together)

// ---------------------------------------------------------------------------------------------
// The hostile material.

const FORMULAS = ["=cmd|' /C calc'!A0", '+1+cmd|calc', '-2+3+cmd|calc', '@SUM(1+1)*cmd|calc'];
const INJECTIONS = [
  "'; DROP TABLE members; --",
  "1' OR '1'='1",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  ...FORMULAS,
];
// Each value once in every field of an object (wrong types, absurd sizes, broken text).
const HOSTILE_VALUES = [
  ...INJECTIONS,
  '１３８００１３８０００', // full-width digits
  '\u3000\u3000', // ideographic spaces only
  '\u0000NUL\u0000',
  '\ud800', // a lone surrogate (valid JSON escape, not valid Unicode)
  '\u202e\u200b',
  '',
  ' ',
  'x'.repeat(300),
  -1,
  0,
  1.5,
  1e308,
  -9223372036854775808,
  9223372036854775807n, // sent as a bare 2^63-1 literal, see encode()
  18446744073709551616n,
  true,
  null,
  [],
  [1, 'a', null],
  {},
  { $ne: 1 },
];
const PARAM_VALUES = [
  '0',
  '-1',
  '99999999999999999999999',
  '1e3',
  '１２',
  "1' OR '1'='1",
  '<script>alert(1)</script>',
  '\u0000',
  '../../etc/passwd',
  'x'.repeat(2000),
  '%ff%fe',
];
const QUERY_KEYS = ['orgId', 'page', 'pageSize', 'q', 'date', 'year', 'month', 'kind', 'status', 'sort', 'from', 'to', 'period', 'figure', 'cell', 'mode', 'fileName'];
const QUERY_VALUES = ['-1', '0', '99999999999999999999', 'abc', '１２', "' OR 1=1 --", '<script>alert(1)</script>', '2024-13-45', '\u0000', '%ff'];

/** JSON text; BigInt values become bare integer literals (beyond what JS numbers can hold). */
function encode(v) {
  return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `@@BIG${x}@@` : x)).replace(/"@@BIG(\d+)@@"/g, '$1');
}

/** Raw bodies: not JSON, broken JSON, wrong encodings, over the limit, too deep. */
function rawBodies() {
  const utf16 = (s, bom) => Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(s, 'utf16le')]);
  return [
    ['empty', Buffer.alloc(0)],
    ['not json', Buffer.from('name=测试&orgId=1')],
    ['truncated json', Buffer.from('{"name": "测试", "orgId": 1')],
    ['invalid utf-8', Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]), Buffer.from('"}')])],
    ['utf-8 bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"测试"}')])],
    ['utf-16 with bom', utf16('{"name":"测试"}', true)],
    ['utf-16 without bom', utf16('{"name":"测试"}', false)],
    ['gbk', Buffer.concat([Buffer.from('{"name":"'), toGbk('测试党支部'), Buffer.from('"}')])],
    ['array', Buffer.from('[]')],
    ['null', Buffer.from('null')],
    ['number', Buffer.from('123')],
    ['string', Buffer.from('"测试"')],
    ['duplicate keys', Buffer.from('{"name":"a","name":{"x":1},"orgId":1,"orgId":"1"}')],
    ['nan', Buffer.from('{"orgId": NaN, "version": Infinity}')],
    ['deep array 30k', Buffer.from('['.repeat(30_000) + ']'.repeat(30_000))],
    ['deep object 12k', Buffer.from('{"a":'.repeat(12_000) + '1' + '}'.repeat(12_000))],
    ['deep 100k (over limit)', Buffer.from('['.repeat(100_000) + ']'.repeat(100_000))],
    ['huge json (over limit)', Buffer.from(encode({ name: '测'.repeat(40_000), note: 'x'.repeat(100_000) }))],
    ['1 MB string (over limit)', Buffer.from(JSON.stringify({ name: 'x'.repeat(1024 * 1024) }))],
  ];
}

/** Every JSON field name a handler reads (json::Form calls and object lookups in src/). */
function harvestFields() {
  const names = new Set();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.cpp') && !e.name.endsWith('_test.cpp')) {
        const src = readFileSync(p, 'utf8');
        const re = /\.(?:requiredText|text|requiredDate|date|requiredInt|integer|boolean|choice|has|if_contains|find|at)\("([A-Za-z][A-Za-z0-9]*)"/g;
        for (const m of src.matchAll(re)) names.add(m[1]);
      }
    }
  };
  walk(path.join(repoRoot, 'src', 'modules'));
  walk(path.join(repoRoot, 'src', 'platform'));
  walk(path.join(repoRoot, 'src', 'app'));
  for (const n of ['password', 'oldPassword', 'newPassword', 'memberIds', 'parts', 'items', 'value', 'code', 'token']) names.add(n);
  return [...names].sort();
}

/** A value of the right shape for a field, judged by its name (so the handler gets past its
 * first checks and the hostile text reaches deeper). Passwords are never right. */
function plausible(name) {
  if (/password/i.test(name)) return 'wrong-Password-1';
  if (/^(orgId|parentId|branchOrgId|communityOrgId|partyOrgId|toOrgId|mobileBranchId|intoId|receivingOrg)$/.test(name)) return ids.branch;
  if (/^(memberId|helperMemberId|leaderMemberId)$/.test(name)) return ids.member;
  if (name === 'memberIds') return [ids.member];
  if (name === 'userId') return ids.user;
  if (/Id$/.test(name)) return 1;
  if (/On$|Date$|^date$|^dated$|^deadline$/.test(name)) return today();
  if (name === 'idNumber') return idNumber();
  if (/^(phone|mobile|mobileTo)$/.test(name)) return phone();
  if (name === 'year' || name === 'birthYear') return name === 'year' ? 2026 : 1980;
  if (name === 'version') return 1;
  if (/Fen$|^(points|hours|days|teamSize|unitCount|committeeSize|ord|stepNo|satisfaction|grade)$/.test(name)) return 1;
  if (/^(active|lostContact|migrant|showPublic|fromOutside|toOutside|outsideLetter|standing)$/.test(name)) return false;
  return '测试';
}

// ---------------------------------------------------------------------------------------------
// Sending and judging.

// BADINPUT_PROGRESS=<file>: where the sweep is, for watching a long run.
function progress(line) {
  if (process.env.BADINPUT_PROGRESS) writeFileSync(process.env.BADINPUT_PROGRESS, `${new Date().toISOString()} ${line}\n`, { flag: 'a' });
}

const CHINESE = /[\u4e00-\u9fff]/;

function judge(routeKey, label, r) {
  stats.tried++;
  stats.routes.add(routeKey);
  if (r.status >= 500) {
    stats.fivexx++;
    problems.push(`${label}: ${r.status} ${r.text.slice(0, 200)}`);
    return;
  }
  if (r.status >= 400) {
    const b = r.json;
    const shapeOk = b && typeof b.code === 'string' && typeof b.message === 'string' && typeof b.field === 'string';
    if (!shapeOk) problems.push(`${label}: ${r.status} without the error shape: ${r.text.slice(0, 200)}`);
    else if (!CHINESE.test(b.message)) problems.push(`${label}: ${r.status} message not Chinese: ${b.message}`);
  }
}

/** admin's session can be ended by what the sweep sends (sign-out everywhere…): log in again. */
async function send(client, routeKey, label, method, url, opts) {
  let r = await client.request(method, url, opts);
  if (r.status === 401 && client === admin && !PUBLIC_ROUTES.has(routeKey)) {
    const a = new Client(srv.url);
    const lr = await a.post('/api/auth/login', { username: 'admin', password: DEMO_PASSWORD });
    if (lr.status === 200) {
      admin.cookies = a.cookies;
      admin.csrf = lr.json.csrfToken;
      r = await client.request(method, url, opts);
    }
  }
  judge(routeKey, `${label} ${method} ${url.slice(0, 120)}`, r);
  return r;
}

function fillPath(pattern, fn) {
  return pattern.replace(/:([A-Za-z]+)/g, (_, n) => encodeURIComponent(String(fn(n))));
}

/** A real id for the :id of a route: the first item of the collection it belongs to. */
const realIdCache = new Map();
async function realParam(pattern, name) {
  if (name === 'orgId') return ids.branch;
  if (name === 'memberId') return ids.member;
  if (name === 'year') return 2026;
  if (name === 'key') return 'org.branch_max_members';
  if (name !== 'id') return 'x1';
  const base = pattern.slice(0, pattern.indexOf('/:'));
  if (base === '/api/orgs') return ids.branch;
  if (base === '/api/members' || base === '/api/dues/members') return ids.member;
  if (base === '/api/users') return ids.user;
  if (realIdCache.has(base)) return realIdCache.get(base);
  let id = 1;
  const r = await admin.get(base);
  const list = Array.isArray(r.json) ? r.json : Array.isArray(r.json?.items) ? r.json.items : [];
  if (list.length && list[0] && list[0].id !== undefined) id = list[0].id;
  realIdCache.set(base, id);
  return id;
}

let throwaways = 0;
async function clientFor(key) {
  // Sign-out and password changes run on a throwaway session of the throwaway user.
  // A user of its own for each such route: the sweep also resets badinput_user's password
  // (/api/users/:id/reset-password) and the password history forbids setting it back.
  if (/\/auth\/(logout|password)|\/sessions/.test(key)) {
    const username = `badinput_s${++throwaways}`;
    const u = await admin.post('/api/users', { username, displayName: '坏输入用户', role: 'street', orgId: ids.street, password: 'BadInput2026x' });
    assert.ok(u.status === 201 || u.status === 200, u.text);
    return loginAs(srv.url, username, 'BadInput2026x');
  }
  if (PUBLIC_ROUTES.has(key)) return new Client(srv.url);
  return admin;
}

const isUpload = (p) => /\/import$|\/documents\/file$/.test(p);

// ---------------------------------------------------------------------------------------------
// Files for the upload routes.

/** A zip archive (deflated entries) from [name, Buffer] pairs. */
function zip(entries, { lieSize } = {}) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const comp = Buffer.isBuffer(data.comp) ? data.comp : deflateRawSync(data);
    const raw = Buffer.isBuffer(data.comp) ? null : data;
    const size = data.size ?? raw.length;
    const crc = data.crc ?? crc32(raw);
    const n = Buffer.from(name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(8, 8);
    h.writeUInt32LE(crc >>> 0, 14);
    h.writeUInt32LE(comp.length, 18);
    h.writeUInt32LE(lieSize ?? size, 22);
    h.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(crc >>> 0, 16);
    c.writeUInt32LE(comp.length, 20);
    c.writeUInt32LE(lieSize ?? size, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    locals.push(h, n, comp);
    centrals.push(c, n);
    offset += 30 + n.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(entries.length, 8);
  e.writeUInt16LE(entries.length, 10);
  e.writeUInt32LE(cd.length, 12);
  e.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, e]);
}

function xlsx(sheetXml, opts) {
  const types =
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>';
  const wb =
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>';
  const rels =
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>';
  return zip(
    [
      ['[Content_Types].xml', Buffer.from(types)],
      ['xl/workbook.xml', Buffer.from(wb)],
      ['xl/_rels/workbook.xml.rels', Buffer.from(rels)],
      ['xl/worksheets/sheet1.xml', sheetXml],
    ],
    opts,
  );
}

const sheetOf = (rows) =>
  Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
      rows
        .map((r, i) => `<row r="${i + 1}">${r.map((c) => `<c t="inlineStr"><is><t>${String(c).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</t></is></c>`).join('')}</row>`)
        .join('') +
      '</sheetData></worksheet>',
  );

/** A worksheet part of ~1.2 GB inflated from ~1.2 MB: one 64 MB run of "A" deflated once and
 * its (byte-aligned, non-final) blocks repeated. `declared` is the size the zip header states:
 * the true size, or a small lie so that only the reader's running count can stop it. */
function zipBombSheet(declared) {
  const sync = { finishFlush: 2 /* Z_SYNC_FLUSH: no final block, byte-aligned */ };
  const head = Buffer.from('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c t="inlineStr"><is><t>');
  const chunk = Buffer.alloc(64 * 1024 * 1024, 'A');
  const part = deflateRawSync(chunk, sync);
  const parts = [deflateRawSync(head, sync)];
  for (let i = 0; i < 18; i++) parts.push(part);
  parts.push(deflateRawSync(Buffer.from('</t></is></c></row></sheetData></worksheet>')));
  // The CRC is wrong on purpose: the reader must give up long before it could check it.
  return { comp: Buffer.concat(parts), size: declared ?? 18 * chunk.length + 200, crc: 0 };
}

function uploadFiles() {
  const H = ['姓名', '公民身份证号', '人员类别', '所在党支部', '加入党组织日期', '转为正式党员日期', '联系电话', '学历'];
  const org = ids.branchName;
  const dup = idNumber({ birth: '1975-03-03' });
  const row = (over = {}) => {
    const r = ['周测', idNumber(), '正式党员', org, '1995-07-01', '1996-07-01', phone(), '大学本科'];
    for (const [k, v] of Object.entries(over)) r[k] = v;
    return r;
  };
  const text = csv([H, row(), row({ 0: '吴测' })]);
  const good = Buffer.from(text);
  const utf16 = (s, be) => {
    const le = Buffer.from(s, 'utf16le');
    if (!be) return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
    const b = Buffer.from(le);
    for (let i = 0; i + 1 < b.length; i += 2) [b[i], b[i + 1]] = [b[i + 1], b[i]];
    return Buffer.concat([Buffer.from([0xfe, 0xff]), b]);
  };
  const xl = xlsx(sheetOf([H, row(), row({ 0: FORMULAS[0] })]));
  return [
    ['gbk.csv', toGbk(text)],
    ['utf8-bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), good])],
    ['utf16le.csv', utf16(text, false)],
    ['utf16be.csv', utf16(text, true)],
    ['invalid-utf8.csv', Buffer.concat([Buffer.from(H.join(',') + '\r\n'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x2c, 0xe2, 0x82, 0x0d, 0x0a])])],
    ['fullwidth.csv', Buffer.from(csv([H, row({ 1: idNumber().replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), 6: '１３８００１３８０００' })]))],
    ['formulas.csv', Buffer.from(csv([H, ...FORMULAS.map((f) => row({ 0: f, 7: f })), row({ 3: FORMULAS[0] })]))],
    ['duplicate-ids.csv', Buffer.from(csv([H, row({ 1: dup }), row({ 0: '重复', 1: dup })]))],
    ['10MB-cell.csv', Buffer.from(csv([H, row({ 0: 'x'.repeat(10 * 1024 * 1024) })]))],
    ['sql-script.csv', Buffer.from(csv([H, row({ 0: "'; DROP TABLE members; --", 7: '<script>alert(1)</script>' })]))],
    ['truncated.csv', good.subarray(0, Math.floor(good.length * 0.6))],
    ['unterminated-quote.csv', Buffer.from(H.join(',') + '\r\n"周测,' + idNumber() + '\r\n')],
    ['nul-bytes.csv', Buffer.concat([Buffer.from(H.join(',') + '\r\n'), Buffer.alloc(4096, 0)])],
    ['empty.csv', Buffer.alloc(0)],
    ['random.bin', randomBytes(64 * 1024)],
    ['ok.xlsx', xl],
    ['truncated.xlsx', xl.subarray(0, Math.floor(xl.length / 2))],
    ['lying-size.xlsx', xlsx(sheetOf([H, row()]), { lieSize: 0xffffffff })],
    ['zip-bomb.xlsx', xlsx(zipBombSheet())],
    ['zip-bomb-lying-header.xlsx', xlsx(zipBombSheet(4096))],
    ['not-a-zip.xlsx', Buffer.from('PK\u0003\u0004 this is not a zip')],
  ];
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  routes = listRoutes();
  const street1 = (await children(admin, 1))[0];
  ids.street = street1.id;
  const r = await admin.post('/api/orgs', { parentId: street1.id, name: '坏输入测试党支部', kind: 'branch', branchType: 'nonpublic' });
  assert.equal(r.status, 201, r.text);
  ids.branch = r.json.id;
  ids.branchName = r.json.name;
  const m = await admin.post('/api/members', memberBody(ids.branch, { name: '坏输入' }));
  assert.equal(m.status, 201, m.text);
  ids.member = m.json.id;
  const u = await admin.post('/api/users', { username: 'badinput_user', displayName: '坏输入用户', role: 'street', orgId: street1.id, password: 'BadInput2026x' });
  assert.ok(u.status === 201 || u.status === 200, u.text);
  ids.user = u.json.id;
});
after(async () => {
  await srv?.stop();
});

test('every route that takes input answers hostile input with a 4xx in Chinese or handles it; zero 5xx', { timeout: 1_800_000 }, async () => {
  const fields = harvestFields();
  const raws = rawBodies();
  assert.ok(fields.length > 50, `harvested ${fields.length} field names from src/`);
  const t0 = Date.now();
  for (const [i, { method, pattern }] of routes.entries()) {
    const key = `${method} ${pattern}`;
    progress(`${i + 1}/${routes.length} ${key} (${stats.tried} sent)`);
    const client = await clientFor(key);
    const real = {};
    for (const n of pattern.match(/:([A-Za-z]+)/g) ?? []) real[n.slice(1)] = await realParam(pattern, n.slice(1));
    const realPath = fillPath(pattern, (n) => real[n]);
    const changing = method !== 'GET';
    const plausibleBody = Object.fromEntries(fields.map((f) => [f, plausible(f)]));

    // Path parameters.
    for (const name of Object.keys(real)) {
      for (const v of PARAM_VALUES) {
        const p = fillPath(pattern, (n) => (n === name ? v : real[n]));
        await send(client, key, 'param', method, p, changing ? { body: encode(plausibleBody), headers: { 'content-type': 'application/json' } } : {});
      }
    }
    // Sign-in, password and user routes verify or hash a password (Argon2id, deliberately slow,
    // for unknown users and wrong types too): they get a reduced set.
    const hashing = /\/auth\/|\/users(\/|$)/.test(pattern);
    // Query strings.
    for (const v of hashing ? QUERY_VALUES.slice(0, 2) : QUERY_VALUES) {
      const qs = QUERY_KEYS.map((k) => `${k}=${encodeURIComponent(v)}`).join('&');
      await send(client, key, 'query', method, `${realPath}?${qs}`, changing && !isUpload(pattern) ? { body: '{}', headers: { 'content-type': 'application/json' } } : {});
    }
    if (!changing) continue;
    if (isUpload(pattern)) continue; // files: the next test

    // Raw bodies.
    for (const [label, body] of hashing ? raws.filter((r, k) => k % 3 === 0) : raws) {
      await send(client, key, `raw ${label}`, method, realPath, { body, headers: { 'content-type': 'application/json' } });
    }
    const values = hashing ? [null, [], { $ne: 1 }, 1e308, INJECTIONS[1], INJECTIONS[2]] : HOSTILE_VALUES;
    // Every field the server reads, all set to one hostile value.
    for (const v of values) {
      const o = Object.fromEntries(fields.map((f) => [f, v]));
      await send(client, key, `all fields=${String(v).slice(0, 20)}`, method, realPath, { body: encode(o), headers: { 'content-type': 'application/json' } });
    }
    // A plausible body whose text fields carry SQL, HTML, formulas.
    for (const v of hashing ? INJECTIONS.slice(0, 1) : INJECTIONS) {
      const o = Object.fromEntries(fields.map((f) => [f, typeof plausible(f) === 'string' && plausible(f) === '测试' ? v : plausible(f)]));
      await send(client, key, `text=${v.slice(0, 20)}`, method, realPath, { body: encode(o), headers: { 'content-type': 'application/json' } });
    }
    // Wrong content type and no CSRF header still answer 4xx, never 5xx.
    await send(client, key, 'text/plain', method, realPath, { body: '{}', headers: { 'content-type': 'text/plain' } });
  }
  const alive = await admin.get('/api/auth/me');
  assert.equal(alive.status, 200, 'the server still answers');
  console.log(
    `bad input (sweep): ${stats.tried.toLocaleString('en-US')} requests over ${stats.routes.size} routes, ${stats.fivexx} × 5xx, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  assert.deepEqual(problems, [], `${problems.length} answers broke the contract:\n${problems.slice(0, 30).join('\n')}`);
});

test('every upload route answers hostile files with a 4xx or a job that names the bad rows; none fails as internal', async () => {
  const files = uploadFiles();
  const uploads = routes.filter((r) => r.method === 'POST' && isUpload(r.pattern));
  assert.ok(uploads.length >= 3, `upload routes: ${uploads.map((r) => r.pattern)}`);
  const before = stats.tried;
  for (const { method, pattern } of uploads) {
    const key = `${method} ${pattern}`;
    const real = {};
    for (const n of pattern.match(/:([A-Za-z]+)/g) ?? []) real[n.slice(1)] = await realParam(pattern, n.slice(1));
    const p = fillPath(pattern, (n) => real[n]);
    for (const [name, bytes] of files) {
      progress(`upload ${key} ${name}`);
      const url = `${p}?mode=dry_run&fileName=${encodeURIComponent(name)}&name=${encodeURIComponent(name)}`;
      const r = await send(admin, key, `file ${name}`, method, url, { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
      if (r.status === 202 && r.json?.jobId) {
        const job = await waitJob(admin, r.json.jobId, 120_000);
        if (job.status === 'failed') {
          const res = job.result ?? {};
          if (res.code === 'internal' || !CHINESE.test(res.message ?? '')) problems.push(`${key} ${name}: job failed ${JSON.stringify(res).slice(0, 200)}`);
        }
      }
    }
  }
  assert.equal((await admin.get('/api/auth/me')).status, 200, 'the server still answers');
  console.log(`bad input (files): ${(stats.tried - before).toLocaleString('en-US')} uploads over ${uploads.length} routes`);
  assert.deepEqual(problems, [], problems.slice(0, 30).join('\n'));
});

test('text with <script> and SQL is stored and returned verbatim', async () => {
  for (const name of ['<script>alert(1)</script>', "1' OR '1'='1"]) {
    const r = await admin.post('/api/orgs', { parentId: ids.street, name, kind: 'branch', branchType: 'nonpublic' });
    judge('POST /api/orgs', `verbatim org ${name}`, r);
    assert.equal(r.status, 201, r.text);
    assert.equal((await admin.ok(`/api/orgs/${r.json.id}`)).name, name);
  }
  const m = await admin.post('/api/members', memberBody(ids.branch, { name: "O'Brien" }));
  judge('POST /api/members', 'verbatim member', m);
  assert.ok(m.status === 201 || m.status === 400, m.text);
  if (m.status === 201) assert.equal((await admin.ok(`/api/members/${m.json.id}`)).name, "O'Brien");
});

// ---------------------------------------------------------------------------------------------
// Exports.

/** The spreadsheet cells of an export that a spreadsheet program would execute. */
function executableCells(buf, contentType) {
  const bad = [];
  if (buf.subarray(0, 2).toString('latin1') === 'PK') {
    for (const [name, data] of unzip(buf)) {
      if (!/^xl\/worksheets\/.*\.xml$/.test(name)) continue;
      const xml = data.toString('utf8');
      // A formula is an <f> element; a cell without t= (or t="n"/"b"/"e") holds a number.
      for (const m of xml.matchAll(/<f[\s>\/]/g)) bad.push(`${name}: formula element at ${m.index}`);
      for (const m of xml.matchAll(/<c\b([^>]*)>(?:(?!<\/c>)[\s\S])*?<v>([^<]*)<\/v>/g)) {
        const t = /\bt="([^"]*)"/.exec(m[1])?.[1] ?? 'n';
        if (t === 'str' || t === 'e') bad.push(`${name}: cell of type ${t}: ${m[2]}`);
        if (t === 'n' && !/^-?[\d.]+(E[+-]?\d+)?$/i.test(m[2])) bad.push(`${name}: non-number in a number cell: ${m[2]}`);
      }
    }
  } else if (/csv|text\/plain/.test(contentType)) {
    const text = buf.toString('utf8').replace(/^\ufeff/, '');
    // Minimal CSV: quoted cells may hold anything; a neutralized formula starts with '.
    for (const m of text.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,\r\n]*))/gm)) {
      const cell = m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2];
      if (/^[=@\t\r]/.test(cell) || (/^[+-]/.test(cell) && /[^0-9. ]/.test(cell.slice(1)))) bad.push(`csv cell: ${cell.slice(0, 40)}`);
    }
  }
  return bad;
}

test('exports never emit a cell a spreadsheet would execute', async () => {
  // Records whose text starts with = + - @ in every place an export shows text: organization
  // names (every member, figure and dues row carries one) and member names where accepted.
  for (const f of FORMULAS) {
    const r = await admin.post('/api/orgs', { parentId: ids.street, name: f, kind: 'branch', branchType: 'nonpublic' });
    judge('POST /api/orgs', `formula org ${f}`, r);
    assert.equal(r.status, 201, r.text);
    const m = await admin.post('/api/members', memberBody(r.json.id, { name: f.slice(0, 20) }));
    judge('POST /api/members', `formula member ${f}`, m);
    if (m.status !== 201) await admin.post('/api/members', memberBody(r.json.id, { name: '公式' }));
  }
  let exports = 0;
  let sawFormulaText = false;
  const bad = [];
  for (const { method, pattern } of routes) {
    if (method !== 'GET' || PUBLIC_ROUTES.has(`${method} ${pattern}`)) continue;
    const real = {};
    for (const n of pattern.match(/:([A-Za-z]+)/g) ?? []) real[n.slice(1)] = await realParam(pattern, n.slice(1));
    const p = fillPath(pattern, (n) => real[n]);
    for (const qs of ['', `?orgId=${ids.street}`, `?orgId=${ids.street}&figure=members.by_category&cell=full&period=year&year=2026`]) {
      const r = await send(admin, `${method} ${pattern}`, 'export', method, p + qs, {});
      const ct = r.headers.get('content-type') || '';
      if (r.status !== 200 || ct.includes('json') || ct.includes('pdf') || ct.includes('image') || ct.includes('html')) continue;
      exports++;
      bad.push(...executableCells(r.buf, ct).map((b) => `${pattern}${qs}: ${b}`));
      if (r.buf.subarray(0, 2).toString('latin1') === 'PK' && xlsxTexts(r.buf).some((t) => FORMULAS.includes(t))) sawFormulaText = true;
    }
  }
  console.log(`exports checked: ${exports} spreadsheet answers`);
  assert.ok(exports >= 5, `found ${exports} export answers`);
  assert.ok(sawFormulaText, 'the formula texts reached an export (as plain text cells)');
  assert.deepEqual(bad, [], bad.slice(0, 20).join('\n'));
  assert.deepEqual(problems, [], problems.slice(0, 30).join('\n'));
});

test('summary', () => {
  console.log(`bad input: ${stats.tried.toLocaleString('en-US')} requests over ${stats.routes.size} routes, ${stats.fivexx} × 5xx`);
  assert.equal(stats.fivexx, 0);
});
