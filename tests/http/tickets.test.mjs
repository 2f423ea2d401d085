// The ledger through the API and pages: creation and its defaults, the whole workflow with
// its refusals, evidence, extensions, optimistic edits, masking, repeat complaints, and
// what staff of another street can (not) reach: tickets, lists, search, attachments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiLogin, as, sql, ledger, unzip, form, png } from './helpers.mjs';

let srv, staff, other, reviewer, supervisor, admin;

const base = () => srv.base;
const json = (s, path, method = 'GET', body) => as(s)(`${base()}${path}`, {
  method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
});
const act = (s, id, action, body = {}) => json(s, `/api/v1/tickets/${id}/actions/${action}`, 'POST', body);
async function upload(s, id, bytes, name = 'photo.png', type = 'image/png') {
  const fd = new FormData();
  fd.append('file', new Blob([bytes], { type }), name);
  return as(s)(`${base()}/api/v1/tickets/${id}/attachments`, { method: 'POST', body: fd });
}
const ticketBody = (extra = {}) => ({
  source: 'hotline12345', category: 'complaint', domain: 'rural_water', title: '前进村自来水每天只供水一次',
  description: '村民反映每日供水时长不足两小时', unit: 'XR', location_unit: 'XR03', reporter_name: '张三',
  reporter_phone: '13812345678', ...extra,
});
async function create(s, extra) {
  const r = await json(s, '/api/v1/tickets', 'POST', ticketBody(extra));
  const body = await r.json();
  assert.equal(r.status, 201, JSON.stringify(body));
  return body;
}

before(async () => {
  srv = await startServer({ args: ['--max-upload', '1'] });
  [staff, other, reviewer, supervisor, admin] = await Promise.all(
    ['xingren', 'xingcheng', 'zhongxin', 'ducha', 'admin'].map((l) => apiLogin(srv.base, l)));
});
after(async () => { await srv.stop(); });

test('creation: readable code, defaults from campaign and domain, unmasked for its author', async () => {
  const t = await create(staff);
  assert.match(t.code, /^XR-2023-\d{6}$/);
  assert.equal(t.status, 'open');
  assert.equal(t.version, 1);
  assert.equal(t.campaign, 'SW2023');
  // No deadline given: the district's rule for any ticket, 5 working days from Sunday
  // 2023-09-10 (SPEC section 8), signed for by the end of the next working day.
  assert.equal(t.deadline, '2023-09-15');
  assert.equal(t.original_deadline, '2023-09-15');
  assert.deepEqual(t.time_limit, { id: t.time_limit.id, text: '5个工作日' });
  assert.equal(t.deadline_by_rule, true);
  assert.equal(t.dispatched_at, '2023-09-10T10:00:00+08:00');
  assert.equal(t.sign_by, '2023-09-11T23:59:59+08:00');
  assert.equal(t.signed_at, null);
  assert.equal(t.signed_late, false);
  assert.equal(t.working_days_left, 5);
  assert.equal(t.responsible_unit, 'SWJ'); // the water bureau, the domain's default
  assert.equal(t.urgency, 'normal');
  assert.equal(t.light, 'green');
  assert.equal(t.color, null);
  assert.equal(t.reporter_name, '张三');
  assert.equal(t.events.length, 1);
  assert.equal(t.events[0].action, 'create');
  const next = await create(staff, { source_ref: 'A-2' });
  assert.equal(Number(next.code.slice(-6)), Number(t.code.slice(-6)) + 1);
  // The ledger page's row names the owning street and, apart from it, the responsible bureau.
  const page = await (await as(staff)(`${base()}/tickets?unit=XR`)).text();
  const row = page.split('<tr>').find((r) => r.includes(`>${t.code}<`));
  assert.ok(row, 'the new ticket is on the first page');
  const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((m) => m[1].replace(/<[^>]+>/g, '').trim());
  // Cells: the row's checkbox (签收所选), code, title, owning street, responsible unit, …
  assert.equal(cells[3], t.names.unit);
  assert.equal(cells[4], t.names.responsible_unit);
  assert.notEqual(t.names.unit, t.names.responsible_unit);
});

test('creation: validation names each bad field in Chinese and stores nothing', async () => {
  const before = sql(srv.db, 'SELECT count(*) FROM tickets');
  const r = await json(staff, '/api/v1/tickets', 'POST', ticketBody({ title: '', source: 'nope', deadline: '2023-02-30', unit: 'XR01', reporter_phone: 'abc' }));
  assert.equal(r.status, 422);
  const { error } = await r.json();
  assert.equal(error.code, 'validation');
  for (const f of ['title', 'source', 'deadline', 'unit', 'reporter_phone']) assert.ok(error.fields[f], f);
  assert.match(error.fields.title, /请填写问题标题/);
  assert.equal(sql(srv.db, 'SELECT count(*) FROM tickets'), before);
  const typed = await json(staff, '/api/v1/tickets', 'POST', { ...ticketBody(), title: 42 });
  assert.equal(typed.status, 422);
  assert.equal((await json(staff, '/api/v1/tickets', 'POST')).status, 400);
});

test('deadlines: a past one is accepted and red at once; beyond the phase needs commitment and interim measures', async () => {
  const late = await create(staff, { deadline: '2023-08-01' });
  assert.equal(late.light, 'red');
  const soon = await create(staff, { deadline: '2023-09-12' });
  assert.equal(soon.light, 'yellow');
  const r = await json(staff, '/api/v1/tickets', 'POST', ticketBody({ deadline: '2023-12-31' }));
  assert.equal(r.status, 422);
  const { error } = await r.json();
  assert.match(error.fields.commitment, /整改承诺/);
  assert.ok(error.fields.interim_measures);
  const complex = await create(staff, { deadline: '2023-12-31', commitment: '年底前完成管网改造', interim_measures: '每日送水车两次' });
  assert.equal(complex.urgency, 'normal');
  assert.equal(complex.complex, true);
  // Urgency and complexity are two facts: an urgent complex case stays urgent, first in the list.
  const both = await create(staff, { urgency: 'urgent', deadline: '2023-12-31', commitment: '年底前完成管网改造', interim_measures: '每日送水车两次' });
  assert.equal(both.urgency, 'urgent');
  assert.equal(both.complex, true);
  const page = await (await as(staff)(`${base()}/tickets/${both.id}`)).text();
  assert.match(page, /<span class="urgency urgency-urgent">紧急<\/span>\s*<span class="badge badge-complex">复杂问题<\/span>/);
  // An older client's 复杂 is taken as 一般, complexity following the deadline.
  const old = await create(staff, { urgency: 'complex', deadline: '2023-09-20' });
  assert.equal(old.urgency, 'normal');
  assert.equal(old.complex, false);
  // A deadline moved within the phase makes the case ordinary again; beyond, complex.
  const moved = await json(reviewer, `/api/v1/tickets/${both.id}`, 'PATCH', { version: both.version, deadline: '2023-09-20' });
  assert.equal(moved.status, 200);
  assert.equal((await moved.json()).complex, false);
  const list = await (await json(staff, '/api/v1/tickets?per_page=100')).json();
  const rank = (t) => (t.urgency === 'urgent' ? 0 : 1);
  assert.deepEqual(list.items.map(rank), [...list.items.map(rank)].sort((a, b) => a - b));
});

