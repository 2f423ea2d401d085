// Time as the hotline counts it (SPEC section 8): the holiday calendar, working days in the
// API, and the lights and staleness counted in working days across the 2023 National Day week
// (09-29 to 10-06 off, Saturday 10-07 and Sunday 10-08 worked), with LEDGER_NOW moved.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, apiLogin, as, sql, ledger, tempDir } from './helpers.mjs';

let srv;
after(async () => { if (srv) await srv.stop(); });

const call = (who, path, method = 'GET', body) => as(who)(`${srv.base}${path}`, {
  method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
});
async function serveAt(now) {
  if (srv) await srv.stop('SIGTERM', { keep: true });
  srv = await startServer({ now, reuse: srv });
  return Promise.all(['xingren', 'zhongxin', 'admin', 'ducha'].map((l) => apiLogin(srv.base, l)));
}
async function make(who, deadline, title) {
  const r = await call(who, '/api/v1/tickets', 'POST', {
    source: 'hotline12345', category: 'complaint', domain: 'rural_water', title, description: '工作日测试', unit: 'XR', deadline, commitment: '节后完成', interim_measures: '设置警示',
  });
  assert.equal(r.status, 201, await r.clone().text());
  return (await r.json()).id;
}
const ticket = async (who, id) => (await call(who, `/api/v1/tickets/${id}`)).json();

test('ledger init loads every year chinese-days ships; the API counts on it', async () => {
  let [staff] = await serveAt('2023-09-27T10:00:00+08:00');
  const years = sql(srv.db, 'SELECT min(year) || "-" || max(year) || ":" || count(*) FROM calendar_years');
  assert.match(years, /^2004-2026:23$/);
  assert.match(sql(srv.db, 'SELECT DISTINCT source FROM calendar_years'), /^chinese-days \d+\.\d+\.\d+$/);
  assert.equal(sql(srv.db, "SELECT count(*) FROM events WHERE action = 'calendar.load'"), '23');
  // The SPEC's example: 5 working days from 09-27 end on 10-10, not on the holiday 10-04.
  assert.deepEqual(await (await call(staff, '/api/v1/workdays?from=2023-09-27&add=5')).json(),
    { from: '2023-09-27', add: 5, date: '2023-10-10', estimated: false });
  assert.equal((await (await call(staff, '/api/v1/workdays?from=2023-10-10&add=-5')).json()).date, '2023-09-27');
  // A year with no notice: Monday–Friday, said to be an estimate.
  assert.deepEqual(await (await call(staff, '/api/v1/workdays?from=2027-09-27&add=5')).json(),
    { from: '2027-09-27', add: 5, date: '2027-10-04', estimated: true });
  const bad = await call(staff, '/api/v1/workdays?from=2023-9-27&add=five');
  assert.equal(bad.status, 422);
  const badBody = await bad.json();
  assert.equal(badBody.error.fields.from, '日期须为 YYYY-MM-DD');
  assert.match(badBody.error.fields.add, /整数/);
  const y2023 = await (await call(staff, '/api/v1/calendar/2023')).json();
  assert.equal(y2023.loaded, true);
  assert.deepEqual(y2023.days.filter((d) => d.date >= '2023-09-29' && d.date <= '2023-10-08'), [
    { date: '2023-09-29', off: true, name: '中秋' }, { date: '2023-10-02', off: true, name: '国庆节' },
    { date: '2023-10-03', off: true, name: '国庆节' }, { date: '2023-10-04', off: true, name: '国庆节' },
    { date: '2023-10-05', off: true, name: '国庆节' }, { date: '2023-10-06', off: true, name: '国庆节' },
    { date: '2023-10-07', off: false, name: '国庆节' }, { date: '2023-10-08', off: false, name: '国庆节' },
  ]);
  assert.deepEqual(await (await call(staff, '/api/v1/calendar/2027')).json(), { year: 2027, loaded: false, days: [] });
  assert.equal((await call(staff, '/api/v1/calendar/1999')).status, 404);
});

