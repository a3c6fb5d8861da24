// End-to-end for 流动党员: a street user opens the page from the side menu, finds an overdue
// member on the 联系超期 tab, logs a contact from the record drawer and sees it in the timeline;
// the member leaves the overdue list. Same harness as ui.test.mjs (chromium over CDP).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, admin, shot, loginPage, opts } from '../lib/browser.mjs';
import { children, idNumber, today } from '../lib/fixtures.mjs';

useBrowser('mobile');

test('流动党员: overdue member, log a contact in the drawer, leaves the overdue list', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  const street1 = jd01.user.orgId;
  const branch = (await children(admin, street1)).find((k) => k.kind === 'branch');
  const m = await admin.post('/api/members', {
    name: '外出测试员',
    idNumber: idNumber(),
    category: 'full',
    orgId: branch.id,
    joinedOn: '2005-07-01',
    fullOn: '2006-07-01',
  });
  assert.equal(m.status, 201, m.text);
  // 200 days before the server's today (Asia/Shanghai), not the UTC day: after 16:00 UTC they differ.
  const since = new Date(Date.parse(today() + 'T00:00:00Z') - 200 * 86400_000).toISOString().slice(0, 10);
  const r = await jd01.post('/api/mobile/records', { memberId: m.json.id, direction: 'outflow', place: '广东省深圳市南山区', sinceDate: since });
  assert.equal(r.status, 201, r.text);

  const { ctx, page } = await loginPage('jd01');
  await page.locator('[data-test=menu-mobile]').click();
  await page.waitForURL((u) => u.pathname === '/mobile');
  await page.locator('[data-test=mobile-records]').getByText('外出测试员').waitFor();
  await shot(page, 'mobile-outflow');
  await page.getByRole('tab', { name: '联系超期' }).click();
  const overdue = page.locator('[data-test=mobile-overdue]');
  await overdue.getByText('外出测试员').waitFor();
  await overdue.getByText('110 天').waitFor(); // 200 days without contact, interval 90
  await shot(page, 'mobile-overdue');
  await overdue.getByText('外出测试员').click();
  const drawer = page.locator('.el-drawer:visible');
  await drawer.locator('[data-test=mobile-contact-form]').waitFor();
  await drawer.getByText('微信', { exact: true }).click();
  await drawer.locator('[data-test=mobile-contact-form] textarea').fill('视频联系，工作稳定');
  await drawer.locator('[data-test=mobile-contact-submit]').click();
  await drawer.locator('.el-timeline').getByText('视频联系，工作稳定').waitFor();
  await shot(page, 'mobile-contact');
  const d = await jd01.ok(`/api/mobile/records/${r.json.id}`);
  assert.equal(d.contacts.length, 1);
  assert.equal(d.contacts[0].channel, '微信');
  const od = await jd01.ok('/api/mobile/overdue');
  assert.ok(!od.items.some((x) => x.id === r.json.id), 'contacted today: not overdue');
  await ctx.close();
});