test('the whole workflow, with every refusal changing nothing', async () => {
  // No place given: not a repeat of the earlier tickets, so supervision comes only from the colour.
  const t = await create(staff, { location_unit: '' });
  assert.equal(t.supervised, false);
  const refuse = async (s, action, body, status, code) => {
    const r = await act(s, t.id, action, body);
    assert.equal(r.status, status, `${action}: ${await r.clone().text()}`);
    if (code) assert.equal((await r.json()).error.code, code);
  };
  await refuse(supervisor, 'verify', { note: 'x' }, 409, 'invalid_transition');
  await refuse(staff, 'verify', { note: 'x' }, 403, 'forbidden');
  await refuse(reviewer, 'accept', {}, 403);
  await refuse(staff, 'progress', { note: 'x' }, 409);
  assert.equal(sql(srv.db, `SELECT status || version FROM tickets WHERE id = ${t.id}`), 'open1');

  let r = await act(staff, t.id, 'accept');
  assert.equal(r.status, 200);
  assert.equal((await r.json()).status, 'rectifying');
  await refuse(staff, 'progress', {}, 422, 'validation');
  r = await act(staff, t.id, 'progress', { note: '已联系水厂调整供水时段' });
  assert.equal((await r.json()).progress.length, 1);
  await refuse(staff, 'submit', { statement: '已恢复' }, 422); // no evidence yet
  assert.equal((await (await upload(staff, t.id, png(640, 480))).json()).thumbnail, true);
  r = await act(staff, t.id, 'submit', { statement: '已恢复每日三次供水' });
  assert.equal((await r.json()).status, 'verifying');

  await refuse(supervisor, 'return', {}, 422);
  r = await act(supervisor, t.id, 'return', { reason: '照片未显示供水时段公示' });
  let body = await r.json();
  assert.equal(body.status, 'rectifying');
  assert.equal(body.return_count, 1);
  await act(staff, t.id, 'submit', { statement: '已补充公示照片' });
  r = await act(supervisor, t.id, 'verify', { note: '现场核实已整改' });
  body = await r.json();
  assert.equal(body.status, 'closed');
  assert.equal(body.closed_on, '2023-09-10');
  assert.equal(body.light, null);

  // Callbacks: unsatisfied → yellow and back to rectifying; the second time red and supervised.
  await refuse(supervisor, 'callback', { result: 'so-so', method: 'phone' }, 422);
  r = await act(supervisor, t.id, 'callback', { result: 'unsatisfied', method: 'phone', note: '仍只供水一次' });
  body = await r.json();
  assert.equal(body.status, 'rectifying');
  assert.equal(body.color, 'yellow');
  assert.equal(body.unsatisfied_count, 1);
  assert.equal(body.supervised, false);
  // Reopened: work to redo, by a new (provisional) deadline from today, the reason kept; the
  // original deadline keeps the strict on-time figure; it waits in the centre's to-do.
  assert.equal(body.reopened_on, '2023-09-10');
  assert.equal(body.reopen_reason, '仍只供水一次');
  assert.equal(body.deadline, '2023-09-17');
  assert.equal(body.deadline_pending, true);
  assert.notEqual(body.light, 'red');
  assert.equal(body.original_deadline, t.original_deadline);
  const staffPage = await (await as(staff)(`${base()}/tickets/${t.id}`)).text();
  assert.match(staffPage, /<strong>群众不满意，需重新整改<\/strong>（2023-09-10 重开）：仍只供水一次/);
  assert.ok(staffPage.indexOf('群众不满意，需重新整改') < staffPage.indexOf('基本情况'), 'the reason comes first');
  assert.match(staffPage, /新的整改时限：2023-09-17（暂按重开后 7 天计，待区级调度人员确定）/);
  const staffTodo = await (await as(staff)(`${base()}/todo`)).text();
  assert.match(staffTodo, new RegExp(`<h2>群众不满意，需重新整改 <span class="badge">\\d+</span></h2>[^]*?href="/tickets/${t.id}"`));
  const centreTodo = await (await as(reviewer)(`${base()}/todo`)).text();
  assert.match(centreTodo, new RegExp(`<h2>重开问题待定时限 <span class="badge">\\d+</span></h2>[^]*?href="/tickets/${t.id}"`));
  const listed = await (await json(reviewer, '/api/v1/tickets?deadline_pending=1')).json();
  assert.ok(listed.items.some((x) => x.id === t.id));
  // The reviewer sets the deadline: no longer pending.
  const set = await json(reviewer, `/api/v1/tickets/${t.id}`, 'PATCH', { version: body.version, deadline: '2023-09-30' });
  const setBody = await set.json();
  assert.equal(set.status, 200, JSON.stringify(setBody));
  assert.equal(setBody.deadline_pending, false);
  assert.equal(setBody.original_deadline, t.original_deadline);
  await act(staff, t.id, 'submit', { statement: '更换水泵' });
  await act(supervisor, t.id, 'verify', { note: '已核实' });
  r = await act(supervisor, t.id, 'callback', { result: 'unsatisfied', method: 'visit' });
  body = await r.json();
  assert.equal(body.color, 'red');
  assert.equal(body.supervised, true);
  await act(staff, t.id, 'submit', { statement: '彻底改造' });
  await act(supervisor, t.id, 'verify', { note: '已核实' });
  r = await act(supervisor, t.id, 'callback', { result: 'satisfied', method: 'phone' });
  body = await r.json();
  assert.equal(body.status, 'closed');
  assert.equal(body.color, 'red'); // red stays: two unsatisfied callbacks happened
  r = await act(supervisor, t.id, 'reopen', { reason: '又停水了' });
  body = await r.json();
  assert.equal(body.status, 'rectifying');
  assert.equal(body.relapsed, true);
  assert.ok(body.events.length >= 15);
  // Children come in the order they happened.
  const eventIds = body.events.map((e) => e.id);
  assert.deepEqual(eventIds, [...eventIds].sort((x, y) => x - y));
  assert.deepEqual(body.events.slice(0, 3).map((e) => e.action), ['create', 'accept', 'progress']);
  assert.deepEqual(body.callbacks.map((c) => `${c.result}/${c.method}`), ['unsatisfied/phone', 'unsatisfied/visit', 'satisfied/phone']);
  assert.equal((await act(staff, t.id, 'no-such-action')).status, 404);

  // The page's history: each step by its name, the status it led to where it changed, and the
  // reason, note or statement given.
  const html = await (await as(supervisor)(`${base()}/tickets/${t.id}`)).text();
  const history = html.slice(html.indexOf('<h2>办理记录'));
  const lines = [...history.matchAll(/<li>(.*?)<\/li>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''));
  const has = (re) => assert.ok(lines.some((l) => re.test(l)), `${re} in\n${lines.join('\n')}`);
  has(/登记问题 → 待整改$/);
  has(/李督导（区督查考核办） 回访$/); // satisfied: closed it was and stays
  has(/签收 → 整改中$/);
  has(/报告进展：已联系水厂调整供水时段$/);
  has(/申请销号 → 待验收：已恢复每日三次供水$/);
  has(/退回重办 → 整改中：照片未显示供水时段公示$/);
  has(/验收通过 → 已销号：现场核实已整改$/);
  has(/回访 → 整改中：仍只供水一次$/);
  has(/反弹重开 → 整改中：又停水了$/);
  assert.equal(lines.filter((l) => /报告进展 →/.test(l)).length, 0); // progress keeps the status
});

