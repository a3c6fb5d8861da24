// The grid 片组户 over HTTP (SQLite and PostgreSQL): areas, groups and households under a
// community; the contact assignment rules (scope, hard limit, dated reassignment); the “三无”
// coverage counts after a move and a reassignment, rolled up from the district root, each equal
// to the total of its list; the household import with dry run and bad rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { memberBody, idNumber, csv, waitJob } from '../lib/fixtures.mjs';

let srv;
let admin;
let jd01;
let community;
let area;
let groups = [];
let members = [];
const households = [];

const q = (o) => '?' + new URLSearchParams(o).toString();
const daysAgo = (n) => new Date(Date.now() - n * 86400000 + 8 * 3600000).toISOString().slice(0, 10);

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const r = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '网格测试社区党委', kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(r.status, 201, r.text);
  community = r.json;
  const b = await admin.post('/api/orgs', { parentId: community.id, name: '网格测试第一支部', kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(b.status, 201, b.text);
  for (let i = 0; i < 3; i++) {
    const m = await admin.post('/api/members', memberBody(b.json.id, { name: `联户党员${i}`, idNumber: idNumber() }));
    assert.equal(m.status, 201, m.text);
    members.push(m.json);
  }
});

after(async () => {
  await srv?.stop();
});

const counts = async (params) => (await jd01.ok('/api/grid/coverage' + q(params))).node.counts;

test('areas and groups only under a community; a branch of a community is refused', async () => {
  const bad = await jd01.post('/api/grid/areas', { orgId: jd01.user.orgId, name: '街道片区' });
  assertError(bad, 400, { field: 'orgId' });
  const r = await jd01.post('/api/grid/areas', { orgId: community.id, name: '第一片区' });
  assert.equal(r.status, 201, r.text);
  area = r.json;
  assertError(await jd01.post('/api/grid/areas', { orgId: community.id, name: '第一片区' }), 409, { field: 'name' });
  for (const name of ['第1组', '第2组']) {
    const g = await jd01.post('/api/grid/groups', { areaId: area.id, name });
    assert.equal(g.status, 201, g.text);
    groups.push(g.json);
  }
  for (let i = 0; i < 4; i++) {
    const h = await jd01.post('/api/grid/households', {
      groupId: groups[i % 2].id, building: '5', unit: '1', room: String(101 + i), headName: `户主${i}`,
      phone: '13900001234', tags: i === 0 ? ['elderly_alone'] : [], people: [{ name: `户主${i}`, relation: '户主', birthYear: 1950 }],
    });
    assert.equal(h.status, 201, h.text);
    assert.equal(h.json.phoneMasked, '139****1234');
    assert.equal(h.json.key, i === 0);
    households.push(h.json);
  }
  assertError(await jd01.post('/api/grid/households', { groupId: groups[0].id, headName: '无地址' }), 400, { field: 'address' });
  assertError(await jd01.post('/api/grid/households', { groupId: groups[0].id, building: '5', headName: '坏电话', phone: '12345' }), 400, { field: 'phone' });
});

