// End-to-end for 民情: a resident on a phone (375 px, no login) reports a problem on the public
// page after the arithmetic check and keeps the number and lookup code; district staff find it in
// the list (laptop), answer it on the detail page; the resident looks it up by number and code,
// sees the answer and rates it; staff see it closed with the satisfaction in the timeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, srv, shot, loginPage, input, browser, opts } from '../lib/browser.mjs';

useBrowser('problems');

test('民情: report on the phone page, staff answer, the resident sees the answer by number', opts, async () => {
  const phone = await browser.newContext({ locale: 'zh-CN', viewport: { width: 375, height: 812 }, isMobile: true });
  const p = await phone.newPage();
  p.setDefaultTimeout(10_000);
  await p.goto(srv.url + '/mq');
  await p.locator('[data-test=problems-public-kinds]').getByText('设施维修').click();
  await input(p, 'problems-public-text').fill('端到端测试：3幢门口路灯不亮');
  await input(p, 'problems-public-name').fill('赵先生');
  await input(p, 'problems-public-phone').fill('13812340000');
  const question = (await p.locator('[data-test=problems-public-question]').textContent()).trim();
  const m = /^(\d+) \+ (\d+)/.exec(question);
  assert.ok(m, question);
  // A wrong answer is refused next to the field.
  await input(p, 'problems-public-answer').fill(String(Number(m[1]) + Number(m[2]) + 1));
  await p.locator('[data-test=problems-public-submit]').click();
  await p.getByText('验证题答案不对').waitFor();
  const q2 = (await p.locator('[data-test=problems-public-question]').textContent()).trim();
  const m2 = /^(\d+) \+ (\d+)/.exec(q2);
  await input(p, 'problems-public-answer').fill(String(Number(m2[1]) + Number(m2[2])));
  await shot(p, 'problems-public-form');
  await p.locator('[data-test=problems-public-submit]').click();
  await p.locator('[data-test=problems-public-done]').waitFor();
  const number = (await p.locator('[data-test=problems-public-number]').textContent()).trim();
  const secret = (await p.locator('[data-test=problems-public-secret]').textContent()).trim();
  assert.match(number, /^MQ\d{4}-\d{6}$/);
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `page is ${width}px wide`);
  await shot(p, 'problems-public-done');

  // District staff answer it.
  const { ctx, page } = await loginPage('admin');
  await page.goto(srv.url + '/problems');
  await input(page, 'problems-q').fill(number);
  await input(page, 'problems-q').press('Enter');
  const list = page.locator('[data-test=problems-list]');
  await list.getByText(number).waitFor();
  await shot(page, 'problems-list');
  await list.getByText(number).click();
  await page.waitForURL((u) => /^\/problems\/\d+$/.test(u.pathname));
  await page.locator('[data-test=problem-text]').getByText('3幢门口路灯不亮').waitFor();
  await page.locator('[data-test=problem-answer]').click();
  await input(page, 'problem-answer-input').fill('已联系路灯所，今天下午修好');
  await page.locator('[data-test=problem-dialog-ok]').click();
  await page.locator('[data-test=problem-state]').getByText('已答复').waitFor();
  await shot(page, 'problems-detail-answered');

  // The resident looks it up by number and code, sees the answer, and rates it.
  await p.goto(srv.url + '/mq');
  await p.locator('[data-test=problems-public-tab-status]').click();
  await input(p, 'problems-public-lookup-number').fill(number);
  await input(p, 'problems-public-lookup-secret').fill(secret);
  await p.locator('[data-test=problems-public-lookup]').click();
  await p.locator('[data-test=problems-public-answer-text]').getByText('今天下午修好').waitFor();
  await shot(p, 'problems-public-status');
  await p.locator('[data-test=problems-public-rate-satisfied]').click();
  await p.locator('[data-test=problems-public-satisfaction]').getByText('满意').waitFor();
  // A wrong code shows nothing of it.
  await input(p, 'problems-public-lookup-secret').fill('00000000');
  await p.locator('[data-test=problems-public-lookup]').click();
  await p.locator('[data-test=problems-public-lookup-error]').waitFor();
  assert.equal(await p.locator('[data-test=problems-public-status]').count(), 0);
  await phone.close();

  await page.reload();
  await page.locator('[data-test=problem-state]').getByText('已办结').waitFor();
  await page.locator('[data-test=problem-timeline]').getByText('群众评价：满意').first().waitFor();
  await shot(page, 'problems-detail-closed');
  await ctx.close();
});
