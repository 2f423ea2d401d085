// Time limits and signing (SPEC section 8): the rule table, the most specific rule, a hand-set
// deadline winning, the complex case waiting for its commitment, 超时未签收 and 及时签收率 in the
// list, the to-do page, the dashboard's figures and the tallies.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiLogin, as, sql, ledger } from './helpers.mjs';

let srv;
after(async () => { if (srv) await srv.stop(); });

const call = (who, path, method = 'GET', body) => as(who)(`${srv.base}${path}`, {
  method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
});
async function serveAt(now) {
  if (srv) await srv.stop('SIGTERM', { keep: true });
  srv = await startServer({ now, reuse: srv });
  return Promise.all(['xingren', 'zhongxin', 'admin'].map((l) => apiLogin(srv.base, l)));
}
const base = { source: 'hotline12345', category: 'complaint', domain: 'rural_water', description: '时限测试', unit: 'XR',
  commitment: '按期整改', interim_measures: '临时供水' };
async function make(who, extra) {
  const r = await call(who, '/api/v1/tickets', 'POST', { title: '时限', ...base, ...extra });
  const body = await r.json();
  assert.equal(r.status, 201, JSON.stringify(body));
  return body;
}

test('the district starts with the rules of SPEC section 8; only the admin changes them, with clear refusals', async () => {
  const [staff, , admin] = await serveAt('2023-09-10T10:00:00+08:00');
  const rules = await (await call(staff, '/api/v1/time-limits')).json();
  const shape = rules.map((r) => [r.source, r.category, r.urgency, `${r.sign.n}${r.sign.unit}`, `${r.handle.n}${r.handle.unit}`, r.text]);
  assert.deepEqual(shape, [
    [null, null, null, '1wd', '5wd', '5个工作日'],
    [null, 'consultation', null, '1wd', '3wd', '3个工作日'],
    [null, null, 'urgent', '2h', '1wd', '1个工作日'],
    ['self_inspection', null, null, '1wd', '0phase_end', '集中整改阶段结束前'],
    ['undercover', null, null, '1wd', '0phase_end', '集中整改阶段结束前'],
    ['survey_feedback', null, null, '1wd', '0phase_end', '集中整改阶段结束前'],
  ]);
  assert.equal((await call(staff, '/api/v1/time-limits', 'POST', { sign: { n: 1, unit: 'wd' }, handle: { n: 2, unit: 'wd' } })).status, 403);
  const before = sql(srv.db, 'SELECT count(*) FROM time_limits');
  for (const [body, field, says] of [
    [{ source: 'nope', sign: { n: 1, unit: 'wd' }, handle: { n: 2, unit: 'wd' } }, 'source', '问题来源不存在'],
    [{ category: 'nope', sign: { n: 1, unit: 'wd' }, handle: { n: 2, unit: 'wd' } }, 'category', '类别不存在'],
    [{ urgency: 'soon', sign: { n: 1, unit: 'wd' }, handle: { n: 2, unit: 'wd' } }, 'urgency', '缓急须为'],
    [{ sign: { n: -1, unit: 'wd' }, handle: { n: 2, unit: 'wd' } }, 'sign_n', '0 至 999 的整数'],
    [{ sign: { n: 1, unit: 'phase_end' }, handle: { n: 2, unit: 'wd' } }, 'sign_unit', '工作日、自然日或小时'],
    [{ sign: { n: 1, unit: 'wd' }, handle: { n: 0, unit: 'wd' } }, 'handle_n', '1 至 999 的整数'],
    [{ sign: { n: 1, unit: 'wd' }, handle: { n: 2, unit: 'weeks' } }, 'handle_unit', '办理时限的单位'],
    [{ sign: { n: '1x', unit: 'wd' }, handle: { n: 2, unit: 'wd' } }, 'sign_n', '0 至 999 的整数'],
  ]) {
    const r = await call(admin, '/api/v1/time-limits', 'POST', body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.match((await r.json()).error.fields[field], new RegExp(says), field);
  }
  assert.equal(sql(srv.db, 'SELECT count(*) FROM time_limits'), before);
  assert.equal((await call(admin, '/api/v1/time-limits/999', 'DELETE')).status, 404);
  // The page: the rules in words, a form that refuses a bad number with its message.
  const page = await (await as(admin)(`${srv.base}/admin/time-limits`)).text();
  assert.match(page, /<td>任何来源<\/td><td>咨询<\/td><td>任何缓急<\/td><td>1个工作日<\/td><td>3个工作日<\/td>/);
  const bad = await as(admin)(`${srv.base}/admin/time-limits`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: admin.csrf, source: 'hotline12345', category: 'complaint', urgency: 'urgent', sign_n: 'abc',
      sign_unit: 'h', handle_n: '2', handle_unit: 'cd' }).toString() });
  assert.equal(bad.status, 422);
  const refused = await bad.text();
  assert.match(refused, /签收时限须为 0 至 999 的整数/);
  // What was chosen is still chosen, so only the bad number needs typing again.
  for (const [name, value] of [['source', 'hotline12345'], ['category', 'complaint'], ['urgency', 'urgent'], ['sign_unit', 'h'], ['handle_unit', 'cd']]) {
    const select = refused.match(new RegExp(`<select[^>]*name="${name}"[^>]*>(.*?)</select>`))[1];
    assert.deepEqual([...select.matchAll(/<option value="([^"]*)" selected>/g)].map((m) => m[1]), [value], name);
  }
  assert.match(refused, /name="handle_n"[^>]*value="2"/);
  assert.equal(sql(srv.db, 'SELECT count(*) FROM time_limits'), before);
});

