// The dispatch loop (SPEC sections 9, 10 and 15): 退单 within two working days of the dispatch
// (across a weekend and the National Day week), reassignment and refusal, 催办, the cards the
// server issues by itself (restarted at later LEDGER_NOW), the per-unit return counts, and the
// notifications each step leaves for the people who are to act next.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiLogin, as, sql, ledger } from './helpers.mjs';

let srv;
after(async () => { if (srv) await srv.stop(); });

const call = (who, path, method = 'GET', body) => as(who)(`${srv.base}${path}`, {
  method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
});
const json = async (who, path, method, body) => {
  const r = await call(who, path, method, body);
  return { status: r.status, body: await r.json() };
};
// staff of 兴仁 (XR) and 兴城 (XC), the centre, a supervisor.
async function serveAt(now) {
  if (srv) await srv.stop('SIGTERM', { keep: true });
  srv = await startServer({ now, reuse: srv });
  const [xr, xc, centre, sup] = await Promise.all(['xingren', 'xingcheng', 'zhongxin', 'ducha'].map((l) => apiLogin(srv.base, l)));
  return { xr, xc, centre, sup };
}
const base = { source: 'hotline12345', category: 'complaint', domain: 'rural_water', description: '派单测试', unit: 'XR', responsible_unit: 'XR',
  commitment: '按期整改', interim_measures: '临时措施' };
