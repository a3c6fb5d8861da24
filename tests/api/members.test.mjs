// M2 registry: validation, duplicates, list filters/sort/paging, masking, sensitive reveal
// (audited), moves with placement history, removal; export.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { children, findBranch, memberBody, idNumber, badCheckIdNumber, today, allPages } from '../lib/fixtures.mjs';

let srv;
let admin;
let jd01;
let branch; // a branch of street 1 (凯旋街道)
let branch2; // another branch of street 1

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const street1 = (await children(admin, 1))[0];
  const kids = (await children(admin, street1.id)).filter((k) => k.kind === 'branch');
  assert.ok(kids.length >= 2);
  [branch, branch2] = kids;
});
after(async () => {
  await srv?.stop();
});

test('create: sex and birth date come from the ID number; masked in lists', async () => {
  const id = idNumber({ birth: '1979-03-08', sex: 'female' });
  const ph = '13912345678';
  const r = await jd01.post('/api/members', memberBody(branch.id, { name: '李晓红', idNumber: id, phone: ph }));
  assert.equal(r.status, 201, r.text);
  const m = r.json;
  assert.ok(['F', 'female'].includes(m.sex), m.sex);
  assert.equal(m.sexLabel, '女');
  assert.equal(m.birthDate, '1979-03-08');
  assert.equal(m.orgId, branch.id);
  assert.equal(m.version, 1);
  assert.ok(!JSON.stringify(m).includes(id), 'the clear ID number is not in the answer');
  assert.ok(!JSON.stringify(m).includes(ph), 'the clear phone is not in the answer');
  assert.ok(m.idNumberMasked && m.idNumberMasked.includes('*'));
  assert.ok(m.idNumberMasked.startsWith(id.slice(0, 3)));
  assert.ok(m.phoneMasked.includes('*'));
  assert.deepEqual(
    m.placements.map((p) => [p.orgId, p.toDate]),
    [[branch.id, null]],
  );
  const d = await jd01.ok(`/api/members/${m.id}`);
  assert.equal(d.name, '李晓红');
  assert.ok(!JSON.stringify(d).includes(id));
});

test('validation: check digit, 15-digit, phone, fullOn, orgId not a branch; duplicate → 409', async () => {
  assertError(await admin.post('/api/members', memberBody(branch.id, { idNumber: badCheckIdNumber() })), 400, {
    field: 'idNumber',
    code: 'id_number.checksum',
    messageIncludes: '身份证号码校验位错误',
  });
  assertError(await admin.post('/api/members', memberBody(branch.id, { idNumber: '330104800517123' })), 400, {
    field: 'idNumber',
    code: 'id_number.old15',
    messageIncludes: '15位',
  });
  assertError(await admin.post('/api/members', memberBody(branch.id, { phone: '1234' })), 400, {
    field: 'phone',
    messageIncludes: '手机号码格式不正确',
  });
  assertError(await admin.post('/api/members', memberBody(branch.id, { joinedOn: '2010-07-01', fullOn: '2009-01-01' })), 400, {
    field: 'fullOn',
  });
  assertError(await admin.post('/api/members', memberBody(branch.id, { category: 'nope' })), 400, { field: 'category' });
  assertError(await admin.post('/api/members', memberBody(branch.id, { name: '' })), 400, { field: 'name' });
  assertError(await admin.post('/api/members', memberBody(1)), 400, { field: 'orgId' });
  const id = idNumber();
  const ok = await admin.post('/api/members', memberBody(branch.id, { idNumber: id, name: '重复甲' }));
  assert.equal(ok.status, 201, ok.text);
  assertError(await admin.post('/api/members', memberBody(branch2.id, { idNumber: id, name: '重复乙' })), 409, {
    code: 'duplicate',
    field: 'idNumber',
  });
  // Lower-case x check digit is the same person as upper-case X.
  let withX;
  do withX = idNumber();
  while (!withX.endsWith('X'));
  assert.equal((await admin.post('/api/members', memberBody(branch.id, { idNumber: withX, name: '带X号' }))).status, 201);
  assertError(await admin.post('/api/members', memberBody(branch.id, { idNumber: withX.toLowerCase(), name: '小x号' })), 409, {
    code: 'duplicate',
  });
});

