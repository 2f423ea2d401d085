// The dashboard's figures against hand-computed expectations on a small fixed data set.
// Today is 2023-09-10 (LEDGER_NOW); the week of 2023-09-04 holds everything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiLogin, as, sql, ledger } from './helpers.mjs';

let srv, staff, other, reviewer, supervisor;
const ids = {};

const call = (who, path, method = 'GET', body) => as(who)(`${srv.base}${path}`, {
  method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
});
async function make(who, unit, deadline, title) {
  const r = await call(who, '/api/v1/tickets', 'POST', {
    source: 'hotline12345', category: 'complaint', domain: unit === 'XR' ? 'rural_water' : 'air', title, description: '统计测试',
    unit, deadline,
  });
  assert.equal(r.status, 201);
  return (await r.json()).id;
}
async function closeIt(id) {
  await call(staff, `/api/v1/tickets/${id}/actions/accept`, 'POST', {});
  const fd = new FormData();
  fd.append('file', new Blob([Buffer.from('%PDF-1.4\n%%EOF\n')]), 'p.pdf');
  await as(staff)(`${srv.base}/api/v1/tickets/${id}/attachments`, { method: 'POST', body: fd });
  await call(staff, `/api/v1/tickets/${id}/actions/submit`, 'POST', { statement: '完成' });
  const r = await call(supervisor, `/api/v1/tickets/${id}/actions/verify`, 'POST', { note: '核实' });
  assert.equal((await r.json()).status, 'closed');
}

before(async () => {
  srv = await startServer();
  [staff, other, reviewer, supervisor] = await Promise.all(['xingren', 'xingcheng', 'zhongxin', 'ducha'].map((l) => apiLogin(srv.base, l)));
  ids.t1 = await make(staff, 'XR', '2023-09-25', 'T1 未报进展');
  ids.t2 = await make(staff, 'XR', '2023-09-12', 'T2 临期');
  ids.t3 = await make(staff, 'XR', '2023-08-01', 'T3 超期');
  await call(staff, `/api/v1/tickets/${ids.t3}/actions/accept`, 'POST', {});
  ids.t4 = await make(staff, 'XR', '2023-09-25', 'T4 按期销号且满意');
  await closeIt(ids.t4);
  await call(supervisor, `/api/v1/tickets/${ids.t4}/actions/callback`, 'POST', { result: 'satisfied', method: 'phone' });
  ids.t5 = await make(staff, 'XR', '2023-09-25', 'T5 不满意重办');
  await closeIt(ids.t5);
  await call(supervisor, `/api/v1/tickets/${ids.t5}/actions/callback`, 'POST', { result: 'unsatisfied', method: 'phone' });
  ids.t6 = await make(other, 'XC', '2023-09-25', 'T6 兴城');
  sql(srv.db, `UPDATE tickets SET last_progress_on = '2023-08-20' WHERE id = ${ids.t1}`);
});
after(async () => { await srv.stop(); });

test('stats API: every figure as computed by hand', async () => {
  const r = await call(reviewer, '/api/v1/stats');
  assert.equal(r.status, 200);
  const s = await r.json();
  assert.equal(s.total, 6);
  assert.deepEqual(s.by_status, { open: 3, rectifying: 2, verifying: 0, closed: 1, return_requested: 0 });
  assert.equal(s.closed_rate, 0.1667);           // 1 / 6
  assert.equal(s.due, 2);                        // T3 (deadline passed) and T4 (closed)
  assert.equal(s.closed_on_time, 1);             // T4
  assert.equal(s.on_time_rate, 0.5);
  assert.equal(s.callbacks, 2);
  assert.equal(s.satisfaction_rate, 0.5);        // T4 satisfied, T5 not
  assert.equal(s.overdue, 1);                    // T3
  assert.equal(s.due_soon, 1);                   // T2
  assert.equal(s.stale, 1);                      // T1
  assert.deepEqual(s.colors, { green: 1, yellow: 1, red: 0 });
  assert.equal(s.supervised, 0);
  const xr = s.by_street.find((g) => g.code === 'XR');
  assert.deepEqual({ total: xr.total, closed: xr.closed, overdue: xr.overdue }, { total: 5, closed: 1, overdue: 1 });
  assert.equal(xr.closed_rate, 0.2);
  assert.equal(s.by_street.find((g) => g.code === 'XC').total, 1);
  assert.equal(s.by_domain.find((g) => g.code === 'rural_water').total, 5);
  assert.equal(s.by_source[0].total, 6);
  assert.equal(s.trend.length, 8);
  assert.deepEqual(s.trend[7], { week: '2023-09-04', new: 6, closed: 1 }); // T5 was reopened
  assert.deepEqual(s.trend[6], { week: '2023-08-28', new: 0, closed: 0 });
});

