// End-to-end for 组织关系接转: a street-1 user starts a transfer of one of its members to a branch
// of street 2 from the list page's dialog, issues the letter and downloads it (PDF); the street-2
// user finds it under 转入, receives and completes it; the member's placement changes. Then the
// public receipt page (no login) confirms a transfer out of the district with the check part.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, admin, shot, loginPage, input, browser, opts } from '../lib/browser.mjs';
import { idNumber } from '../lib/fixtures.mjs';

useBrowser('transfer');

async function confirmBox(page) {
  const box = page.locator('.el-message-box:visible');
  await box.waitFor();
  await box.getByRole('button', { name: '确定' }).click();
  await box.waitFor({ state: 'hidden' });
}

test('组织关系接转: start and send on one side, receive and complete on the other', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  const jd02 = await loginAs(srv.url, 'jd02');
  const mk = async (parentId, name) => {
    const r = await admin.post('/api/orgs', { parentId, name, kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  const from = await mk(jd01.user.orgId, '接转端到端甲党支部');
  const to = await mk(jd02.user.orgId, '接转端到端乙党支部');
  const m = await admin.post('/api/members', {
    name: '接转测试员', idNumber: idNumber(), category: 'full', orgId: from.id, joinedOn: '2005-07-01', fullOn: '2006-07-01',
  });
  assert.equal(m.status, 201, m.text);

  // Street 1 starts, issues the letter and prints it.
  const { ctx, page } = await loginPage('jd01');
  await page.locator('[data-test=menu-transfers]').click();
  await page.waitForURL((u) => u.pathname === '/transfers');
  await page.locator('[data-test=transfer-start]').click();
  const dialog = page.locator('[data-test=transfer-start-dialog]');
  await dialog.waitFor();
  await page.locator('[data-test=transfer-member]').click();
  await input(page, 'transfer-member').fill('接转测试员');
  await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '接转测试员' }).first().click();
  await page.locator('[data-test=transfer-target]').click();
  await input(page, 'transfer-target').fill('接转端到端乙');
  await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '接转端到端乙党支部' }).first().click();
  await page.locator('[data-test=transfer-reason]').click();
  await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '工作调动' }).first().click();
  await shot(page, 'transfer-start-dialog');
  await page.locator('[data-test=transfer-start-submit]').click();
  await page.waitForURL((u) => /^\/transfers\/\d+$/.test(u.pathname));
  const id = Number(new URL(page.url()).pathname.split('/').pop());
  await page.locator('[data-test=transfer-state-tag]').getByText('已发起').waitFor();
  await page.locator('[data-test=transfer-send]').click();
  await confirmBox(page);
  await page.locator('[data-test=transfer-state-tag]').getByText('已开介绍信').waitFor();
  const pdfResponse = page.waitForResponse((r) => r.url().includes(`/api/transfers/${id}/letter.pdf`));
  await page.locator('[data-test=transfer-print]').click();
  const pdf = await pdfResponse;
  assert.equal(pdf.status(), 200);
  assert.match(pdf.headers()['content-type'], /application\/pdf/);
  assert.match(pdf.headers()['content-disposition'], /attachment/);
  // The same download through the page's session (the browser hands the bytes to the save dialog).
  const bytes = await (await page.request.get(pdf.url())).body();
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(bytes.length > 20_000, `letter is ${bytes.length} bytes`);
  await shot(page, 'transfer-sent');
  await ctx.close();
  assert.equal((await admin.ok(`/api/members/${m.json.id}`)).orgId, from.id, 'not moved before completion');

  // Street 2 receives and completes.
  const two = await loginPage('jd02');
  await two.page.locator('[data-test=menu-transfers]').click();
  await two.page.getByRole('tab', { name: '转入' }).click();
  const list = two.page.locator('[data-test=transfer-list]');
  await list.getByText('接转测试员').waitFor();
  await shot(two.page, 'transfer-incoming');
  await list.getByText('接转测试员').click();
  await two.page.waitForURL((u) => u.pathname === `/transfers/${id}`);
  assert.equal(await two.page.locator('[data-test=transfer-send]').count(), 0, 'the receiving side cannot send');
  await two.page.locator('[data-test=transfer-receive]').click();
  await confirmBox(two.page);
  await two.page.locator('[data-test=transfer-state-tag]').getByText('已接收').waitFor();
  await two.page.locator('[data-test=transfer-complete]').click();
  await confirmBox(two.page);
  await two.page.locator('[data-test=transfer-state-tag]').getByText('已办结').waitFor();
  await two.page.locator('[data-test=transfer-member-org]').getByText('接转端到端乙党支部').waitFor();
  await two.page.locator('[data-test=transfer-timeline]').getByText('(jd02)').first().waitFor();
  await shot(two.page, 'transfer-completed');
  await two.ctx.close();

  const d = await admin.ok(`/api/members/${m.json.id}`);
  assert.equal(d.orgId, to.id);
  const open = d.placements.filter((p) => !p.toDate);
  assert.equal(open.length, 1);
  assert.equal(open[0].orgId, to.id);
});

test('公开回执页: an outside organization confirms receipt with the check code (no login)', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  const branch = (await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '接转回执测试党支部', kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' })).json;
  const m = await admin.post('/api/members', {
    name: '回执测试员', idNumber: idNumber(), category: 'full', orgId: branch.id, joinedOn: '2005-07-01', fullOn: '2006-07-01',
  });
  const c = await jd01.post('/api/transfers', { direction: 'out', memberId: m.json.id, toOutside: '中共宁波市某社区支部委员会', reason: '迁居' });
  assert.equal(c.status, 201, c.text);
  const sent = (await jd01.post(`/api/transfers/${c.json.id}/send`, {})).json;

  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 420, height: 860 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${srv.url}/t/${sent.code}`);
  await page.locator('[data-test=receipt-page]').getByText('回**').waitFor();
  await input(page, 'receipt-receiver').fill('中共宁波市某社区支部委员会');
  await input(page, 'receipt-check').fill('ZZZZZZ');
  await page.locator('[data-test=receipt-submit]').click();
  await page.getByText('校验码不正确').waitFor();
  await input(page, 'receipt-check').fill(sent.checkCode);
  await shot(page, 'receipt-form');
  await page.locator('[data-test=receipt-submit]').click();
  await page.getByText('已确认接收').waitFor();
  await page.locator('[data-test=receipt-state]').getByText('已办结').waitFor();
  await shot(page, 'receipt-confirmed');
  await ctx.close();
  const d = await admin.ok(`/api/members/${m.json.id}`);
  assert.equal(d.active, false);
});
