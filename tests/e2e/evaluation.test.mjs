// End-to-end for 民主评议: with the 好 share limit at 40 %, the street-1 user opens this year's
// campaign for a new branch of five members from the side menu, grades two members 好, is refused
// a third 好 (the message names the limit), grades the rest, fills in the 差 member's helper and
// talk in the drawer, is refused closing while something is missing, then closes; the roll-up
// tab shows the branch's counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, admin, shot, loginPage, input, pickOption, opts } from '../lib/browser.mjs';
import { idNumber, today } from '../lib/fixtures.mjs';

useBrowser('evaluation');

test('民主评议: open, grade within the share limit, follow up the 差 member, close', opts, async () => {
  const s = await admin.put('/api/settings/evaluation.max_good_share', { value: 40 });
  assert.equal(s.status, 200, s.text);
  try {
    await flow();
  } finally {
    await admin.put('/api/settings/evaluation.max_good_share', { value: 0 });
  }
});

async function flow() {
  const jd01 = await loginAs(srv.url, 'jd01');
  const b = await admin.post('/api/orgs', { parentId: jd01.user.orgId, name: '评议测试党支部', kind: 'branch', branchType: 'community', foundedOn: '2010-01-01' });
  assert.equal(b.status, 201, b.text);
  const names = ['评测甲', '评测乙', '评测丙', '评测丁', '评测戊'];
  for (const name of names) {
    const m = await admin.post('/api/members', { name, idNumber: idNumber(), category: 'full', orgId: b.json.id, joinedOn: '2005-07-01', fullOn: '2006-07-01' });
    assert.equal(m.status, 201, m.text);
  }

  const { ctx, page } = await loginPage('jd01');
  await page.locator('[data-test=menu-evaluation]').click();
  await page.waitForURL((u) => u.pathname === '/evaluation');
  await page.locator('[data-test=evaluation-campaigns]').waitFor();
  await shot(page, 'evaluation-list');
  await page.locator('[data-test=evaluation-open]').click();
  await pickOption(page, 'evaluation-open-org', '评议测试党支部', { search: true });
  await page.locator('[data-test=evaluation-open-submit]').click();
  await page.waitForURL((u) => /^\/evaluation\/\d+$/.test(u.pathname));
  const entries = page.locator('[data-test=evaluation-entries]');
  await entries.getByText('评测甲').waitFor();
  const id = Number(new URL(page.url()).pathname.split('/').pop());

  // Picks a grade in the member's row; waits for the page to reload the campaign (it does after
  // every save, refused or not) and for the dropdown to close.
  const grade = async (name, label) => {
    await page.locator(`[data-test="evaluation-grade-${name}"]`).click();
    const dropdown = page.locator('.el-select-dropdown:visible');
    await dropdown.first().waitFor();
    const reloaded = page.waitForResponse((r) => /\/api\/evaluation\/campaigns\/\d+$/.test(r.url()) && r.request().method() === 'GET');
    await dropdown.locator('.el-select-dropdown__item').filter({ has: page.locator(`text="${label}"`) }).first().click();
    await reloaded;
    await page.waitForFunction(() => ![...document.querySelectorAll('.el-select-dropdown')].some((d) => d.offsetParent !== null));
  };
  await grade('评测甲', '好');
  await page.locator('[data-test=evaluation-good]').getByText('1').waitFor();
  await grade('评测乙', '好');
  await page.locator('[data-test=evaluation-good]').getByText('2').waitFor();
  await grade('评测丙', '好');
  const refused = page.locator('.el-message--error').filter({ hasText: '不能超过参评党员的40%' });
  await refused.waitFor();
  await shot(page, 'evaluation-share-refused');
  let k = await jd01.ok(`/api/evaluation/campaigns/${id}`);
  assert.equal(k.good, 2, 'the third 好 was not saved');
  assert.equal(k.entries.find((e) => e.memberName === '评测丙').grade, null);

  await grade('评测丙', '中');
  await grade('评测丁', '中');
  await grade('评测戊', '差');
  await page.locator('.el-message--warning').filter({ hasText: '帮扶人' }).waitFor();

  // Closing now is refused: the 差 member has no helper and no talk.
  await page.locator('[data-test=evaluation-close]').click();
  await page.locator('[data-test=evaluation-close-submit]').click();
  const closeError = page.locator('[data-test=evaluation-close-error]');
  await closeError.getByText('未确定帮扶人：评测戊', { exact: false }).waitFor();
  await shot(page, 'evaluation-close-refused');
  await page.locator('.zg-dialog:visible').getByRole('button', { name: '取消' }).click();

  // The 差 follow-up in the drawer.
  await page.locator('[data-test="evaluation-edit-评测戊"]').click();
  const drawer = page.locator('.el-drawer:visible');
  await input(page, 'evaluation-self').fill('组织生活参加不经常，联系群众少。');
  await input(page, 'evaluation-target').fill('三个月内按时参加组织生活，每月走访两户群众');
  await pickOption(page, 'evaluation-helper', '评测甲');
  await pickOption(page, 'evaluation-helper-role', '支部书记');
  await input(page, 'evaluation-talk-on').fill(today());
  await input(page, 'evaluation-talk-on').press('Enter');
  await input(page, 'evaluation-talk-by').fill('街道党工委组织委员');
  await input(page, 'evaluation-talk-content').fill('指出问题，明确整改期限。');
  await shot(page, 'evaluation-drawer');
  await drawer.locator('[data-test=evaluation-save]').click();
  await entries.getByText('帮扶人：评测甲').waitFor();

  await page.locator('[data-test=evaluation-close]').click();
  await page.locator('[data-test=evaluation-close-submit]').click();
  await page.locator('[data-test=evaluation-state-tag]').getByText('已结束').waitFor();
  await shot(page, 'evaluation-closed');
  k = await jd01.ok(`/api/evaluation/campaigns/${id}`);
  assert.equal(k.state, 'closed');
  assert.deepEqual([k.good, k.fair, k.poor, k.ungraded], [2, 2, 1, 0]);
  const poor = k.entries.find((e) => e.memberName === '评测戊');
  assert.equal(poor.helperName, '评测甲');
  assert.equal(poor.talkOn, today());

  // The roll-up tab counts the branch in the street.
  await page.goto(srv.url + '/evaluation');
  await page.getByRole('tab', { name: '汇总统计' }).click();
  const rollup = page.locator('[data-test=evaluation-rollup]');
  await rollup.getByText('合计').waitFor();
  await shot(page, 'evaluation-rollup');
  const r = await jd01.ok('/api/evaluation/rollup?year=' + today().slice(0, 4));
  assert.ok(r.total.poor >= 1 && r.total.good >= 2, JSON.stringify(r.total));
  await ctx.close();
}