test('each ticket gets the most specific rule, counted across the National Day week; a hand-set deadline wins', async () => {
  const [staff, , admin] = await serveAt('2023-09-27T10:00:00+08:00');
  let t = await make(staff, {});
  assert.deepEqual([t.deadline, t.sign_by, t.time_limit.text, t.deadline_by_rule], ['2023-10-10', '2023-09-28T23:59:59+08:00', '5个工作日', true]);
  t = await make(staff, { category: 'consultation' }); // 09-28, 10-07, 10-08
  assert.deepEqual([t.deadline, t.time_limit.text], ['2023-10-08', '3个工作日']);
  t = await make(staff, { urgency: 'urgent' });
  assert.deepEqual([t.deadline, t.sign_by, t.time_limit.text], ['2023-09-28', '2023-09-27T12:00:00+08:00', '1个工作日']);
  // Urgent and a consultation: two rules name one field each; the newer (urgent) wins.
  t = await make(staff, { urgency: 'urgent', category: 'consultation' });
  assert.equal(t.time_limit.text, '1个工作日');
  // A rule naming two fields is more specific than either.
  let r = await call(admin, '/api/v1/time-limits', 'POST', { source: 'hotline12345', category: 'consultation', sign: { n: 4, unit: 'h' }, handle: { n: 2, unit: 'cd' } });
  assert.equal(r.status, 201);
  const rule = await r.json();
  assert.deepEqual([rule.source, rule.category, rule.urgency, rule.text], ['hotline12345', 'consultation', null, '2个自然日']);
  t = await make(staff, { urgency: 'urgent', category: 'consultation' });
  assert.deepEqual([t.deadline, t.sign_by, t.time_limit.id], ['2023-09-29', '2023-09-27T14:00:00+08:00', rule.id]);
  // A deadline given by hand wins; the rule is still kept, and the time to sign.
  t = await make(staff, { deadline: '2023-10-20' });
  assert.deepEqual([t.deadline, t.deadline_by_rule, t.time_limit.text, t.sign_by], ['2023-10-20', false, '5个工作日', '2023-09-28T23:59:59+08:00']);
  const page = await (await as(staff)(`${srv.base}/tickets/${t.id}`)).text();
  assert.match(page, /2023-10-20（人工指定；规则时限 5个工作日）/);
  // A rule retired applies to nothing dispatched after; what was dispatched under it keeps it.
  const kept = await make(staff, { category: 'consultation' });
  assert.equal((await call(admin, `/api/v1/time-limits/${rule.id}`, 'DELETE')).status, 200);
  t = await make(staff, { urgency: 'urgent', category: 'consultation' });
  assert.notEqual(t.time_limit.id, rule.id);
  assert.equal(sql(srv.db, `SELECT retired_at IS NOT NULL FROM time_limits WHERE id = ${rule.id}`), '1');
  assert.deepEqual((await (await call(staff, `/api/v1/tickets/${kept.id}`)).json()).time_limit, kept.time_limit);
  assert.equal(sql(srv.db, "SELECT count(*) FROM events WHERE entity = 'time_limit'"), '2'); // added, retired
  // 自查走访: to the end of the rectification phase (seed 000: 2023-09-25), from 09-10.
  await serveAt('2023-09-10T10:00:00+08:00');
  const s2 = await apiLogin(srv.base, 'xingren');
  t = await make(s2, { source: 'self_inspection' });
  assert.deepEqual([t.deadline, t.time_limit.text], ['2023-09-25', '集中整改阶段结束前']);
});

