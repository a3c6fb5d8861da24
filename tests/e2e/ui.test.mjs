// End-to-end: the built web app (web/dist) served by a real `zugong serve` on SQLite demo data,
// driven in Debian's chromium through playwright-core. One browser for the whole run; a fresh
// context (cookies) per user. A screenshot of every step goes to a temp directory (printed).
//
// Env: ZUGONG_E2E_WEB (default <repo>/web/dist), ZUGONG_E2E_SHOTS (default a new temp dir),
// CHROMIUM (default /usr/bin/chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DEMO_PASSWORD } from '../lib/server.mjs';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, browser, admin, shot, loginPage, input, pickOption, opts } from '../lib/browser.mjs';
import { children, findBranch, idNumber, badCheckIdNumber, phone, toGbk, csv, walkTree } from '../lib/fixtures.mjs';

useBrowser('ui');

test('log in: wrong password is refused on the page, the right one opens the app', opts, async () => {
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  const page = await ctx.newPage();
  await page.goto(srv.url + '/members');
  await page.waitForURL(/\/login/);
  await input(page, 'login-username').fill('jd03');
  await input(page, 'login-password').fill('wrong-password-1');
  await page.locator('[data-test=login-submit]').click();
  await page.locator('[data-test=login-error]').waitFor();
  assert.match(await page.locator('[data-test=login-error]').innerText(), /[\u4e00-\u9fff]/);
  await shot(page, 'login-wrong-password');
  await ctx.close();

  const { ctx: c2, page: p2 } = await loginPage('admin');
  assert.match(await p2.locator('[data-test=header-user]').innerText(), /组织部管理员|admin/);
  await c2.close();
});

test('build a small tree: a branch under a community, a party group under it', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  const street = (await children(admin, 1))[0];
  const community = (await children(admin, street.id)).find((n) => n.kind === 'general_branch' || n.kind === 'committee');
  const { ctx, page } = await loginPage('jd01');

  await page.goto(`${srv.url}/orgs?id=${community.id}`);
  await page.locator('[data-test=org-title]').filter({ hasText: community.name }).waitFor();
  await shot(page, 'orgs-community');
  await page.locator('[data-test=org-add-child]').click();
  const dlg = page.locator('[data-test=org-form-dialog]').last();
  await input(page, 'org-form-name').fill('E2E楼宇党支部');
  await pickOption(page, 'org-form-kind', '党支部');
  await pickOption(page, 'org-form-branchType', '楼宇');
  await shot(page, 'orgs-add-branch-form');
  await page.locator('[data-test=org-form-submit]').click();
  await dlg.waitFor({ state: 'hidden' }).catch(() => {});
  let branch;
  for (let i = 0; i < 50 && !branch; i++) {
    branch = (await children(jd01, community.id)).find((n) => n.name === 'E2E楼宇党支部');
    if (!branch) await page.waitForTimeout(100);
  }
  assert.ok(branch, 'the branch exists');
  assert.equal(branch.kind, 'branch');
  assert.equal(branch.branchType, 'building');
  await page.getByText('E2E楼宇党支部').first().waitFor();
  await shot(page, 'orgs-branch-added');

  await page.goto(`${srv.url}/orgs?id=${branch.id}`);
  await page.locator('[data-test=org-title]').filter({ hasText: 'E2E楼宇党支部' }).waitFor();
  await page.locator('[data-test=org-add-child]').click();
  await input(page, 'org-form-name').fill('E2E第一党小组');
  await pickOption(page, 'org-form-kind', '党小组');
  await page.locator('[data-test=org-form-submit]').click();
  let group;
  for (let i = 0; i < 50 && !group; i++) {
    group = (await children(jd01, branch.id)).find((n) => n.name === 'E2E第一党小组');
    if (!group) await page.waitForTimeout(100);
  }
  assert.ok(group, 'the party group exists');
  assert.equal(group.kind, 'party_group');
  assert.equal(group.path, `${branch.path}${group.id}/`);
  await page.goto(`${srv.url}/orgs?id=${group.id}`);
  await page.locator('[data-test=org-title]').filter({ hasText: 'E2E第一党小组' }).waitFor();
  await page.locator('[data-test=org-breadcrumb]').filter({ hasText: 'E2E楼宇党支部' }).waitFor();
  await shot(page, 'orgs-party-group-added');
  // The new branch has no full members: the size-rule warning shows on its page.
  await page.goto(`${srv.url}/orgs?id=${branch.id}`);
  await page.locator('[data-test=org-warning-branch_too_small]').waitFor();
  await shot(page, 'orgs-branch-warning');
  await ctx.close();
});