test('lights and working days left across the holiday week', async () => {
  let [staff, reviewer] = await serveAt('2023-09-27T10:00:00+08:00');
  // From 09-27: 09-28, 10-07, 10-08, 10-09 are the next four working days.
  const soon = await make(staff, '2023-10-07', '国庆调休日到期'); // 2 left: yellow (10 calendar days away)
  const later = await make(staff, '2023-10-09', '国庆后到期');      // 4 left: green
  const inHoliday = await make(staff, '2023-10-03', '假期中到期');  // 1 left (09-28): yellow
  let t = await ticket(staff, soon);
  assert.equal(t.light, 'yellow');
  assert.equal(t.working_days_left, 2);
  assert.equal(t.estimated, false);
  t = await ticket(staff, later);
  assert.equal(t.light, 'green');
  assert.equal(t.working_days_left, 4);
  assert.equal((await ticket(staff, inHoliday)).working_days_left, 1);
  // The list filter and the dashboard count the same tickets.
  const yellow = await (await call(reviewer, '/api/v1/tickets?light=yellow&unit=XR')).json();
  assert.deepEqual(yellow.items.map((i) => i.id).filter((id) => [soon, later, inHoliday].includes(id)).sort(), [soon, inHoliday].sort());
  const stats = await (await call(reviewer, '/api/v1/stats?unit=XR')).json();
  assert.equal(stats.due_soon, yellow.total);

  // On 10-08, a Sunday worked: 10-07's deadline is past (red, −1), 10-09 has one day left.
  [staff, reviewer] = await serveAt('2023-10-08T10:00:00+08:00');
  t = await ticket(staff, soon);
  assert.equal(t.light, 'red');
  assert.equal(t.working_days_left, -1);
  t = await ticket(staff, later);
  assert.equal(t.light, 'yellow');
  assert.equal(t.working_days_left, 1);
  // On a holiday a deadline of the day before is past, but no working day has gone by.
  [staff] = await serveAt('2023-10-04T10:00:00+08:00');
  t = await ticket(staff, inHoliday);
  assert.equal(t.light, 'red');
  assert.equal(t.working_days_left, 0);
});

test('a holiday week makes nothing stale: more than five working days without a note', async () => {
  let [staff, reviewer] = await serveAt('2023-09-28T10:00:00+08:00');
  const id = await make(staff, '2023-10-31', '节前报过进展');
  assert.equal((await call(staff, `/api/v1/tickets/${id}/actions/accept`, 'POST', {})).status, 200);
  assert.equal((await call(staff, `/api/v1/tickets/${id}/actions/progress`, 'POST', { note: '节前进展' })).status, 200);
  // 10-08: ten calendar days, two working days (10-07, 10-08) since the note.
  [staff, reviewer] = await serveAt('2023-10-08T10:00:00+08:00');
  assert.equal((await ticket(staff, id)).stale, false);
  // 10-11: five working days since; 10-12: six, stale — in the list and on the dashboard too.
  [staff, reviewer] = await serveAt('2023-10-11T10:00:00+08:00');
  assert.equal((await ticket(staff, id)).stale, false);
  [staff, reviewer] = await serveAt('2023-10-12T10:00:00+08:00');
  assert.equal((await ticket(staff, id)).stale, true);
  const list = await (await call(reviewer, '/api/v1/tickets?stale=1&unit=XR&per_page=200')).json();
  assert.ok(list.items.some((i) => i.id === id));
  const stats = await (await call(reviewer, '/api/v1/stats?unit=XR')).json();
  assert.equal(stats.stale, list.total);
});

