// End-to-end for 民情: a resident on a phone (375 px, no login) reports a problem on the public
// page after the arithmetic check and keeps the number and lookup code; district staff find it in
// the list (laptop), answer it on the detail page; the resident looks it up by number and code,
// sees the answer and rates it; staff see it closed with the satisfaction in the timeline. And a
// problem routed to a household's contact member shows on their 我的 at 390 px as a task; they
// answer it there; the household archive lists it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, srv, shot, loginPage, input, browser, opts, admin } from '../lib/browser.mjs';
import { idNumber, memberBody } from '../lib/fixtures.mjs';
import { loginAs } from '../lib/client.mjs';

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

test('民情 routed to the contact member: a task on 我的 at 390 px, answered from the phone', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  let r = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '民情端到端社区党委', kind: 'committee', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(r.status, 201, r.text);
  const co = r.json;
  r = await admin.post('/api/members', memberBody(co.id, { name: '民情端到端党员', idNumber: idNumber() }));
  assert.equal(r.status, 201, r.text);
  const m = r.json;
  const a = await admin.post('/api/grid/areas', { orgId: co.id, name: '民情端到端片区' });
  const g = await admin.post('/api/grid/groups', { areaId: a.json.id, name: '第1组' });
  r = await admin.post('/api/grid/households', { groupId: g.json.id, building: '9', unit: '1', room: '202', headName: '钱奶奶' });
  assert.equal(r.status, 201, r.text);
  const h = r.json;
  assert.equal((await admin.post('/api/grid/assign', { householdIds: [h.id], memberId: m.id })).status, 200);
  const c = srv.cli(['user', 'add', '--username', 'lh_mq', '--password', 'Member1234', '--role', 'member',
    '--org-id', String(co.id), '--member-id', String(m.id), '--display-name', '民情端到端党员']);
  assert.equal(c.code, 0, c.stderr + c.stdout);
  r = await admin.post('/api/problems', { kind: '设施维修', text: '端到端：9幢电梯按钮失灵', reporterName: '钱奶奶', phone: '13812349999', householdId: h.id });
  assert.equal(r.status, 201, r.text);
  const p = r.json;
  assert.equal(p.memberId, m.id);

  const { ctx, page } = await loginPage('lh_mq', 'Member1234');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(srv.url + '/me');
  const task = page.locator('[data-test=me-tasks] li[data-kind=problem]').filter({ hasText: p.number });
  await task.waitFor();
  const text = await task.innerText();
  assert.ok(text.includes('设施维修') && text.includes('9幢1单元202室') && text.includes(p.dueOn), text);
  let overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `我的 scrolls sideways by ${overflow}px at 390 px`);
  await shot(page, 'problems-me-task-390');
  await task.locator('a').click();
  await page.waitForURL((u) => u.pathname === `/me/problems/${p.id}`);
  await page.locator('[data-test=my-problem-text]').getByText('电梯按钮失灵').waitFor();
  overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the problem page scrolls sideways by ${overflow}px at 390 px`);
  const btn = await page.locator('[data-test=my-problem-answer]').boundingBox();
  assert.ok(btn && btn.height >= 44 && btn.width >= 300, `answer button ${JSON.stringify(btn)}`);
  await shot(page, 'problems-my-problem-390');
  // An empty answer is refused next to the field; then it is answered.
  await page.locator('[data-test=my-problem-answer]').click();
  await page.locator('.el-form-item__error').first().waitFor();
  await input(page, 'my-problem-answer-input').fill('已报物业，明天上午修好电梯按钮');
  await page.locator('[data-test=my-problem-answer]').click();
  await page.locator('[data-test=my-problem-state]').getByText('已答复').waitFor();
  await page.locator('[data-test=my-problem-answer-text]').getByText('明天上午修好').waitFor();
  await shot(page, 'problems-my-problem-answered-390');
  // The archive of the household (reached from the member's own page too) lists it as answered.
  await page.goto(srv.url + `/grid/households/${h.id}`);
  await page.locator('[data-test=household-problem]').filter({ hasText: p.number }).filter({ hasText: '已答复' }).waitFor();
  await shot(page, 'problems-household-archive-390');
  await page.goto(srv.url + '/me');
  await page.locator('[data-test=me-page]').waitFor();
  await page.locator('[data-test=me-record]').waitFor();
  assert.equal(await page.locator('[data-test=me-tasks] li[data-kind=problem]').filter({ hasText: p.number }).count(), 0);
  await ctx.close();
  const d = (await admin.get(`/api/problems/${p.id}`)).json;
  assert.equal(d.state, 'answered');
  assert.equal(d.answer, '已报物业，明天上午修好电梯按钮');
  assert.ok(d.events.some((e) => e.action === 'answer' && e.actor.includes('lh_mq')));

  // Staff see the household's problems on the archive page (laptop).
  const s = await loginPage('admin');
  await s.page.goto(srv.url + `/grid/households/${h.id}`);
  await s.page.locator('[data-test=household-problem]').filter({ hasText: p.number }).waitFor();
  await shot(s.page, 'problems-household-archive');
  await s.ctx.close();
});