test('the running tallies behind these figures agree with a recount; a tampered one is named', () => {
  const env = { LEDGER_NOW: '2023-09-10T10:00:00+08:00' };
  const ok = ledger(['tally-check', '--db', srv.db], { env });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const copy = `${srv.db}.tampered`;
  sql(srv.db, `VACUUM INTO '${copy}'`);
  sql(copy, "UPDATE tallies SET n = n + 1 WHERE kind = 'deadline' AND day = '2023-08-01'");
  const bad = ledger(['tally-check', '--db', copy], { env });
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /in tallies, not in the ledger: deadline .* day=2023-08-01 n=2/);
  assert.match(bad.stdout, /dashboard \(district\) differs/);
});

test('stats follow the filters and the unit scope', async () => {
  const xc = await (await call(reviewer, '/api/v1/stats?unit=XC')).json();
  assert.equal(xc.total, 1);
  const mine = await (await call(staff, '/api/v1/stats')).json();
  assert.equal(mine.total, 5);                   // staff see their own unit's figures
  assert.ok(!mine.by_street.some((g) => g.code === 'XC'));
  const widen = await (await call(other, '/api/v1/stats?unit=XR')).json();
  assert.equal(widen.total, 0);
  const later = await (await call(reviewer, '/api/v1/stats?from=2023-09-11')).json();
  assert.equal(later.total, 0);
  const day = await (await call(reviewer, '/api/v1/stats?from=2023-09-10&to=2023-09-10&campaign=SW2023')).json();
  assert.equal(day.total, 6);
  assert.equal((await call(reviewer, '/api/v1/stats?from=2023-02-30')).status, 422);
  const admin = await apiLogin(srv.base, 'admin');
  assert.equal((await call(admin, '/api/v1/stats')).status, 403);
});

test('the dashboard shows the same figures, each a link to the tickets behind it', async () => {
  const html = await (await call(reviewer, '/')).text();
  assert.match(html, /<a class="figure figure-red" href="\/tickets\?light=red"><span class="figure-value">1<\/span>/);
  assert.match(html, /<span class="figure-value">16\.7%<\/span><span class="figure-label">办结率/);
  assert.match(html, /<span class="figure-value">50\.0%<\/span><span class="figure-label">按期办结率/);
  assert.match(html, /href="\/tickets\?stale=1"><span class="figure-value">1</);
  assert.match(html, /<svg class="trend"/);
  assert.match(html, /href="\/tickets\?unit=XR">兴仁街道<\/a><\/td><td>5<\/td>/);
  // Following a figure gives exactly the tickets it counts.
  const list = await (await call(reviewer, '/api/v1/tickets?light=red')).json();
  assert.deepEqual(list.items.map((t) => t.id), [ids.t3]);
  // 按期办结率's two numbers open their own lists, of exactly that many tickets.
  const m = html.match(/按期办结率（<a href="\/tickets\?on_time=1" aria-label="按期办结 (\d+) 件">\d+<\/a> \/ <a href="\/tickets\?due=1" aria-label="应办结 (\d+) 件">/);
  assert.ok(m, 'the on-time rate links its numbers');
  assert.equal((await (await call(reviewer, '/api/v1/tickets?on_time=1')).json()).total, Number(m[1]));
  assert.equal((await (await call(reviewer, '/api/v1/tickets?due=1')).json()).total, Number(m[2]));
  assert.ok(Number(m[1]) > 0 && Number(m[2]) > Number(m[1]));
  // Neither rate opens the plain closed list any more.
  assert.doesNotMatch(html, /href="\/tickets\?status=closed"><span class="figure-value">[^<]*<\/span><span class="figure-label">(按期办结率|满意率)/);
  const scoped = await (await call(reviewer, '/?unit=XC')).text();
  assert.match(scoped, /href="\/tickets\?light=red&amp;unit=XC"/);
});

