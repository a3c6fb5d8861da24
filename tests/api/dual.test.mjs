// In-service members' dual management 在职党员双重管理 over HTTP: a workplace member of street 2
// registers with a community of street 1; both sides see it, only the community side assigns the
// post, records service and ends it; a third street sees nothing; the unregistered list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { memberBody, idNumber, today } from '../lib/fixtures.mjs';

let srv;
let admin;
let jd01; // community side
let jd02; // workplace side
let jd03; // neither
let community; // community branch of street 1
let school; // workplace branch of street 2
let retired; // retired branch of street 2
let worker;
let worker2;
let retiree;
let worker2Id; // worker2's ID number

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  jd02 = await loginAs(srv.url, 'jd02');
  jd03 = await loginAs(srv.url, 'jd03');
  const org = async (parentId, name, branchType) => {
    const r = await admin.post('/api/orgs', { parentId, name, kind: 'branch', branchType, foundedOn: '2010-01-01' });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  community = await org(jd01.user.orgId, '双重管理测试社区党支部', 'community');
  school = await org(jd02.user.orgId, '双重管理测试小学党支部', 'school');
  retired = await org(jd02.user.orgId, '双重管理测试离退休党支部', 'retired');
  const member = async (orgId, name, id = idNumber()) => {
    const r = await admin.post('/api/members', memberBody(orgId, { name, idNumber: id }));
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  worker = await member(school.id, '在职甲');
  worker2Id = idNumber();
  worker2 = await member(school.id, '在职乙', worker2Id);
  retiree = await member(retired.id, '退休丙');
});
after(async () => {
  await srv?.stop();
});

const unregisteredIds = async (client) => {
  const r = await client.ok(`/api/dual/unregistered?orgId=${school.id}&pageSize=200`);
  return r.items.map((x) => x.memberId);
};

test('register by the workplace side; both sides see it; only the community side manages it', async () => {
  assert.ok((await unregisteredIds(jd02)).includes(worker.id));
  let r = await jd02.post('/api/dual/registrations', { memberId: worker.id, communityOrgId: community.id, registeredOn: '2024-03-01' });
  assert.equal(r.status, 201, r.text);
  const reg = r.json;
  assert.equal(reg.workplaceSide, true);
  assert.equal(reg.communitySide, false);
  assert.equal(reg.current, true);
  assert.ok(!(await unregisteredIds(jd02)).includes(worker.id), 'registered members leave the list');
  assertError(await jd02.post('/api/dual/registrations', { memberId: worker.id, communityOrgId: community.id }), 409, { field: 'memberId' });
  assertError(await jd02.post('/api/dual/registrations', { memberId: worker2.id, communityOrgId: school.id }), 400, {
    field: 'communityOrgId',
  });
  assertError(await jd02.post('/api/dual/registrations', { memberId: retiree.id, communityOrgId: community.id }), 400, { field: 'memberId' });

  // The workplace side reads only.
  assertError(await jd02.put(`/api/dual/registrations/${reg.id}`, { post: '楼道长', version: reg.version }), 403);
  assertError(await jd02.post(`/api/dual/registrations/${reg.id}/services`, { hours: 2, description: '清扫' }), 403);
  assertError(await jd02.post(`/api/dual/registrations/${reg.id}/end`, {}), 403);

  // The community side sees it under side=community and manages it.
  const list = await jd01.ok('/api/dual/registrations?side=community&pageSize=200');
  assert.ok(list.items.some((x) => x.id === reg.id && x.communitySide));
  r = await jd01.put(`/api/dual/registrations/${reg.id}`, { post: '楼道长', note: '三号楼', version: reg.version });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.post, '楼道长');
  assertError(await jd01.put(`/api/dual/registrations/${reg.id}`, { post: 'x', version: reg.version }), 409, { code: 'stale' });
  r = await jd01.post(`/api/dual/registrations/${reg.id}/services`, { servedOn: today(), hours: 3, description: '垃圾分类宣传' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.serviceHours, 3);
  assertError(await jd01.post(`/api/dual/registrations/${reg.id}/services`, { hours: 0, description: 'x' }), 400, { field: 'hours' });
  assertError(await jd01.post(`/api/dual/registrations/${reg.id}/services`, { hours: 1 }), 400, { field: 'description' });
  assertError(await jd01.post(`/api/dual/registrations/${reg.id}/services`, { hours: 1, description: 'x', servedOn: '2024-01-01' }), 400, {
    field: 'servedOn',
  });

  // The workplace side sees the post and the service log.
  const d = await jd02.ok(`/api/dual/registrations/${reg.id}`);
  assert.equal(d.post, '楼道长');
  assert.equal(d.services.length, 1);
  assert.equal(d.services[0].description, '垃圾分类宣传');
  const w = await jd02.ok('/api/dual/registrations?side=workplace&pageSize=200');
  assert.ok(w.items.some((x) => x.id === reg.id));

  // A third street sees nothing.
  assertError(await jd03.get(`/api/dual/registrations/${reg.id}`), 404);
  assert.ok(!(await jd03.ok('/api/dual/registrations?pageSize=200')).items.some((x) => x.id === reg.id));
  assertError(await jd03.post(`/api/dual/registrations/${reg.id}/end`, {}), 404);

  // Ending puts the member back on the unregistered list.
  assertError(await jd01.post(`/api/dual/registrations/${reg.id}/end`, { endedOn: '2024-01-01' }), 400, { field: 'endedOn' });
  r = await jd01.post(`/api/dual/registrations/${reg.id}/end`, { endedOn: today() });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.current, false);
  assert.ok((await unregisteredIds(jd02)).includes(worker.id));

  const audit = await admin.ok(`/api/audit?entity=community_registration&entityId=${reg.id}`);
  assert.equal(audit.total, 4, 'create, post, service, end');
});

test('the community side registers a member of another street; the list excludes non-workplace branches', async () => {
  assertError(await jd01.post('/api/dual/registrations', { memberId: worker2.id, communityOrgId: community.id }), 400, { field: 'idNumber' });
  const r = await jd01.post('/api/dual/registrations', { idNumber: worker2Id, communityOrgId: community.id, post: '文明劝导员' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.communitySide, true);
  assert.ok(!(await unregisteredIds(jd02)).includes(worker2.id));
  const ret = await jd02.ok(`/api/dual/unregistered?orgId=${retired.id}`);
  assert.equal(ret.total, 0, 'retired branch members are not in-service');
  assertError(await jd03.get(`/api/dual/unregistered?orgId=${jd02.user.orgId}`), 400, { field: 'orgId' });
  assertError(await jd01.get('/api/dual/registrations?side=up'), 400, { field: 'side' });
});