test('list: q by pinyin initials and full pinyin, filters, sort, paging', async () => {
  const comm = await admin.post('/api/orgs', { parentId: branch.parentId, name: '检索测试党支部', kind: 'branch' });
  assert.equal(comm.status, 201, comm.text);
  const b = comm.json.id;
  const names = ['张三丰', '李四光', '王五', '赵六', '钱七'];
  const made = [];
  for (const n of names) {
    const r = await admin.post('/api/members', memberBody(b, { name: n, idNumber: idNumber() }));
    assert.equal(r.status, 201, r.text);
    made.push(r.json);
  }
  const list = await admin.ok(`/api/members?orgId=${b}&pageSize=50`);
  assert.equal(list.total, 5);
  assert.equal(list.page, 1);
  assert.equal(list.pageSize, 50);
  for (const row of list.items) {
    for (const k of ['id', 'name', 'sex', 'birthDate', 'age', 'orgId', 'orgName', 'category', 'categoryLabel', 'idNumberMasked'])
      assert.ok(k in row, `row has ${k}`);
  }

  const zsf = await admin.ok(`/api/members?orgId=${b}&q=zsf`);
  assert.deepEqual(zsf.items.map((m) => m.name), ['张三丰']);
  const full = await admin.ok(`/api/members?orgId=${b}&q=lisi`);
  assert.deepEqual(full.items.map((m) => m.name), ['李四光']);
  const han = await admin.ok(`/api/members?orgId=${b}&q=${encodeURIComponent('王')}`);
  assert.deepEqual(han.items.map((m) => m.name), ['王五']);

  // Pinyin order: 李 li, 钱 qian, 王 wang, 张 zhang, 赵 zhao.
  const byName = await admin.ok(`/api/members?orgId=${b}&sort=name`);
  assert.deepEqual(byName.items.map((m) => m.name), ['李四光', '钱七', '王五', '张三丰', '赵六']);
  const desc = await admin.ok(`/api/members?orgId=${b}&sort=-name`);
  assert.deepEqual(desc.items.map((m) => m.name), ['赵六', '张三丰', '王五', '钱七', '李四光']);
  const byBirth = await admin.ok(`/api/members?orgId=${b}&sort=birthDate`);
  const births = byBirth.items.map((m) => m.birthDate);
  assert.deepEqual(births, [...births].sort());

  const p1 = await admin.ok(`/api/members?orgId=${b}&sort=id&page=1&pageSize=2`);
  const p2 = await admin.ok(`/api/members?orgId=${b}&sort=id&page=2&pageSize=2`);
  const p3 = await admin.ok(`/api/members?orgId=${b}&sort=id&page=3&pageSize=2`);
  assert.equal(p1.total, 5);
  assert.deepEqual([...p1.items, ...p2.items, ...p3.items].map((m) => m.id), made.map((m) => m.id).sort((x, y) => x - y));
  assert.equal(p3.items.length, 1);

  const cat = await admin.ok(`/api/members?orgId=${branch.parentId}&category=probationary&pageSize=200`);
  assert.ok(cat.items.every((m) => m.category === 'probationary'));
  assertError(await admin.get('/api/members?category=bogus'), 400, { field: 'category' });
  assertError(await admin.get('/api/members?pageSize=0'), 400);
  assertError(await admin.get('/api/members?pageSize=201'), 400);
  assertError(await admin.get('/api/members?sort=nonsense'), 400);

  // Whole scope: a street user sees only its street.
  const all = await jd01.ok('/api/members?pageSize=200');
  const street1Total = (await admin.ok(`/api/orgs/${jd01.user.orgId}`)).counts.members;
  assert.equal(all.total, street1Total);
});

test('/sensitive reveals ID number and phone and is audited; street user without the permission is refused', async () => {
  const id = idNumber();
  const ph = '13700001234';
  const m = (await admin.post('/api/members', memberBody(branch.id, { idNumber: id, phone: ph, name: '敏感测试' }))).json;
  const r = await admin.get(`/api/members/${m.id}/sensitive`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.idNumber, id);
  assert.equal(r.json.phone, ph);
  const audit = await admin.ok(`/api/audit?action=reveal&pageSize=50`);
  assert.ok(
    audit.items.some((e) => e.entity === 'member' && e.entityId === m.id),
    'the reveal is in the audit log',
  );
  const me = await jd01.ok('/api/auth/me');
  const s = await jd01.get(`/api/members/${m.id}/sensitive`);
  if (me.permissions.includes('member.sensitive')) assert.equal(s.status, 200);
  else assertError(s, 403, { code: 'forbidden' });
});

