// End-to-end for 一键动员: a street user opens the page from the side menu, picks a community,
// a task and a team size, previews the counts, confirms, and sees the teams on the result page
// with every message sent by the server's log driver; district staff see them in the outbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, admin, shot, loginPage, input, pickOption, opts } from '../lib/browser.mjs';
import { memberBody, idNumber } from '../lib/fixtures.mjs';

useBrowser('mobilize');

test('一键动员: preview, confirm, teams and messages sent', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  const co = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '动员浏览器社区', kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(co.status, 201, co.text);
  const br = await admin.post('/api/orgs', { parentId: co.json.id, name: '动员浏览器支部', kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' });
  const area = await jd01.post('/api/grid/areas', { orgId: co.json.id, name: '雪灾片区' });
  const group = await jd01.post('/api/grid/groups', { areaId: area.json.id, name: '第1组' });
  for (let i = 0; i < 5; i++) {
    const m = await admin.post('/api/members', memberBody(br.json.id, { name: `扫雪队员${i}`, idNumber: idNumber() }));
    assert.equal(m.status, 201, m.text);
    const h = await jd01.post('/api/grid/households', { groupId: group.json.id, building: '7', unit: '1', room: String(301 + i), headName: `住户${i}` });
    assert.equal((await jd01.post('/api/grid/assign', { householdIds: [h.json.id], memberId: m.json.id })).status, 200);
  }

  const { ctx, page } = await loginPage('jd01');
  await page.locator('[data-test=menu-grid-group]').click();
  await page.locator('[data-test=menu-mobilize]').click();
  await page.waitForURL((u) => u.pathname === '/mobilize');
  await pickOption(page, 'mobilize-org', '动员浏览器社区', { search: true });
  await input(page, 'mobilize-title').fill('抗雪救灾');
  await input(page, 'mobilize-description').fill('清扫小区积雪，走访独居老人');
  await input(page, 'mobilize-size').fill('2');
  await page.locator('[data-test=mobilize-preview]').click();
  const pv = page.locator('[data-test=mobilize-preview-result]');
  await pv.waitFor();
  assert.match(await pv.innerText(), /联户党员\s*5/);
  assert.match(await pv.innerText(), /队伍\s*3/);
  await shot(page, 'mobilize-preview');
  await page.locator('[data-test=mobilize-confirm]').click();
  await page.locator('.el-message-box').getByRole('button', { name: '确认动员' }).click();
  await page.waitForURL((u) => /^\/mobilize\/\d+$/.test(u.pathname));
  const teams = page.locator('[data-test=mobilize-teams]');
  await teams.getByText('雪灾片区第3队').waitFor();
  // The log driver sends all five within a few seconds; the page refreshes while pending.
  await page.locator('[data-test=count-sent]').getByText('5').waitFor({ timeout: 15_000 });
  await teams.locator('.el-table__expand-icon').first().click();
  await teams.getByText('已发送').first().waitFor();
  await shot(page, 'mobilize-result');
  const id = Number(new URL(page.url()).pathname.split('/').pop());
  const d = await jd01.ok(`/api/mobilize/${id}`);
  assert.deepEqual(d.teams.map((t) => t.size), [2, 2, 1]);
  assert.equal(d.messages.sent, 5);
  await ctx.close();

  const staff = await loginPage('admin');
  await staff.page.goto(srv.url + '/notify/outbox');
  await staff.page.locator('[data-test=outbox-sent]').click();
  await staff.page.locator('[data-test=outbox-table]').getByText('抗雪救灾', { exact: false }).first().waitFor();
  await shot(staff.page, 'mobilize-outbox');
  await staff.ctx.close();
});