test('a computed deadline past the phase is created, then waits for its commitment before it is signed', async () => {
  const [staff] = await serveAt('2023-09-20T10:00:00+08:00');
  // 5 working days from 09-20: 09-27, beyond the phase's end on 09-25.
  const t = await make(staff, { commitment: '', interim_measures: '' });
  assert.deepEqual([t.deadline, t.complex, t.commitment_due], ['2023-09-27', true, true]);
  const page = await (await as(staff)(`${srv.base}/tickets/${t.id}`)).text();
  assert.match(page, /<strong>待补整改承诺<\/strong>/);
  let r = await call(staff, `/api/v1/tickets/${t.id}/actions/accept`, 'POST', {});
  assert.equal(r.status, 422);
  assert.equal((await r.json()).error.code, 'commitment_required');
  assert.equal(sql(srv.db, `SELECT status || '|' || (signed_at IS NULL) FROM tickets WHERE id = ${t.id}`), 'open|1');
  r = await call(staff, `/api/v1/tickets/${t.id}`, 'PATCH', { version: t.version, commitment: '十月底前完成', interim_measures: '送水上门' });
  assert.equal(r.status, 200);
  assert.equal((await r.json()).commitment_due, false);
  r = await call(staff, `/api/v1/tickets/${t.id}/actions/accept`, 'POST', {});
  assert.equal(r.status, 200);
  // A hand-set deadline past the phase is refused at once, as before (SPEC section 3).
  const hand = await call(staff, '/api/v1/tickets', 'POST', { title: '手填', ...base, commitment: '', interim_measures: '', deadline: '2023-10-30' });
  assert.equal(hand.status, 422);
});