test('assignment: scope, hard limit, dated reassignment with history', async () => {
  const ids = households.map((h) => h.id);
  let r = await jd01.post('/api/grid/assign', { householdIds: ids.slice(0, 3), memberId: members[0].id, on: daysAgo(60) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.changed, 3);
  assert.equal(r.json.load, 'under');
  // The hard limit is a setting.
  assert.equal((await admin.put('/api/settings/grid.contact_max_households', { value: 3 })).status, 200);
  assertError(await jd01.post('/api/grid/assign', { householdIds: [ids[3]], memberId: members[0].id }), 400, { field: 'memberId' });
  assert.equal((await admin.put('/api/settings/grid.contact_max_households', { value: 30 })).status, 200);
  // A future date and a date before the current contact's start are refused.
  assertError(await jd01.post('/api/grid/assign', { householdIds: [ids[0]], memberId: members[1].id, on: '2999-01-01' }), 400, { field: 'on' });
  assertError(await jd01.post('/api/grid/assign', { householdIds: [ids[0]], memberId: members[1].id, on: daysAgo(90) }), 400, { field: 'on' });
  r = await jd01.post('/api/grid/assign', { householdIds: [ids[0]], memberId: members[1].id, on: daysAgo(10) });
  assert.equal(r.status, 200, r.text);
  const d = await jd01.ok(`/api/grid/households/${ids[0]}`);
  assert.equal(d.contact.memberId, members[1].id);
  assert.deepEqual(d.contactHistory.map((x) => [x.memberId, x.fromOn, x.toOn]), [
    [members[1].id, daysAgo(10), null],
    [members[0].id, daysAgo(60), daysAgo(10)],
  ]);
  // The audit log has the reassignment.
  const audit = await admin.ok('/api/audit' + q({ q: '户主0' }));
  assert.ok(audit.items.some((e) => e.action === 'reassign'), JSON.stringify(audit.items.map((e) => e.action)));
});

test('coverage counts roll up from the root and follow moves, reassignment and release', async () => {
  const atCommunity = await counts({ orgId: community.id });
  assert.equal(atCommunity.households, 4);
  assert.equal(atCommunity.noContact, 1);
  assert.equal(atCommunity.contacts, 2);
  assert.equal(atCommunity.areasNoLeader, 1);
  assert.equal(atCommunity.permille, 750);
  assert.equal(atCommunity.keyUnvisited, 1);
  // The street and the root include the same numbers (the demo has no grid: nothing else).
  const root = await admin.ok('/api/grid/coverage');
  assert.equal(root.node.counts.households, 4);
  assert.notEqual(root.node.counts.permille, 1000, 'the root is not 100% while a household has no contact');
  const streetRow = root.children.find((c) => c.id === jd01.user.orgId);
  assert.deepEqual(streetRow.counts, atCommunity);
  // Each count equals the total of its list.
  for (const [kind, key] of [['households', 'households'], ['no_contact', 'noContact'], ['key_unvisited', 'keyUnvisited'], ['contacts', 'contacts'], ['areas_no_leader', 'areasNoLeader']]) {
    const l = await jd01.ok('/api/grid/coverage/list' + q({ kind, orgId: community.id }));
    assert.equal(l.total, atCommunity[key], kind);
  }
  // Drill-down: community → areas → groups.
  const byArea = await jd01.ok('/api/grid/coverage' + q({ orgId: community.id }));
  assert.equal(byArea.node.type, 'community');
  assert.deepEqual(byArea.children.map((c) => [c.type, c.id]), [['area', area.id]]);
  const byGroup = await jd01.ok('/api/grid/coverage' + q({ areaId: area.id }));
  const g2 = () => byGroup.children.find((c) => c.id === groups[1].id).counts;
  assert.equal(g2().households, 2);
  // Move household 3 (no contact) into group 1; then assign it: the root reaches 100%.
  const h3 = await jd01.ok(`/api/grid/households/${households[3].id}`);
  const mv = await jd01.put(`/api/grid/households/${h3.id}`, { groupId: groups[0].id, building: '5', unit: '1', room: '104', headName: h3.headName, version: h3.version });
  assert.equal(mv.status, 200, mv.text);
  const after = await jd01.ok('/api/grid/coverage' + q({ areaId: area.id }));
  assert.equal(after.children.find((c) => c.id === groups[0].id).counts.noContact, 1);
  assert.equal(after.children.find((c) => c.id === groups[1].id).counts.households, 1);
  assert.equal((await jd01.post('/api/grid/assign', { householdIds: [h3.id], memberId: members[2].id })).status, 200);
  assert.equal((await jd01.put(`/api/grid/areas/${area.id}`, { name: area.name, leaderMemberId: members[2].id, version: area.version })).status, 200);
  const full = (await admin.ok('/api/grid/coverage')).node.counts;
  assert.equal(full.noContact, 0);
  assert.equal(full.permille, 1000);
  // Release one: back below 100%, and member 1 (who had only that one) is an idle contact.
  assert.equal((await jd01.post(`/api/grid/households/${households[0].id}/release`, {})).status, 200);
  const rel = await counts({ orgId: community.id });
  assert.equal(rel.noContact, 1);
  assert.equal(rel.idleContacts, 1);
  assert.equal(rel.permille, 750);
});

test('household import: dry run lists the bad rows, keep_good imports the rest', async () => {
  const rows = [
    ['社区（村）', '片区', '联户小组', '幢（楼）', '单元', '室', '户主姓名', '联系电话', '标签'],
    [community.name, '第一片区', '第1组', '6', '1', '101', '导入甲', '13700001111', '独居老人、残疾人'],
    [community.name, '第一片区', '第9组', '6', '1', '102', '导入乙', '', ''],
    [community.name, '第一片区', '第2组', '6', '1', '103', '导入丙', '', '富裕'],
    [community.name, '第一片区', '第2组', '6', '2', '201', '导入丁', '', '新迁入'],
  ];
  const run = async (mode) => {
    const r = await jd01.request('POST', `/api/grid/households/import?mode=${mode}&fileName=h.csv`, { body: Buffer.from(csv(rows)), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(r.status, 202, r.text);
    const job = await waitJob(jd01, r.json.jobId);
    assert.equal(job.status, 'done', JSON.stringify(job));
    return job.result;
  };
  const dry = await run('dry_run');
  assert.equal(dry.good, 2);
  assert.equal(dry.bad, 2);
  assert.deepEqual(dry.errors.map((e) => e.field).sort(), ['group', 'tags']);
  assert.equal((await counts({ orgId: community.id })).households, 4, 'dry run changes nothing');
  const kept = await run('keep_good');
  assert.equal(kept.good, 2);
  assert.ok(kept.badFileId);
  const c = await counts({ orgId: community.id });
  assert.equal(c.households, 6);
  assert.equal(c.key, 2);
  const t = await jd01.request('GET', '/api/grid/households/import-template');
  assert.equal(t.status, 200);
});

test('my households: a member login sees the households assigned to it', async () => {
  const r = srv.cli(['user', 'add', '--username', 'grid_me', '--password', 'Member1234', '--role', 'member', '--org-id', String(members[2].orgId), '--member-id', String(members[2].id)]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const me = await loginAs(srv.url, 'grid_me', 'Member1234');
  const mine = await me.ok('/api/grid/my-households');
  assert.deepEqual(mine.items.map((h) => h.id), [households[3].id]);
  assert.equal(mine.items[0].phoneMasked, '139****1234');
  assert.equal(mine.target, 10);
  assert.equal(mine.load, 'under');
  // The member reads its own household's archive, not another one, and not the grid lists.
  assert.equal((await me.get(`/api/grid/households/${households[3].id}`)).status, 200);
  assert.equal((await me.get(`/api/grid/households/${households[1].id}`)).status, 404);
  assert.equal((await me.get('/api/grid/households')).status, 403);
});

// --- management pages' routes and rules (areas, groups, buildings, households, contacts) ---

test('leaders belong to the community; a grid branch and building party groups are organizations inside it', async () => {
  // A second community in the same street: its member and its branch are outside the first.
  const co2 = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '网格测试第二社区党委', kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(co2.status, 201, co2.text);
  const b2 = await admin.post('/api/orgs', { parentId: co2.json.id, name: '网格测试第二社区支部', kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' });
  const outsider = await admin.post('/api/members', memberBody(b2.json.id, { name: '外社区党员', idNumber: idNumber() }));
  assert.equal(outsider.status, 201, outsider.text);
  const branch1 = (await jd01.ok('/api/grid/org-options' + q({ orgId: community.id }))).items;
  assert.deepEqual(branch1.map((o) => o.name), ['网格测试社区党委', '网格测试第一支部']);
  assertError(await jd01.get('/api/grid/org-options' + q({ orgId: jd01.user.orgId })), 400, { field: 'orgId' });

  let a = (await jd01.ok('/api/grid/areas' + q({ orgId: community.id }))).items.find((x) => x.id === area.id);
  assertError(await jd01.put(`/api/grid/areas/${area.id}`, { name: a.name, leaderMemberId: outsider.json.id, version: a.version }), 400, { field: 'leaderMemberId', messageIncludes: '外社区党员' });
  assertError(await jd01.put(`/api/grid/areas/${area.id}`, { name: a.name, branchOrgId: b2.json.id, version: a.version }), 400, { field: 'branchOrgId' });
  // Rename, a leader of the community, the community's branch attached; then both cleared.
  let r = await jd01.put(`/api/grid/areas/${area.id}`, { name: '第一片区（东）', leaderMemberId: members[1].id, branchOrgId: members[1].orgId, version: a.version });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.name, '第一片区（东）');
  assert.equal(r.json.leaderName, '联户党员1');
  assert.equal(r.json.branchOrgName, '网格测试第一支部');
  r = await jd01.put(`/api/grid/areas/${area.id}`, { name: '第一片区', leaderMemberId: null, branchOrgId: null, version: r.json.version });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.leaderMemberId, null);
  assert.equal(r.json.branchOrgId, null);
  // The outsider becomes a contact member of this community (assigned one of its households):
  // now it may lead a group here.
  const g = (await jd01.ok('/api/grid/areas' + q({ orgId: community.id }))).items.find((x) => x.id === area.id).groups[1];
  assertError(await jd01.put(`/api/grid/groups/${g.id}`, { name: g.name, leaderMemberId: outsider.json.id, version: g.version }), 400, { field: 'leaderMemberId' });
  assert.equal((await jd01.post('/api/grid/assign', { householdIds: [households[1].id], memberId: outsider.json.id })).status, 200);
  r = await jd01.put(`/api/grid/groups/${g.id}`, { name: '第2组（西）', leaderMemberId: outsider.json.id, version: g.version });
  assert.equal(r.status, 200, r.text);
  const g2 = (await jd01.ok('/api/grid/areas' + q({ orgId: community.id }))).items.find((x) => x.id === area.id).groups.find((x) => x.id === g.id);
  assert.equal(g2.name, '第2组（西）');
  assert.equal(g2.leaderName, '外社区党员');
  r = await jd01.put(`/api/grid/groups/${g.id}`, { name: '第2组', leaderMemberId: null, version: g2.version });
  assert.equal(r.status, 200, r.text);

  // Buildings: those with households (with counts), one added without a party group, a party
  // group attached and detached (the building stays listed), one outside the community refused.
  let bs = (await jd01.ok(`/api/grid/areas/${area.id}/buildings`)).items;
  assert.deepEqual(bs.map((b) => [b.building, b.households]), [['5', 4], ['6', 2]]);
  assert.equal((await jd01.post(`/api/grid/areas/${area.id}/buildings`, { building: '12' })).status, 200);
  assertError(await jd01.post(`/api/grid/areas/${area.id}/buildings`, { building: '5', partyOrgId: b2.json.id }), 400, { field: 'partyOrgId' });
  assertError(await jd01.post(`/api/grid/areas/${area.id}/buildings`, { building: ' ', partyOrgId: members[0].orgId }), 400, { field: 'building' });
  r = await jd01.post(`/api/grid/areas/${area.id}/buildings`, { building: '5', partyOrgId: members[0].orgId });
  assert.equal(r.status, 200, r.text);
  bs = (await jd01.ok(`/api/grid/areas/${area.id}/buildings`)).items;
  assert.deepEqual(bs.map((b) => [b.building, b.households, b.partyOrgName]), [['5', 4, '网格测试第一支部'], ['6', 2, null], ['12', 0, null]]);
  // The archive of a household in building 5 names its building party group.
  assert.equal((await jd01.ok(`/api/grid/households/${households[0].id}`)).buildingPartyOrgName, '网格测试第一支部');
  assert.equal((await jd01.post(`/api/grid/areas/${area.id}/buildings`, { building: '5', partyOrgId: null })).status, 200);
  bs = (await jd01.ok(`/api/grid/areas/${area.id}/buildings`)).items;
  assert.deepEqual(bs.find((b) => b.building === '5'), { building: '5', households: 4, partyOrgId: null, partyOrgName: null });
  // Each change is audited.
  const audit = await admin.ok('/api/audit' + q({ q: '楼宇党组织' }));
  assert.ok(audit.items.length >= 3, JSON.stringify(audit.items.map((e) => e.summary)));

  // A household moves only within its community.
  const a2 = await jd01.post('/api/grid/areas', { orgId: co2.json.id, name: '二社区片区' });
  const g3 = await jd01.post('/api/grid/groups', { areaId: a2.json.id, name: '第1组' });
  const h = await jd01.ok(`/api/grid/households/${households[2].id}`);
  assertError(await jd01.put(`/api/grid/households/${h.id}`, { groupId: g3.json.id, building: h.building, unit: h.unit, room: h.room, headName: h.headName, version: h.version }), 400, { field: 'groupId' });
});

test('households: edited tags make a key household; people errors name their row; contacts filter the list', async () => {
  const h = await jd01.ok(`/api/grid/households/${households[2].id}`);
  assert.equal(h.key, false);
  const body = { groupId: h.groupId, building: h.building, unit: h.unit, room: h.room, address: '', headName: h.headName, tags: ['difficulty', 'new_arrival'], version: h.version };
  assertError(await jd01.put(`/api/grid/households/${h.id}`, { ...body, people: [{ name: '甲', relation: '户主' }, { name: '', relation: '子女' }] }), 400, { field: 'people[1].name' });
  assertError(await jd01.put(`/api/grid/households/${h.id}`, { ...body, people: [{ name: '甲', relation: '户主', birthYear: 1850 }] }), 400, { field: 'people[0].birthYear' });
  const r = await jd01.put(`/api/grid/households/${h.id}`, { ...body, people: [{ name: '甲', relation: '户主', birthYear: 1960 }, { name: '乙', relation: '配偶', birthYear: 1962 }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.key, true);
  assert.deepEqual(r.json.tagCodes, ['difficulty', 'new_arrival']);
  assert.deepEqual(r.json.people.map((p) => [p.name, p.relation, p.birthYear]), [['甲', '户主', 1960], ['乙', '配偶', 1962]]);
  assert.equal(r.json.phoneMasked, '139****1234', 'the phone is kept when not sent');

  // The contact members of the community with their loads; one member's households.
  const contacts = await jd01.ok('/api/grid/contacts' + q({ orgId: community.id }));
  const m0 = contacts.items.find((c) => c.memberId === members[0].id);
  assert.ok(m0, JSON.stringify(contacts.items));
  const mine = await jd01.ok('/api/grid/households' + q({ orgId: community.id, memberId: members[0].id }));
  assert.equal(mine.total, m0.households);
  assert.ok(mine.items.every((x) => x.contactName === '联户党员0'), JSON.stringify(mine.items));
  const mineKey = await jd01.ok('/api/grid/households' + q({ orgId: community.id, memberId: members[0].id, filter: 'key' }));
  assert.ok(mineKey.items.every((x) => x.key));
  // A member of another street is refused on memberId.
  const jd02 = await loginAs(srv.url, 'jd02');
  const other = await jd02.ok('/api/members' + q({ pageSize: 1 }));
  assertError(await jd01.get('/api/grid/households' + q({ orgId: community.id, memberId: other.items[0].id })), 400, { field: 'memberId' });
});

test('household import keeps the people count and refuses an address registered twice', async () => {
  const rows = [
    ['社区（村）', '片区', '联户小组', '幢（楼）', '单元', '室', '户主姓名', '人口数'],
    [community.name, '第一片区', '第1组', '7', '1', '101', '人口甲', '3'],
    [community.name, '第一片区', '第1组', '7', '1', '101', '人口乙', '2'],
    [community.name, '第一片区', '第1组', '5', '1', '101', '人口丙', ''],
  ];
  const r = await jd01.request('POST', '/api/grid/households/import?mode=keep_good&fileName=p.csv', { body: Buffer.from(csv(rows)), headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(r.status, 202, r.text);
  const job = await waitJob(jd01, r.json.jobId);
  assert.equal(job.result.good, 1, JSON.stringify(job.result));
  assert.deepEqual(job.result.errors.map((e) => [e.row, e.field, e.column]), [[3, 'room', '室'], [4, 'room', '室']]);
  const list = await jd01.ok('/api/grid/households' + q({ areaId: area.id, pageSize: 100 }));
  const imported = list.items.find((x) => x.headName === '人口甲');
  assert.equal((await jd01.ok(`/api/grid/households/${imported.id}`)).peopleCount, 3);
});
