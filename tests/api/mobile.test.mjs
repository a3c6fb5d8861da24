// M2 mobile members 流动党员 over HTTP: records (outflow sets the member's flag, closing clears
// it), contacts and the overdue list, service requests open → assigned → closed, validation
// naming the field, and scope for a street user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { children, memberBody, idNumber, today } from '../lib/fixtures.mjs';

let srv;
let admin;
let jd01;
let street1;
let street2;
let branch; // a branch of street 1
let mobileBranch; // street 1's mobile-member branch
let mobileBranch2; // street 2's, stationed outside the district
let m1; // member of street 1
let m2; // member of street 2

const daysAgo = (n) => {
  const d = new Date(today() + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
};

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const jd02 = await loginAs(srv.url, 'jd02');
  street1 = jd01.user.orgId;
  street2 = jd02.user.orgId;
  const kids = (await children(admin, street1)).filter((k) => k.kind === 'branch');
  branch = kids[0];
  const k2 = (await children(admin, street2)).filter((k) => k.kind === 'branch');
  let r = await admin.post('/api/orgs', { parentId: street1, name: '凯旋流动党员党支部测试', kind: 'branch', branchType: 'mobile' });
  assert.equal(r.status, 201, r.text);
  mobileBranch = r.json;
  r = await admin.post('/api/orgs', { parentId: street2, name: '驻深圳流动党员党支部测试', kind: 'branch', branchType: 'mobile_outside' });
  assert.equal(r.status, 201, r.text);
  mobileBranch2 = r.json;
  r = await admin.post('/api/members', memberBody(branch.id, { name: '流动甲', idNumber: idNumber() }));
  assert.equal(r.status, 201, r.text);
  m1 = r.json;
  r = await admin.post('/api/members', memberBody(k2[0].id, { name: '流动乙', idNumber: idNumber() }));
  assert.equal(r.status, 201, r.text);
  m2 = r.json;
});
after(async () => {
  await srv?.stop();
});

test('service kinds: the 17 services', async () => {
  const k = await jd01.ok('/api/mobile/service-kinds');
  assert.equal(k.length, 17);
  assert.ok(k.some((x) => x.label === '子女入学'));
  assert.ok(k.some((x) => x.label === '就业培训'));
  assert.ok(k.some((x) => x.label === '医疗服务'));
});