test('add a member with a wrong ID number: the reason shows under the field', opts, async () => {
  const street = (await children(admin, 1))[0];
  const branch = await findBranch(admin, street.id, { min: 1, kind: 'branch' });
  const before = (await admin.ok(`/api/orgs/${branch.id}`)).counts.members;
  const { ctx, page } = await loginPage('jd01', DEMO_PASSWORD, 'jd01-member');
  await page.goto(`${srv.url}/members/new`);
  await input(page, 'member-form-name').fill('错号测试');
  await input(page, 'member-form-idNumber').fill(badCheckIdNumber());
  await input(page, 'member-form-phone').fill(phone());
  await pickOption(page, 'member-form-orgId', branch.name, { search: true });
  await shot(page, 'member-form-filled');
  await page.locator('[data-test=member-form-submit]').click();
  const err = page.locator('[data-test=member-form-item-idNumber] .el-form-item__error');
  await err.waitFor();
  assert.match(await err.innerText(), /身份证号码校验位错误/);
  await shot(page, 'member-form-id-error');
  assert.equal((await admin.ok(`/api/orgs/${branch.id}`)).counts.members, before, 'nothing saved');
  await ctx.close();
});

test('import a spreadsheet with bad rows (dry run): they are listed with row numbers', opts, async () => {
  const street = (await children(admin, 1))[0];
  const branch = await findBranch(admin, street.id, { min: 1, kind: 'branch' });
  const rows = [
    ['姓名', '公民身份证号', '人员类别', '所在党支部', '加入党组织日期', '转为正式党员日期', '联系电话'],
    ['导入一', idNumber({ birth: '1970-01-02' }), '正式党员', branch.name, '1995-07-01', '1996-07-01', phone()],
    ['导入二', badCheckIdNumber(), '正式党员', branch.name, '1995-07-01', '1996-07-01', phone()],
    ['导入三', idNumber({ birth: '1971-02-03' }), '正式党员', branch.name, '1995-07-01', '1996-07-01', '12345'],
    ['导入四', idNumber({ birth: '1972-03-04' }), '正式党员', branch.name, '1995-07-01', '1996-07-01', phone()],
  ];
  const before = (await admin.ok(`/api/orgs/${branch.id}`)).counts.members;
  const { ctx, page } = await loginPage('jd01', DEMO_PASSWORD, 'jd01-import');
  await page.goto(`${srv.url}/import?entity=members`);
  await page.locator('[data-test=import-file]').setInputFiles({
    name: '党员名册.csv',
    mimeType: 'text/csv',
    buffer: toGbk(csv(rows)),
  });
  await page.locator('[data-test=import-mode-dry_run]').click();
  await shot(page, 'import-ready');
  await page.locator('[data-test=import-submit]').click();
  await page.locator('[data-test=import-result]').waitFor({ timeout: 30_000 });
  const table = page.locator('[data-test=import-errors]');
  await table.waitFor();
  const cells = await table.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())),
  );
  const rowNos = cells.map((c) => Number(c[0])).sort((a, b) => a - b);
  assert.deepEqual(rowNos, [3, 4], JSON.stringify(cells));
  const text = cells.map((c) => c.join(' ')).join('\n');
  assert.match(text, /校验位/);
  assert.match(text, /手机号码/);
  await shot(page, 'import-dry-run-errors');
  assert.equal((await admin.ok(`/api/orgs/${branch.id}`)).counts.members, before, 'a dry run changes nothing');
  await ctx.close();
});

test("a street user opening another street's member by URL sees not-found and no data", opts, async () => {
  const street2 = (await children(admin, 1))[1];
  const branch = await findBranch(admin, street2.id, { min: 1, kind: 'branch' });
  const victim = (await admin.ok(`/api/members?orgId=${branch.id}&pageSize=1`)).items[0];
  const { ctx, page } = await loginPage('jd01', DEMO_PASSWORD, 'jd01-scope');
  const apiAnswers = [];
  page.on('response', async (r) => {
    if (r.url().includes(`/api/members/${victim.id}`)) apiAnswers.push(r.status());
  });
  await page.goto(`${srv.url}/members/${victim.id}`);
  const notFound = page.getByText(/不存在|不在您的管理范围内|无权/).first();
  await notFound.waitFor();
  await page.waitForLoadState('networkidle');
  await shot(page, 'scope-other-street-member');
  const body = await page.locator('body').innerText();
  assert.ok(!body.includes(victim.name), `the page shows the member's name ${victim.name}`);
  assert.ok(!body.includes(victim.idNumberMasked), 'the page shows the masked ID number');
  assert.ok(!body.includes(victim.orgName), 'the page shows the branch name');
  assert.equal(await page.locator('[data-test=member-descriptions]').count(), 0);
  assert.ok(apiAnswers.length >= 1 && apiAnswers.every((s) => s === 404 || s === 403), `API answers ${apiAnswers}`);
  // The org page of the other street too.
  await page.goto(`${srv.url}/orgs?id=${street2.id}`);
  await page.waitForLoadState('networkidle');
  await shot(page, 'scope-other-street-org');
  const orgBody = await page.locator('body').innerText();
  assert.ok(!orgBody.includes(street2.name), `the org page shows ${street2.name}`);
  await ctx.close();
});
