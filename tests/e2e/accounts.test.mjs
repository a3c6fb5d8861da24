// End-to-end: two-step sign-in in the browser (docs/accounts.md). A street user is made to enrol
// at sign-in: the page shows the QR code and the key as text; the test reads the key from the
// page and computes the code as an authenticator app would. Then sign out, sign in with a code,
// and the sign-in log page lists it. A community user turns it on from 账号安全 and signs out
// everywhere. Screenshots of every step go to the printed directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from '../lib/server.mjs';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, browser, admin, shot, input, opts } from '../lib/browser.mjs';
import { totpCode, stepAt } from '../lib/totp.mjs';

useBrowser('accounts');

// The demo has two-step sign-in off (its logins are shared); turn it on as production has it.
async function requireTotp() {
  const r = await admin.put('/api/settings/auth.totp_required', { value: true });
  assert.equal(r.status, 200, r.text);
}

async function newPage() {
  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  return { ctx, page };
}

async function passwordStep(page, username) {
  await page.goto(srv.url + '/login');
  await input(page, 'login-username').fill(username);
  await input(page, 'login-password').fill(DEMO_PASSWORD);
  await page.locator('[data-test=login-submit]').click();
}

async function userMenu(page, item) {
  await page.locator('[data-test=header-user]').click();
  await page.locator(`[data-test=${item}]:visible`).click();
}

test('street user: enrol at sign-in from the page, sign out, sign in with a code; the log lists it', opts, async () => {
  await requireTotp();
  const { ctx, page } = await newPage();
  await passwordStep(page, 'jd06');
  await page.locator('[data-test=login-enrol]').waitFor();
  const secret = (await page.locator('[data-test=totp-secret]').innerText()).trim();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.ok(await page.locator('[data-test=totp-qr]').evaluate((img) => img.complete && img.naturalWidth > 50));
  assert.match(await page.locator('[data-test=login-enrol]').innerText(), /两步验证/);
  await shot(page, 'enrol-at-sign-in');

  // A wrong code first: a Chinese message under the field, still on the enrolment.
  await input(page, 'totp-enrol-code').fill('000000');
  await page.locator('[data-test=totp-enrol-confirm]').click();
  await page.locator('[data-test=login-enrol] .el-form-item__error').waitFor();
  assert.match(await page.locator('[data-test=login-enrol] .el-form-item__error').innerText(), /验证码/);
  await shot(page, 'enrol-wrong-code');

  const used = stepAt();
  await input(page, 'totp-enrol-code').fill(totpCode(secret, used));
  await page.locator('[data-test=totp-enrol-confirm]').click();
  await page.locator('[data-test=login-recovery]').waitFor();
  assert.equal(await page.locator('[data-test=recovery-code]').count(), 10);
  await shot(page, 'enrol-recovery-codes');
  await page.locator('[data-test=login-continue]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.locator('[data-test=header-user]').waitFor();

  await userMenu(page, 'menu-security');
  await page.locator('[data-test=totp-state]').filter({ hasText: '已启用' }).waitFor();
  assert.match(await page.locator('[data-test=totp-enrolled-info]').innerText(), /剩余恢复码 10 个/);
  await shot(page, 'security-enrolled');

  await userMenu(page, 'logout');
  await page.waitForURL(/\/login/);
  await passwordStep(page, 'jd06');
  await input(page, 'login-code').waitFor();
  await shot(page, 'sign-in-code-asked');
  await input(page, 'login-code').fill(totpCode(secret, used + 1));
  await page.locator('[data-test=login-code-submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.locator('[data-test=header-user]').waitFor();

  await userMenu(page, 'menu-sign-ins');
  const table = page.locator('[data-test=sign-ins-table]');
  await table.locator('.el-table__row').first().waitFor();
  await page.locator('[data-test=sign-ins-page] .el-loading-mask').waitFor({ state: 'hidden' });
  const text = await table.innerText();
  assert.ok((text.match(/登录成功/g) || []).length >= 2, text);
  assert.match(text, /动态验证码错误/);
  assert.match(text, /127\.0\.0\.1/);
  await shot(page, 'sign-in-log');
  await ctx.close();

  // The administrator sees the same log from 用户管理 and the two-step state.
  const users = await admin.ok('/api/users');
  assert.equal(users.find((u) => u.username === 'jd06').totpEnrolled, true);
});

test('community user: turn it on from 账号安全, then sign out everywhere', opts, async () => {
  await requireTotp();
  const other = await loginAs(srv.url, 'sq0101'); // a second session elsewhere
  const { ctx, page } = await newPage();
  await passwordStep(page, 'sq0101');
  await page.waitForURL((u) => !u.pathname.startsWith('/login')); // not required for this role
  await page.goto(srv.url + '/security');
  await page.locator('[data-test=totp-start]').click();
  const secret = (await page.locator('[data-test=totp-secret]').innerText()).trim();
  await shot(page, 'security-enrol');
  await input(page, 'totp-enrol-code').fill(totpCode(secret));
  await page.locator('[data-test=totp-enrol-confirm]').click();
  await page.locator('[data-test=recovery-codes]').waitFor();
  await page.locator('[data-test=totp-state]').filter({ hasText: '已启用' }).waitFor();
  await shot(page, 'security-enabled');

  await page.locator('[data-test=sessions-end-all]').click();
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await page.waitForURL(/\/login/);
  await shot(page, 'signed-out-everywhere');
  assert.equal((await other.get('/api/auth/me')).status, 401, 'the other session ended too');
  await ctx.close();
});

test('Enter in the password field signs in once (one sign-in, one entry in the log)', opts, async () => {
  const users = await admin.ok('/api/users');
  const user = users.find((u) => u.username === 'sq0102');
  const before = (await admin.ok(`/api/users/${user.id}/sign-ins`)).total;
  const { ctx, page } = await newPage();
  await page.goto(srv.url + '/login');
  await input(page, 'login-username').fill('sq0102');
  await input(page, 'login-password').fill(DEMO_PASSWORD);
  await input(page, 'login-password').press('Enter');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.locator('[data-test=header-user]').waitFor();
  await page.waitForTimeout(500); // a second request, if one were sent, would have landed by now
  const after = (await admin.ok(`/api/users/${user.id}/sign-ins`)).total;
  assert.equal(after - before, 1, 'one Enter, one sign-in');
  await ctx.close();
});
