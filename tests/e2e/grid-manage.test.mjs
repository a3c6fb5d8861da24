// End-to-end for the grid management pages at laptop width (1366×900) as a street user: the
// household import (reached from the grid page) dry-runs a CSV with one bad row, shows that row's
// error by column and then commits the good rows; a household is created in a group (a bad phone
// is refused under its field), its tags edited so it becomes a key household; a contact member
// is assigned and the contact members tab filters the table to theirs; an area leader from the
// neighbouring community is refused under its field, one of the community is set, and a building
// party group attached; the archive page shows all of it and edits from there too.
// Screenshots of the grid page at 1366 px and at 390 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, admin, shot, loginPage, input, pickOption, opts } from '../lib/browser.mjs';
import { csv, idNumber, memberBody } from '../lib/fixtures.mjs';

useBrowser('grid-manage');

let fx;
async function fixture() {
  if (fx) return fx;
  const jd01 = await loginAs(srv.url, 'jd01');
  const co = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '管理测试社区党委', kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(co.status, 201, co.text);
  const br = await admin.post('/api/orgs', { parentId: co.json.id, name: '管理测试第一支部', kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(br.status, 201, br.text);
  const m = await admin.post('/api/members', memberBody(br.json.id, { name: '管理测试党员', idNumber: idNumber() }));
  assert.equal(m.status, 201, m.text);
  const a = await admin.post('/api/grid/areas', { orgId: co.json.id, name: '管理第一片区' });
  assert.equal(a.status, 201, a.text);
  const g = await admin.post('/api/grid/groups', { areaId: a.json.id, name: '第1组' });
  assert.equal(g.status, 201, g.text);
  // Another community of the same street, with a member who may not lead here.
  const co2 = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '管理测试邻社区党委', kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(co2.status, 201, co2.text);
  const out = await admin.post('/api/members', memberBody(co2.json.id, { name: '邻社区测试党员', idNumber: idNumber() }));
  assert.equal(out.status, 201, out.text);
  fx = { jd01, community: co.json, branch: br.json, member: m.json, area: a.json, group: g.json };
  return fx;
}
const householdsOf = async (f) => (await admin.ok(`/api/grid/households?orgId=${f.community.id}&pageSize=100`)).items;

async function open(f) {
  const { ctx, page } = await loginPage('jd01');
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.goto(`${srv.url}/grid?orgId=${f.community.id}`);
  await page.locator('[data-test=grid-area]').filter({ hasText: '管理第一片区' }).waitFor();
  return { ctx, page };
}

test('household import from the grid page: a dry run shows the bad row by column, then the good rows commit', opts, async () => {
  const f = await fixture();
  const { ctx, page } = await open(f);
  await page.locator('[data-test=grid-import]').click();
  await page.waitForURL((u) => u.pathname === '/import' && u.search.includes('entity=households'));
  await page.getByText('批量导入住户').first().waitFor();
  const rows = [
    ['社区（村）', '片区', '联户小组', '幢（楼）', '单元', '室', '户主姓名', '联系电话', '标签', '人口数'],
    [f.community.name, '管理第一片区', '第1组', '3', '1', '101', '导入户甲', '13700001111', '独居老人', '1'],
    [f.community.name, '管理第一片区', '第9组', '3', '1', '102', '导入户乙', '', '', ''],
    [f.community.name, '管理第一片区', '第1组', '3', '1', '201', '导入户丙', '', '新迁入', '3'],
  ];
  await page.locator('[data-test=import-file]').setInputFiles({ name: '住户.csv', mimeType: 'text/csv', buffer: Buffer.from(csv(rows)) });
  await page.locator('[data-test=import-mode-dry_run]').click();
  await page.locator('[data-test=import-submit]').click();
  const table = page.locator('[data-test=import-errors]');
  await table.waitFor({ timeout: 30_000 });
  const cells = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())));
  assert.equal(cells.length, 1, JSON.stringify(cells));
  assert.equal(cells[0][0], '3');
  assert.equal(cells[0][1], '联户小组');
  assert.match(cells[0][2], /第9组/);
  await shot(page, 'grid-import-dry-run');
  assert.equal((await householdsOf(f)).length, 0, 'a dry run writes nothing');
  // Import the good rows.
  await page.locator('[data-test=import-mode-keep_good]').click();
  await page.locator('[data-test=import-submit]').click();
  await page.locator('[data-test=import-committed]').waitFor({ timeout: 30_000 });
  await shot(page, 'grid-import-committed');
  const hs = await householdsOf(f);
  assert.deepEqual(hs.map((h) => h.headName).sort(), ['导入户丙', '导入户甲']);
  assert.equal(hs.find((h) => h.headName === '导入户甲').key, true);
  await ctx.close();
});