test('outflow: sets the member flag, masks the phone, contacts, overdue, close clears the flag', async () => {
  const ph = '13812345678';
  let r = await jd01.post('/api/mobile/records', {
    memberId: m1.id,
    direction: 'outflow',
    place: '广东省深圳市南山区',
    sinceDate: daysAgo(200),
    phone: ph,
    receivingOrg: '南山区某社区党委',
    mobileBranchId: mobileBranch.id,
    reason: '外出务工',
  });
  assert.equal(r.status, 201, r.text);
  const rec = r.json;
  assert.equal(rec.directionLabel, '流出');
  assert.equal(rec.ongoing, true);
  assert.equal(rec.mobileBranchName, mobileBranch.name);
  assert.ok(!r.text.includes(ph), 'the clear phone is not in the answer');
  assert.ok(rec.phoneMasked.includes('*'));
  let m = await jd01.ok(`/api/members/${m1.id}`);
  assert.equal(m.mobile, true);
  assert.equal(m.mobileTo, '广东省深圳市南山区');

  // A second ongoing outflow is refused.
  assertError(await jd01.post('/api/mobile/records', { memberId: m1.id, direction: 'outflow', place: 'x', sinceDate: daysAgo(1) }), 409, {
    field: 'memberId',
  });

  // No contact for 200 days → overdue (default interval 90).
  let od = await jd01.ok('/api/mobile/overdue');
  assert.equal(od.intervalDays, 90);
  let row = od.items.find((x) => x.id === rec.id);
  assert.ok(row, 'overdue without contact');
  assert.equal(row.daysOverdue, 110);
  assert.equal(row.neverContacted, true);

  // Contact exactly 90 days ago: not overdue; 91: overdue by 1.
  r = await jd01.post(`/api/mobile/records/${rec.id}/contacts`, { contactedOn: daysAgo(91), channel: '微信', note: '视频联系' });
  assert.equal(r.status, 201, r.text);
  od = await jd01.ok('/api/mobile/overdue');
  assert.equal(od.items.find((x) => x.id === rec.id)?.daysOverdue, 1);
  r = await jd01.post(`/api/mobile/records/${rec.id}/contacts`, { contactedOn: daysAgo(90), channel: '电话' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.lastContactOn, daysAgo(90));
  assert.equal(r.json.contacts.length, 2);
  od = await jd01.ok('/api/mobile/overdue');
  assert.equal(od.items.find((x) => x.id === rec.id), undefined);

  assertError(await jd01.post(`/api/mobile/records/${rec.id}/contacts`, { channel: '传真' }), 400, { field: 'channel' });
  assertError(await jd01.post(`/api/mobile/records/${rec.id}/contacts`, { channel: '电话', contactedOn: '2999-01-01' }), 400, {
    field: 'contactedOn',
  });

  // Edit: version checked; phone kept when left out.
  r = await jd01.put(`/api/mobile/records/${rec.id}`, { version: rec.version, place: '广东省广州市', sinceDate: rec.sinceDate, mobileBranchId: mobileBranch.id });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.phoneMasked, rec.phoneMasked);
  assertError(await jd01.put(`/api/mobile/records/${rec.id}`, { version: rec.version, place: 'y', sinceDate: rec.sinceDate }), 409, {
    code: 'stale',
  });
  m = await jd01.ok(`/api/members/${m1.id}`);
  assert.equal(m.mobileTo, '广东省广州市');

  const list = await jd01.ok('/api/mobile/records?direction=outflow&ongoing=true');
  assert.ok(list.items.some((x) => x.id === rec.id));
  assertError(await jd01.get('/api/mobile/records?direction=up'), 400, { field: 'direction' });

  // Close: the member is no longer mobile.
  assertError(await jd01.post(`/api/mobile/records/${rec.id}/close`, { untilDate: daysAgo(300) }), 400, { field: 'untilDate' });
  r = await jd01.post(`/api/mobile/records/${rec.id}/close`, { untilDate: today() });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ongoing, false);
  m = await jd01.ok(`/api/members/${m1.id}`);
  assert.equal(m.mobile, false);
  assert.equal(m.mobileTo, null);
  assertError(await jd01.post(`/api/mobile/records/${rec.id}/contacts`, { channel: '电话' }), 409, { code: 'closed' });

  const audit = await admin.ok(`/api/audit?entity=mobility_record&entityId=${rec.id}`);
  assert.ok(audit.total >= 5, `create, 2 contacts, update, close: ${audit.total}`);
});

test('validation names the field', async () => {
  const base = { memberId: m1.id, direction: 'inflow', place: '安徽省合肥市', sinceDate: daysAgo(10) };
  assertError(await jd01.post('/api/mobile/records', { ...base, direction: 'up' }), 400, { field: 'direction', messageIncludes: '流动方向' });
  assertError(await jd01.post('/api/mobile/records', { ...base, place: '' }), 400, { field: 'place' });
  assertError(await jd01.post('/api/mobile/records', { ...base, sinceDate: '2024-02-30' }), 400, { field: 'sinceDate' });
  assertError(await jd01.post('/api/mobile/records', { ...base, phone: '123' }), 400, { field: 'phone' });
  assertError(await jd01.post('/api/mobile/records', { ...base, mobileBranchId: branch.id }), 400, { field: 'mobileBranchId' });
  assertError(await jd01.post('/api/mobile/records', { ...base, memberId: undefined }), 400, { field: 'memberId' });
});

