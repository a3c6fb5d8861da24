// Figures 统计 over HTTP (SQLite and PostgreSQL): the page for the district and for a new
// branch (hand-counted), every cell of a figure against its records' total, the periods and
// their errors, a member moved out counted where he was on the period's last day, both .xlsx
// files read back, and a street user kept to its own street.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { children, memberBody, idNumber, today } from '../lib/fixtures.mjs';
import { xlsxRows } from '../lib/xlsx.mjs';

let srv;
let admin;
let jd01;
let street1;
let street2;
let branch;
let branch2;

const qs = (o) => '?' + new URLSearchParams(o).toString();
const figure = (page, key) => page.groups.flatMap((g) => g.figures).find((f) => f.key === key);
const cell = (page, key, c) => figure(page, key).cells.find((x) => x.key === c);
const year = Number(today().slice(0, 4));

before(async () => {
  srv = await startServer();
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const streets = await children(admin, 1);
  street1 = streets.find((s) => s.id === jd01.user.orgId);
  street2 = streets.find((s) => s.id !== jd01.user.orgId);
  const mk = async (parentId, name) => {
    const r = await admin.post('/api/orgs', { parentId, name, kind: 'branch', foundedOn: '2000-01-01' });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  branch = await mk(street1.id, '统计测试第一党支部');
  branch2 = await mk(street2.id, '统计测试第二党支部');
});
after(async () => {
  await srv?.stop();
});

test('the district page: groups in order, members by category add up to the registry', async () => {
  const page = await admin.ok('/api/figures' + qs({ orgId: 1, period: 'year', year }));
  assert.equal(page.org.id, 1);
  assert.equal(page.period.from, `${year}-01-01`);
  assert.equal(page.period.to, `${year + 1}-01-01`);
  const titles = page.groups.map((g) => g.title);
  for (const t of ['党员队伍', '流动党员', '党费']) assert.ok(titles.includes(t), titles.join());
  const members = await admin.ok('/api/members' + qs({ orgId: 1, pageSize: 1 }));
  const byCategory = figure(page, 'members.by_category').cells.reduce((s, c) => s + c.count, 0);
  assert.equal(byCategory, members.total, 'everyone on the registry today is counted once');
  const byAge = figure(page, 'members.by_age').cells.reduce((s, c) => s + c.count, 0);
  assert.equal(byAge, members.total, 'the age bands partition the members');
  assert.equal(typeof cell(page, 'dues.collected', 'all').amountFen, 'number', 'money cells carry an amount');
  assert.equal(figure(page, 'dues.collected').money, true);
  assert.equal(figure(page, 'members.by_age').money, false);
});

test('every cell of several figures equals its records total', async () => {
  const q = { orgId: street1.id, period: 'quarter', year, quarter: 1 };
  const page = await admin.ok('/api/figures' + qs(q));
  for (const key of ['members.by_age', 'members.by_status', 'mobile.members', 'mobile.contacts', 'dues.collected', 'dues.owed']) {
    for (const c of figure(page, key).cells) {
      const r = await admin.ok('/api/figures/records' + qs({ ...q, figure: key, cell: c.key, pageSize: 5 }));
      assert.equal(r.total, c.count, `${key}/${c.key}`);
      assert.equal(r.items.length, Math.min(5, c.count));
      if (c.amountFen !== undefined) assert.equal(r.amountFen, c.amountFen, `${key}/${c.key} amount`);
      for (const it of r.items) for (const col of r.columns) assert.ok(col.key in it, `${key}: row lacks ${col.key}`);
    }
  }
});

test('a new branch counted by hand; a member moved out stays counted where he was', async () => {
  const mk = async (over) => {
    const r = await admin.post('/api/members', memberBody(branch.id, over));
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  const a = await mk({ name: '统计甲', idNumber: idNumber({ birth: '1996-03-01' }), education: '研究生', joinedOn: '2020-07-01', fullOn: '2021-07-01' });
  await mk({ name: '统计乙', idNumber: idNumber({ birth: '1950-03-01' }), education: '大学本科' });
  await mk({
    name: '统计丙',
    idNumber: idNumber({ birth: '1985-03-01' }),
    category: 'probationary',
    joinedOn: `${year - 1}-12-01`,
    fullOn: undefined,
    education: '大学本科',
  });
  const q = { orgId: branch.id, period: 'custom', from: `${year - 1}-01-01`, to: today() };
  let page = await admin.ok('/api/figures' + qs(q));
  assert.equal(cell(page, 'members.by_category', 'full').count, 2);
  assert.equal(cell(page, 'members.by_category', 'probationary').count, 1);
  assert.equal(cell(page, 'members.by_education', '大学本科').count, 2);
  assert.equal(cell(page, 'members.by_education', '研究生').count, 1);
  assert.equal(figure(page, 'members.by_age').cells.find((c) => c.label.startsWith('>')).count, 1);
  const recs = await admin.ok('/api/figures/records' + qs({ ...q, figure: 'members.by_education', cell: '大学本科' }));
  assert.deepEqual(recs.items.map((r) => r.name).sort(), ['统计丙', '统计乙']);
  assert.equal(recs.columns[0].title, '姓名');

  // Moved to street 2 today: counted there from today, and in the branch for any day before.
  const mv = await admin.post(`/api/members/${a.id}/move`, { orgId: branch2.id, effectiveOn: today(), reason: '工作调动' });
  assert.equal(mv.status, 200, mv.text);
  page = await admin.ok('/api/figures' + qs(q)); // ends yesterday
  assert.equal(cell(page, 'members.by_category', 'full').count, 2);
  page = await admin.ok('/api/figures' + qs({ orgId: branch.id, period: 'year', year }));
  assert.equal(cell(page, 'members.by_category', 'full').count, 1);
  page = await admin.ok('/api/figures' + qs({ orgId: branch2.id, period: 'year', year }));
  assert.equal(cell(page, 'members.by_category', 'full').count, 1);
});

test('periods: month and custom; bad ones name the parameter', async () => {
  const m = await admin.ok('/api/figures' + qs({ period: 'month', month: `${year}-02` }));
  assert.equal(m.period.from, `${year}-02-01`);
  assert.equal(m.period.to, `${year}-03-01`);
  assertError(await admin.get('/api/figures' + qs({ period: 'custom', from: '2025-03-01', to: '2025-03-01' })), 400, { field: 'to' });
  assertError(await admin.get('/api/figures' + qs({ period: 'custom', from: '2025-02-30', to: '2025-03-01' })), 400, { field: 'from' });
  assertError(await admin.get('/api/figures' + qs({ period: 'quarter', quarter: 0 })), 400, { field: 'quarter' });
  assertError(await admin.get('/api/figures' + qs({ period: 'decade' })), 400, { field: 'period' });
  assertError(await admin.get('/api/figures' + qs({ orgId: 'x' })), 400, { field: 'orgId' });
  assertError(await admin.get('/api/figures/records' + qs({ figure: 'members.by_age', cell: 'none' })), 400, { field: 'cell' });
  assert.equal((await admin.get('/api/figures/records' + qs({ figure: 'nope', cell: 'x' }))).status, 404);
});

test('the page and a cell export to .xlsx with the same numbers', async () => {
  const q = { orgId: street1.id, period: 'year', year };
  const page = await admin.ok('/api/figures' + qs(q));
  const r = await admin.get('/api/figures/export' + qs(q));
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-disposition'), /attachment/);
  const rows = xlsxRows(r.buf);
  assert.equal(rows[1][1], street1.name);
  assert.ok(rows[2][1].includes(`${year}年`));
  const at = rows.findIndex((x) => x[0] === '按年龄段');
  assert.ok(at > 0);
  const ages = figure(page, 'members.by_age').cells;
  ages.forEach((c, i) => {
    assert.equal(rows[at + 1 + i][0].trim(), c.label);
    assert.equal(Number(rows[at + 1 + i][1]), c.count);
  });
  const d = cell(page, 'dues.collected', 'all');
  const drow = rows.find((x) => x[0].trim() === '已收缴');
  assert.equal(Number(drow[1]), d.count);
  assert.equal(Math.round(Number(drow[2]) * 100), d.amountFen);

  const c = cell(page, 'members.by_category', 'full');
  const x = await admin.get('/api/figures/records/export' + qs({ ...q, figure: 'members.by_category', cell: 'full' }));
  assert.equal(x.status, 200);
  const recRows = xlsxRows(x.buf);
  assert.equal(recRows[0][0], '姓名');
  assert.equal(recRows.length - 1, c.count);
  const audit = await admin.ok('/api/audit' + qs({ entity: 'figures', action: 'export' }));
  assert.ok(audit.total >= 2);
});

test('a street user sees its own street only', async () => {
  const own = await jd01.ok('/api/figures');
  assert.equal(own.org.id, street1.id);
  for (const path of ['/api/figures', '/api/figures/export']) {
    assert.equal((await jd01.get(path + qs({ orgId: street2.id }))).status, 404, path);
    assert.equal((await jd01.get(path + qs({ orgId: 1 }))).status, 404, path);
  }
  for (const path of ['/api/figures/records', '/api/figures/records/export'])
    assert.equal((await jd01.get(path + qs({ orgId: street2.id, figure: 'members.by_category', cell: 'full' }))).status, 404);
  const r = await jd01.ok('/api/figures/records' + qs({ orgId: branch.id, figure: 'members.by_category', cell: 'full' }));
  assert.ok(r.items.every((x) => x.orgName === branch.name));
});