test('a year not loaded is an estimate until its notice is uploaded; bad files change nothing', async () => {
  let [staff, reviewer, admin] = await serveAt('2027-09-27T10:00:00+08:00');
  // Monday–Friday from Monday 09-27: the deadline Friday 10-08 has nine working days left.
  const id = await make(staff, '2027-10-08', '明年的时限');
  // And one the time-limit rule dates: 5 working days, Monday–Friday, to 2027-10-04.
  const byRule = await make(staff, '', '按规则计时');
  let r0 = await ticket(staff, byRule);
  assert.deepEqual([r0.deadline, r0.deadline_by_rule, r0.estimated], ['2027-10-04', true, true]);
  let t = await ticket(staff, id);
  assert.deepEqual([t.light, t.working_days_left, t.estimated], ['green', 9, true]);
  assert.equal((await as(staff)(`${srv.base}/admin/calendar`)).status, 403);
  const page = await (await as(admin)(`${srv.base}/admin/calendar`)).text();
  assert.match(page, /尚未载入 2027 年的节假日安排：今年的工作日按周一至周五估算/);

  const upload = async (name, text) => {
    const fd = new FormData();
    fd.append('file', new Blob([text]), name);
    return as(admin)(`${srv.base}/admin/calendar?csrf_token=${admin.csrf}`, { method: 'POST', body: fd, redirect: 'manual' });
  };
  const eventsBefore = sql(srv.db, 'SELECT count(*) FROM events');
  for (const [text, says] of [['{"year":2027,"days":[{"name":"国庆节","date":"2027-10-32","isOffDay":true}]}', '日期“2027-10-32”无效'],
    ['not json', '不是有效的节假日文件'], ['{"holidays":{"2027-10-01":"x"},"workdays":{"2027-10-01":"x"}}', '既是假日又是工作日']]) {
    const r = await upload('2027.json', text);
    assert.equal(r.status, 422);
    assert.match(await r.text(), new RegExp(`文件未载入：[^<]*${says}`));
  }
  assert.equal(sql(srv.db, 'SELECT count(*) FROM calendar_years WHERE year = 2027'), '0');
  assert.equal(sql(srv.db, 'SELECT count(*) FROM events'), eventsBefore);

  // holiday-cn's format: 09-30 and 10-01 to 10-07 off.
  const days = ['09-30', '10-01', '10-04', '10-05', '10-06', '10-07'].map((d) => ({ name: '国庆节', date: `2027-${d}`, isOffDay: true }));
  const r = await upload('2027.json', JSON.stringify({ year: 2027, days }));
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/admin/calendar?year=2027&done=2027');
  assert.match(await (await as(admin)(`${srv.base}/admin/calendar?year=2027&done=2027`)).text(), /2027-10-07<\/td><td>放假/);
  assert.equal(sql(srv.db, "SELECT count(*) FROM events WHERE action = 'calendar.load' AND entity_id = 2027 AND actor_id = (SELECT id FROM users WHERE login = 'admin')"), '1');
  // The rule's deadline is counted again on the notice (09-28, 09-29, 10-08, 10-11, 10-12),
  // as an event; the deadline set by hand is left alone.
  r0 = await ticket(staff, byRule);
  assert.deepEqual([r0.deadline, r0.original_deadline, r0.estimated], ['2027-10-12', '2027-10-12', false]);
  const recount = JSON.parse(sql(srv.db, `SELECT json_object('b', json(before), 'a', json(after)) FROM events WHERE action = 'recount' AND entity_id = ${byRule}`));
  assert.deepEqual([recount.b.deadline, recount.a.deadline], ['2027-10-04', '2027-10-12']);
  assert.equal(sql(srv.db, `SELECT count(*) FROM events WHERE action = 'recount' AND entity_id = ${id}`), '0');
  // The figures follow at once: 09-28, 09-29, 10-08 are left.
  t = await ticket(staff, id);
  assert.deepEqual([t.light, t.working_days_left, t.estimated], ['yellow', 3, false]);
  const stats = await (await call(reviewer, `/api/v1/stats?unit=XR`)).json();
  const yellow = await (await call(reviewer, '/api/v1/tickets?light=yellow&unit=XR')).json();
  assert.equal(stats.due_soon, yellow.total);
  assert.ok(yellow.items.some((i) => i.id === id));
});

test('ledger calendar import: either format, each file its year; malformed files refused', () => {
  const dir = tempDir();
  const db = join(dir, 'c.db');
  assert.equal(ledger(['init', '--db', db]).code, 0);
  const cn = join(dir, '2027.json');
  writeFileSync(cn, JSON.stringify({ year: 2027, days: [{ name: '元旦', date: '2027-01-01', isOffDay: true }, { name: '春节', date: '2027-02-06', isOffDay: false }] }));
  let r = ledger(['calendar', 'import', '--db', db, cn]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2027 年：1 个休息日，2 个与周一至周五不同的日子，已载入/);
  assert.equal(sql(db, "SELECT group_concat(day || ':' || off) FROM calendar_days WHERE day LIKE '2027%'"), '2027-01-01:1,2027-02-06:0');
  // chinese-days' format replaces the year as a whole.
  const cd = join(dir, 'cd2027.json');
  writeFileSync(cd, JSON.stringify({ holidays: { '2027-10-01': 'National Day,国庆节,7' }, workdays: {}, inLieuDays: {} }));
  r = ledger(['calendar', 'import', '--db', db, cd]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(sql(db, "SELECT group_concat(day || ':' || name) FROM calendar_days WHERE day LIKE '2027%'"), '2027-10-01:国庆节');
  assert.equal(sql(db, "SELECT source FROM calendar_years WHERE year = 2027"), 'cd2027.json');
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"holidays":{"2027-01-01":"x","2028-01-03":"y"},"workdays":{}}');
  r = ledger(['calendar', 'import', '--db', db, bad]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /一个文件只能是一年的安排/);
  assert.equal(sql(db, "SELECT count(*) FROM calendar_days WHERE day LIKE '2028%'"), '0');
  assert.equal(ledger(['calendar', 'import', '--db', db]).code, 2);
  assert.equal(ledger(['calendar', 'import', '--db', db, join(dir, 'missing.json')]).code, 1);
});