test('create and edit a household, assign it, set an area leader and a building party group; the archive shows them', opts, async () => {
  const f = await fixture();
  const { ctx, page } = await open(f);
  await page.locator('[data-test=grid-group]').filter({ hasText: '第1组' }).click({ position: { x: 20, y: 10 } });
  await page.locator('[data-test=grid-households]').waitFor();

  // Create: a bad phone is refused under the phone field; then saved.
  await page.locator('[data-test=grid-new-household]').click();
  const dialog = page.locator('.el-dialog[data-test=household-dialog], [data-test=household-dialog] .el-dialog, .el-dialog:has([data-test=hh-save])').first();
  await input(page, 'hh-building').fill('8');
  await input(page, 'hh-unit').fill('1');
  await input(page, 'hh-room').fill('101');
  await input(page, 'hh-head').fill('新建户主');
  await input(page, 'hh-phone').fill('12345');
  await page.locator('[data-test=hh-add-person]').click();
  await dialog.locator('[data-test=hh-person] input').nth(0).fill('新建户主');
  await dialog.locator('[data-test=hh-person] input').nth(1).fill('户主');
  await page.locator('[data-test=hh-save]').click();
  const phoneItem = dialog.locator('.el-form-item').filter({ has: page.locator('[data-test=hh-phone]') });
  await phoneItem.locator('.el-form-item__error').filter({ hasText: '电话号码格式不正确' }).waitFor();
  await shot(page, 'grid-household-phone-error');
  await input(page, 'hh-phone').fill('13800001111');
  await page.locator('[data-test=hh-save]').click();
  await dialog.waitFor({ state: 'hidden' });
  const row = page.locator('[data-test=grid-households] tbody tr').filter({ hasText: '新建户主' });
  await row.waitFor();
  assert.equal(await row.locator('[data-test=grid-key]').count(), 0, 'not a key household yet');
  let h = (await householdsOf(f)).find((x) => x.headName === '新建户主');
  assert.deepEqual([h.building, h.unit, h.room, h.phoneMasked], ['8', '1', '101', '138****1111']);

  // Edit its tags: the dialog says it will become a key household, the table then marks it.
  await row.locator('[data-test=grid-edit-household]').click();
  await input(page, 'hh-head').waitFor();
  await page.locator('[data-test=hh-tag-elderly_alone]').click();
  await dialog.locator('[data-test=hh-key]').filter({ hasText: '保存后将成为重点户' }).waitFor();
  await shot(page, 'grid-household-edit');
  await page.locator('[data-test=hh-save]').click();
  await page.getByText('该户已标记为重点联系户').first().waitFor();
  await row.locator('[data-test=grid-key]').waitFor();
  h = await admin.ok(`/api/grid/households/${h.id}`);
  assert.deepEqual(h.tagCodes, ['elderly_alone']);
  assert.equal(h.key, true);
  assert.deepEqual(h.people.map((p) => [p.name, p.relation]), [['新建户主', '户主']]);

  // Assign it to the member; the contact members tab lists the member, a click filters the table.
  await row.locator('.el-checkbox').click();
  await pickOption(page, 'grid-member', '管理测试党员', { search: true });
  await page.locator('[data-test=grid-assign]').click();
  await row.filter({ hasText: '管理测试党员' }).waitFor();
  await page.locator('.el-tabs__item').filter({ hasText: '联户党员' }).click();
  const contact = page.locator('[data-test=contacts-table] tbody tr').filter({ hasText: '管理测试党员' });
  await contact.waitFor();
  assert.match(await contact.innerText(), /偏少/);
  await contact.click();
  await page.locator('[data-test=grid-list-title]').filter({ hasText: '管理测试党员 联系的住户' }).waitFor();
  await page.waitForLoadState('networkidle');
  const listed = await page.locator('[data-test=grid-households] tbody tr').allInnerTexts();
  assert.equal(listed.length, 1, JSON.stringify(listed));
  assert.match(listed[0], /新建户主/);
  await shot(page, 'grid-contacts-filter');
  await page.locator('.el-tabs__item').filter({ hasText: '片区 / 小组' }).click();

  // The area: its leader and the building party group of building 8.
  await page.locator('[data-test=grid-area]').filter({ hasText: '管理第一片区' }).locator('[data-test=grid-edit-area]').click();
  const areaDialog = page.locator('.el-dialog:has([data-test=area-save])').first();
  await areaDialog.locator('[data-test=area-buildings] tbody tr').filter({ hasText: '8幢' }).waitFor();
  // A member of the neighbouring community is refused under the leader field.
  await pickOption(page, 'area-leader', '邻社区测试党员', { search: true });
  await page.locator('[data-test=area-save]').click();
  const leaderItem = areaDialog.locator('.el-form-item').filter({ has: page.locator('[data-test=area-leader]') });
  await leaderItem.locator('.el-form-item__error').filter({ hasText: '不是本社区（村）的党员' }).waitFor();
  await shot(page, 'grid-area-leader-refused');
  await page.locator('[data-test=area-leader-option]').first().waitFor({ state: 'hidden' });
  await pickOption(page, 'area-leader', '管理测试党员', { search: true });
  await page.locator('[data-test=area-save]').click();
  await page.getByText('已保存').first().waitFor();
  // (The leader's options name their branch too: wait until that list has closed.)
  await page.locator('[data-test=area-leader-option]').first().waitFor({ state: 'hidden' });
  await pickOption(page, 'building-org-8', '管理测试第一支部');
  await page.waitForLoadState('networkidle');
  await shot(page, 'grid-area-dialog');
  const area = (await admin.ok(`/api/grid/areas?orgId=${f.community.id}`)).items[0];
  assert.equal(area.leaderName, '管理测试党员');
  assert.deepEqual(area.buildings.map((b) => [b.building, b.partyOrgName]), [['8', '管理测试第一支部']]);
  await areaDialog.locator('.el-dialog__headerbtn').click();
  await page.locator('[data-test=grid-area-leader]').filter({ hasText: '管理测试党员' }).waitFor();
  await shot(page, 'grid-page-1366');

  // The archive: key mark, leader, building party group, contact; editing from there clears the mark.
  await row.locator('a').first().click();
  await page.waitForURL((u) => u.pathname === `/grid/households/${h.id}`);
  const archive = page.locator('[data-test=grid-household]');
  await archive.locator('[data-test=grid-household-key]').waitFor();
  const text = await archive.innerText();
  assert.match(text, /管理测试第一支部/);
  assert.match(text, /片长：管理测试党员/);
  assert.match(await archive.locator('[data-test=grid-household-contact]').innerText(), /管理测试党员/);
  await shot(page, 'grid-archive');
  await page.locator('[data-test=grid-household-edit]').click();
  await input(page, 'hh-head').waitFor();
  await page.locator('[data-test=hh-tag-elderly_alone]').click();
  await page.locator('[data-test=hh-save]').click();
  await page.getByText('该户已不再是重点联系户').first().waitFor();
  await archive.locator('[data-test=grid-household-key]').waitFor({ state: 'detached' });
  assert.equal((await admin.ok(`/api/grid/households/${h.id}`)).key, false);

  // The grid page at phone width: no horizontal scroll.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${srv.url}/grid?orgId=${f.community.id}`);
  await page.locator('[data-test=grid-group]').first().click({ position: { x: 20, y: 10 } });
  await page.locator('[data-test=grid-households] tbody tr').first().waitFor();
  await shot(page, 'grid-page-390');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
  await ctx.close();
});
