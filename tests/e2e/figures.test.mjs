// End-to-end for 统计: a street user opens the page from the side menu, sees the figure groups
// for its street and this year, clicks a count and gets the records behind it in a drawer
// (as many as the count says), downloads that cell and the whole page as .xlsx and reads the
// numbers back; then picks a quarter and a branch in the tree and the numbers follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, shot, loginPage, opts } from '../lib/browser.mjs';
import { xlsxRows } from '../lib/xlsx.mjs';

useBrowser('figures');

const find = (page, key) => page.groups.flatMap((g) => g.figures).find((f) => f.key === key);

test('统计: counts open their records, both exports hold the numbers', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  const year = new Date().getFullYear();
  const api = await jd01.ok(`/api/figures?period=year&year=${year}`);
  const edu = find(api, 'members.by_education').cells.find((c) => c.key === '大学本科');
  assert.ok(edu.count > 0);

  const { ctx, page } = await loginPage('jd01');
  await page.locator('[data-test=menu-figures]').click();
  await page.waitForURL((u) => u.pathname === '/figures');
  await page.locator('[data-test=figures-heading]').getByText(api.org.name).waitFor();
  await page.locator('[data-test="figure-members.by_age"]').waitFor();
  const groups = await page.locator('[data-test=figures-group] h3').allTextContents();
  for (const g of ['党员队伍', '流动党员', '党费']) assert.ok(groups.includes(g), groups.join());
  const link = page.locator('[data-test="cell-members.by_education-大学本科"]');
  assert.equal((await link.textContent()).trim(), String(edu.count));
  await shot(page, 'figures-page');

  await link.click();
  const drawer = page.locator('.el-drawer:visible');
  await drawer.locator('.el-pagination__total').getByText(`共 ${edu.count} 条`).waitFor();
  const firstRows = await drawer.locator('[data-test=records-table] .el-table__body tr').count();
  assert.equal(firstRows, Math.min(20, edu.count));
  await drawer.locator('[data-test=records-table] .el-table__body').getByText('大学本科').first().waitFor();
  await shot(page, 'figures-drawer');

  const [dl] = await Promise.all([page.waitForEvent('download'), drawer.locator('[data-test=records-export]').click()]);
  const recRows = xlsxRows(readFileSync(await dl.path()));
  assert.equal(recRows[0][0], '姓名');
  assert.equal(recRows.length - 1, edu.count);
  assert.match(dl.suggestedFilename(), /统计明细-按学历-大学本科/);
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'hidden' });

  const [dl2] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=figures-export]').click()]);
  const rows = xlsxRows(readFileSync(await dl2.path()));
  assert.equal(rows[1][1], api.org.name);
  const at = rows.findIndex((r) => r[0] === '按学历');
  const line = rows.slice(at).find((r) => r[0].trim() === '大学本科');
  assert.equal(Number(line[1]), edu.count);

  // A quarter: the page reloads with that period's numbers.
  await page.locator('[data-test=figures-period]').getByText('季度').click();
  await page.locator('[data-test=figures-heading]').getByText('季度').waitFor();
  await shot(page, 'figures-quarter');
  await ctx.close();
});
