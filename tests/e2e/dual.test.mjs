// End-to-end for 在职党员双重管理: a workplace member of street 2 has registered with a community
// of street 1; the street-1 user opens the page from the side menu, finds the member on the
// community tab, assigns a post and records a service in the drawer; the workplace side sees
// both through the API. Same harness as ui.test.mjs (chromium over CDP).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, admin, shot, loginPage, input, pickOption, opts } from '../lib/browser.mjs';
import { children, idNumber } from '../lib/fixtures.mjs';

useBrowser('dual');

test('双重管理: the community side assigns a post and records a service', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  const jd02 = await loginAs(srv.url, 'jd02');
  const mk = async (parentId, name, branchType) => {
    const r = await admin.post('/api/orgs', { parentId, name, kind: 'branch', branchType, foundedOn: '2010-01-01' });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  const community = await mk(jd01.user.orgId, '双重测试社区党支部', 'community');
  const school = await mk(jd02.user.orgId, '双重测试学校党支部', 'school');
  const m = await admin.post('/api/members', {
    name: '双重测试员',
    idNumber: idNumber(),
    category: 'full',
    orgId: school.id,
    joinedOn: '2005-07-01',
    fullOn: '2006-07-01',
  });
  assert.equal(m.status, 201, m.text);
  const r = await jd02.post('/api/dual/registrations', { memberId: m.json.id, communityOrgId: community.id });
  assert.equal(r.status, 201, r.text);

  const { ctx, page } = await loginPage('jd01');
  await page.locator('[data-test=menu-dual]').click();
  await page.waitForURL((u) => u.pathname === '/dual');
  await page.getByRole('tab', { name: '到本社区报到的党员' }).click();
  const table = page.locator('[data-test=dual-registrations]');
  await table.getByText('双重测试员').waitFor();
  await shot(page, 'dual-community');
  await table.getByText('双重测试员').click();
  const drawer = page.locator('.el-drawer:visible');
  await drawer.locator('[data-test=dual-post]').click();
  await pickOption(page, 'dual-post-select', '楼道长');
  await page.locator('[data-test=dual-post-submit]').click();
  await drawer.locator('.el-descriptions').getByText('楼道长').waitFor();
  await drawer.locator('[data-test=dual-service]').click();
  await input(page, 'dual-service-desc').fill('清理楼道杂物');
  await page.locator('[data-test=dual-service-submit]').click();
  await drawer.locator('.el-timeline').getByText('清理楼道杂物').waitFor();
  await shot(page, 'dual-service');
  const d = await jd02.ok(`/api/dual/registrations/${r.json.id}`);
  assert.equal(d.post, '楼道长');
  assert.equal(d.services.length, 1);
  assert.equal(d.services[0].hours, 1);
  await ctx.close();
});