test('a satisfied first callback gives green', async () => {
  const t = await create(staff);
  await act(staff, t.id, 'accept');
  await upload(staff, t.id, png(20, 20));
  await act(staff, t.id, 'submit', { statement: '完成' });
  await act(supervisor, t.id, 'verify', { note: '好' });
  const r = await act(supervisor, t.id, 'callback', { result: 'basically_satisfied', method: 'sms' });
  const body = await r.json();
  assert.equal(body.color, 'green');
  assert.equal(body.status, 'closed');
  assert.equal(body.callbacks[0].result, 'basically_satisfied');
});

test('extensions keep the original deadline; decisions need a pending request', async () => {
  const t = await create(staff, { deadline: '2023-09-25' });
  assert.equal((await act(reviewer, t.id, 'extend-approve')).status, 409);
  let r = await act(staff, t.id, 'extend-request', { deadline: '2023-09-20', reason: '需要更多时间' });
  assert.equal(r.status, 422); // earlier than the current deadline
  r = await act(staff, t.id, 'extend-request', { deadline: '2023-10-10', reason: '需采购设备' });
  assert.deepEqual((await r.json()).extension_request, { deadline: '2023-10-10', reason: '需采购设备' });
  assert.equal((await act(staff, t.id, 'extend-request', { deadline: '2023-10-20', reason: 'x' })).status, 409);
  assert.equal((await act(staff, t.id, 'extend-approve')).status, 403);
  r = await act(reviewer, t.id, 'extend-approve');
  const body = await r.json();
  assert.equal(body.deadline, '2023-10-10');
  assert.equal(body.original_deadline, '2023-09-25');
  assert.equal(body.extension_request, null);
  await act(staff, t.id, 'extend-request', { deadline: '2023-10-31', reason: '再延' });
  const rej = await (await act(reviewer, t.id, 'extend-reject', { reason: '不予延期' })).json();
  assert.equal(rej.deadline, '2023-10-10');
  assert.equal(rej.extension_request, null);
  const sup = await (await act(reviewer, t.id, 'supervise', { reason: '群众反映强烈' })).json();
  assert.equal(sup.supervised, true);
  // The page says why, by whom and when, beside the badge.
  const page = await (await as(staff)(`${base()}/tickets/${t.id}`)).text();
  assert.match(page, /<p class="supervision"><strong>列入督办<\/strong>：群众反映强烈 <span class="muted">（王主任（区社会事务综合服务中心），2023-09-10 10:00）<\/span><\/p>/);
});

test('optimistic edits: a stale version gets 409 with the current ticket; staff cannot reassign', async () => {
  const t = await create(staff);
  let r = await json(reviewer, `/api/v1/tickets/${t.id}`, 'PATCH', { version: t.version, responsible_person: '王工', deadline: '2023-09-20' });
  assert.equal(r.status, 200);
  const v2 = await r.json();
  assert.equal(v2.version, t.version + 1);
  assert.equal(v2.deadline, '2023-09-20');
  assert.equal(v2.original_deadline, '2023-09-20'); // not yet accepted: the deadline is the original
  r = await json(staff, `/api/v1/tickets/${t.id}`, 'PATCH', { version: t.version, title: '改标题' });
  assert.equal(r.status, 409);
  const c = await r.json();
  assert.equal(c.error.code, 'conflict');
  assert.equal(c.error.current.responsible_person, '王工');
  assert.equal(sql(srv.db, `SELECT title FROM tickets WHERE id = ${t.id}`), t.title);
  r = await json(staff, `/api/v1/tickets/${t.id}`, 'PATCH', { version: v2.version, deadline: '2023-12-01' });
  assert.equal(r.status, 422);
  assert.match((await r.json()).error.fields.deadline, /区级调度/);
  r = await json(staff, `/api/v1/tickets/${t.id}`, 'PATCH', { version: v2.version, title: '更正后的标题' });
  const v3 = await r.json();
  assert.equal(v3.title, '更正后的标题');
  assert.equal((await json(staff, `/api/v1/tickets/${t.id}`, 'PATCH', { title: 'x' })).status, 422); // no version
  // A new category moves the ticket between the category totals (counted from the running
  // tallies; the recount at the end of this file checks them against the ledger).
  const total = async (c) => (await (await json(reviewer, `/api/v1/tickets?category=${c}&per_page=1`)).json()).total;
  const [complaints, suggestions] = [await total('complaint'), await total('suggestion')];
  assert.equal(complaints, Number(sql(srv.db, "SELECT count(*) FROM tickets WHERE category_id = (SELECT id FROM categories WHERE code = 'complaint')")));
  r = await json(staff, `/api/v1/tickets/${t.id}`, 'PATCH', { version: v3.version, category: 'suggestion' });
  assert.equal(r.status, 200);
  assert.equal(await total('complaint'), complaints - 1);
  assert.equal(await total('suggestion'), suggestions + 1);
});

