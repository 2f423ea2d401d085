// Browser journeys in headless Chromium (Debian's, driven by playwright-core), as people use
// the ledger: street staff, a supervisor and the district centre. Screenshots of each step go
// to build/e2e/; every page visited is checked with axe-core (no serious or critical findings).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { startServer, ROOT, sql, png } from './helpers.mjs';

const CHROMIUM = '/usr/bin/chromium';
const shots = join(process.env.LEDGER_E2E_DIR || join(ROOT, 'build/e2e'));
const require = createRequire(import.meta.url);
let chromium, axeSource;
try {
  ({ chromium } = await import('playwright-core'));
  axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
} catch { /* reported by the test below */ }

let srv, ctx, profile;
let step = 0;

async function shot(page, name) {
  step++;
  await page.screenshot({ path: join(shots, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
}

// axe-core in the page (CSP is bypassed for this context only: our CSP forbids injected script).
async function accessible(page, what) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
  assert.deepEqual(result, [], `${what}: ${result.join('\n')}`);
}

async function login(page, who) {
  await page.goto(`${srv.base}/login`);
  await page.getByLabel('登录名').fill(who);
  await page.getByLabel('密码').fill('Demo#2023');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${srv.base}/`);
}

async function logout(page) {
  await page.getByRole('button', { name: '退出' }).click();
  await page.waitForURL(/\/login$/);
}

before(async () => {
  if (!chromium || !existsSync(CHROMIUM)) return;
  mkdirSync(shots, { recursive: true });
  srv = await startServer();
  profile = mkdtempSync(join(tmpdir(), 'ledger-chromium-'));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, bypassCSP: true, acceptDownloads: true,
    viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timeout: 30000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});
after(async () => {
  await ctx?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await srv?.stop();
});

test('browser journey: log, accept, report, submit; return, verify, callback; dashboard to ledger to Excel', { timeout: 180000 }, async () => {
  assert.ok(chromium && axeSource, 'playwright-core and axe-core are installed (make test-deps)');
  assert.ok(existsSync(CHROMIUM), 'Debian chromium is installed (make test-deps)');
  const page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(15000);

  // Street staff logs a problem with a photo.
  await page.goto(`${srv.base}/login`);
  await accessible(page, 'login');
  await shot(page, 'login');
  await login(page, 'xingren');
  await page.goto(`${srv.base}/tickets/new`);
  await accessible(page, 'new ticket');
  await page.getByLabel('问题来源').selectOption('hotline12345');
  await page.getByLabel('问题标题').fill('光明路社区路灯损坏');
  await page.getByLabel('问题描述').fill('小区东门至南门路灯全部不亮，夜间出行不便。');
  await page.getByLabel('领域').selectOption('living_env');
  await page.getByLabel('所在社区/村').selectOption('XR01');
  await page.getByLabel('反映人', { exact: true }).fill('张三');
  await page.getByLabel('现场照片或文件').setInputFiles({ name: '现场.png', mimeType: 'image/png', buffer: png(320, 240) });
  await shot(page, 'staff-new-ticket');
  await page.getByRole('button', { name: '登记' }).click();
  await page.waitForURL(/\/tickets\/\d+\?done=created/);
  const id = page.url().match(/tickets\/(\d+)/)[1];
  assert.match(page.url(), /done=created$/, 'the photo was stored with the ticket');
  await assert.doesNotReject(page.getByRole('img', { name: /现场\.png/ }).waitFor());
  await accessible(page, 'ticket page');
  await shot(page, 'staff-ticket-created');

  await page.getByRole('button', { name: '签收' }).click();
  await page.waitForURL(/done=accept/);
  await page.locator('#progress-note').fill('已联系供电所，更换灯具中。');
  await page.getByRole('button', { name: '报告进展' }).click();
  await page.waitForURL(/done=progress/);
  await page.locator('#submit-statement').fill('路灯已全部修复。');
  await page.getByRole('button', { name: '申请销号' }).click();
  await page.waitForURL(/done=submit/);
  await shot(page, 'staff-submitted');
  await logout(page);

  // The supervisor returns it; staff submits again; the supervisor verifies and calls back.
  await login(page, 'ducha');
  await page.goto(`${srv.base}/todo`);
  await accessible(page, 'to-do');
  await page.getByRole('link', { name: '光明路社区路灯损坏' }).first().click();
  await page.locator('#return-reason').fill('缺少修复后的夜间照片。');
  await page.getByRole('button', { name: '退回重办' }).click();
  await page.waitForURL(/done=return/);
  await shot(page, 'supervisor-returned');
  await logout(page);
  await login(page, 'xingren');
  await page.goto(`${srv.base}/tickets/${id}`);
  await page.locator('#submit-statement').fill('已补充夜间照片。');
  await page.getByRole('button', { name: '申请销号' }).click();
  await page.waitForURL(/done=submit/);
  await logout(page);
  await login(page, 'ducha');
  await page.goto(`${srv.base}/tickets/${id}`);
  await page.locator('#verify-note').fill('现场核实，路灯正常。');
  await page.getByRole('button', { name: '验收通过' }).click();
  await page.waitForURL(/done=verify/);
  await page.locator('#callback-result').selectOption('unsatisfied');
  await page.locator('#callback-resolved').selectOption('0'); // 未解决
  await page.locator('#callback-note').fill('群众反映南门仍有一盏不亮。');
  await page.getByRole('button', { name: '回访' }).click();
  await page.waitForURL(/done=callback/);
  await shot(page, 'supervisor-callback');
  assert.equal(sql(srv.db, `SELECT status || ' ' || color || ' ' || return_count FROM tickets WHERE id = ${id}`), 'rectifying yellow 1');
  assert.equal(sql(srv.db, `SELECT resolved FROM callbacks WHERE ticket_id = ${id}`), '0');
  await logout(page);

  // The district centre sees it on the dashboard, follows the figure, and exports.
  await login(page, 'zhongxin');
  await accessible(page, 'dashboard');
  await shot(page, 'reviewer-dashboard');
  const yellow = page.locator('a[href^="/tickets?color=yellow"]');
  await assert.doesNotReject(yellow.filter({ hasText: '1' }).waitFor());
  await yellow.click();
  await page.waitForURL(/color=yellow/);
  await assert.doesNotReject(page.getByRole('link', { name: '光明路社区路灯损坏' }).waitFor());
  await accessible(page, 'ledger');
  await shot(page, 'reviewer-ledger-yellow');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '导出 Excel' }).click()]);
  const file = await download.path();
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(0, 2).toString(), 'PK');
  assert.match(download.suggestedFilename(), /^问题整改台账-区社会事务综合服务中心-黄标-2023-09-10\.xlsx$/);
  await page.goto(`${srv.base}/reports/dispatch?date=2023-09-10`);
  await accessible(page, 'dispatch');
  await shot(page, 'reviewer-dispatch');
});

// The dispatch loop as its people live it (SPEC sections 9 and 10): a street is told of a new
// dispatch, finds it is not theirs and sends it back; the centre, told of the request,
// reassigns it with a co-unit; the new unit signs for it from its notification, the co-unit
// signs for its part; the centre urges it and prints the 催办通知书. At desk and phone width.
test('browser journey: a street returns a misrouted ticket, the centre reassigns it, the new unit signs from its notification', { timeout: 180000 }, async () => {
  assert.ok(chromium && axeSource && existsSync(CHROMIUM), 'playwright-core, axe-core and chromium are installed');
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  try {
    // The centre dispatches to 兴仁街道 a problem that lies in 兴城街道.
    await ctx.clearCookies();
    await login(page, 'zhongxin');
    await page.goto(`${srv.base}/tickets/new`);
    await page.getByLabel('问题来源').selectOption('hotline12345');
    await page.getByLabel('问题标题').fill('长江路与兴仁路交界处井盖缺失');
    await page.getByLabel('问题描述').fill('路口东北角井盖缺失，夜间有安全隐患。');
    await page.getByLabel('领域').selectOption('living_env');
    await page.getByLabel('属地单位').selectOption('XC');
    await page.getByLabel('责任单位').selectOption('XR'); /* dispatched to the wrong street */
    await page.getByRole('button', { name: '登记' }).click();
    await page.waitForURL(/\/tickets\/\d+\?done=created/);
    const id = page.url().match(/tickets\/(\d+)/)[1];
    await logout(page);

    // 兴仁街道 sees the unread count, opens the notification, asks to send the ticket back.
    await login(page, 'xingren');
    await assert.doesNotReject(page.locator('a[href="/notifications"] .badge').waitFor());
    await page.goto(`${srv.base}/notifications`);
    await accessible(page, 'notifications');
    await shot(page, 'staff-notifications');
    await page.getByRole('button', { name: /新派单：.*长江路与兴仁路交界处井盖缺失/ }).click();
    await page.waitForURL(new RegExp(`/tickets/${id}`));
    await page.locator('#return-request-reason_code').selectOption('not_our_area');
    await page.locator('#return-request-reason').fill('经现场核实，井盖位于长江路一侧，属兴城街道辖区。');
    await page.getByRole('button', { name: '申请退单' }).click();
    await page.waitForURL(/done=return-request/);
    await assert.doesNotReject(page.getByText('退单待审').first().waitFor());
    await logout(page);

    // The centre is told, and reassigns it to 兴城街道 with the water bureau as co-unit.
    await login(page, 'zhongxin');
    await page.goto(`${srv.base}/notifications`);
    await page.getByRole('button', { name: /退单申请：兴仁街道申请退回/ }).first().click();
    await page.waitForURL(new RegExp(`/tickets/${id}`));
    await accessible(page, 'ticket waiting for its return');
    await page.locator('#reassign-responsible_unit').fill('XC');
    await page.locator('#reassign-co_units').fill('区城乡水务局');
    await page.getByRole('button', { name: '改派' }).click();
    await page.waitForURL(/done=reassign/);
    await assert.doesNotReject(page.getByText('兴城街道（待签收）').first().waitFor().catch(() =>
      page.getByText('区城乡水务局（待签收）').first().waitFor()));
    await shot(page, 'reviewer-reassigned');
    await logout(page);

    // 兴城街道 signs for it from its notification; 兴仁街道, no longer responsible, no longer sees it.
    await login(page, 'xingcheng');
    await page.goto(`${srv.base}/notifications`);
    await page.getByRole('button', { name: /新派单：.*长江路与兴仁路交界处井盖缺失/ }).click();
    await page.waitForURL(new RegExp(`/tickets/${id}`));
    await page.getByRole('button', { name: '签收', exact: true }).click();
    await page.waitForURL(/done=accept/);
    await shot(page, 'staff-signed-from-notification');
    await logout(page);
    assert.equal(sql(srv.db, `SELECT status || ' ' || (SELECT code FROM units WHERE id = responsible_unit_id) FROM tickets WHERE id = ${id}`), 'rectifying XC');
    assert.equal(sql(srv.db, `SELECT group_concat(outcome) FROM (SELECT outcome FROM dispatches WHERE ticket_id = ${id} ORDER BY id)`), 'granted,none');
    await login(page, 'xingren');
    assert.equal((await page.goto(`${srv.base}/tickets/${id}`)).status(), 404);
    await logout(page);

    // The centre urges it and prints the unit's 催办通知书, at desk and at phone width.
    await login(page, 'zhongxin');
    await page.goto(`${srv.base}/tickets/${id}`);
    await page.locator('#urge-note').fill('群众再次来电反映，请尽快处置。');
    await page.getByRole('button', { name: '催办' }).click();
    await page.waitForURL(/done=urge/);
    await page.goto(`${srv.base}/reports/urge-notice`);
    await page.getByLabel('单位').selectOption('XC');
    await page.getByRole('button', { name: '生成通知书' }).click();
    await page.waitForURL(/unit=XC/);
    await assert.doesNotReject(page.getByText('长江路与兴仁路交界处井盖缺失').waitFor());
    await accessible(page, 'urge notice');
    await shot(page, 'reviewer-urge-notice');
    await page.setViewportSize({ width: 390, height: 844 });
    for (const u of ['/notifications', `/tickets/${id}`, '/reports/urge-notice?unit=XC']) {
      await page.goto(`${srv.base}${u}`);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${u} is ${width} px wide at 390`);
      await accessible(page, `${u} at phone width`);
      await shot(page, `phone-${u.split('/')[1]}`);
    }
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('form[action="/reports/urge-notice"]').isVisible(), false, 'the unit picker is not printed');
  } finally {
    await page.close();
  }
});