test('update with version; stale → 409; orgId cannot change through PUT', async () => {
  const created = (await admin.post('/api/members', memberBody(branch.id, { name: '修改测试' }))).json;
  const d = await admin.ok(`/api/members/${created.id}`);
  const body = memberBody(branch.id, { name: '修改后', idNumber: (await admin.ok(`/api/members/${d.id}/sensitive`)).idNumber });
  delete body.orgId;
  const r = await admin.put(`/api/members/${d.id}`, { ...body, version: d.version });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.name, '修改后');
  assert.equal(r.json.version, d.version + 1);
  assertError(await admin.put(`/api/members/${d.id}`, { ...body, name: '再改', version: d.version }), 409, { code: 'stale' });
  const r2 = await admin.put(`/api/members/${d.id}`, { ...body, orgId: branch2.id, version: d.version + 1 });
  if (r2.status === 200) assert.equal(r2.json.orgId, branch.id, 'PUT ignores orgId');
  else assertError(r2, 400);
  const audit = await admin.ok(`/api/audit?entity=member&action=update&pageSize=50`);
  const e = audit.items.find((x) => x.entityId === d.id && x.before?.name === '修改测试');
  assert.ok(e, 'update audited with before and after: ' + JSON.stringify(audit.items.filter((x) => x.entityId === d.id)));
  assert.equal(e.after.name, '修改后');
});

test('move: dated placement history; delete keeps history', async () => {
  const m = (await admin.post('/api/members', memberBody(branch.id, { name: '调动测试' }))).json;
  const r = await admin.post(`/api/members/${m.id}/move`, { orgId: branch2.id, effectiveOn: today(), reason: '工作调动' });
  assert.equal(r.status, 200, r.text);
  const d = await admin.ok(`/api/members/${m.id}`);
  assert.equal(d.orgId, branch2.id);
  assert.equal(d.placements.length, 2);
  const old = d.placements.find((p) => p.orgId === branch.id);
  const cur = d.placements.find((p) => p.orgId === branch2.id);
  assert.equal(old.toDate, today());
  assert.equal(cur.toDate, null);
  assert.equal(cur.fromDate, today());
  assert.equal(cur.reason, '工作调动');
  assertError(await admin.post(`/api/members/${m.id}/move`, { orgId: branch2.id, effectiveOn: today() }), 400, { field: 'orgId' });
  assertError(await admin.post(`/api/members/${m.id}/move`, { orgId: branch.parentId === 1 ? 1 : 1, effectiveOn: today() }), 400, {
    field: 'orgId',
  });

  const del = await admin.del(`/api/members/${m.id}`, { reason: '出党', effectiveOn: today() });
  assert.ok(del.status === 200 || del.status === 204, del.text);
  const list = await allPages(admin, `/api/members?orgId=${branch2.id}`);
  assert.ok(!list.some((x) => x.id === m.id), 'a removed member leaves the list');
  const again = await admin.del(`/api/members/${m.id}`, { reason: '出党' });
  assert.ok([404, 409].includes(again.status));
  assertError(again, again.status);
  const audit = await admin.ok(`/api/audit?entity=member&action=delete&pageSize=50`);
  assert.ok(audit.items.some((e) => e.entityId === m.id));
});

test('export is a real xlsx; template too', async () => {
  for (const p of ['/api/members/export', `/api/members/export?orgId=${branch.id}`, '/api/members/import-template']) {
    const r = await jd01.get(p);
    assert.equal(r.status, 200, `${p}: ${r.text.slice(0, 200)}`);
    assert.equal(r.buf.subarray(0, 2).toString('latin1'), 'PK', `${p} is a zip`);
    assert.match(r.headers.get('content-type'), /spreadsheetml/);
  }
  const audit = await admin.ok(`/api/audit?action=export&pageSize=50`);
  assert.ok(audit.items.length >= 1, 'exports are audited');
});