test('staff of another street: no ticket, list row, search hit, attachment or action leaks', async () => {
  const t = await create(staff, { title: '独一无二的泄露测试问题', source_ref: 'LEAK-1' });
  await upload(staff, t.id, png(30, 30));
  const att = sql(srv.db, `SELECT id FROM attachments WHERE ticket_id = ${t.id}`);
  for (const [path, method, body] of [
    [`/api/v1/tickets/${t.id}`, 'GET'], [`/api/v1/tickets/${t.id}`, 'PATCH', { version: 1, title: 'x' }],
    [`/api/v1/tickets/${t.id}/actions/accept`, 'POST', {}], [`/api/v1/attachments/${att}`, 'GET'],
    [`/api/v1/attachments/${att}/thumb`, 'GET'], [`/tickets/${t.id}`, 'GET'], [`/tickets/${t.id}/edit`, 'GET'],
    [`/api/v1/tickets/999999`, 'GET'], [`/tickets/999999`, 'GET'], [`/tickets/${t.id}x`, 'GET'],
  ]) {
    const r = await json(other, path, method, body);
    assert.equal(r.status, 404, `${method} ${path}`);
    assert.doesNotMatch(await r.text(), /独一无二|LEAK-1|张三/);
  }
  const up = await upload(other, t.id, png(10, 10));
  assert.equal(up.status, 404);
  const list = await (await json(other, '/api/v1/tickets?per_page=200')).json();
  assert.ok(!list.items.some((i) => i.id === t.id));
  assert.ok(list.items.every((i) => i.unit === 'XC' || i.responsible_unit === 'XC'));
  for (const q of ['独一无二', '泄露']) {
    const s = await (await json(other, `/api/v1/tickets?q=${encodeURIComponent(q)}`)).json();
    assert.equal(s.total, 0, q);
    const page = await (await json(other, `/tickets?q=${encodeURIComponent(q)}`)).text();
    assert.doesNotMatch(page, new RegExp(`href="/tickets/${t.id}"`)); // the search box echoes q, no row may appear
    assert.match(page, /共 0 个问题/);
    const mine = await (await json(staff, `/api/v1/tickets?q=${encodeURIComponent(q)}`)).json();
    assert.equal(mine.total, 1, q);
  }
  // Filtering by the other street's unit code does not widen the scope.
  const byUnit = await (await json(other, '/api/v1/tickets?unit=XR')).json();
  assert.equal(byUnit.total, 0);
  // The admin has no ledger access at all.
  assert.equal((await json(admin, `/api/v1/tickets/${t.id}`)).status, 403);
  assert.equal((await json(admin, `/tickets/${t.id}`)).status, 403);
  assert.equal((await json(admin, '/api/v1/tickets')).status, 403);
});

test('search: Chinese words of one, two or more characters, progress notes, codes; edits move hits', async () => {
  const a = await create(staff, { title: '金桥苑路灯不亮', description: '夜间通行不便（急），老人摔倒，LED屏也不亮', source_ref: 'SRCH-1' });
  const b = await create(staff, { title: '金桥苑噪声扰民', description: '广场舞音响声音过大', source_ref: 'SRCH-2' });
  assert.equal((await act(staff, b.id, 'accept')).status, 200);
  assert.equal((await act(staff, b.id, 'progress', { note: '已约谈舞队负责人限定音量' })).status, 200);
  const ids = async (q) => {
    const r = await json(reviewer, `/api/v1/tickets?q=${encodeURIComponent(q)}&per_page=100`);
    assert.equal(r.status, 200, q);
    return (await r.json()).items.map((i) => i.id).filter((id) => id === a.id || id === b.id).sort((x, y) => x - y);
  };
  const both = [a.id, b.id].sort((x, y) => x - y);
  assert.deepEqual(await ids('路灯'), [a.id]);           // two characters: through the index now
  assert.deepEqual(await ids('金桥苑'), both);
  assert.deepEqual(await ids('金桥苑路灯不亮'), [a.id]);
  assert.deepEqual(await ids('灯'), [a.id]);             // one character
  assert.deepEqual(await ids('舞'), [b.id]);
  assert.deepEqual(await ids('音量'), [b.id]);           // a progress note
  assert.deepEqual(await ids('金桥苑 音量'), [b.id]);    // every word must occur
  assert.deepEqual(await ids('金桥苑，摔倒'), [a.id]);   // punctuation separates words
  assert.deepEqual(await ids('路灯扰民'), []);           // the words, not each character
  assert.deepEqual(await ids('灯不亮了'), []);
  assert.deepEqual(await ids('"路灯'), [a.id]);          // quotes are no syntax
  assert.equal((await json(reviewer, `/api/v1/tickets?q=${encodeURIComponent('*) OR (')}`)).status, 200);
  // Punctuation alone is looked for as typed; % and _ are no wildcards.
  assert.deepEqual(await ids('（'), [a.id]);
  assert.deepEqual(await ids('%'), []);
  assert.deepEqual(await ids('_'), []);
  // Latin letters in either case, and typed fullwidth.
  assert.deepEqual(await ids('led'), [a.id]);
  assert.deepEqual(await ids('ＬＥＤ屏'), [a.id]);
  assert.deepEqual(await ids('SRCH'), []);               // source_ref is not searched text
  // An edit moves the ticket from the old words to the new.
  let r = await json(staff, `/api/v1/tickets/${a.id}`, 'PATCH', { version: a.version, title: '金桥苑井盖缺失' });
  assert.equal(r.status, 200);
  assert.deepEqual(await ids('路灯'), []);
  assert.deepEqual(await ids('井盖'), [a.id]);
  // The page's search box finds the same.
  const page = await (await json(reviewer, `/tickets?q=${encodeURIComponent('井盖')}`)).text();
  assert.match(page, new RegExp(`href="/tickets/${a.id}"`));
  assert.doesNotMatch(page, new RegExp(`href="/tickets/${b.id}"`));
});

