// End-to-end for 在职党员双重管理: a workplace member of street 2 has registered with a community
// of street 1; the street-1 user opens the page from the side menu, finds the member on the
// community tab, assigns a post and records a service in the drawer; the workplace side sees
// both through the API. Same harness as ui.test.mjs (chromium over CDP).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, repoRoot, DEMO_PASSWORD } from '../lib/server.mjs';
import { loginAs } from '../lib/client.mjs';
import { children, idNumber } from '../lib/fixtures.mjs';

const WEB = process.env.ZUGONG_E2E_WEB || path.join(repoRoot, 'web', 'dist');
const SHOTS = process.env.ZUGONG_E2E_SHOTS || mkdtempSync(path.join(tmpdir(), 'zugong-e2e-dual-shots-'));
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