test('超时未签收 and 及时签收率: the list, the to-do page and the dashboard agree; signing late is marked', async () => {
  let [staff, reviewer] = await serveAt('2023-09-27T10:00:00+08:00');
  const onTime = await make(staff, { title: '按时签收' });
  const late = await make(staff, { title: '逾期签收' });
  const waiting = await make(staff, { title: '一直未签收' });
  assert.equal((await call(staff, `/api/v1/tickets/${onTime.id}/actions/accept`, 'POST', {})).status, 200);
  // The holiday: the time to sign (end of 09-28) passes.
  [staff, reviewer] = await serveAt('2023-10-07T09:00:00+08:00');
  const list = await (await call(reviewer, '/api/v1/tickets?sign=late&unit=XR&per_page=200')).json();
  const ids = list.items.map((i) => i.id);
  assert.ok(ids.includes(late.id) && ids.includes(waiting.id) && !ids.includes(onTime.id));
  let stats = await (await call(reviewer, '/api/v1/stats?unit=XR')).json();
  assert.equal(stats.sign_overdue, list.total);
  const todo = await (await as(staff)(`${srv.base}/todo`)).text();
  assert.match(todo, /超时未签收/);
  assert.ok(todo.includes(`/tickets/${waiting.id}`));
  const page = await (await as(staff)(`${srv.base}/tickets/${waiting.id}`)).text();
  assert.match(page, /应于 2023-09-28 23:59 前签收 <span class="tag tag-red">超时未签收<\/span>/);
  const home = await (await as(reviewer)(`${srv.base}/?unit=XR`)).text();
  assert.match(home, new RegExp(`href="/tickets\\?sign=late&amp;unit=XR"><span class="figure-value">${list.total}</span><span class="figure-label">超时未签收`));
  // Signed now: late, and no longer waiting.
  const r = await call(staff, `/api/v1/tickets/${late.id}/actions/accept`, 'POST', {});
  const signed = await r.json();
  assert.deepEqual([signed.signed_at, signed.signed_late], ['2023-10-07T09:00:00+08:00', true]);
  stats = await (await call(reviewer, '/api/v1/stats?unit=XR')).json();
  const now = await (await call(reviewer, '/api/v1/tickets?sign=late&unit=XR&per_page=200')).json();
  assert.equal(stats.sign_overdue, now.total);
  assert.ok(!now.items.some((i) => i.id === late.id));
  const lateList = await (await call(reviewer, '/api/v1/tickets?sign=signed_late&unit=XR')).json();
  assert.equal(stats.signed_late, lateList.total);
  assert.equal(stats.sign_due, stats.signed_on_time + stats.signed_late + stats.sign_overdue);
  assert.equal(stats.sign_on_time_rate, Math.round(stats.signed_on_time / stats.sign_due * 10000) / 10000);
  // The figures from the tallies are the figures from the tickets.
  await srv.stop('SIGTERM', { keep: true });
  const check = ledger(['tally-check', '--db', srv.db]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  srv = await startServer({ now: '2023-10-07T09:00:00+08:00', reuse: srv });
});

test('pausing the clock: asked, approved, 挂起中 everywhere, and resumed with the deadline moved by the working days paused', async () => {
  let [staff, reviewer] = await serveAt('2023-09-27T10:00:00+08:00');
  const t = await make(staff, { title: '挂起测试' }); // 5 working days: 2023-10-10
  assert.equal(t.deadline, '2023-10-10');
  const act = (who, id, action, body = {}) => call(who, `/api/v1/tickets/${id}/actions/${action}`, 'POST', body);
  assert.equal((await act(staff, t.id, 'accept')).status, 200);
  // Bad input changes nothing: no reason, a decision with nothing asked, resuming what runs.
  let r = await act(staff, t.id, 'suspend-request', { reason: '' });
  assert.equal(r.status, 422);
  r = await act(reviewer, t.id, 'suspend-approve');
  assert.equal(r.status, 409);
  assert.equal((await r.json()).error.message, '该问题没有待审批的挂起申请');
  r = await act(staff, t.id, 'resume');
  assert.equal(r.status, 409);
  assert.equal((await r.json()).error.message, '该问题未挂起，无需恢复计时');
  r = await act(staff, t.id, 'suspend-request', { reason: '等待上级审批管网方案' });
  assert.equal(r.status, 200);
  assert.deepEqual((await r.json()).suspend_request, { reason: '等待上级审批管网方案' });
  r = await act(staff, t.id, 'suspend-request', { reason: '再次申请' });
  assert.equal(r.status, 409);
  assert.equal((await r.json()).error.message, '该问题已有待审批的挂起申请，请等待审批');
  assert.equal((await act(staff, t.id, 'suspend-approve')).status, 403);
  const todo = await (await as(reviewer)(`${srv.base}/todo`)).text();
  assert.match(todo, /挂起申请/);
  assert.ok(todo.includes(`/tickets/${t.id}`));
  r = await act(reviewer, t.id, 'suspend-approve');
  let body = await r.json();
  assert.deepEqual([body.suspended, body.suspended_on, body.light, body.working_days_left, body.suspend_request],
    [true, '2023-09-27', 'paused', null, null]);
  // While paused only progress, resume and supervision: submitting is refused, with why.
  r = await act(staff, t.id, 'submit', { statement: '完成' });
  assert.equal(r.status, 409);
  assert.equal((await r.json()).error.message, '该问题已挂起，挂起期间只能报告进展、恢复计时或列入督办');
  assert.equal((await act(staff, t.id, 'progress', { note: '等待审批中' })).status, 200);

  // Past its deadline, across the holiday: still not overdue, not stale, 挂起中 in every count.
  [staff, reviewer] = await serveAt('2023-10-12T10:00:00+08:00');
  body = await (await call(staff, `/api/v1/tickets/${t.id}`)).json();
  assert.deepEqual([body.light, body.stale], ['paused', false]);
  const red = await (await call(reviewer, '/api/v1/tickets?light=red&unit=XR&per_page=200')).json();
  assert.ok(!red.items.some((i) => i.id === t.id));
  const paused = await (await call(reviewer, '/api/v1/tickets?suspended=1&unit=XR')).json();
  assert.deepEqual(paused.items.map((i) => i.id), [t.id]);
  assert.equal((await (await call(reviewer, '/api/v1/tickets?light=paused&unit=XR')).json()).total, 1);
  const stats = await (await call(reviewer, '/api/v1/stats?unit=XR')).json();
  assert.equal(stats.suspended, 1);
  assert.equal(stats.overdue, red.total);
  const home = await (await as(reviewer)(`${srv.base}/?unit=XR`)).text();
  assert.match(home, /href="\/tickets\?suspended=1&amp;unit=XR"><span class="figure-value">1<\/span><span class="figure-label">挂起中/);
  const report = await (await as(reviewer)(`${srv.base}/reports/dispatch?period=week&date=2023-10-12`)).text();
  assert.match(report, /<th scope="row">兴仁街道<\/th>[\s\S]*?<td>1<\/td>\s*<td>[^<]*(?: <span class="change">[^<]*<\/span>)?<\/td>\s*<td>[^<]*<\/td>/);
  const page = await (await as(staff)(`${srv.base}/tickets/${t.id}`)).text();
  assert.match(page, /<strong>挂起中<\/strong>：自 2023-09-27 起经批准暂停计时/);
  // Resumed on 10-12: paused the working days 09-27, 09-28, 10-07 … 10-11 (seven), so the
  // deadline moves from 10-10 to 10-19; the original deadline stays (按期办结率 stays strict).
  r = await act(staff, t.id, 'resume');
  body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.deepEqual([body.suspended, body.deadline, body.original_deadline, body.light, body.working_days_left],
    [false, '2023-10-19', '2023-10-10', 'green', 5]);
  const ev = sql(srv.db, `SELECT group_concat(action, ',') FROM (SELECT action FROM events WHERE entity = 'ticket' AND entity_id = ${t.id} ORDER BY id)`);
  assert.match(ev, /suspend-request,suspend-approve,progress,resume$/);

  // A request refused: the reason is required, the ticket runs on; a closed ticket cannot pause.
  const u = await make(staff, { title: '驳回挂起' });
  await act(staff, u.id, 'suspend-request', { reason: '材料未到' });
  assert.equal((await act(reviewer, u.id, 'suspend-reject', { reason: '' })).status, 422);
  body = await (await act(reviewer, u.id, 'suspend-reject', { reason: '理由不充分' })).json();
  assert.deepEqual([body.suspended, body.suspend_request, body.light === 'paused'], [false, null, false]);
  const done = await make(staff, { title: '已销号' });
  await act(staff, done.id, 'accept');
  const fd = new FormData();
  fd.append('file', new Blob([Buffer.from('%PDF-1.4\n%%EOF\n')]), 'p.pdf');
  assert.equal((await as(staff)(`${srv.base}/api/v1/tickets/${done.id}/attachments`, { method: 'POST', body: fd })).status, 201);
  await act(staff, done.id, 'submit', { statement: '完成' });
  const supervisor = await apiLogin(srv.base, 'ducha');
  assert.equal((await (await act(supervisor, done.id, 'verify', { note: '核实' })).json()).status, 'closed');
  r = await act(staff, done.id, 'suspend-request', { reason: '已销号还想挂起' });
  assert.equal(r.status, 409);
  assert.match((await r.json()).error.message, /问题当前状态为“已销号”，不能进行“申请挂起”操作/);
  await srv.stop('SIGTERM', { keep: true });
  const check = ledger(['tally-check', '--db', srv.db]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  srv = await startServer({ now: '2023-10-12T10:00:00+08:00', reuse: srv });
});
