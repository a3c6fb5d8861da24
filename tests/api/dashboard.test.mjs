// Dashboard 概览 over HTTP (SQLite and PostgreSQL): GET /api/dashboard/grid for a street (jd01's
// own by default), one of its communities and the district — every KPI equals the figures
// API's cell for the same organization and period (count, rate, mean), the monthly series add
// up to the cards, the children add up to the organization; the rate and mean cells on the
// figures page and in both .xlsx files (the mean checkable from the records' export); another
// street refused; bad parameters named.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { loginAs, assertError } from '../lib/client.mjs';
import { children, today } from '../lib/fixtures.mjs';
import { xlsxRows } from '../lib/xlsx.mjs';

let srv, admin, jd01, street1, street2, community;
const qs = (o) => '?' + new URLSearchParams(o).toString();
const year = Number(today().slice(0, 4));
const cellsOf = (page) => Object.fromEntries(page.groups.flatMap((g) => g.figures).map((f) => [f.key, f.cells]));

before(async () => {
  // The whole small demo (grid, visits, problems over the last year), not just the tree.
  srv = await startServer({ demoArgs: [] });
  admin = await loginAs(srv.url, 'admin');
  jd01 = await loginAs(srv.url, 'jd01');
  const streets = await children(admin, 1);
  street1 = streets.find((s) => s.id === jd01.user.orgId);
  street2 = streets.find((s) => s.id !== jd01.user.orgId);
  // A community of street 1 with households (the coverage table lists them).
  const cov = await jd01.ok('/api/grid/coverage' + qs({ orgId: street1.id }));
  const withHouseholds = cov.children.find((c) => c.counts.households > 0);
  assert.ok(withHouseholds, 'the demo street has households');
  let node = withHouseholds;
  for (;;) {
    const t = await jd01.ok('/api/grid/coverage' + qs({ orgId: node.id }));
    if (t.node.type === 'community') break;
    node = t.children.find((c) => c.counts.households > 0);
  }
  community = node;
});
after(async () => {
  await srv?.stop();
});

async function expectEqualsFigures(client, period, orgId) {
  const d = await client.ok('/api/dashboard/grid' + qs({ ...period, ...(orgId ? { orgId } : {}) }));
  const page = await client.ok('/api/figures' + qs({ ...period, orgId: d.org.id }));
  assert.equal(page.period.from, d.period.from);
  assert.equal(page.period.to, d.period.to);
  const cells = cellsOf(page);
  assert.equal(Object.keys(d.kpis).length, 10);
  for (const [name, k] of Object.entries(d.kpis)) {
    const c = cells[k.figure].find((x) => x.key === k.key);
    assert.ok(c, `${name}: ${k.figure}·${k.key} on the figures page`);
    assert.deepEqual(k, { ...c, figure: k.figure }, name);
  }
  // Rates are the rounded-down permille of their whole; the mean is sum / count to one decimal.
  const { households, withContact, key, keyVisited, received, answered, answerDays, content } = d.kpis;
  assert.equal(withContact.rateOf, 'households');
  if (households.count) assert.equal(withContact.permille, Math.floor((withContact.count * 1000) / households.count));
  assert.equal(keyVisited.rateOf, 'key');
  assert.ok(keyVisited.count <= key.count);
  if (received.count) assert.equal(answered.permille, Math.floor((answered.count * 1000) / received.count));
  assert.equal(answerDays.count, answered.count, 'the mean is over the answered problems');
  if (answerDays.count) assert.equal(answerDays.meanTenths, Math.round((answerDays.sum * 10) / answerDays.count));
  assert.equal(answerDays.unit, '天');
  const rated = cells['problems.flow'].find((x) => x.key === 'rated').count;
  assert.equal(content.rateOf, 'rated');
  if (rated) assert.equal(content.permille, Math.floor((content.count * 1000) / rated));
  // The monthly series add up to the period's totals.
  const sum = (k) => d.months.reduce((s, m) => s + m[k], 0);
  assert.equal(sum('visits'), d.kpis.visits.count);
  assert.equal(sum('received'), received.count);
  assert.equal(sum('answered'), answered.count);
  // The satisfaction pie is the figure's cells.
  for (const k of ['satisfied', 'basic', 'unsatisfied'])
    assert.equal(d.satisfaction[k], cells['problems.flow'].find((x) => x.key === k).count, k);
  // Coverage by child adds up to the organization (every household lies in one child).
  assert.equal(d.children.reduce((s, c) => s + c.households, 0), households.count);
  assert.equal(d.children.reduce((s, c) => s + c.withContact, 0), withContact.count);
  for (const c of d.children)
    assert.equal(c.permille, c.households ? Math.floor((c.withContact * 1000) / c.households) : null, c.name);
  return d;
}

