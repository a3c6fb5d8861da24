// Imports: template, GBK CSV with bad rows — dry run, all_or_nothing, keep_good with the bad
// rows as a file; jobs and files are scoped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { children, idNumber, badCheckIdNumber, phone, toGbk, csv, waitJob } from '../lib/fixtures.mjs';

let srv;
let admin;
let jd01;
let target; // an empty branch of street 1 the rows go into

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const street1 = (await children(admin, 1))[0];
  const r = await jd01.post('/api/orgs', { parentId: street1.id, name: '导入测试党支部', kind: 'branch', branchType: 'nonpublic' });
  assert.equal(r.status, 201, r.text);
  target = r.json;
});
after(async () => {
  await srv?.stop();
});

const HEADER = ['姓名', '公民身份证号', '人员类别', '所在党支部', '加入党组织日期', '转为正式党员日期', '联系电话', '学历'];

function rows() {
  const org = '导入测试党支部';
  return [
    HEADER,
    ['周一', idNumber({ birth: '1970-01-02' }), '正式党员', org, '1995-07-01', '1996-07-01', phone(), '大学本科'], // row 2
    ['吴二', badCheckIdNumber(), '正式党员', org, '1995-07-01', '1996-07-01', phone(), '大学本科'], // row 3: bad ID
    ['郑三', idNumber({ birth: '1971-02-03' }), '预备党员', org, '2026-01-01', '', phone(), '高中'], // row 4
    ['冯四', idNumber({ birth: '1972-03-04' }), '正式党员', org, '1996-07-01', '1997-07-01', '12345', '中专'], // row 5: bad phone
    ['陈五', idNumber({ birth: '1973-04-05' }), '正式党员', '不存在的党支部', '1997-07-01', '1998-07-01', phone(), ''], // row 6: bad org
  ];
}

async function upload(client, bytes, mode, fileName = 'members.csv') {
  return client.request('POST', `/api/members/import?mode=${mode}&fileName=${encodeURIComponent(fileName)}`, {
    body: bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
}

async function runImport(client, bytes, mode) {
  const r = await upload(client, bytes, mode);
  assert.equal(r.status, 202, r.text);
  assert.ok(Number.isInteger(r.json.jobId));
  const job = await waitJob(client, r.json.jobId);
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.kind.includes('import'), true, job.kind);
  return job.result;
}

const count = async () => (await admin.ok(`/api/orgs/${target.id}`)).counts.members;

test('the import template is a real xlsx with the Chinese headers', async () => {
  const r = await jd01.get('/api/members/import-template');
  assert.equal(r.status, 200);
  assert.equal(r.buf.subarray(0, 2).toString('latin1'), 'PK');
  assert.match(r.headers.get('content-disposition') || '', /attachment/);
});

test('GBK CSV with bad rows: dry run lists them by row number and changes nothing', async () => {
  const bytes = toGbk(csv(rows()));
  assert.ok(!bytes.equals(Buffer.from(csv(rows()), 'utf8')), 'really GBK bytes');
  const before = await count();
  const res = await runImport(jd01, bytes, 'dry_run');
  assert.equal(res.mode, 'dry_run');
  assert.equal(res.total, 5);
  assert.equal(res.good, 2);
  assert.equal(res.bad, 3);
  assert.equal(res.committed, false);
  const byRow = Object.fromEntries(res.errors.map((e) => [e.row, e]));
  assert.deepEqual(Object.keys(byRow).map(Number).sort(), [3, 5, 6]);
  assert.equal(byRow[3].field, 'idNumber');
  assert.match(byRow[3].message, /校验位/);
  assert.equal(byRow[3].column, '公民身份证号');
  assert.equal(byRow[5].field, 'phone');
  assert.equal(byRow[6].field, 'org');
  for (const e of res.errors) assert.match(e.message, /[\u4e00-\u9fff]/);
  assert.equal(await count(), before);
});

test('all_or_nothing with bad rows changes nothing', async () => {
  const before = await count();
  const totalBefore = (await admin.ok('/api/members?pageSize=1')).total;
  const res = await runImport(jd01, toGbk(csv(rows())), 'all_or_nothing');
  assert.equal(res.committed, false);
  assert.equal(res.bad, 3);
  assert.equal(await count(), before);
  assert.equal((await admin.ok('/api/members?pageSize=1')).total, totalBefore);
});

test('keep_good commits the good rows and returns the bad ones as a downloadable file', async () => {
  const before = await count();
  const res = await runImport(jd01, toGbk(csv(rows())), 'keep_good');
  assert.equal(res.committed, true);
  assert.equal(res.good, 2);
  assert.equal(await count(), before + 2);
  const names = (await jd01.ok(`/api/members?orgId=${target.id}&pageSize=50`)).items.map((m) => m.name).sort();
  assert.deepEqual(names, ['周一', '郑三'].sort());
  assert.ok(Number.isInteger(res.badFileId), JSON.stringify(res));
  const f = await jd01.get(`/api/files/${res.badFileId}`);
  assert.equal(f.status, 200);
  assert.equal(f.buf.subarray(0, 2).toString('latin1'), 'PK', 'the bad-rows file is an xlsx');
  // Another street cannot download it or see the job.
  const jd02 = await loginAs(srv.url, 'jd02');
  assertError(await jd02.get(`/api/files/${res.badFileId}`), 404);
  // The import is audited (member creations).
  const audit = await admin.ok('/api/audit?entity=member&action=create&pageSize=20');
  assert.ok(audit.items.some((e) => e.after && JSON.stringify(e.after).includes('周一')));
});

test('all_or_nothing with only good rows commits; UTF-8 with BOM works too', async () => {
  const good = [HEADER, ['褚六', idNumber({ birth: '1975-06-07' }), '正式党员', '导入测试党支部', '2000-07-01', '2001-07-01', phone(), '']];
  const before = await count();
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv(good), 'utf8')]);
  const res = await runImport(jd01, bytes, 'all_or_nothing');
  assert.equal(res.committed, true, JSON.stringify(res));
  assert.equal(await count(), before + 1);
  // The same file again: every row a duplicate → nothing committed.
  const again = await runImport(jd01, bytes, 'all_or_nothing');
  assert.equal(again.committed, false);
  assert.equal(again.errors[0].row, 2);
  assert.equal(await count(), before + 1);
});

