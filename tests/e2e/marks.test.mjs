// End-to-end for 党员亮身份: a street user opens 党员亮身份 from the side menu on a branch, records
// a 党员先锋岗 for a member (consented) through the dialog, records the member's commitment,
// issues the public link; then a resident with a phone (375 px, no login) opens the public page
// and sees the branch, the member's post and commitment — and not the member who did not agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, admin, browser, shot, loginPage, input, pickOption, opts } from '../lib/browser.mjs';
import { children, memberBody, idNumber } from '../lib/fixtures.mjs';

useBrowser('marks');

test('亮身份: record a mark and a commitment, open the public page at phone width', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  const comm = (await children(admin, jd01.user.orgId)).find((k) => k.kind === 'general_branch' || k.kind === 'committee');
  const b = await admin.post('/api/orgs', { parentId: comm.id, name: '亮身份浏览器测试支部', kind: 'branch', branchType: 'community', secretary: '吴书记' });
  assert.equal(b.status, 201, b.text);
  for (const name of ['先锋测试员', '不公开测试员']) {
    const r = await admin.post('/api/members', memberBody(b.json.id, { name, idNumber: idNumber() }));
    assert.equal(r.status, 201, r.text);
  }
  const quiet = await admin.post('/api/marks', {
    memberId: (await admin.ok(`/api/marks/branches/${b.json.id}`)).members.find((m) => m.name === '不公开测试员').id,
    kind: 'model_household', title: '不公开的示范户', showPublic: false,
  });
  assert.equal(quiet.status, 201, quiet.text);

  const { ctx, page } = await loginPage('jd01');
  await page.locator('[data-test=menu-marks]').click();
  await page.waitForURL((u) => u.pathname === '/marks');
  await page.goto(`${srv.url}/marks?orgId=${b.json.id}`);
  const table = page.locator('[data-test=marks-table]');
  await table.getByText('先锋测试员').waitFor();
  const row = table.locator('.el-table__row').filter({ hasText: '先锋测试员' });

  // Record a 党员先锋岗 through the dialog.
  await row.locator('[data-test=marks-add]').click();
  const dialog = page.locator('[data-test=marks-dialog]');
  await pickOption(page, 'marks-kind', '党员先锋岗');
  await input(page, 'marks-title').fill('垃圾分类督导岗');
  await input(page, 'marks-description').fill('早晚高峰在分类投放点值守');
  await shot(page, 'marks-dialog');
  await page.locator('[data-test=marks-save]').click();
  await dialog.waitFor({ state: 'hidden' });
  await row.getByText('党员先锋岗 · 垃圾分类督导岗').waitFor();

  // Its commitment.
  await row.locator('[data-test=marks-commit]').click();
  await input(page, 'marks-commit-text').fill('每月走访联系户两次');
  await page.locator('[data-test=marks-commit-save]').click();
  await row.getByText('每月走访联系户两次').waitFor();

  // The public link, then the poster button is offered.
  await page.locator('[data-test=marks-issue]').click();
  await page.locator('[data-test=marks-poster]').waitFor();
  const url = (await page.locator('[data-test=marks-url]').textContent()).trim();
  assert.match(url, /\/p\/[0-9a-f]{32}$/);
  await shot(page, 'marks-branch');
  await ctx.close();

  // A resident's phone: no session, 375 px wide.
  const phone = await browser.newContext({ locale: 'zh-CN', viewport: { width: 375, height: 812 }, isMobile: true });
  const p = await phone.newPage();
  p.setDefaultTimeout(10_000);
  await p.goto(url);
  await p.locator('[data-test=public-branch-name]').getByText('亮身份浏览器测试支部').waitFor();
  const card = p.locator('[data-test=public-member]');
  assert.equal(await card.count(), 1);
  await card.getByText('先锋测试员').waitFor();
  await card.getByText('垃圾分类督导岗').waitFor();
  await card.getByText('每月走访联系户两次').waitFor();
  const text = await p.locator('body').innerText();
  assert.ok(text.includes('吴书记'));
  assert.ok(!text.includes('不公开'), 'the member who did not agree is not shown');
  // Fits the phone: nothing wider than the screen.
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `page is ${width}px wide`);
  await shot(p, 'marks-public-phone');
  // A stale link says so.
  await p.goto(url.replace(/[0-9a-f]{32}$/, '0'.repeat(32)));
  await p.locator('[data-test=public-branch-error]').waitFor();
  await phone.close();
});