test('a street: KPIs equal the figures cells, series add up, children are its sub-organizations', async () => {
  const d = await expectEqualsFigures(jd01, { period: 'year', year });
  assert.equal(d.org.id, street1.id, 'the caller’s own organization by default');
  assert.equal(d.org.type, 'org');
  assert.equal(d.months.length, 12);
  assert.equal(d.months[0].month, `${year}-01`);
  assert.ok(d.kpis.households.count > 0 && d.kpis.visits.count > 0 && d.kpis.received.count > 0, 'the demo has data');
  assert.ok(d.children.length > 0 && d.children.every((c) => c.type === 'org'));
});

test('a community: its children are its areas; a quarter has three months', async () => {
  const d = await expectEqualsFigures(jd01, { period: 'year', year }, community.id);
  assert.equal(d.org.type, 'community');
  assert.ok(d.children.length > 0 && d.children.every((c) => c.type === 'area'));
  const qd = await expectEqualsFigures(jd01, { period: 'quarter', year, quarter: 1 }, community.id);
  assert.deepEqual(qd.months.map((m) => m.month), [`${year}-01`, `${year}-02`, `${year}-03`]);
});

test('the district: the streets add up to it', async () => {
  const d = await expectEqualsFigures(admin, { period: 'year', year }, 1);
  assert.ok(d.children.some((c) => c.id === street1.id) && d.children.some((c) => c.id === street2.id));
  await expectEqualsFigures(admin, { period: 'month', month: today().slice(0, 7) }, 1);
});

test('rates and means on the figures page, its .xlsx and the records export', async () => {
  const q = { orgId: street1.id, period: 'year', year };
  const page = await jd01.ok('/api/figures' + qs(q));
  const flow = cellsOf(page)['problems.flow'];
  const days = flow.find((c) => c.key === 'answer_days');
  assert.ok(days.count > 0);
  // The records show the days; their sum is the cell's sum (paged API and the export).
  const r = await jd01.ok('/api/figures/records' + qs({ ...q, figure: 'problems.flow', cell: 'answer_days', pageSize: 5 }));
  assert.equal(r.total, days.count);
  assert.equal(r.sum, days.sum);
  assert.equal(r.meanTenths, days.meanTenths);
  assert.equal(r.meanKey, 'days');
  assert.ok(r.columns.some((c) => c.key === 'days' && c.title === '办理用时（天）'));
  for (const row of r.items) {
    const d = (Date.parse(row.answeredOn) - Date.parse(row.receivedOn)) / 86400000;
    assert.equal(row.days, d, row.number);
  }
  const x = await jd01.get('/api/figures/records/export' + qs({ ...q, figure: 'problems.flow', cell: 'answer_days' }));
  assert.equal(x.status, 200);
  const rows = xlsxRows(x.buf);
  const col = rows[0].indexOf('办理用时（天）');
  assert.ok(col >= 0, rows[0].join());
  const data = rows.slice(1).filter((row) => /^MQ/.test(row[0] ?? ''));
  assert.equal(data.length, days.count);
  assert.equal(data.reduce((s, row) => s + Number(row[col]), 0), days.sum);
  const mean = `${Math.floor(days.meanTenths / 10)}.${days.meanTenths % 10}`;
  assert.ok(rows.at(-1)[0].includes(`平均 ${mean} 天`), rows.at(-1).join());
  // The page's .xlsx carries the rates and the mean in a fourth column.
  const px = xlsxRows((await jd01.get('/api/figures/export' + qs(q))).buf);
  const wc = cellsOf(page)['grid.coverage'].find((c) => c.key === 'with_contact');
  const wcRow = px.find((row) => row[0] === '  已落实联系户');
  assert.equal(wcRow[1], String(wc.count));
  assert.equal(wcRow[3], `占住户 ${Math.floor(wc.permille / 10)}.${wc.permille % 10}%`);
  const dRow = px.find((row) => row[0] === '  平均办理用时（天）');
  assert.equal(dRow[3], `平均 ${mean} 天`);
  // with_contact and key_visited open their records (the complements of no_contact / key_unvisited).
  for (const [cell, whole, rest] of [['with_contact', 'households', 'no_contact'], ['key_visited', 'key', 'key_unvisited']]) {
    const cs = cellsOf(page)['grid.coverage'];
    const n = (k) => cs.find((c) => c.key === k).count;
    assert.equal(n(cell) + n(rest), n(whole), cell);
    const rr = await jd01.ok('/api/figures/records' + qs({ ...q, figure: 'grid.coverage', cell, pageSize: 5 }));
    assert.equal(rr.total, n(cell), cell);
  }
});

test('scope and bad parameters', async () => {
  assertError(await jd01.get('/api/dashboard/grid' + qs({ orgId: street2.id })), 404);
  assertError(await jd01.get('/api/dashboard/grid' + qs({ orgId: 'x' })), 400, { field: 'orgId' });
  assertError(await jd01.get('/api/dashboard/grid' + qs({ period: 'week' })), 400, { field: 'period' });
  assertError(await jd01.get('/api/dashboard/grid' + qs({ period: 'month', month: '2026-13' })), 400, { field: 'month' });
  const dy = await loginAs(srv.url, 'dy0001');
  assert.equal((await dy.get('/api/dashboard/grid')).status, 403);
});
