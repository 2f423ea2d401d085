// The monthly assessment (考评, SPEC sections 11 and 15): every indicator and the score of a
// small fixed month against figures worked out by hand; a street with no tickets (—, not 0 %);
// a tie; 红榜 and 黑榜; the links to the tickets behind a figure; the scheme's checks; publishing
// (refused before the month is over, stored as it stood, an event of the chain, not recomputed).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiLogin, apiCall, as, ledger, sql } from './helpers.mjs';

let srv;
after(async () => { if (srv) await srv.stop(); });
async function serveAt(now) {
  if (srv) await srv.stop('SIGTERM', { keep: true });
  srv = await startServer({ now, reuse: srv });
  const [xr, centre, sup, admin] = await Promise.all(['xingren', 'zhongxin', 'ducha', 'admin'].map((l) => apiLogin(srv.base, l)));
  return { xr, centre, sup, admin };
}
const json = (who, path, method, body) => apiCall(srv.base, who, path, method, body);
const base = { source: 'hotline12345', category: 'complaint', domain: 'urban_water', description: '考评样本' };

test('a month scored by hand: rates with their parts, points, score, ranks, lists, links, publishing', { timeout: 60000 }, async () => {
  let u = await serveAt('2023-10-10T10:00:00+08:00');
  // Tickets dispatched in October 2023; their states set as the month left them.
  const mk = async (ref, unit, place, resp) => (await json(u.centre, '/api/v1/tickets', 'POST',
    { ...base, title: `考评 ${ref}`, source_ref: `AS-${ref}`, unit, location_unit: place, responsible_unit: resp })).body.id;
  const t = {};
  for (const [k, unit, place, resp] of [['A', 'XR', 'XR01', 'XR'], ['B', 'XR', 'XR01', 'XR'], ['C', 'XR', 'XR02', 'XR'],
    ['F', 'XR', 'XR02', 'XR'], ['D', 'XC', 'XC01', 'XC'], ['E', 'XC', 'XC01', 'XC'], ['G', 'XC', 'XC01', 'XC01'],
    ['H', 'XC', 'XC02', 'XC02']]) t[k] = await mk(k, unit, place, resp);
  for (const id of Object.values(t)) assert.ok(id > 0);
  const set = (k, cols) => sql(srv.db, `UPDATE tickets SET ${cols} WHERE id = ${t[k]}`);
  const closedOnTime = "status = 'closed', closed_on = '2023-10-09', original_deadline = '2023-10-20'";
  const signedOnTime = "signed_at = '2023-10-10T11:00:00+08:00', signed_late = 0, sign_by = '2023-10-11T10:00:00+08:00'";
  for (const k of ['A', 'B', 'C', 'G', 'H']) set(k, `${closedOnTime}, ${signedOnTime}`);
  set('F', "sign_by = '2023-10-12T10:00:00+08:00', original_deadline = '2023-10-01'"); // not yet to sign; past due
  set('D', `${closedOnTime}, signed_at = '2023-10-11T11:00:00+08:00', signed_late = 1, sign_by = '2023-10-11T10:00:00+08:00'`);
  set('E', "sign_by = '2023-10-10T09:00:00+08:00', original_deadline = '2023-10-30'"); // past its time to sign; not due
  // Callbacks through the API: 解决率 beside satisfaction; one without it is left out of 解决率.
  const cb = async (k, result, resolved) => {
    const r = await json(u.sup, `/api/v1/tickets/${t[k]}/actions/callback`, 'POST',
      { result, method: 'phone', ...(resolved === undefined ? {} : { resolved }) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  let x = await json(u.sup, `/api/v1/tickets/${t.A}/actions/callback`, 'POST', { result: 'satisfied', method: 'phone', resolved: 'maybe' });
  assert.equal(x.status, 422);
  assert.match(x.body.error.fields.resolved, /已解决或未解决/);
  const a = await cb('A', 'satisfied', true);
  assert.equal(a.callbacks.at(-1).resolved, true);
  await cb('B', 'basically_satisfied', false);
  await cb('C', 'satisfied', true);
  await cb('D', 'satisfied', true);
  await cb('D', 'basically_satisfied');
  await cb('G', 'satisfied', true);
  await cb('H', 'satisfied', true);
  assert.equal(sql(srv.db, `SELECT group_concat(coalesce(resolved, 'null')) FROM callbacks WHERE ticket_id = ${t.D}`), '1,null');
  assert.equal(ledger(['tally-check', '--db', srv.db]).code, 0);

  // Staff do not see the district's assessment; a bad month is refused in Chinese.
  assert.equal((await json(u.xr, '/api/v1/assessment?month=2023-10')).status, 403);
  x = await json(u.centre, '/api/v1/assessment?month=2023-13');
  assert.equal(x.status, 422);
  assert.match(x.body.error.message, /YYYY-MM/);
  const r = (await json(u.centre, '/api/v1/assessment?month=2023-10')).body;
  assert.equal(r.published, false);
  assert.deepEqual(r.scheme.indicators.map((i) => [i.code, i.weight, i.floor, i.target]),
    [['sign_on_time', 10, 0.8, 1], ['on_time', 25, 0.6, 1], ['resolved', 30, 0.6, 1], ['satisfied', 35, 0.6, 1]]);
  const by = Object.fromEntries(r.units.map((v) => [v.unit, v]));
  const parts = (code) => Object.fromEntries(Object.entries(by[code].rates).map(([k, v]) => [k, [v.num, v.den, v.rate, v.points]]));
  // 兴仁: A, B, C closed on time and signed on time; F not yet to sign, past its original deadline.
  assert.deepEqual(parts('XR'), {
    sign_on_time: [3, 3, 1, 10],              // F is not yet due to sign
    on_time: [3, 4, 0.75, 9.38],              // 25 × (0.75 − 0.6) / 0.4 = 9.375
    closed: [3, 4, 0.75, null],               // not in the scheme
    resolved: [2, 3, 0.6667, 5],              // 30 × (2/3 − 0.6) / 0.4 = 5
    satisfied: [3, 3, 1, 35],
    callback_coverage: [3, 3, 1, null],
    return_rate: [0, 4, 0, null],             // four dispatches to 兴仁, none sent back
    redo_rate: [0, 3, 0, null],
  });
  assert.equal(by.XR.score, 59.38); // 10 + 9.375 + 5 + 35 = 59.375
  // 兴城 with its communities: D signed late, E past its time to sign → 2 of 4 on time, 0 points.
  assert.deepEqual(parts('XC').sign_on_time, [2, 4, 0.5, 0]);
  assert.deepEqual(parts('XC').on_time, [3, 3, 1, 25]);
  assert.deepEqual(parts('XC').resolved, [3, 3, 1, 30]); // D's second callback did not say
  assert.deepEqual(parts('XC').satisfied, [4, 4, 1, 35]);
  assert.equal(by.XC.score, 90);
  // 张范: no ticket. No rate is 0 %: each is null, and there is no score or place.
  assert.deepEqual(parts('ZF').on_time, [0, 0, null, null]);
  assert.equal(by.ZF.score, null);
  assert.equal(by.ZF.rank, null);
  assert.equal(by.ZF.list, null);
  // Streets: 兴城 first (红榜), 兴仁 second (黑榜): two ranked, one on each list.
  assert.deepEqual([by.XC.rank, by.XC.list, by.XR.rank, by.XR.list], [1, 'red', 2, 'black']);
  // Communities: 长江路 and 泰山路 tie at 100 and share the first place.
  assert.deepEqual([by.XC01.score, by.XC01.rank, by.XC02.score, by.XC02.rank], [100, 1, 100, 1]);
  assert.equal(by.XR01.score, null);
  // One unit's row; an unknown one refused.
  x = (await json(u.centre, '/api/v1/assessment?month=2023-10&unit=XR')).body;
  assert.deepEqual(x.units.map((v) => [v.unit, v.score, v.rank]), [['XR', 59.38, 2]]);
  assert.equal((await json(u.centre, '/api/v1/assessment?month=2023-10&unit=NOPE')).status, 422);
  // The tickets behind a figure: the ledger with the same month, unit and part.
  const total = async (q) => (await json(u.centre, `/api/v1/tickets?${q}`)).body.total;
  assert.equal(await total('responsible_unit=XR&dispatched=2023-10&assess=on_time'), 3);
  assert.equal(await total('responsible_unit=XR&dispatched=2023-10&assess=on_time.den'), 4);
  assert.equal(await total('responsible_unit=XC&dispatched=2023-10&assess=sign_on_time.den'), 4);
  assert.equal(await total('responsible_unit=XR&dispatched=2023-09'), 0);
  x = await json(u.centre, '/api/v1/tickets?dispatched=2023-1');
  assert.equal(x.status, 422);
  assert.match(x.body.error.fields.dispatched, /月份/);

  // The page: ranks, lists, every part, — for no rate, the formula, the links.
  let page = await (await as(u.centre)(`${srv.base}/reports/assessment?month=2023-10`)).text();
  assert.match(page, /兴城街道 <span class="tag tag-red">红榜<\/span><\/td><td><strong>90\.00<\/strong>/);
  assert.match(page, /兴仁街道 <span class="tag tag-black">黑榜<\/span><\/td><td><strong>59\.38<\/strong>/);
  assert.match(page, /<td>—<\/td><td>张范街道<\/td><td><strong>—<\/strong>/);
  assert.match(page, /href="\/tickets\?responsible_unit=XR&amp;dispatched=2023-10&amp;assess=on_time">3<\/a>\/<a href="\/tickets\?responsible_unit=XR&amp;dispatched=2023-10&amp;assess=on_time.den">4<\/a> · 9\.38/);
  assert.match(page, /按期办结率 = 按期办结 ÷ 应办结/);
  assert.match(page, /发布 2023-10 考评结果/);
  assert.match(page, /不满意存量排名/);
  assert.match(await (await as(u.centre)(`${srv.base}/reports/ranking`)).text(), /<a href="\/reports\/assessment">月度考评与红黑榜<\/a>/);

  // Publishing: not before the month is over.
  x = await json(u.centre, '/api/v1/assessment/publish', 'POST', { month: '2023-10' });
  assert.equal(x.status, 409);
  assert.match(x.body.error.message, /尚未结束/);
  assert.equal((await json(u.sup, '/api/v1/assessment/publish', 'POST', { month: '2023-09' })).status, 403);
  u = await serveAt('2023-11-02T10:00:00+08:00');
  const before = (await json(u.centre, '/api/v1/assessment?month=2023-10')).body;
  x = await json(u.centre, '/api/v1/assessment/publish', 'POST', { month: '2023-10' });
  assert.equal(x.status, 201, JSON.stringify(x.body));
  assert.equal(x.body.published, true);
  assert.ok(x.body.published_at.startsWith('2023-11-02'));
  assert.equal(sql(srv.db, "SELECT count(*) FROM events WHERE entity = 'assessment' AND action = 'publish'"), '1');
  assert.equal(ledger(['audit-verify', '--db', srv.db]).code, 0);
  // Stored as it stood: a later callback and a new scheme change nothing of it.
  await cb('E', 'satisfied', true).catch(() => {}); // E is open: refused, and that is fine
  sql(srv.db, `UPDATE tickets SET status = 'closed', closed_on = '2023-10-31' WHERE id = ${t.F}`);
  sql(srv.db, "UPDATE assessment_weights SET weight = 20 WHERE indicator = 'sign_on_time' AND campaign_id = 0");
  sql(srv.db, "UPDATE assessment_weights SET weight = 25 WHERE indicator = 'satisfied' AND campaign_id = 0");
  const later = (await json(u.centre, '/api/v1/assessment?month=2023-10')).body;
  assert.equal(later.published, true);
  assert.deepEqual(later.units.map((v) => [v.unit, v.score, v.rank]), before.units.map((v) => [v.unit, v.score, v.rank]));
  assert.equal(later.scheme.indicators[0].weight, 10);
  x = await json(u.centre, '/api/v1/assessment/publish', 'POST', { month: '2023-10' });
  assert.equal(x.status, 409);
  assert.match(x.body.error.message, /已发布/);
  page = await (await as(u.centre)(`${srv.base}/reports/assessment?month=2023-10`)).text();
  assert.match(page, /已发布（2023-11-02/);
  assert.doesNotMatch(page, /发布 2023-10 考评结果/);
  // November compares with the published October.
  const nov = (await json(u.centre, '/api/v1/assessment?month=2023-11')).body;
  assert.equal(nov.previous_month, '2023-10');
});

test('the scheme: the admin edits it; one that does not add up or has a floor above its target is refused', async () => {
  const u = await serveAt('2023-11-02T10:00:00+08:00');
  const post = (fields) => as(u.admin)(`${srv.base}/admin/assessment`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: u.admin.csrf, ...fields }).toString() });
  const demo = { sign_on_time_weight: '10', sign_on_time_floor: '80', sign_on_time_target: '100', on_time_weight: '25',
    on_time_floor: '60', on_time_target: '100', resolved_weight: '30', resolved_floor: '60', resolved_target: '100',
    satisfied_weight: '35', satisfied_floor: '60', satisfied_target: '100' };
  let r = await post({ ...demo, satisfied_weight: '30' });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /各项指标分值合计须为 100 分，现为 95 分/);
  r = await post({ ...demo, on_time_floor: '100', on_time_target: '90' });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /“按期办结率”的下限须低于目标/);
  // Lower is better: 回退率's floor is the higher rate.
  r = await post({ ...demo, satisfied_weight: '25', return_rate_weight: '10', return_rate_floor: '0', return_rate_target: '20' });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /“回退率”越低越好/);
  const before = sql(srv.db, 'SELECT count(*) FROM assessment_weights');
  assert.equal(before, '4');
  // The campaign of the first test's tickets gets its own scheme, with 回退率 (lower is better).
  const code = sql(srv.db, "SELECT c.code FROM campaigns c JOIN tickets t ON t.campaign_id = c.id WHERE t.source_ref = 'AS-A'");
  assert.ok(code);
  r = await post({ ...demo, campaign: code, on_time_weight: '35', resolved_weight: '20', satisfied_weight: '25',
    return_rate_weight: '10', return_rate_floor: '20', return_rate_target: '0' });
  assert.equal(r.status, 303);
  assert.equal(sql(srv.db, `SELECT count(*) FROM assessment_weights WHERE campaign_id = (SELECT id FROM campaigns WHERE code = '${code}')`), '5');
  const c = (await json(u.centre, `/api/v1/assessment?month=2023-10&campaign=${code}`)).body;
  assert.equal(c.published, false); // the district's October was published, not this campaign's
  assert.deepEqual(c.scheme.indicators.find((i) => i.code === 'return_rate'), { code: 'return_rate', name: '回退率', weight: 10, floor: 0.2, target: 0, lower_is_better: true });
  // 兴仁 on 2 November, F closed late since (the first test): signed on time 3 of 3 (F never
  // signed, and is no longer open: 10), on time 3 of 4 (35 × 0.375 = 13.125), resolved 2/3
  // (20 × 1/6 = 3.33), satisfied 100 % (25), 回退率 0 of 4, at its target (10): 61.46.
  const xr = c.units.find((v) => v.unit === 'XR');
  assert.deepEqual(Object.fromEntries(['sign_on_time', 'on_time', 'resolved', 'satisfied', 'return_rate'].map((k) => [k, xr.rates[k].points])),
    { sign_on_time: 10, on_time: 13.13, resolved: 3.33, satisfied: 25, return_rate: 10 });
  assert.equal(xr.score, 61.46);
  assert.equal(sql(srv.db, "SELECT count(*) FROM events WHERE entity = 'assessment_scheme'"), '1');
  const form = await (await as(u.admin)(`${srv.base}/admin/assessment?campaign=${code}`)).text();
  assert.match(form, /name="return_rate_floor" inputmode="decimal" size="5" value="20"/);
});

