// End-to-end for 发展党员: a street user opens the board from the side menu, opens an applicant,
// records the next step through the form and sees it on the timeline; then, for an activist of
// less than a year, tries to record 确定发展对象 today and is refused with the server's message
// (the earliest date) next to the date field; the board card shows that earliest date.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../lib/client.mjs';
import { useBrowser, srv, admin, shot, loginPage, opts, input, pickOption } from '../lib/browser.mjs';
import { children, idNumber, today } from '../lib/fixtures.mjs';

useBrowser('pipeline');

// Same day `n` months later, clamped to the month's last day (as the server's addMonths).
const addMonths = (iso, n) => {
  const [y, m, day] = iso.split('-').map(Number);
  const t = y * 12 + (m - 1) + n;
  const last = new Date(Date.UTC(Math.floor(t / 12), (t % 12) + 1, 0)).getUTCDate();
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}-${String(Math.min(day, last)).padStart(2, '0')}`;
};
const daysAgo = (n) => new Date(Date.parse(today() + 'T00:00:00Z') - n * 86400_000).toISOString().slice(0, 10);

test('发展党员: record the next step, be refused when too early', opts, async () => {
  const jd01 = await loginAs(srv.url, 'jd01');
  const branch = (await children(admin, jd01.user.orgId)).find((k) => k.kind === 'branch');
  const full = await admin.ok(`/api/members?orgId=${branch.id}&category=full&pageSize=2`);
  // A new applicant (step 1 only) and an activist of 100 days.
  const a = await jd01.post('/api/pipeline/applicants', { name: '界面申请人', idNumber: idNumber({ birth: '1998-02-03' }), orgId: branch.id, appliedOn: daysAgo(30) });
  assert.equal(a.status, 201, a.text);
  const b = await jd01.post('/api/pipeline/applicants', { name: '界面积极分子', idNumber: idNumber({ birth: '1997-02-03' }), orgId: branch.id, appliedOn: daysAgo(300) });
  assert.equal(b.status, 201, b.text);
  const activistOn = daysAgo(100);
  for (const [no, on] of [[2, daysAgo(280)], [3, activistOn], [4, daysAgo(95)]]) {
    const r = await jd01.post(`/api/pipeline/applicants/${b.json.id}/steps`, { stepNo: no, doneOn: on, decision: '同意' });
    assert.equal(r.status, 201, r.text);
  }
  const sp = await jd01.post(`/api/pipeline/applicants/${b.json.id}/people`, { role: 'sponsor', memberId: full.items[0].id, fromDate: daysAgo(95) });
  assert.equal(sp.status, 201, sp.text);
  for (const [no, on] of [[5, daysAgo(94)], [6, daysAgo(10)]]) {
    const r = await jd01.post(`/api/pipeline/applicants/${b.json.id}/steps`, { stepNo: no, doneOn: on, decision: '考察良好' });
    assert.equal(r.status, 201, r.text);
  }
  const earliest = addMonths(activistOn, 12);

  const { page } = await loginPage('jd01');
  await page.locator('[data-test=menu-pipeline]').click();
  await page.waitForURL((u) => u.pathname === '/pipeline');
  await pickOption(page, 'pipeline-org', branch.name, { search: true });
  const card = page.locator(`[data-test=card-${b.json.id}]`);
  await card.waitFor();
  await card.getByText(earliest).waitFor();
  await shot(page, 'pipeline-board');

  // 1. The new applicant: record step 2 through the form.
  await page.locator(`[data-test=card-${a.json.id}]`).click();
  await page.waitForURL((u) => u.pathname === `/pipeline/${a.json.id}`);
  const form = page.locator('[data-test=step-form]');
  await form.waitFor();
  assert.equal(await page.locator('[data-test=step-form] .el-date-editor input').inputValue(), today()); // the form's default
  await input(page, 'step-decision').fill('支部书记谈话，了解入党动机');
  await page.locator('[data-test=step-save]').click();
  await page.locator('[data-test=step-2]').getByText('支部书记谈话，了解入党动机').waitFor();
  await shot(page, 'pipeline-step-recorded');
  const after = await jd01.ok(`/api/pipeline/applicants/${a.json.id}`);
  assert.equal(after.lastStep, 2);
  assert.equal(after.steps[1].doneOn, today());

  // 2. The activist: 确定发展对象 today is refused — a year as activist is required.
  await page.goto(srv.url + `/pipeline/${b.json.id}`);
  await page.locator('[data-test=step-form]').waitFor();
  assert.equal(await page.locator('[data-test=step-form] .el-date-editor input').inputValue(), today()); // the form's default
  await input(page, 'step-decision').fill('支委会讨论确定为发展对象');
  await page.locator('[data-test=step-save]').click();
  const err = page.locator('[data-test=step-form] .el-form-item__error');
  await err.waitFor();
  const text = await err.first().innerText();
  assert.ok(text.includes(earliest), `error next to the field names the earliest date: ${text}`);
  assert.ok(text.includes('个月后方可确定为发展对象'), text);
  await shot(page, 'pipeline-refused');
  const still = await jd01.ok(`/api/pipeline/applicants/${b.json.id}`);
  assert.equal(still.lastStep, 6);
  assert.equal(still.stage, 'activist');
});