test('ranking: streets and communities by unsatisfied stock, the last five marked', async () => {
  // Stock by hand: T5 (XR, unclosed, unsatisfied once) → XR 1; XC 0. Add a closed red ticket in ZF.
  sql(srv.db, `UPDATE tickets SET unit_id = (SELECT id FROM units WHERE code = 'ZF'), unit_path = (SELECT path FROM units WHERE code = 'ZF'), status = 'closed', color = 'red', unsatisfied_count = 2 WHERE id = ${ids.t6}`);
  const html = await (await call(reviewer, '/reports/ranking')).text();
  const rows = [...html.matchAll(/<tr( class="row-bottom")?><td>(\d+)<\/td><td><a href="\/tickets\?unit=(\w+)">[^<]+<\/a>(?: <span class="tag tag-red">末五位<\/span>)?<\/td><td><a[^>]*>(\d+)<\/a><\/td><td><a[^>]*>(\d+)<\/a><\/td><td><a[^>]*>(\d+)<\/a><\/td>/g)]
    .map((m) => ({ place: Number(m[2]), unit: m[3], stock: Number(m[4]), red: Number(m[5]), total: Number(m[6]) }));
  assert.deepEqual(rows, [
    { place: 1, unit: 'XR', stock: 1, red: 0, total: 5 },
    { place: 1, unit: 'ZF', stock: 1, red: 1, total: 1 }, // equal stock, equal place
  ]);
  // Every figure opens a list of exactly that many tickets, for streets and for communities.
  for (const r of rows) {
    assert.equal((await (await call(reviewer, `/api/v1/tickets?unit=${r.unit}&stock=1`)).json()).total, r.stock, `${r.unit} stock`);
    assert.equal((await (await call(reviewer, `/api/v1/tickets?unit=${r.unit}`)).json()).total, r.total, `${r.unit} total`);
  }
  // A place for two of the tickets, so that the communities' table has rows to follow.
  sql(srv.db, `UPDATE tickets SET location_unit_id = (SELECT id FROM units WHERE code = 'XR01') WHERE id IN (${ids.t5}, ${ids.t1})`);
  const withPlaces = await (await call(reviewer, '/reports/ranking')).text();
  const places = [...withPlaces.matchAll(/<td><a href="\/tickets\?place=(\w+)">[^<]+<\/a>(?: <span class="tag tag-red">末五位<\/span>)?<\/td><td><a href="\/tickets\?place=\w+&amp;stock=1">(\d+)<\/a><\/td><td><a[^>]*>(\d+)<\/a><\/td><td><a[^>]*>(\d+)<\/a><\/td>/g)]
    .map((m) => ({ code: m[1], stock: Number(m[2]), red: Number(m[3]), total: Number(m[4]) }));
  assert.ok(places.length > 0);
  for (const p of places) {
    assert.equal((await (await call(reviewer, `/api/v1/tickets?place=${p.code}&stock=1`)).json()).total, p.stock, `${p.code} stock`);
    assert.equal((await (await call(reviewer, `/api/v1/tickets?place=${p.code}&color=red`)).json()).total, p.red, `${p.code} red`);
    assert.equal((await (await call(reviewer, `/api/v1/tickets?place=${p.code}`)).json()).total, p.total, `${p.code} total`);
  }
  // Fewer than six units ranked: nobody is marked as the last five.
  assert.doesNotMatch(html, /row-bottom/);
  assert.equal((await call(staff, '/reports/ranking')).status, 403);

  // A period: only the tickets logged in it. T1 is moved to the week before; the week of
  // 09-04 (本周 on 09-10, a Sunday) then leaves XR with four tickets, and every link keeps the days.
  const t1Created = sql(srv.db, `SELECT created_at FROM tickets WHERE id = ${ids.t1}`);
  sql(srv.db, `UPDATE tickets SET created_at = '2023-08-30T09:00:00+08:00' WHERE id = ${ids.t1}`);
  const week = await (await call(reviewer, '/reports/ranking?period=week')).text();
  assert.match(week, /统计范围：本周（2023-09-04 至 2023-09-10）登记的问题/);
  assert.match(week, /<a href="[^"]*period=week"[^>]*aria-current="true"/);
  const xr = week.match(/<a href="\/tickets\?unit=XR&amp;from=2023-09-04&amp;to=2023-09-10">(\d+)<\/a><\/td><\/tr>/);
  assert.ok(xr, 'the total links the ledger over the same days');
  assert.equal(Number(xr[1]), 4);
  assert.equal((await (await call(reviewer, '/api/v1/tickets?unit=XR&from=2023-09-04&to=2023-09-10')).json()).total, 4);
  assert.match(week, /href="\/tickets\?unit=XR&amp;stock=1&amp;from=2023-09-04&amp;to=2023-09-10"/);
  // Days by hand win over a named period; the campaign goes along.
  const days = await (await call(reviewer, '/reports/ranking?from=2023-08-01&to=2023-08-31&campaign=SW2023')).text();
  assert.match(days, /统计范围：2023-08-01 至 2023-08-31登记的问题（专项 SW2023）/);
  assert.match(days, /href="\/tickets\?unit=XR&amp;campaign=SW2023&amp;from=2023-08-01&amp;to=2023-08-31">1<\/a>/);
  // Bad days and unknown periods say so and rank everything, with no bound carried.
  for (const [qs, words] of [['from=2023-13-01', '起止日期须为 YYYY-MM-DD'], ['from=2023-09-10&to=2023-09-01', '开始日期晚于结束日期'], ['period=decade', '未知的统计周期']]) {
    const bad = await call(reviewer, `/reports/ranking?${qs}`);
    assert.equal(bad.status, 200);
    const text = await bad.text();
    assert.match(text, new RegExp(`role="alert">${words}，已按全部问题排名`));
    assert.match(text, /统计范围：全部问题/);
    assert.doesNotMatch(text, /href="\/tickets\?unit=\w+&amp;from=/);
  }
  sql(srv.db, `UPDATE tickets SET created_at = '${t1Created}' WHERE id = ${ids.t1}`);
});

test('dispatch report: the week\'s events per street, change from the week before, filing on time', async () => {
  // 兴仁 files its ledger (报送) now, after the self-inspection ended on 09-05; 兴城 does not.
  const phase = sql(srv.db, "SELECT name FROM campaign_phases WHERE kind = 'self_check' AND campaign_id = (SELECT id FROM campaigns WHERE code = 'SW2023')");
  const filed = await call(reviewer, '/api/v1/filings', 'POST', { campaign: 'SW2023', phase, kind: 'ledger', unit: 'XR' });
  assert.equal(filed.status, 201, await filed.clone().text());
  const fp = (await filed.json()).fingerprint;
  const r = await call(reviewer, '/reports/dispatch?period=week&date=2023-09-10');
  assert.equal(r.status, 200);
  const html = await r.text();
  assert.match(html, /统计周期：2023-09-04 至 2023-09-10（与上一周期 2023-08-28 至 2023-09-03 比较）/);
  const row = (name) => {
    const m = html.match(new RegExp(`<th scope="row">${name}</th>([\\s\\S]*?)</tr>`));
    return [...m[1].matchAll(/<td>([^<]*?)(?: <span class="change">([^<]*)<\/span>)?<\/td>/g)].map((x) => [x[1].trim(), x[2] || '']);
  };
  // 兴仁街道 by hand: new T1–T5; closed (verified) T4 and T5; reopened T5 (unsatisfied callback);
  // overdue at the week's end T3; stale T1. The week before: nothing.
  assert.deepEqual(row('兴仁街道').slice(0, 6), [['5', '+5'], ['2', '+2'], ['0', '持平'], ['1', '+1'], ['1', '+1'], ['1', '+1']]);
  // 及时签收率 of the week's dispatches: T3, T4 and T5 signed the day they came, T1 and T2 not
  // yet signed but not yet due (by the end of Monday 09-11): 3 of 3.
  assert.deepEqual(row('兴仁街道')[7], ['100.0%', '3/3']);
  assert.deepEqual(row('兴仁街道')[6], ['0', '']); // 挂起中: none
  // The ledger was due on 09-05 (end of self-inspection); it was filed on 09-10: when, and its fingerprint.
  assert.match(row('兴仁街道')[8][0], new RegExp(`^逾期报送 2023-09-10 \\d\\d:\\d\\d · ${fp}$`));
  assert.equal(row('兴仁街道')[9][0], '尚未到期'); // progress is due on 09-25
  assert.equal(row('兴城街道')[8][0], '未报送');
  assert.match(html, /及时签收率 = 本期派发的问题中按时签收的 \/ 已签收及超时未签收的/);
  // The notice: its issuer, number and date; only the units that file; a footnote that matches.
  assert.match(html, /<h1 class="notice-title">高新区群众满意度问题整改周调度情况通报<\/h1>/);
  assert.match(html, /<p class="notice-number">第 2 期（水务系统群众满意度“双月攻坚”行动）<\/p>/); // the campaign began in the week of 08-28
  assert.match(html, /<p class="notice-meta"><span>区社会事务综合服务中心<\/span><span>2023年9月10日<\/span><\/p>/);
  assert.match(html, /新增按问题的登记时间统计/);
  assert.doesNotMatch(html, /括号外/);
  for (const dept of ['区督查考核办', '区城乡水务局', '区社会事务综合服务中心']) assert.doesNotMatch(html, new RegExp(`<th scope="row">${dept}</th>`), dept);
  const month = await (await call(reviewer, '/reports/dispatch?period=month&date=2023-09-10')).text();
  assert.match(month, /统计周期：2023年9月（与上一周期 2023-08-01 至 2023-08-31 比较）/);
  assert.match(month, /第 2 期/); // August was the first month
  // A problem imported today with last week's 登记时间 is new in last week, not in this one.
  const csv = (await (await call(reviewer, '/api/v1/export.csv')).text()).replace(/^\uFEFF/, '');
  const header = csv.split('\r\n')[0].split(',');
  const cell = { 问题来源: '12345政务服务热线', 类别: '投诉举报', 领域: '农村供水保障', 属地单位: '兴城街道', 问题标题: '上周受理的问题', 问题描述: '补录', 登记时间: '2023-09-01 09:00' };
  const imp = await as(reviewer)(`${srv.base}/api/v1/import`, { method: 'POST', headers: { 'Content-Type': 'text/csv' },
    body: `${header.join(',')}\r\n${header.map((h) => cell[h] || '').join(',')}\r\n` });
  assert.equal((await imp.json()).imported, 1);
  const newIn = async (date) => {
    const page = await (await call(reviewer, `/reports/dispatch?period=week&date=${date}`)).text();
    return page.match(/<th scope="row">兴城街道<\/th>\s*<td>(\d+)/)[1];
  };
  assert.equal(await newIn('2023-09-10'), '0');
  assert.equal(await newIn('2023-09-01'), '1');
  assert.equal((await call(reviewer, '/reports/dispatch?date=2023-13-01')).status, 422);
  assert.equal((await call(staff, '/reports/dispatch')).status, 403);
});

test('spot-check: a reproducible sample of the quarter\'s closed tickets, with callbacks tracked', async () => {
  const s = await startServer();
  try {
    const rv = await apiLogin(s.base, 'zhongxin');
    ledger(['seed', '--db', s.db, '--tickets', '400'], { env: { LEDGER_NOW: '2023-09-10T10:00:00+08:00' } }); // the server's day
    const page = async (q) => (await as(rv)(`${s.base}/reports/spotcheck?${q}`)).text();
    const ids = (html) => [...html.matchAll(/<td><a href="\/tickets\/(\d+)">[A-Z]+-2023-/g)].map((m) => m[1]);
    const a = await page('quarter=2023Q3&size=15');
    const b = await page('quarter=2023Q3&size=15');
    assert.equal(ids(a).length, 15);
    assert.deepEqual(ids(a), ids(b));
    const closed = sql(s.db, "SELECT count(*) FROM tickets WHERE status = 'closed' AND closed_on BETWEEN '2023-07-01' AND '2023-09-30'");
    assert.match(a, new RegExp(`共销号 <strong>${closed}</strong> 件，抽取 <strong>15</strong> 件`));
    const inSample = ids(a).map(Number);
    const calledBack = Number(sql(s.db, `SELECT count(*) FROM tickets WHERE id IN (${inSample.join(',')}) AND callback_count > 0`));
    assert.match(a, new RegExp(`已回访 <strong>${calledBack}</strong> 件，待回访 <strong>${15 - calledBack}</strong> 件`));
    // A larger sample of the same quarter begins with the same tickets.
    assert.deepEqual(ids(await page('quarter=2023Q3&size=20')).slice(0, 15), ids(a));
    assert.notDeepEqual(ids(await page('quarter=2023Q4&size=15')), ids(a));
    assert.equal((await as(rv)(`${s.base}/reports/spotcheck?quarter=2023Q5`)).status, 422);
  } finally {
    await s.stop();
  }
});