test('masking: lists mask the reporter; acting users see the ticket page unmasked', async () => {
  const t = await create(staff, { reporter_name: '欧阳娜娜', reporter_phone: '13912345678' });
  const list = await (await json(reviewer, `/api/v1/tickets?q=${encodeURIComponent('前进村自来水')}&per_page=200`)).json();
  const row = list.items.find((i) => i.id === t.id);
  assert.equal(row.reporter_name, '欧***');
  assert.equal(row.reporter_phone, '139****5678');
  for (const s of [staff, reviewer, supervisor]) {
    const one = await (await json(s, `/api/v1/tickets/${t.id}`)).json();
    assert.equal(one.reporter_name, '欧阳娜娜');
  }
  const page = await (await json(reviewer, '/tickets?per_page=50')).text();
  assert.doesNotMatch(page, /13912345678/);
});

test('evidence: type by content, size limit, stored by hash, thumbnail served', async () => {
  const t = await create(staff);
  const fake = await upload(staff, t.id, Buffer.from('#!/bin/sh\nrm -rf /\n'), 'report.pdf', 'application/pdf');
  assert.equal(fake.status, 422);
  assert.equal((await fake.json()).error.code, 'unsupported_type');
  const pdf = await upload(staff, t.id, Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'), '整改报告.pdf', 'text/plain');
  assert.equal(pdf.status, 201);
  assert.equal((await pdf.json()).mime, 'application/pdf');
  const big = await upload(staff, t.id, Buffer.alloc(1024 * 1024 + 10, 0x41), 'big.png');
  assert.equal(big.status, 413);
  const none = await as(staff)(`${base()}/api/v1/tickets/${t.id}/attachments`, { method: 'POST', body: new FormData() });
  assert.equal(none.status, 422);
  const noCsrf = await as(staff, { csrf: false })(`${base()}/api/v1/tickets/${t.id}/attachments`, { method: 'POST', body: (() => { const f = new FormData(); f.append('file', new Blob([png(5, 5)]), 'a.png'); return f; })() });
  assert.equal(noCsrf.status, 403);
  assert.equal(sql(srv.db, `SELECT count(*) FROM attachments WHERE ticket_id = ${t.id}`), '1');
  const photo = await (await upload(staff, t.id, png(800, 600), '现场.png')).json();
  const file = await as(staff)(`${base()}${photo.url}`);
  assert.equal(file.status, 200);
  assert.equal(file.headers.get('content-type'), 'image/png');
  assert.match(file.headers.get('content-disposition'), /^attachment; .*filename\*=UTF-8''%E7%8E%B0%E5%9C%BA\.png/);
  assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(Buffer.from(await file.arrayBuffer()).length, png(800, 600).length);
  const thumb = await as(staff)(`${base()}${photo.url}/thumb`);
  assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
  const jpg = Buffer.from(await thumb.arrayBuffer());
  assert.equal(jpg[0], 0xff);
  assert.equal(jpg[1], 0xd8);
});

test('a repeat complaint at the same place and domain is linked and supervised', async () => {
  const first = await create(staff, { location_unit: 'XR02', domain: 'property_service', title: '物业不作为' });
  const again = await create(staff, { location_unit: 'XR02', domain: 'property_service', title: '物业仍不作为' });
  assert.equal(again.supervised, true);
  assert.deepEqual(again.links.map((l) => l.id), [first.id]);
  const firstNow = await (await json(staff, `/api/v1/tickets/${first.id}`)).json();
  assert.deepEqual(firstNow.links.map((l) => l.id), [again.id]);
});

test('the ticket page reads only the child lists a ticket has had; an older ticket\'s, all of them', async () => {
  const lists = (id) => Number(sql(srv.db, `SELECT child_lists FROM tickets WHERE id = ${id}`));
  const page = async (id) => (await as(reviewer)(`${base()}/tickets/${id}`)).text();
  const t = await create(staff, { location_unit: '' });
  assert.equal(lists(t.id), 0);
  assert.match(await page(t.id), /尚无进展记录/);
  assert.equal((await act(staff, t.id, 'accept')).status, 200);
  assert.equal((await act(staff, t.id, 'progress', { note: '已约谈供水站负责人' })).status, 200);
  assert.equal(lists(t.id), 1);
  assert.equal((await upload(staff, t.id, png(24, 24), '现场照片.png')).status, 201);
  assert.equal(lists(t.id), 3);
  let html = await page(t.id);
  assert.match(html, /<ol class="notes"><li class="note-progress">[^]*已约谈供水站负责人/);
  assert.match(html, /现场照片\.png/);
  assert.doesNotMatch(html, /尚无进展记录|尚未上传证明材料/);
  assert.doesNotMatch(html, /关联的重复投诉/);
  // Linked both ways: each ticket's bit is set.
  const first = await create(staff, { location_unit: 'XR01', domain: 'wage_arrears', title: '工程款拖欠' });
  const again = await create(staff, { location_unit: 'XR01', domain: 'wage_arrears', title: '工程款仍拖欠' });
  assert.equal(lists(first.id), 8);
  assert.equal(lists(again.id), 8);
  assert.match(await page(first.id), new RegExp(`关联的重复投诉[^]*${again.code}`));
  // Rows written by any path set the bit (a trigger does it).
  const plain = await create(staff, { location_unit: '' });
  sql(srv.db, `INSERT INTO progress (ticket_id, on_date, at, kind, note) VALUES (${plain.id}, '2023-09-10', '2023-09-10T10:00:00+08:00', 'progress', '直接写入的进展')`);
  assert.equal(lists(plain.id), 1);
  assert.match(await page(plain.id), /直接写入的进展/);
  // A ticket from before the column (-1) has every list read; 0 would leave its progress out,
  // which shows the bits are what the page goes by.
  sql(srv.db, `UPDATE tickets SET child_lists = -1 WHERE id = ${t.id}`);
  html = await page(t.id);
  assert.doesNotMatch(html, /尚无进展记录|尚未上传证明材料/);
  assert.match(html, /现场照片\.png/);
  sql(srv.db, `UPDATE tickets SET child_lists = 0 WHERE id = ${t.id}`);
  html = await page(t.id);
  assert.match(html, /尚无进展记录/);
  assert.match(html, /尚未上传证明材料/);
  sql(srv.db, `UPDATE tickets SET child_lists = 3 WHERE id = ${t.id}`);
});

test('duplicate source_ref is refused', async () => {
  await create(staff, { source_ref: 'HL-DUP' });
  const r = await json(staff, '/api/v1/tickets', 'POST', ticketBody({ source_ref: 'HL-DUP' }));
  assert.equal(r.status, 409);
  assert.match((await r.json()).error.message, /已登记为问题 XR-2023-/);
});

test('list API: filters, pagination bounds, total', async () => {
  const all = await (await json(reviewer, '/api/v1/tickets?per_page=200')).json();
  assert.equal(all.page, 1);
  assert.equal(all.per_page, 200);
  assert.equal(all.total, Number(sql(srv.db, 'SELECT count(*) FROM tickets')));
  const red = await (await json(reviewer, '/api/v1/tickets?light=red')).json();
  assert.ok(red.items.length > 0 && red.items.every((i) => i.light === 'red'));
  const urgentFirst = await (await json(reviewer, '/api/v1/tickets?per_page=200')).json();
  const ranks = urgentFirst.items.map((i) => ({ urgent: 0, complex: 1, normal: 2 }[i.urgency]));
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
  for (const bad of ['page=0', 'page=abc', 'per_page=1000', 'page=99999999999']) {
    assert.equal((await json(reviewer, `/api/v1/tickets?${bad}`)).status, 422, bad);
  }
  // A page starts at the row its offset lands on (found without the page's joins), pages past
  // the middle counted from the end; every page size gives the same sequence.
  const codes = all.items.map((i) => i.code);
  for (const per of [1, 2, 3, 7]) {
    const seen = [];
    for (let page = 1; page <= Math.ceil(all.total / per) + 1; page++) {
      const p = await (await json(reviewer, `/api/v1/tickets?per_page=${per}&page=${page}`)).json();
      assert.equal(p.total, all.total);
      seen.push(...p.items.map((i) => i.code));
    }
    assert.deepEqual(seen, codes, `per_page=${per}`);
  }
  const far = await (await json(reviewer, '/api/v1/tickets?page=1000000')).json();
  assert.deepEqual(far.items, []);
  const none = await (await json(reviewer, '/api/v1/tickets?unit=NOPE')).json();
  assert.equal(none.total, 0);
  const tax = await (await json(staff, '/api/v1/taxonomy')).json();
  assert.ok(tax.sources.some((s) => s.code === 'hotline12345' && s.name === '12345政务服务热线'));
  assert.deepEqual(tax.categories.map((c) => c.name), ['投诉举报', '咨询', '建议']);
  assert.equal(tax.domains.find((d) => d.code === 'rural_water').parent, 'water');
  const camps = await (await json(staff, '/api/v1/campaigns')).json();
  assert.deepEqual(camps[0].phases.map((p) => p.name), ['街道全面自查', '集中整改', '督导验收', '巩固提升']);
  assert.equal((await fetch(`${base()}/api/v1/tickets`)).status, 401);
});

test('list API: from and to take whole days, the first second and the last of each included', async () => {
  const s = await startServer();
  try {
    const [st, rv] = await Promise.all([apiLogin(s.base, 'xingren'), apiLogin(s.base, 'zhongxin')]);
    for (let i = 0; i < 6; i++) {
      const r = await as(st)(`${s.base}/api/v1/tickets`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ticketBody({ title: `日期边界${i}` })),
      });
      assert.equal(r.status, 201);
    }
    const ids = sql(s.db, 'SELECT id FROM tickets ORDER BY id LIMIT 4').split('\n');
    const at = ['2023-09-04T23:59:59+08:00', '2023-09-05T00:00:00+08:00', '2023-09-05T23:59:59+08:00', '2023-09-06T00:00:00+08:00'];
    ids.forEach((id, i) => sql(s.db, `UPDATE tickets SET created_at = '${at[i]}' WHERE id = ${id}`));
    const list = async (q) => (await (await as(rv)(`${s.base}/api/v1/tickets?per_page=200&${q}`)).json());
    const count = (where) => Number(sql(s.db, `SELECT count(*) FROM tickets WHERE ${where}`));
    const day = await list('from=2023-09-05&to=2023-09-05');
    assert.equal(day.total, count("substr(created_at, 1, 10) = '2023-09-05'"));
    const got = new Set(day.items.map((t) => String(t.id)));
    assert.deepEqual(ids.map((id) => got.has(id)), [false, true, true, false]);
    assert.equal((await list('to=2023-09-05')).total, count("substr(created_at, 1, 10) <= '2023-09-05'"));
    assert.equal((await list('from=2023-09-06')).total, count("created_at >= '2023-09-06'"));
    // A date that is no date is named, on the API and on the ledger page.
    const bad = await as(rv)(`${s.base}/api/v1/tickets?to=2023-09-31`);
    assert.equal(bad.status, 422);
    assert.equal((await bad.json()).error.fields.to, '日期须为有效的日期，格式如 2023-09-01');
    const page = await as(rv)(`${s.base}/tickets?from=2023-13-01`);
    assert.equal(page.status, 422);
    assert.match(await page.text(), /role="alert">登记日期无效/);
    const fine = await as(rv)(`${s.base}/tickets?from=2023-09-05&to=2023-09-05`);
    assert.equal(fine.status, 200);
    assert.match(await fine.text(), new RegExp(`共 ${day.total} 个问题`));
  } finally {
    await s.stop();
  }
});

