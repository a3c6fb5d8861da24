// End-to-end for “no silent overwrite” (issue 5, item 5): a page is open, someone else saves the
// same record meanwhile (through the API, as another server would), then the user saves — the
// page shows the conflict message and keeps what the user typed.
// - 系统设置: the error under the setting's row, the typed value still in the box;
// - 党员亮身份 commitment dialog: the message shown, the dialog open with the typed text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, admin, shot, loginPage, input, opts } from '../lib/browser.mjs';
import { children, memberBody, idNumber } from '../lib/fixtures.mjs';

useBrowser('conflict');

test('设置: a setting saved by someone else meanwhile → the conflict under the row, the input kept', opts, async () => {
  const key = 'org.branch_max_members';
  const { ctx, page } = await loginPage('admin');
  await page.goto(srv.url + '/settings');
  const box = input(page, `setting-${key}`);
  await box.waitFor();
  // Someone else saves it now (the page still holds the version it loaded).
  const s = (await admin.ok('/api/settings')).find((x) => x.key === key);
  assert.equal((await admin.put(`/api/settings/${key}`, { value: 45, version: s.version })).status, 200);

  await box.fill('48');
  await box.press('Tab');
  await page.locator(`[data-test="setting-${key}-save"]`).click();
  const err = page.locator(`[data-test="setting-${key}-error"]`);
  await err.waitFor();
  assert.match(await err.textContent(), /已被他人修改/);
  assert.equal(await box.inputValue(), '48', 'what the user typed is kept');
  await err.scrollIntoViewIfNeeded();
  await shot(page, 'settings-conflict');
  assert.equal((await admin.ok('/api/settings')).find((x) => x.key === key).value, 45, 'the other save stands');

  // After reloading, the save goes through.
  await page.reload();
  await box.waitFor();
  await box.fill('48');
  await box.press('Tab');
  await page.locator(`[data-test="setting-${key}-save"]`).click();
  await page.getByText('已保存', { exact: false }).first().waitFor();
  assert.equal((await admin.ok('/api/settings')).find((x) => x.key === key).value, 48);
  await ctx.close();
});

test('承诺: a commitment saved by someone else meanwhile → the message, the dialog keeps the text', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  const comm = (await children(admin, jd01.user.orgId)).find((k) => k.kind === 'general_branch' || k.kind === 'committee');
  const b = await admin.post('/api/orgs', { parentId: comm.id, name: '并发承诺测试支部', kind: 'branch', branchType: 'community' });
  assert.equal(b.status, 201, b.text);
  const m = await admin.post('/api/members', memberBody(b.json.id, { name: '承诺测试员', idNumber: idNumber() }));
  assert.equal(m.status, 201, m.text);
  const year = new Date(Date.now() + 8 * 3600000).getUTCFullYear();

  const { ctx, page } = await loginPage('jd01');
  await page.goto(`${srv.url}/marks?orgId=${b.json.id}`);
  const row = page.locator('[data-test=marks-table] .el-table__row').filter({ hasText: '承诺测试员' });
  await row.waitFor();
  await row.locator('[data-test=marks-commit]').click();
  await input(page, 'marks-commit-text').fill('我的承诺：每周走访两户');
  // Meanwhile another staff member records one (the dialog opened with none: version 0).
  const other = await jd01.put(`/api/marks/members/${m.json.id}/commitments/${year}`, { commitment: '别人先写的承诺', showPublic: false, version: 0 });
  assert.equal(other.status, 200, other.text);
  await page.locator('[data-test=marks-commit-save]').click();
  await page.locator('.el-message--error').filter({ hasText: '已被他人修改' }).waitFor();
  assert.ok(await page.locator('[data-test=marks-commit-dialog]').isVisible(), 'the dialog stays open');
  assert.equal(await input(page, 'marks-commit-text').inputValue(), '我的承诺：每周走访两户');
  await shot(page, 'commitment-conflict');
  const v = await admin.ok(`/api/marks/branches/${b.json.id}?year=${year}`);
  assert.equal(v.members.find((x) => x.id === m.json.id).commitment.text, '别人先写的承诺');
  await ctx.close();
});
