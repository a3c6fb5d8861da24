// End-to-end for 我的: a member-role login (made with `zugong user add --role member
// --member-id`) lands on /me after login, sees its own name, tasks and dues, changes its mobile
// phone in the dialog and sees the new masked number; the side menu offers only 我的 and 组织架构.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, repoRoot, DEMO_PASSWORD } from '../lib/server.mjs';
import { loginAs } from '../lib/client.mjs';
import { children, idNumber, today } from '../lib/fixtures.mjs';

const WEB = process.env.ZUGONG_E2E_WEB || path.join(repoRoot, 'web', 'dist');
const SHOTS = process.env.ZUGONG_E2E_SHOTS || mkdtempSync(path.join(tmpdir(), 'zugong-e2e-me-shots-'));
mkdirSync(SHOTS, { recursive: true });
const webReady = existsSync(path.join(WEB, 'index.html'));

let srv;
let browser;
let chromeProc;
let userDir;
let admin; // API client for set-up and checks
let shotNo = 0;

async function shot(page, name) {
  const file = path.join(SHOTS, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A new context logged in through the login page as `username`. */
async function loginPage(username, password = DEMO_PASSWORD, name = username) {
  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(srv.url + '/login');
  await input(page, 'login-username').fill(username);
  await input(page, 'login-password').fill(password);
  await page.locator('[data-test=login-submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.locator('[data-test=header-user]').waitFor();
  await shot(page, `login-${name}`);
  return { ctx, page };
}

/** The <input> of an Element Plus input, wherever its data-test attribute landed. */
function input(page, testId) {
  return page.locator(`input[data-test="${testId}"], textarea[data-test="${testId}"], [data-test="${testId}"] input`).first();
}

/** Picks `label` in an Element Plus select (by the select's data-test). */
async function pickOption(page, selectTest, label, { search = false } = {}) {
  const sel = page.locator(`[data-test=${selectTest}]`).first();
  await sel.click();
  if (search) await page.locator(`[data-test=${selectTest}] input, input[data-test=${selectTest}]`).first().fill(label);
  const opt = page.locator('.el-select-dropdown__item:visible').filter({ hasText: label });
  const exact = opt.filter({ has: page.locator(`text="${label}"`) });
  await ((await exact.count()) ? exact.first() : opt.first()).click();
}

before(async () => {
  if (!webReady) return;
  srv = await startServer({ web: WEB });
  admin = await loginAs(srv.url, 'admin');
  userDir = mkdtempSync(path.join(tmpdir(), 'zugong-e2e-chromium-'));
  // Chromium is started here with exactly these flags (playwright's launch() refuses a
  // --user-data-dir) and driven over CDP; contexts made on it are separate cookie jars.
  chromeProc = spawn(
    process.env.CHROMIUM || '/usr/bin/chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--no-default-browser-check',
      `--user-data-dir=${userDir}`,
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const ws = await new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start:\n${err}`)), 30_000);
    chromeProc.stderr.on('data', (d) => {
      err += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    chromeProc.on('exit', (code) => reject(new Error(`chromium exited ${code}:\n${err}`)));
  });
  chromeProc.stderr.resume();
  browser = await chromium.connectOverCDP(ws);
  console.log(`screenshots: ${SHOTS}`);
});

after(async () => {
  await browser?.close().catch(() => {});
  if (chromeProc && chromeProc.exitCode === null) {
    const gone = new Promise((r) => chromeProc.once('exit', r));
    chromeProc.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    if (chromeProc.exitCode === null) chromeProc.kill('SIGKILL');
  }
  await srv?.stop();
  if (userDir) rmSync(userDir, { recursive: true, force: true });
});

const opts = { skip: webReady ? false : `web app not built (${WEB}/index.html missing)` };

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