// A CSV as the export writes it: rows of cells (quoted cells may hold commas, quotes, newlines).
function parseCsv(text) {
  const rows = [[]];
  let cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { rows.at(-1).push(cell); cell = ''; } else if (ch === '\n') { rows.at(-1).push(cell.replace(/\r$/, '')); cell = ''; rows.push([]); } else cell += ch;
  }
  if (cell || rows.at(-1).length) rows.at(-1).push(cell);
  return rows.filter((r) => r.length > 1);
}
const toCsv = (rows) => rows.map((r) => r.map((v) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\r\n') + '\r\n';

test('the import records a hotline callback (回访结果, 是否解决) on a closed ticket once; not on an open one', async () => {
  const u = await serveAt('2023-11-02T10:00:00+08:00');
  const mk = async (ref) => (await json(u.centre, '/api/v1/tickets', 'POST', { ...base, title: `回访导入 ${ref}`, source_ref: `CB-${ref}`,
    unit: 'XR', location_unit: 'XR01', responsible_unit: 'XR' })).body;
  const closed = await mk('1');
  const open = await mk('2');
  sql(srv.db, `UPDATE tickets SET status = 'closed', closed_on = '2023-11-01' WHERE id = ${closed.id}`);
  const file = parseCsv((await (await as(u.centre)(`${srv.base}/api/v1/export.csv?q=${encodeURIComponent('回访导入')}`)).text()).replace(/^\uFEFF/, ''));
  const head = file[0];
  const col = (name) => { const i = head.indexOf(name); assert.ok(i >= 0, `${name} in ${head}`); return i; };
  const [cr, cz, cc] = [col('回访结果'), col('是否解决'), col('问题编号')];
  const rowOf = (code) => file.find((r) => r[cc] === code);
  rowOf(closed.code)[cr] = '不满意';
  rowOf(closed.code)[cz] = '未解决';
  const importAs = async (rows) => (await as(u.centre)(`${srv.base}/api/v1/import?mode=update`, {
    method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: toCsv(rows) })).json();
  // The open ticket's row asks for a callback too: refused, and nothing of that row changes.
  rowOf(open.code)[cr] = '满意';
  let rep = await importAs(file);
  assert.equal(rep.rejected_rows, 1, JSON.stringify(rep).slice(0, 1500));
  assert.match(JSON.stringify(rep.rejected), /问题尚未办结，不能记录回访结果/);
  assert.equal(sql(srv.db, `SELECT count(*) FROM callbacks WHERE ticket_id = ${open.id}`), '0');
  // The closed one: recorded as the callback action records it (unsatisfied: back to rectification).
  assert.equal(sql(srv.db, `SELECT result || ' ' || resolved FROM callbacks WHERE ticket_id = ${closed.id}`), 'unsatisfied 0');
  assert.equal(sql(srv.db, `SELECT status FROM tickets WHERE id = ${closed.id}`), 'rectifying');
  assert.match(JSON.stringify(rep.outcomes), /已记录回访结果/);
  assert.equal(ledger(['tally-check', '--db', srv.db]).code, 0);
  // The same file again (the open row fixed): the callback is there already, nothing is added.
  rowOf(open.code)[cr] = '';
  rep = await importAs(file);
  assert.equal(rep.rejected_rows, 0, JSON.stringify(rep.rejected));
  assert.equal(sql(srv.db, `SELECT count(*) FROM callbacks WHERE ticket_id = ${closed.id}`), '1');
  // A value that is not a callback's is refused in Chinese.
  rowOf(closed.code)[cz] = '也许';
  rep = await importAs(file);
  assert.match(JSON.stringify(rep.rejected), /是否解决须为已解决或未解决/);
});