test('the ledger page pages by keyset: next, previous, last', async () => {
  for (let i = 0; i < 55; i++) await create(staff, { title: `分页测试 ${i}` });
  const page = async (path) => (await as(reviewer)(`${base()}${path}`)).text();
  const first = await page('/tickets');
  const rows = (html) => (html.match(/<tr>\s*(?:<td><input[^>]*><\/td>)?<td><a href="\/tickets\/\d+">/g) || []).length;
  assert.equal(rows(first), 50);
  const next = first.match(/href="(\/tickets\?p=2&amp;after=[^"]+)"/)[1].replace(/&amp;/g, '&');
  const second = await page(next);
  assert.ok(rows(second) > 0);
  const lastHref = first.match(/href="(\/tickets\?p=\d+&amp;last=1)"/)[1].replace(/&amp;/g, '&');
  const last = await page(lastHref);
  // The last page holds what the full pages before it leave.
  const { total } = await (await json(reviewer, '/api/v1/tickets?per_page=1')).json();
  assert.ok(total >= 55);
  assert.equal(rows(last), total % 50 || 50);
  const prev = second.match(/href="(\/tickets\?before=[^"]+)"/)[1].replace(/&amp;/g, '&');
  const back = await page(prev);
  const ids = (html) => [...html.matchAll(/<td><a href="\/tickets\/(\d+)">/g)].map((m) => m[1]);
  assert.deepEqual(ids(back), ids(first));
  // Filters travel with the page links.
  const filtered = await page('/tickets?status=open&q=' + encodeURIComponent('分页测试'));
  assert.match(filtered, /href="\/tickets\?q=%E5%88%86[^"]*&amp;status=open&amp;p=2&amp;after=/);
});

