// End-to-end for 我的: a member-role login (made with `zugong user add --role member
// --member-id`) lands on /me after login, sees its own name, tasks and dues, changes its mobile
// phone in the dialog and sees the new masked number; the side menu offers only 我的 and 组织架构.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, admin, shot, loginPage, input, opts } from '../lib/browser.mjs';
import { children, idNumber, today } from '../lib/fixtures.mjs';

useBrowser('me');

test('我的: a member lands on /me, sees own name, changes the phone', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  const branch = (await children(admin, jd01.user.orgId)).find((k) => k.kind === 'branch');
  const r = await admin.post('/api/members', {
    name: '我的页面测试',
    idNumber: idNumber(),
    category: 'full',
    orgId: branch.id,
    joinedOn: '2005-07-01',
    fullOn: '2006-07-01',
    phone: '13700001111',
  });
  assert.equal(r.status, 201, r.text);
  const b = await admin.put(`/api/dues/members/${r.json.id}/base`, { kind: 'fixed', amountFen: 500, fromMonth: today().slice(0, 7) });
  assert.equal(b.status, 200, b.text);
  const c = srv.cli(['user', 'add', '--username', 'dy_e2e', '--password', 'Member1234', '--role', 'member',
    '--org-id', String(branch.id), '--member-id', String(r.json.id), '--display-name', '我的页面测试']);
  assert.equal(c.code, 0, c.stderr + c.stdout);

  const { ctx, page } = await loginPage('dy_e2e', 'Member1234');
  await page.waitForURL((u) => u.pathname === '/me');
  await page.locator('[data-test=me-name]').waitFor();
  assert.equal((await page.locator('[data-test=me-name]').innerText()).trim(), '我的页面测试');
  assert.ok((await page.locator('[data-test=me-tasks]').innerText()).includes('本月党费待交纳'));
  // Only 我的 and 组织架构 in the menu.
  assert.equal(await page.locator('[data-test=menu-me]').count(), 1);
  assert.equal(await page.locator('[data-test=menu-members-group]').count(), 0);
  assert.equal(await page.locator('[data-test=menu-users]').count(), 0);
  await shot(page, 'me');

  await page.locator('[data-test=me-change-phone]').click();
  await input(page, 'me-phone-input').fill('12345');
  await page.locator('[data-test=me-phone-submit]').click();
  await page.locator('.el-form-item__error').filter({ hasText: '手机号码格式不正确' }).waitFor();
  await input(page, 'me-phone-input').fill('13722223333');
  await page.locator('[data-test=me-phone-submit]').click();
  await page.locator('[data-test=me-phone]').filter({ hasText: '3333' }).waitFor();
  await shot(page, 'me-phone-changed');
  const d = await admin.ok(`/api/members/${r.json.id}`);
  assert.ok(d.phoneMasked.endsWith('3333') && d.phoneMasked.includes('*'), d.phoneMasked);
  await ctx.close();
});
