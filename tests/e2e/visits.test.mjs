// End-to-end for the visit logs 网格日志 at phone width (375 px): a contact member opens 我的联系户,
// taps “记录走访” on a card, taps a kind and a quick note and saves — a few taps, one screen, no
// sideways scrolling; the card then shows today's visit and the household archive lists it. Staff
// see it on the 网格日志 page and narrow the list to that member.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, admin, shot, loginPage, opts } from '../lib/browser.mjs';
import { idNumber, memberBody } from '../lib/fixtures.mjs';

useBrowser('visits');

const todayCst = () => new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);

let fx;
async function fixture() {
  if (fx) return fx;
  const jd01 = await loginAs(srv.url, 'jd01');
  const co = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '走访测试社区党委', kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(co.status, 201, co.text);
  const m = await admin.post('/api/members', memberBody(co.json.id, { name: '走访测试党员', idNumber: idNumber() }));
  assert.equal(m.status, 201, m.text);
  const a = await admin.post('/api/grid/areas', { orgId: co.json.id, name: '走访第一片区' });
  const g = await admin.post('/api/grid/groups', { areaId: a.json.id, name: '第1组' });
  const hs = [];
  for (let i = 0; i < 2; i++) {
    const h = await admin.post('/api/grid/households', { groupId: g.json.id, building: '7', unit: '1', room: String(501 + i), headName: `走访户主${i}`, tags: i === 0 ? ['elderly_alone'] : [] });
    assert.equal(h.status, 201, h.text);
    hs.push(h.json);
  }
  const r = await admin.post('/api/grid/assign', { householdIds: hs.map((h) => h.id), memberId: m.json.id });
  assert.equal(r.status, 200, r.text);
  const c = srv.cli(['user', 'add', '--username', 'lh_visit', '--password', 'Member1234', '--role', 'member',
    '--org-id', String(co.json.id), '--member-id', String(m.json.id), '--display-name', '走访测试党员']);
  assert.equal(c.code, 0, c.stderr + c.stdout);
  fx = { community: co.json, member: m.json, households: hs };
  return fx;
}

test('phone width: log a visit from my households in a few taps', opts, async () => {
  const f = await fixture();
  const { ctx, page } = await loginPage('lh_visit', 'Member1234');
  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto(srv.url + '/grid/mine');
  const card = page.locator('[data-test=my-household]').filter({ hasText: '走访户主0' });
  await card.waitFor();
  assert.ok((await card.innerText()).includes('未走访') || (await card.innerText()).includes('走访'));
  const started = Date.now();
  await card.locator('[data-test=my-household-log]').click(); // tap 1
  await page.locator('[data-test=log-visit-household]').filter({ hasText: '7幢1单元501室' }).waitFor();
  assert.equal(await page.locator('[data-test=visit-date]').inputValue(), todayCst(), 'the date defaults to today');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the form scrolls sideways by ${overflow}px at 375 px`);
  // The whole form fits one phone screen: the save button is above the fold.
  const save = await page.locator('[data-test=visit-save]').boundingBox();
  assert.ok(save && save.y + save.height <= 812, `save button below the fold (${save?.y})`);
  assert.ok(save.height >= 44, 'a big touch target');
  await shot(page, 'visits-form-phone');
  await page.locator('[data-test=visit-kind-phone]').click(); // tap 2
  await page.locator('[data-test=visit-quick-normal]').click(); // tap 3
  await page.locator('[data-test=visit-save]').click(); // tap 4
  await page.waitForURL((u) => u.pathname === '/grid/mine');
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds < 30, `logging took ${seconds}s`);
  await card.filter({ hasText: todayCst() }).waitFor();
  await shot(page, 'visits-mine-after');
  // The archive lists the visit with its kind and note.
  await card.locator('a').first().click();
  const v = page.locator('[data-test=household-visit]').first();
  await v.waitFor();
  const text = await v.innerText();
  assert.ok(text.includes('电话联系') && text.includes('情况正常') && text.includes(todayCst()), text);
  await shot(page, 'visits-archive-phone');
  await ctx.close();
  // Through the API: the household's last visit moved, the coverage count of unvisited key households is 0.
  const h = await admin.get(`/api/grid/households/${f.households[0].id}`);
  assert.equal(h.json.lastVisitedOn, todayCst());
  const cov = await admin.get(`/api/grid/coverage?orgId=${f.community.id}`);
  assert.equal(cov.json.node.counts.keyUnvisited, 0);
});

test('laptop width: the work log lists visits and narrows to one member', opts, async () => {
  const f = await fixture();
  const r = await admin.post('/api/visits', { householdId: f.households[1].id, kind: 'home', note: '节前走访慰问', memberId: f.member.id });
  assert.equal(r.status, 201, r.text);
  const { ctx, page } = await loginPage('jd01');
  await page.goto(srv.url + '/grid/visits');
  const table = page.locator('[data-test=visits-table]');
  const row = table.locator('tbody tr').filter({ hasText: '节前走访慰问' });
  await row.waitFor();
  await row.getByRole('button', { name: '走访测试党员' }).click();
  await page.locator('[data-test=visits-member-filter]').filter({ hasText: '走访测试党员' }).waitFor();
  await table.locator('tbody tr').filter({ hasText: '节前走访慰问' }).waitFor();
  const rows = await table.locator('tbody tr').count();
  const list = await admin.get(`/api/visits?memberId=${f.member.id}`);
  assert.equal(rows, Math.min(list.json.total, 20));
  await shot(page, 'visits-member-list');
  await ctx.close();
});