test('a renamed unit or source shows on tickets at once: the page, the ticket API and the list', async () => {
  const t = await create(staff, { source_ref: 'RENAME-1' });
  const post = (path, fields) => as(admin)(`${base()}${path}`, form({ ...fields, csrf_token: admin.csrf }));
  const seen = async () => {
    const api = await (await json(reviewer, `/api/v1/tickets/${t.id}`)).json();
    const page = await (await as(reviewer)(`${base()}/tickets/${t.id}`)).text();
    const list = await (await json(reviewer, '/api/v1/tickets?per_page=200')).json();
    const item = list.items.find((x) => x.id === t.id);
    return { api, page, item };
  };
  // Each network thread reads the ticket first, so each has names it must then let go of.
  for (let i = 0; i < 6; i++) {
    const { api, page, item } = await seen();
    assert.equal(api.names.responsible_unit, '区城乡水务局');
    assert.equal(item.names.source, '12345政务服务热线');
    assert.match(page, /区城乡水务局/);
  }
  const sort = (table, code) => sql(srv.db, `SELECT sort FROM ${table} WHERE code = '${code}'`);
  assert.equal((await post('/admin/units/SWJ', { name: '区水务局', sort: sort('units', 'SWJ'), active: '1' })).status, 303);
  assert.equal((await post('/admin/taxonomy/sources/hotline12345',
    { name: '12345热线', sort: sort('sources', 'hotline12345'), active: '1' })).status, 303);
  for (let i = 0; i < 6; i++) {
    const { api, page, item } = await seen();
    assert.equal(api.responsible_unit, 'SWJ');
    assert.equal(api.names.responsible_unit, '区水务局');
    assert.equal(api.source, 'hotline12345');
    assert.equal(api.names.source, '12345热线');
    assert.equal(item.names.responsible_unit, '区水务局');
    assert.equal(item.names.source, '12345热线');
    assert.match(page, /区水务局/);
    assert.doesNotMatch(page, /区城乡水务局/);
    assert.match(page, /12345热线/);
  }
  assert.equal((await post('/admin/units/SWJ', { name: '区城乡水务局', sort: sort('units', 'SWJ'), active: '1' })).status, 303);
  assert.equal((await post('/admin/taxonomy/sources/hotline12345',
    { name: '12345政务服务热线', sort: sort('sources', 'hotline12345'), active: '1' })).status, 303);
  assert.equal((await seen()).api.names.responsible_unit, '区城乡水务局');
});

test('the chain is intact after all of it', () => {
  const r = ledger(['audit-verify', '--db', srv.db]);
  assert.equal(r.code, 0, r.stdout);
});

