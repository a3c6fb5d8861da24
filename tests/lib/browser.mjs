// The browser harness every end-to-end file shares: a real `zugong serve` on SQLite demo data with
// the built web app, Debian's chromium started with the flags this closed network needs and
// driven over CDP (playwright's launch() refuses a --user-data-dir), a fresh context per user,
// and numbered screenshots in a temp directory (printed).
//
// Env: ZUGONG_E2E_WEB (default <repo>/web/dist), ZUGONG_E2E_SHOTS (default a new temp dir),
// CHROMIUM (default /usr/bin/chromium).
//
// Usage: `import { useBrowser, srv, browser, admin, shot, loginPage, input, pickOption, opts } from
// '../lib/browser.mjs'; useBrowser('mobile');` — srv, browser and admin are live bindings, set
// once the before() hook has run.
import { before, after } from 'node:test';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, repoRoot, DEMO_PASSWORD } from './server.mjs';
import { loginAs } from './client.mjs';

export const WEB = process.env.ZUGONG_E2E_WEB || path.join(repoRoot, 'web', 'dist');
let SHOTS;
export const webReady = existsSync(path.join(WEB, 'index.html'));

export let srv;
export let browser;
let chromeProc;
let userDir;
export let admin; // API client for set-up and checks
let shotNo = 0;

export async function shot(page, name) {
  const file = path.join(SHOTS, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A new context logged in through the login page as `username`. */
export async function loginPage(username, password = DEMO_PASSWORD, name = username) {
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
export function input(page, testId) {
  return page.locator(`input[data-test="${testId}"], textarea[data-test="${testId}"], [data-test="${testId}"] input`).first();
}

/** Picks `label` in an Element Plus select (by the select's data-test). */
export async function pickOption(page, selectTest, label, { search = false } = {}) {
  const sel = page.locator(`[data-test=${selectTest}]`).first();
  await sel.click();
  if (search) await page.locator(`[data-test=${selectTest}] input, input[data-test=${selectTest}]`).first().fill(label);
  const opt = page.locator('.el-select-dropdown__item:visible').filter({ hasText: label });
  const exact = opt.filter({ has: page.locator(`text="${label}"`) });
  await ((await exact.count()) ? exact.first() : opt.first()).click();
}

/** Registers the hooks that start the server and the browser for this test file; `name` goes
 *  into the screenshot directory's name; `serverOpts` go to startServer (e.g. demoArgs). */
export function useBrowser(name, serverOpts = {}) {
  SHOTS = process.env.ZUGONG_E2E_SHOTS || mkdtempSync(path.join(tmpdir(), `zugong-e2e-${name}-shots-`));
  mkdirSync(SHOTS, { recursive: true });
  before(async () => {
    if (!webReady) return;
    srv = await startServer({ web: WEB, ...serverOpts });
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
}

export const opts = { skip: webReady ? false : `web app not built (${WEB}/index.html missing)` };