test('import refuses unreadable files, missing headers and a bad mode', async () => {
  const r = await upload(jd01, Buffer.from('just,some\r\ntext,here\r\n'), 'dry_run');
  if (r.status === 202) {
    const job = await waitJob(jd01, r.json.jobId);
    assert.ok(job.status === 'failed' || (job.result && job.result.committed === false), JSON.stringify(job));
  } else assertError(r, 400, { field: 'file' });
  assertError(await upload(jd01, Buffer.from('x'), 'sometimes'), 400, { field: 'mode' });
  assertError(await upload(jd01, Buffer.alloc(0), 'dry_run'), 400, { field: 'file' });
  const st = await admin.ok(`/api/orgs/${target.id}`);
  assert.ok(st);
});

test('keep_good: a duplicate inside the file and a bad row in the middle are reported by row and field; roll-ups and the audit chain still check out', async () => {
  const org = '导入测试党支部';
  const twice = idNumber({ birth: '1976-07-08' });
  const file = [
    HEADER,
    ['蒋七', twice, '正式党员', org, '2000-07-01', '2001-07-01', phone(), '大学本科'], // row 2
    ['沈八', twice, '正式党员', org, '2000-07-01', '2001-07-01', phone(), '大学本科'], // row 3: same ID as row 2
    ['韩九', idNumber({ birth: '1977-08-09' }), '正式党员', org, '2000-07-01', '2001-07-01', phone(), '博士'], // row 4: bad education
    ['杨十', idNumber({ birth: '1978-09-10' }), '预备党员', org, '2026-01-01', '', phone(), '高中'], // row 5
  ];
  const before = await count();
  const all = await runImport(jd01, Buffer.from(csv(file), 'utf8'), 'all_or_nothing');
  assert.equal(all.committed, false);
  assert.equal(await count(), before, 'all_or_nothing with bad rows in the middle leaves nothing');
  const res = await runImport(jd01, Buffer.from(csv(file), 'utf8'), 'keep_good');
  assert.equal(res.committed, true, JSON.stringify(res));
  assert.equal(res.good, 2);
  assert.deepEqual(res.errors.map((e) => [e.row, e.field, e.column]), [
    [3, 'idNumber', '公民身份证号'],
    [4, 'education', '学历'],
  ]);
  assert.equal(res.errors[0].message, '该身份证号码的党员已在名册中');
  assert.match(res.errors[1].message, /学历/);
  assert.equal(await count(), before + 2);
  const names = (await jd01.ok(`/api/members?orgId=${target.id}&pageSize=50`)).items.map((m) => m.name);
  assert.ok(names.includes('蒋七') && names.includes('杨十') && !names.includes('沈八') && !names.includes('韩九'));
  const check = srv.cli(['rollup', 'check']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /^0 difference\(s\)$/m);
  const verify = await admin.ok('/api/audit/verify');
  assert.equal(verify.ok, true, JSON.stringify(verify));
  const audit = await admin.ok('/api/audit?entity=member&action=create&q=杨十&pageSize=5');
  assert.equal(audit.items.length, 1, JSON.stringify(audit));
  assert.equal(audit.items[0].after.orgName, org);
});