test('the running tallies agree with a recount of the ledger after all of it', () => {
  const r = ledger(['tally-check', '--db', srv.db], { env: { LEDGER_NOW: '2023-09-10T10:00:00+08:00' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /tallies agree with the ledger: 0 rows of difference, \d+ answers compared/);
});

test('to-do lists by role, with the count in the navigation', async () => {
  const s = await startServer();
  try {
    const [st, rv, sv] = await Promise.all(['xingren', 'zhongxin', 'ducha'].map((l) => apiLogin(s.base, l)));
    const call = (who, path, method = 'GET', body) => as(who)(`${s.base}${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
    const mk = async () => (await (await call(st, '/api/v1/tickets', 'POST', ticketBody({ location_unit: '' }))).json()).id;
    const a = await mk();
    const b = await mk();
    await call(st, `/api/v1/tickets/${b}/actions/accept`, 'POST', {});
    await call(st, `/api/v1/tickets/${b}/actions/extend-request`, 'POST', { deadline: '2023-10-30', reason: '需采购' });
    const staffTodo = await (await call(st, '/todo')).text();
    assert.match(staffTodo, /待签收 <span class="badge">1<\/span>/);
    assert.match(staffTodo, new RegExp(`href="/tickets/${a}"`));
    assert.match(staffTodo, /href="\/todo"[^>]*>待办 <span class="badge">1<\/span>/);
    const reviewerTodo = await (await call(rv, '/todo')).text();
    assert.match(reviewerTodo, /延期申请 <span class="badge">1<\/span>/);
    assert.match(reviewerTodo, new RegExp(`href="/tickets/${b}"`));
    const supTodo = await (await call(sv, '/todo')).text();
    assert.match(supTodo, /待验收 <span class="badge">0<\/span>/);
    const adminTodo = await as(await apiLogin(s.base, 'admin'))(`${s.base}/todo`);
    assert.equal(adminTodo.status, 403);

    // Counts are remembered per state of the ledger: every write shows at once, on whichever
    // network thread the next page lands (several pages in parallel reach each of them).
    const badge = (html) => Number(/href="\/todo"[^>]*>待办 <span class="badge">(\d+)<\/span>/.exec(html)[1]);
    const total = (html) => Number(/共 (\d+) 个问题/.exec(html)[1]);
    for (let round = 0; round < 3; round++) {
      const before = await Promise.all([1, 2, 3, 4].map(() => call(st, '/tickets?unit=XR').then((r) => r.text())));
      await mk();
      const after = await Promise.all([1, 2, 3, 4].map(() => call(st, '/tickets?unit=XR').then((r) => r.text())));
      for (const page of after) {
        assert.equal(total(page), total(before[0]) + 1);
        assert.equal(badge(page), badge(before[0]) + 1); // a new ticket waits to be accepted
      }
      assert.ok(before.every((p) => total(p) === total(before[0])));
    }
    // Signing out ends the session for every thread at once, remembered or not.
    const out = await call(st, '/api/v1/session', 'DELETE');
    assert.ok(out.status === 200 || out.status === 204, `sign-out: ${out.status}`);
    const gone = await Promise.all([1, 2, 3, 4].map(() => call(st, '/api/v1/session').then((r) => r.status)));
    assert.deepEqual(gone, [401, 401, 401, 401]);
  } finally {
    await s.stop();
  }
});

test('CSV export: reviewers only, BOM and Chinese headers, masked unless asked, the unmasked one recorded', async () => {
  for (const who of [staff, other, supervisor, admin]) {
    const r = await json(who, '/api/v1/export.csv');
    assert.equal(r.status, 403);
    assert.doesNotMatch(await r.text(), /张三|13812345678/);
  }
  const r = await json(reviewer, `/api/v1/export.csv?unit=XR&q=${encodeURIComponent('前进村自来水')}`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv; charset=utf-8/);
  assert.match(r.headers.get('content-disposition'), /attachment; filename="ledger-2023-09-10\.csv"; filename\*=UTF-8''/);
  // The name says what it holds: whose ledger, which part, which day.
  assert.equal(decodeURIComponent(r.headers.get('content-disposition').split("UTF-8''")[1]),
    '问题整改台账-区社会事务综合服务中心-前进村自来水-兴仁街道-2023-09-10.csv');
  const bytes = Buffer.from(await r.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString('utf8');
  const lines = text.trim().split('\r\n');
  assert.match(lines[0], /^序号,问题编号,所属行动,问题来源,原工单号,受理日期,类别,领域,问题标题,问题描述/);
  assert.match(lines[1], /^1,XR-/);
  assert.ok(lines.length > 5);
  assert.doesNotMatch(text, /13812345678/);
  assert.match(text, /138\*\*\*\*5678/);
  const before = Number(sql(srv.db, "SELECT count(*) FROM events WHERE action = 'export-unmasked'"));
  const full = await (await json(reviewer, '/api/v1/export.csv?unmasked=1&unit=XR')).text();
  assert.match(full, /13812345678/);
  assert.equal(Number(sql(srv.db, "SELECT count(*) FROM events WHERE action = 'export-unmasked'")), before + 1);
  assert.equal(sql(srv.db, "SELECT actor FROM events WHERE action = 'export-unmasked' ORDER BY id DESC LIMIT 1"), 'zhongxin');
  // A formula in a title is defused.
  await create(staff, { title: '=HYPERLINK("http://x")' });
  const csv = await (await json(reviewer, '/api/v1/export.csv')).text();
  assert.match(csv, /"'=HYPERLINK\(""http:\/\/x""\)"/);
});

test('pages: a refused action comes back with its message beside the field and what was typed', async () => {
  const t = await create(staff, { location_unit: '' });
  const post = (path, fields) => as(staff)(`${base()}${path}`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, csrf_token: staff.csrf }).toString(),
  });
  let r = await post(`/tickets/${t.id}/actions/accept`, {});
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/tickets/${t.id}?done=accept`);
  r = await post(`/tickets/${t.id}/actions/extend-request`, { deadline: '2023-09-01', reason: '需要采购水泵' });
  assert.equal(r.status, 422);
  const html = await r.text();
  assert.match(html, /延期后的时限须晚于当前时限/);
  assert.match(html, />需要采购水泵<\/textarea>/);
  assert.match(html, /value="2023-09-01"/);
  r = await post(`/tickets/${t.id}/actions/verify`, { note: 'x' });
  assert.equal(r.status, 403);
  const page = await (await as(staff)(`${base()}/tickets/${t.id}`)).text();
  assert.match(page, /action="\/tickets\/\d+\/actions\/progress"/);
  assert.doesNotMatch(page, /actions\/verify/); // only what this user may do now
});

test('Excel export: Chinese headers, frozen header row, widths, dates as dates, coloured lights, read back', async () => {
  assert.equal((await json(staff, '/api/v1/export.xlsx')).status, 403);
  const r = await json(reviewer, '/api/v1/export.xlsx?unit=XR');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.match(r.headers.get('content-disposition'), /filename="ledger-2023-09-10\.xlsx"/);
  assert.match(decodeURIComponent(r.headers.get('content-disposition')), /问题整改台账-区社会事务综合服务中心-兴仁街道-2023-09-10\.xlsx$/);
  const files = await unzip(Buffer.from(await r.arrayBuffer()));
  const sheet = files['xl/worksheets/sheet1.xml'].toString('utf8');
  const strings = (files['xl/sharedStrings.xml'] || Buffer.alloc(0)).toString('utf8');
  const text = sheet + strings;
  for (const h of ['问题编号', '所属行动', '问题描述', '整改时限', '时限标识', '最新进展']) assert.ok(text.includes(h), h);
  // A title row above the header; the header and the first two columns (序号, 问题编号) stay in view.
  assert.match(sheet, /<pane xSplit="2" ySplit="2" topLeftCell="C3" activePane="bottomRight" state="frozen"\/>/);
  assert.match(sheet, /<col min="10" max="10" width="40/); // 问题描述, after 序号 and 受理日期
  const rows = (sheet.match(/<row /g) || []).length;
  const expected = Number(sql(srv.db, "SELECT count(*) FROM tickets WHERE unit_id = (SELECT id FROM units WHERE code = 'XR')"));
  assert.equal(rows, expected + 2);
  // 整改时限 (column W, after 缓急 and 复杂问题) holds date serials, not text: 2023-09-15 (the
  // time-limit rule's 5 working days from 09-10) is 45184.
  assert.match(sheet, /<c r="W\d+" s="\d+"><v>45184<\/v><\/c>/);
  assert.ok(text.includes('138****5678'));
  assert.ok(!text.includes('13812345678'));
  // The light column carries a fill: its style differs from plain cells.
  const styles = files['xl/styles.xml'].toString('utf8');
  assert.match(styles, /FFC00000/);
  const before = Number(sql(srv.db, "SELECT count(*) FROM events WHERE action = 'export-unmasked'"));
  const full = await unzip(Buffer.from(await (await json(reviewer, '/api/v1/export.xlsx?unmasked=1&unit=XR')).arrayBuffer()));
  assert.ok((full['xl/worksheets/sheet1.xml'].toString() + (full['xl/sharedStrings.xml'] || '')).includes('13812345678'));
  assert.equal(Number(sql(srv.db, "SELECT count(*) FROM events WHERE action = 'export-unmasked'")), before + 1);
});