async function dispatch(who, extra = {}) {
  const r = await json(who, '/api/v1/tickets', 'POST', { title: '派单', ...base, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const act = (who, id, action, body = {}) => json(who, `/api/v1/tickets/${id}/actions/${action}`, 'POST', body);
const ticket = async (who, id) => (await json(who, `/api/v1/tickets/${id}`)).body;
const notes = async (who, q = '') => (await json(who, `/api/v1/notifications${q}`)).body;

test('退单 within two working days of the dispatch, counted across a weekend and the National Day week', async () => {
  // Friday 2023-09-22: two working days after it end on Tuesday 09-26.
  let u = await serveAt('2023-09-22T10:00:00+08:00');
  const friday = await dispatch(u.centre);
  const late = await dispatch(u.centre);
  // Thursday 09-28: 09-29–10-06 are off, Saturday 10-07 and Sunday 10-08 are working days.
  u = await serveAt('2023-09-28T15:00:00+08:00');
  const holiday = await dispatch(u.centre);
  assert.equal(holiday.dispatched_at.slice(0, 10), '2023-09-28');

  u = await serveAt('2023-09-26T20:00:00+08:00');
  // A bad reason code, an empty text: refused with the field named, nothing changed.
  let r = await act(u.xr, friday.id, 'return-request', { reason_code: 'bored', reason: '不是我们的' });
  assert.equal(r.status, 422);
  assert.match(r.body.error.fields.reason_code, /属地不符、权属不清、职能交叉或其他/);
  r = await act(u.xr, friday.id, 'return-request', { reason_code: 'not_our_area', reason: '' });
  assert.equal(r.status, 422);
  assert.equal((await ticket(u.xr, friday.id)).status, 'open');
  // Staff of another street: the ticket does not exist for them.
  assert.equal((await act(u.xc, friday.id, 'return-request', { reason_code: 'not_our_area', reason: 'x' })).status, 404);
  // The centre may not ask for a return (it is the unit's).
  assert.equal((await act(u.centre, friday.id, 'return-request', { reason_code: 'not_our_area', reason: 'x' })).status, 403);
  r = await act(u.xr, friday.id, 'return-request', { reason_code: 'not_our_area', reason: '该路段属兴城街道' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const asked = await ticket(u.xr, friday.id);
  assert.equal(asked.status, 'return_requested');
  assert.equal(asked.names.status, '退单待审');
  assert.equal((await json(u.centre, '/api/v1/stats')).body.by_status.return_requested, 1); // the dashboard's 退单待审
  // The dispatch report's week of the Friday dispatches: XR's two, and the return asked of one.
  const report = await (await as(u.centre)(`${srv.base}/reports/dispatch?date=2023-09-22`)).text();
  const loop = report.slice(report.indexOf('派单、退单与催办'));
  assert.match(loop, /<th scope="row">兴仁街道<\/th><td>2<\/td><td>1<\/td><td>0<\/td><td>0<\/td><td>0\.0%<\/td>/);
  assert.match(loop, /href="\/reports\/urge-notice\?unit=XR"/);
  // Waiting for the centre: the unit can no longer sign for it.
  r = await act(u.xr, friday.id, 'accept');
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'invalid_transition');

  // Wednesday 09-27 is past the window of a Friday dispatch: refused, the day in the message.
  u = await serveAt('2023-09-27T09:00:00+08:00');
  r = await act(u.xr, late.id, 'return-request', { reason_code: 'other', reason: '迟了' });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'invalid_transition');
  assert.match(r.body.error.message, /2 个工作日内（2023-09-26 前）/);
  assert.equal((await ticket(u.xr, late.id)).status, 'open');

  // The holiday dispatch: its window runs to Sunday 10-08 (a working day), not past it.
  u = await serveAt('2023-10-09T09:00:00+08:00');
  r = await act(u.xr, holiday.id, 'return-request', { reason_code: 'other', reason: '节后' });
  assert.equal(r.status, 409);
  assert.match(r.body.error.message, /2023-10-08 前/);
  u = await serveAt('2023-10-08T18:00:00+08:00');
  r = await act(u.xr, holiday.id, 'return-request', { reason_code: 'unclear_ownership', reason: '权属待定' });
  assert.equal(r.status, 200, JSON.stringify(r.body));

  // The centre was told of both requests; the street's staff were not.
  const centreNotes = await notes(u.centre);
  const asks = centreNotes.items.filter((n) => n.kind === 'return_requested');
  assert.deepEqual(asks.map((n) => n.ticket.code).sort(), [friday.code, holiday.code].sort());
  assert.match(asks.find((n) => n.ticket.code === friday.code).text, /属地不符/);
  assert.equal((await notes(u.xr)).items.filter((n) => n.kind === 'return_requested').length, 0);

  // Reassigning grants the return: a new dispatch to 兴城, signed for anew, a deadline anew.
  r = await act(u.centre, friday.id, 'reassign', { responsible_unit: 'XR' });
  assert.equal(r.status, 422);
  assert.match(r.body.error.fields.responsible_unit, /须与当前责任单位不同/);
  r = await act(u.centre, friday.id, 'reassign', { responsible_unit: 'NOPE' });
  assert.equal(r.status, 422);
  assert.match(r.body.error.fields.responsible_unit, /不存在/);
  assert.equal((await act(u.xr, friday.id, 'reassign', { responsible_unit: 'XC' })).status, 403);
  r = await act(u.centre, friday.id, 'reassign', { responsible_unit: 'XC', responsible_person: '李四' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const moved = await ticket(u.xc, friday.id);
  assert.equal(moved.status, 'open');
  assert.equal(moved.responsible_unit, 'XC');
  assert.equal(moved.responsible_person, '李四');
  assert.equal(moved.signed_at, null);
  assert.match(moved.dispatched_at, /^2023-10-08T18:00/);
  // 1 working day to sign (to the end of Monday 10-09), 5 to handle (Monday 10-09 … Friday 10-13).
  assert.match(moved.sign_by, /^2023-10-09T23:59/);
  assert.equal(moved.deadline, '2023-10-13');
  assert.equal(moved.original_deadline, '2023-10-13');
  // The new unit is told, from its notification to the ticket.
  const xcNotes = await notes(u.xc, '?unread=1');
  const told = xcNotes.items.find((n) => n.kind === 'dispatched' && n.ticket.code === friday.code);
  assert.ok(told, JSON.stringify(xcNotes));
  assert.match(told.text, /请于 2023-10-09 23:59 前签收/);
  assert.equal((await act(u.xc, friday.id, 'accept')).status, 200);

  // Refusing the other: the same unit, open again, a new time to sign, the deadline kept.
  const before = await ticket(u.xr, holiday.id);
  assert.equal((await act(u.centre, holiday.id, 'return-reject', { reason: '' })).status, 422);
  r = await act(u.centre, holiday.id, 'return-reject', { reason: '属兴仁街道辖区，请按时办理' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const refused = await ticket(u.xr, holiday.id);
  assert.equal(refused.status, 'open');
  assert.equal(refused.responsible_unit, 'XR');
  assert.equal(refused.deadline, before.deadline);
  assert.notEqual(refused.sign_by, before.sign_by);
  assert.equal((await act(u.centre, holiday.id, 'return-reject', { reason: '再次' })).status, 409);

  // Per unit: XR had three dispatches and asked two returns, one granted and one refused; XC one dispatch.
  const xr = (await json(u.xr, '/api/v1/stats')).body;
  assert.deepEqual(xr.returns, { asked: 2, granted: 1, refused: 1 });
  const district = (await json(u.centre, '/api/v1/stats')).body;
  assert.equal(district.dispatches, 5); // three to XR, the reassignment to XC, the refusal's new dispatch to XR
  assert.equal(district.return_rate, 0.2);
  // The tallies agree with a recount, and the dispatches are events of the chain.
  await srv.stop('SIGTERM', { keep: true });
  const check = ledger(['tally-check', '--db', srv.db]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.equal(sql(srv.db, `SELECT group_concat(action, ',') FROM (SELECT action FROM events WHERE entity = 'ticket' AND entity_id = ${friday.id} AND action <> 'card' ORDER BY id)`),
    'create,return-request,reassign,accept');
  assert.equal(ledger(['audit-verify', '--db', srv.db]).code, 0);
  srv = null;
});

test('催办 counts and tells the unit; the server cards a deadline once, by working days, across the holiday', async () => {
  let u = await serveAt('2023-09-25T10:00:00+08:00');
  // Due Thursday 09-28; its yellow card comes on Wednesday 09-27 (one working day left).
  const t = await dispatch(u.centre, { deadline: '2023-09-28', reporter_name: '王小明', reporter_phone: '13912345678',
    title: '王小明反映 13912345678 门前积水' });
  assert.equal((await act(u.xr, t.id, 'urge', { note: '快' })).status, 403);
  assert.equal((await act(u.centre, t.id, 'urge', { note: '' })).status, 422);
  let r = await act(u.centre, t.id, 'urge', { note: '群众再次来电，请加快办理' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await act(u.sup, t.id, 'urge', { note: '督导组催办' })).status, 200);
  assert.equal((await ticket(u.xr, t.id)).urge_count, 2);
  let xr = await notes(u.xr);
  assert.equal(xr.items.filter((n) => n.kind === 'urged').length, 2);
  assert.match(xr.items.find((n) => n.kind === 'urged').text, /催办 2 次/);
  // No notification names the reporter or their phone, even where the title does.
  const texts = sql(srv.db, 'SELECT group_concat(text, char(10)) FROM notifications');
  assert.doesNotMatch(texts, /王小明|13912345678/);
  assert.match(texts, /催办/);
  assert.deepEqual((await ticket(u.xr, t.id)).cards, []);

  const cards = async (who) => (await ticket(who, t.id)).cards.map((c) => `${c.kind}:${c.deadline}`);
  u = await serveAt('2023-09-27T09:00:00+08:00');
  assert.ok(await srv.logLine(/issued \d+ cards/));
  assert.deepEqual(await cards(u.xr), ['yellow:2023-09-28']);
  // Friday 09-29 to Friday 10-06 are off: no red card yet, whatever the calendar days say.
  u = await serveAt('2023-10-06T09:00:00+08:00');
  await srv.logLine(/serving/);
  assert.deepEqual(await cards(u.xr), ['yellow:2023-09-28']);
  // Saturday 10-07 is a working day, the first after the deadline: the red card.
  u = await serveAt('2023-10-07T09:00:00+08:00');
  assert.ok(await srv.logLine(/issued \d+ cards/));
  assert.deepEqual(await cards(u.xr), ['yellow:2023-09-28', 'red:2023-09-28']);
  // Idempotent: another start issues nothing more for that deadline.
  u = await serveAt('2023-10-07T11:00:00+08:00');
  assert.deepEqual(await cards(u.xr), ['yellow:2023-09-28', 'red:2023-09-28']);
  assert.equal(sql(srv.db, `SELECT count(*) FROM cards WHERE ticket_id = ${t.id}`), '2');
  assert.equal(sql(srv.db, `SELECT count(*) FROM events WHERE entity_id = ${t.id} AND action = 'card'`), '2');
  xr = await notes(u.xr);
  assert.deepEqual(xr.items.filter((n) => n.ticket.id === t.id && /card/.test(n.kind)).map((n) => n.kind), ['red_card', 'yellow_card']);
  // An extension gives a new deadline, which may earn new cards.
  assert.equal((await act(u.xr, t.id, 'extend-request', { deadline: '2023-10-09', reason: '材料未到' })).status, 200);
  assert.ok((await notes(u.centre)).items.some((n) => n.kind === 'extension_requested' && n.ticket.id === t.id));
  assert.equal((await act(u.centre, t.id, 'extend-approve')).status, 200);
  u = await serveAt('2023-10-08T09:00:00+08:00');
  assert.ok(await srv.logLine(/issued \d+ cards/));
  assert.deepEqual(await cards(u.xr), ['yellow:2023-09-28', 'red:2023-09-28', 'yellow:2023-10-09']);

  // The 催办通知书 of XR: its carded and urged ticket with the card of its deadline now, dated.
  const page = async (who, q) => as(who)(`${srv.base}/reports/urge-notice${q}`);
  let res = await page(u.centre, '?unit=XR');
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /群众诉求办理催办通知书/);
  assert.match(html, /<strong>兴仁街道：<\/strong>/);
  assert.match(html, /截至2023年10月8日/);
  const row = html.slice(html.indexOf(t.code));
  assert.match(row.slice(0, row.indexOf('</tr>')), /2023-10-09<\/td><td><\/td><td>黄牌<\/td><td>2 次/);
  assert.match(html, /区社会事务综合服务中心（盖章）/);
  // Not XC's: its notice does not list XR's ticket; staff may not print notices; an unknown unit says so.
  assert.doesNotMatch(await (await page(u.centre, '?unit=XC')).text(), new RegExp(t.code));
  assert.equal((await page(u.xr, '?unit=XR')).status, 403);
  res = await page(u.centre, '?unit=NOPE');
  assert.equal(res.status, 404);
  assert.match(await res.text(), /没有这个单位/);
});

test('notifications: the unread count in the navigation, the list, marked read one by one or all', async () => {
  const u = await serveAt('2023-09-25T10:00:00+08:00');
  const t = await dispatch(u.centre, { title: '消息测试' });
  const list = await notes(u.xr, '?unread=1');
  assert.ok(list.unread >= 1);
  const mine = list.items.find((n) => n.ticket.id === t.id);
  assert.equal(mine.kind, 'dispatched');
  assert.equal(mine.read, false);
  // The navigation shows the count.
  const page = await (await as(u.xr)(`${srv.base}/notifications`)).text();
  assert.match(page, new RegExp(`消息 <span class="badge">${list.unread}</span>`));
  assert.match(page, /新派单/);
  // Another street's staff have none of it.
  assert.equal((await notes(u.xc)).items.filter((n) => n.ticket.id === t.id).length, 0);
  // Bad requests change nothing.
  for (const body of [{}, { ids: [] }, { ids: ['x'] }, { ids: [0] }, { all: false }]) {
    const r = await json(u.xr, '/api/v1/notifications/read', 'POST', body);
    assert.equal(r.status, 422, JSON.stringify(body));
  }
  // Marking another user's notification marks nothing.
  assert.equal((await json(u.xc, '/api/v1/notifications/read', 'POST', { ids: [mine.id] })).body.marked, 0);
  let r = await json(u.xr, '/api/v1/notifications/read', 'POST', { ids: [mine.id] });
  assert.equal(r.body.marked, 1);
  assert.equal(r.body.unread, list.unread - 1);
  r = await json(u.xr, '/api/v1/notifications/read', 'POST', { all: true });
  assert.equal(r.body.unread, 0);
  const done = await (await as(u.xr)(`${srv.base}/notifications`)).text();
  assert.doesNotMatch(done, /消息 <span class="badge">/);
});
