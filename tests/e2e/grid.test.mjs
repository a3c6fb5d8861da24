// End-to-end for the grid 片组户: the “三无” coverage page at laptop width drills from the street
// to the community to its area and opens the list behind a count (its rows equal the count);
// “my households” at phone width (375 px) shows a contact member's households as cards without
// horizontal scrolling, and a card opens the household archive with the contact history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, admin, shot, loginPage, opts } from '../lib/browser.mjs';
import { idNumber, memberBody } from '../lib/fixtures.mjs';

useBrowser('grid');

let fx;
async function fixture() {
  if (fx) return fx;
  const jd01 = await loginAs(srv.url, 'jd01');
  const co = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '覆盖测试社区党委', kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(co.status, 201, co.text);
  const m = await admin.post('/api/members', memberBody(co.json.id, { name: '联户测试党员', idNumber: idNumber() }));
  assert.equal(m.status, 201, m.text);
  const a = await admin.post('/api/grid/areas', { orgId: co.json.id, name: '测试第一片区' });
  assert.equal(a.status, 201, a.text);
  const g = await admin.post('/api/grid/groups', { areaId: a.json.id, name: '第1组' });
  const hs = [];
  for (let i = 0; i < 3; i++) {
    const h = await admin.post('/api/grid/households', { groupId: g.json.id, building: '12', unit: '2', room: String(301 + i), headName: `测试户主${i}`, phone: '13912345678', tags: i === 0 ? ['elderly_alone'] : [] });
    assert.equal(h.status, 201, h.text);
    hs.push(h.json);
  }
  const r = await admin.post('/api/grid/assign', { householdIds: [hs[0].id, hs[1].id], memberId: m.json.id });
  assert.equal(r.status, 200, r.text);
  fx = { jd01, community: co.json, member: m.json, area: a.json, households: hs };
  return fx;
}

test('“三无” coverage: drill from the street to the area and open the list behind a count', opts, async () => {
  const f = await fixture();
  const { ctx, page } = await loginPage('jd01');
  await page.goto(srv.url + '/grid/coverage');
  const table = page.locator('[data-test=grid-coverage-table]');
  await table.locator('[data-test=grid-drill]').filter({ hasText: '覆盖测试社区党委' }).click();
  await page.locator('[data-test=grid-trail]').filter({ hasText: '覆盖测试社区党委' }).waitFor();
  await table.locator('[data-test=grid-drill]').filter({ hasText: '测试第一片区' }).waitFor();
  await shot(page, 'grid-coverage-community');
  await table.locator('[data-test=grid-drill]').filter({ hasText: '测试第一片区' }).click();
  await page.locator('[data-test=grid-trail]').filter({ hasText: '测试第一片区' }).waitFor();
  // The area's total row: 3 households, 1 without a contact, 66.6%.
  const total = table.locator('tbody tr').first();
  assert.equal((await total.locator('[data-test=grid-count-households]').innerText()).trim(), '3');
  assert.equal((await total.locator('[data-test=grid-count-no_contact]').innerText()).trim(), '1');
  assert.equal((await total.locator('[data-test=grid-percent]').innerText()).trim(), '66.6%');
  await total.locator('[data-test=grid-count-no_contact]').click();
  const list = page.locator('[data-test=grid-list-table]');
  await list.locator('tbody tr').filter({ hasText: '测试户主2' }).waitFor();
  assert.equal(await list.locator('tbody tr').count(), 1);
  await shot(page, 'grid-coverage-list');
  await ctx.close();
});

test('my households at phone width: cards, no horizontal scroll, the archive opens', opts, async () => {
  const f = await fixture();
  const c = srv.cli(['user', 'add', '--username', 'lh_e2e', '--password', 'Member1234', '--role', 'member',
    '--org-id', String(f.community.id), '--member-id', String(f.member.id), '--display-name', '联户测试党员']);
  assert.equal(c.code, 0, c.stderr + c.stdout);
  const { ctx, page } = await loginPage('lh_e2e', 'Member1234');
  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto(srv.url + '/grid/mine');
  await page.locator('[data-test=my-household]').first().waitFor();
  assert.equal(await page.locator('[data-test=my-household]').count(), 2);
  assert.ok((await page.locator('[data-test=my-households-summary]').innerText()).includes('2'));
  const text = await page.locator('[data-test=my-households]').innerText();
  assert.ok(text.includes('139****5678') && !text.includes('13912345678'), 'phones masked');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px at 375 px`);
  await shot(page, 'grid-mine-phone');
  await page.locator('[data-test=my-household] a').first().click();
  await page.locator('[data-test=grid-household-contact]').filter({ hasText: '联户测试党员' }).waitFor();
  await shot(page, 'grid-household-phone');
  await ctx.close();
});