// The demo of `make run` as a district officer first sees it, at today's date: the README's
// screenshots (docs/) are taken here, so they show the product as it is.
test('the living demo: a dashboard with this week in it, a ticket with its story; the README screenshots', { timeout: 180000 }, async () => {
  assert.ok(chromium && axeSource && existsSync(CHROMIUM), 'playwright-core, axe-core and chromium are installed');
  const shanghai = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 19) + '+08:00';
  const demo = await startServer({ now: shanghai });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  try {
    const { ledger } = await import('./helpers.mjs');
    const seeded = ledger(['seed', '--db', demo.db, '--tickets', '3000'], { env: { LEDGER_NOW: shanghai } });
    assert.equal(seeded.code, 0, seeded.stderr);
    await page.goto(`${demo.base}/login`);
    await page.getByLabel('登录名').fill('zhongxin');
    await page.getByLabel('密码').fill('Demo#2023');
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(`${demo.base}/`);
    const home = await page.content();
    assert.match(home, /当前阶段：<strong[^>]*>集中整改/);
    assert.match(home, /还剩 <strong[^>]*>16<\/strong> 天/);
    await accessible(page, 'the demo dashboard');
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.screenshot({ path: join(ROOT, 'docs/dashboard.png'), fullPage: true });
    // A closed ticket with its photo, progress notes, callback and history.
    const id = sql(demo.db, "SELECT t.id FROM tickets t WHERE t.status = 'closed' AND t.callback_count > 0 " +
      'AND EXISTS (SELECT 1 FROM attachments a WHERE a.ticket_id = t.id) ' +
      'AND (SELECT count(*) FROM progress p WHERE p.ticket_id = t.id) >= 2 ORDER BY t.id LIMIT 1');
    assert.ok(Number(id) > 0, 'a demo ticket with a photo, notes and a callback');
    await page.goto(`${demo.base}/tickets/${id}`);
    await page.waitForLoadState('networkidle');
    const thumb = await page.locator('img[src$="/thumb"]').first().evaluate((img) => img.naturalWidth);
    assert.ok(thumb > 0, 'the photo\'s thumbnail shows');
    await accessible(page, 'a demo ticket');
    await page.screenshot({ path: join(ROOT, 'docs/ticket.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${demo.base}/`);
    await page.screenshot({ path: join(shots, 'demo-dashboard-phone.png'), fullPage: true });
    await accessible(page, 'the demo dashboard at phone width');
    // The demo's filings: on time and late, the receipt with its 漏报 leads, at both widths.
    for (const width of [390, 1366]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${demo.base}/filings`);
      const list = await page.content();
      assert.match(list, /按时/);
      assert.match(list, /逾期/);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= width, `/filings fits ${width} px`);
      await accessible(page, `the filings page at ${width} px`);
      await page.screenshot({ path: join(shots, `demo-filings-${width}.png`), fullPage: true });
      await page.locator('td a code').last().click();
      await page.waitForURL(/\/filings\/\d+$/);
      assert.ok(await page.locator('.leads-table tbody tr').count() > 0, 'the first ledger filed has 漏报 leads');
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= width, `a filing fits ${width} px`);
      await accessible(page, `a filing at ${width} px`);
      await page.screenshot({ path: join(shots, `demo-filing-${width}.png`), fullPage: true });
    }
  } finally {
    await page.close();
    await demo.stop();
  }
});

// At 390 px (a phone) no page scrolls sideways: wide tables scroll inside their box. Every page
// of each role's navigation is measured, and checked with axe-core at that width.
test('phone width: no page of any role scrolls sideways', { timeout: 180000 }, async () => {
  assert.ok(chromium && axeSource && existsSync(CHROMIUM), 'playwright-core, axe-core and chromium are installed');
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  await page.setViewportSize({ width: 390, height: 844 });
  const id = sql(srv.db, 'SELECT id FROM tickets ORDER BY id LIMIT 1');
  const pages = {
    zhongxin: ['/', '/tickets', '/todo', '/tickets/new', `/tickets/${id}`, `/tickets/${id}/edit`, `/tickets/${id}/notice`, '/reports/dispatch', '/reports/ranking', '/import',
      '/notifications', '/reports/urge-notice', '/reports/urge-notice?unit=XR', '/reports/assessment', '/reports/assessment?month=2023-09'],
    xingren: ['/', '/tickets', '/todo', '/tickets/new', `/tickets/${id}`, `/tickets/${id}/notice`, '/notifications', '/filings'],
    ducha: ['/', '/tickets', '/todo', '/reports/spotcheck', '/filings'],
    admin: ['/admin/users', '/admin/users/new', '/admin/units', '/admin/campaigns', '/admin/taxonomy', '/admin/calendar', '/admin/calendar?year=2023', '/admin/time-limits', '/admin/outbox', '/admin/assessment'],
  };
  try {
    for (const [who, urls] of Object.entries(pages)) {
      await login(page, who);
      for (const u of urls) {
        const r = await page.goto(`${srv.base}${u}`);
        if (r.status() === 404 && u.startsWith('/tickets/')) continue; // out of this user's scope
        assert.ok(r.status() < 400, `${who} ${u}: ${r.status()}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 390, `${who} ${u} is ${width} px wide at 390`);
        await accessible(page, `${who} ${u} at phone width`);
      }
      await page.context().clearCookies();
    }
  } finally {
    await page.close();
  }
});