test('service requests: open → assigned → closed; closed refuses assign and close', async () => {
  let r = await jd01.post('/api/mobile/records', { memberId: m1.id, direction: 'inflow', place: '安徽省合肥市', sinceDate: daysAgo(30) });
  assert.equal(r.status, 201, r.text);
  const rec = r.json;
  assertError(await jd01.post(`/api/mobile/records/${rec.id}/requests`, { kind: 'nope', description: 'x' }), 400, { field: 'kind' });
  assertError(await jd01.post(`/api/mobile/records/${rec.id}/requests`, { kind: 'job_training' }), 400, { field: 'description' });
  r = await jd01.post(`/api/mobile/records/${rec.id}/requests`, { kind: 'job_training', description: '希望参加电工技能培训', deadline: daysAgo(-30) });
  assert.equal(r.status, 201, r.text);
  const q = r.json;
  assert.equal(q.status, 'open');
  assert.equal(q.statusLabel, '待办理');
  assertError(await jd01.post(`/api/mobile/requests/${q.id}/close`, {}), 400, { field: 'result' });
  r = await jd01.post(`/api/mobile/requests/${q.id}/assign`, { userId: jd01.user.id });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'assigned');
  const listed = await jd01.ok('/api/mobile/requests?status=assigned');
  assert.ok(listed.items.some((x) => x.id === q.id));
  r = await jd01.post(`/api/mobile/requests/${q.id}/close`, { result: '已安排参加区人社局培训' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'closed');
  assertError(await jd01.post(`/api/mobile/requests/${q.id}/assign`, { userId: jd01.user.id }), 409, { code: 'closed' });
  assertError(await jd01.post(`/api/mobile/requests/${q.id}/close`, { result: 'again' }), 409, { code: 'closed' });
  const d = await jd01.ok(`/api/mobile/records/${rec.id}`);
  assert.equal(d.requests.length, 1);
  assert.equal(d.requests[0].result, '已安排参加区人社局培训');
});

test('scope: street 1 cannot see or touch street 2', async () => {
  let r = await admin.post('/api/mobile/records', {
    memberId: m2.id,
    direction: 'outflow',
    place: '广东省深圳市',
    sinceDate: daysAgo(400),
    mobileBranchId: mobileBranch2.id,
  });
  assert.equal(r.status, 201, r.text);
  const other = r.json;
  r = await admin.post(`/api/mobile/records/${other.id}/requests`, { kind: 'medical', description: '异地就医' });
  const otherReq = r.json;
  assert.equal((await jd01.get(`/api/mobile/records/${other.id}`)).status, 404);
  assert.equal((await jd01.post(`/api/mobile/records/${other.id}/contacts`, { channel: '电话' })).status, 404);
  assert.equal((await jd01.post(`/api/mobile/requests/${otherReq.id}/close`, { result: 'x' })).status, 404);
  assertError(await jd01.post('/api/mobile/records', { memberId: m2.id, direction: 'inflow', place: 'x', sinceDate: daysAgo(1) }), 400, {
    field: 'memberId',
  });
  assertError(
    await jd01.post('/api/mobile/records', { memberId: m1.id, direction: 'inflow', place: 'x', sinceDate: daysAgo(1), mobileBranchId: mobileBranch2.id }),
    400,
    { field: 'mobileBranchId' },
  );
  assertError(await jd01.get(`/api/mobile/records?orgId=${street2}`), 400, { field: 'orgId' });
  const byName = await jd01.ok('/api/mobile/records?q=' + encodeURIComponent('流动甲'));
  assert.ok(byName.total >= 1 && byName.items.every((x) => x.memberId === m1.id));
  assert.equal((await jd01.ok('/api/mobile/records?q=%25')).total, 0, 'a % is matched literally');
  const mine = await jd01.ok('/api/mobile/records?pageSize=200');
  assert.ok(!mine.items.some((x) => x.id === other.id));
  const od = await jd01.ok('/api/mobile/overdue');
  assert.ok(!od.items.some((x) => x.id === other.id));
  assert.ok((await admin.ok('/api/mobile/overdue')).items.some((x) => x.id === other.id));
});
