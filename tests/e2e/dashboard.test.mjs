// End-to-end for 概览 at 1366 px as street user jd01 on the whole small demo: the page opens
// from the side menu on jd01's street and this year; every KPI card shows the API's value; the
// four charts are drawn (a canvas with pixels in it); a card opens the figures page on that
// cell's records (as many as the card counts); a quarter reloads the numbers; 390 px fits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, shot, loginPage, opts } from '../lib/browser.mjs';

useBrowser('dashboard', { demoArgs: [] });

const percent = (pm) => (pm === null ? '—' : `${Math.floor(pm / 10)}.${pm % 10}%`);
const tenths = (t) => (t === null ? '—' : `${Math.floor(t / 10)}.${t % 10}`);
const thousands = (n) => n.toLocaleString('en-US');

/** True when the chart's canvas has some non-blank pixel. */
const drawn = (page, test) =>
  page.locator(`[data-test=${test}] canvas`).first().evaluate((c) => {
    const ctx = c.getContext('2d');
    if (!ctx || !c.width || !c.height) return false;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4 * 16) if (d[i] !== 0) return true;
    return false;
  });

test('概览: KPI cards equal the API, charts drawn, a card opens its records', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  const year = new Date().getFullYear();
  const api = await jd01.ok(`/api/dashboard/grid?period=year&year=${year}`);
  assert.ok(api.kpis.households.count > 0 && api.kpis.received.count > 0, 'the demo has grid data');

  const { page } = await loginPage('jd01');
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.locator('[data-test=menu-dashboard]').click();
  await page.waitForURL((u) => u.pathname === '/dashboard');
  await page.locator('[data-test=dashboard-heading]').getByText(api.org.name).waitFor();

  const value = async (name) => (await page.locator(`[data-test=kpi-${name}] [data-test=kpi-value]`).textContent()).trim();
  for (const name of ['households', 'key', 'visits', 'received', 'overdue'])
    assert.equal(await value(name), thousands(api.kpis[name].count), name);
  for (const name of ['withContact', 'keyVisited', 'answered', 'content']) {
    assert.equal(await value(name), percent(api.kpis[name].permille), name);
    const sub = await page.locator(`[data-test=kpi-${name}] [data-test=kpi-count]`).textContent();
    assert.ok(sub.includes(thousands(api.kpis[name].count)), `${name}: ${sub}`);
  }
  assert.equal(await value('answerDays'), `${tenths(api.kpis.answerDays.meanTenths)}天`);

  for (const chart of ['chart-coverage', 'chart-visits', 'chart-problems', 'chart-satisfaction']) {
    await page.locator(`[data-test=${chart}] canvas`).first().waitFor();
    await page.waitForFunction(
      (t) => {
        const c = document.querySelector(`[data-test=${t}] canvas`);
        if (!c) return false;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 64) if (d[i] !== 0) return true;
        return false;
      },
      chart,
    );
    assert.ok(await drawn(page, chart), `${chart} drawn`);
  }
  await shot(page, 'dashboard-1366');

  // The solved-rate card opens the figures page on problems.flow·answered for the same org and period.
  await page.locator('[data-test=kpi-answered]').click();
  await page.waitForURL((u) => u.pathname === '/figures' && u.searchParams.get('cell') === 'answered');
  const drawer = page.locator('.el-drawer:visible');
  await drawer.locator('.el-pagination__total').getByText(`共 ${api.kpis.answered.count} 条`).waitFor();
  await drawer.getByText('已答复或办结').first().waitFor();
  const rate = page.locator('[data-test="rate-problems.flow-answered"]');
  assert.equal((await rate.textContent()).trim(), `（${percent(api.kpis.answered.permille)}）`);
  await shot(page, 'dashboard-drill-answered');
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'hidden' });

  // The average-days card: the drawer shows the mean and each record's days.
  await page.goBack();
  await page.waitForURL((u) => u.pathname === '/dashboard');
  await page.locator('[data-test=kpi-answerDays]').click();
  await page.waitForURL((u) => u.searchParams.get('cell') === 'answer_days');
  await page.locator('[data-test=records-mean]').getByText(`平均 ${tenths(api.kpis.answerDays.meanTenths)} 天`).waitFor();
  await page.keyboard.press('Escape');

  // A quarter: the numbers follow the API's for it.
  await page.goBack();
  await page.waitForURL((u) => u.pathname === '/dashboard');
  const q1 = await jd01.ok(`/api/dashboard/grid?period=quarter&year=${year}&quarter=1`);
  await page.locator('[data-test=dashboard-period]').getByText('季度').click();
  await page.locator('.el-select').filter({ hasText: /第.季度/ }).click();
  await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '第1季度' }).click();
  await page.locator('[data-test=dashboard-heading]').getByText('第1季度').waitFor();
  await page.locator('[data-test=kpi-received] [data-test=kpi-value]').getByText(thousands(q1.kpis.received.count), { exact: true }).waitFor();
  assert.equal(await value('visits'), thousands(q1.kpis.visits.count));

  // 390 px: the cards and the charts fit the width (no horizontal scroll).
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(400);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no horizontal scroll at 390 px (${overflow})`);
  assert.ok(await drawn(page, 'chart-visits'));
  await shot(page, 'dashboard-390');
});
