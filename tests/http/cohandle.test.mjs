// Co-handling (协办, SPEC sections 9 and 15): the centre names co-units at creation, in an edit
// and at a reassignment; a co-unit's staff see the ticket (and a third street's still do not),
// sign for their part, report progress in their unit's name and report it done; the lead's
// 申请销号 waits for every co-unit; the ledger filters by co-unit and the to-do page has the
// co-unit's own section; statistics count the ticket for its lead alone.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiLogin, apiCall, as, ledger, sql } from './helpers.mjs';

let srv, xr, xc, zf, centre;
before(async () => {
  srv = await startServer({ now: '2023-09-20T10:00:00+08:00' });
  assert.equal(ledger(['user', 'add', '--db', srv.db, '--login', 'zhangfan', '--role', 'staff', '--unit', 'ZF'],
    { input: 'Demo#2023\n' }).code, 0);
  [xr, xc, zf, centre] = await Promise.all(['xingren', 'xingcheng', 'zhangfan', 'zhongxin'].map((l) => apiLogin(srv.base, l)));
});
after(async () => { if (srv) await srv.stop(); });

const json = (who, path, method, body) => apiCall(srv.base, who, path, method, body);
const act = (who, id, action, body = {}) => json(who, `/api/v1/tickets/${id}/actions/${action}`, 'POST', body);
const base = { source: 'hotline12345', category: 'complaint', domain: 'rural_water', description: '协办测试', unit: 'XR',
  responsible_unit: 'XR', commitment: '按期整改', interim_measures: '临时措施' };
const codes = (list) => list.map((t) => t.code).sort();

test('co-units: named by the centre only, checked, seen by their staff and by nobody else', async () => {
  // Staff do not name co-units; a wrong unit, the lead itself, a repeat: refused, nothing logged.
  let r = await json(xr, '/api/v1/tickets', 'POST', { title: '自报协办', ...base, co_units: ['XC'] });
  assert.equal(r.status, 422);
  assert.match(r.body.error.fields.co_units, /只有区级调度人员/);
  for (const [co, msg] of [[['NOPE'], /不存在/], [['XR'], /不能是责任单位本身/], [['XC', '兴城街道'], /重复/]]) {
    r = await json(centre, '/api/v1/tickets', 'POST', { title: '错误协办', ...base, co_units: co });
    assert.equal(r.status, 422, JSON.stringify(co));
    assert.match(r.body.error.fields.co_units, msg);
  }
  assert.equal(sql(srv.db, "SELECT count(*) FROM tickets WHERE title IN ('自报协办', '错误协办')"), '0');

  r = await json(centre, '/api/v1/tickets', 'POST', { title: '跨街道管网', ...base, co_units: ['XC'] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const t = r.body;
  assert.deepEqual(t.co_units, [{ unit: 'XC', name: '兴城街道', status: 'pending', note: '' }]);
  // The co-unit's staff see it, in the ledger, by the co-unit filter and in a search; ZF does not.
  assert.equal((await json(xc, `/api/v1/tickets/${t.id}`)).status, 200);
  assert.equal((await json(zf, `/api/v1/tickets/${t.id}`)).status, 404);
  assert.equal((await act(zf, t.id, 'co-accept')).status, 404);
  const mine = await json(xc, '/api/v1/tickets?co_unit=XC&per_page=100');
  assert.deepEqual(codes(mine.body.items), [t.code]);
  assert.equal(mine.body.total, 1);
  assert.ok((await json(xc, '/api/v1/tickets?q=' + encodeURIComponent('跨街道管网'))).body.items.some((x) => x.id === t.id));
  assert.equal((await json(zf, '/api/v1/tickets?q=' + encodeURIComponent('跨街道管网'))).body.total, 0);
  assert.equal((await json(zf, '/api/v1/tickets?co_unit=XC')).body.total, 0);
  // The page and its notification: XC was told, ZF sees nothing of it.
  const page = await as(xc)(`${srv.base}/tickets/${t.id}`);
  const html = await page.text();
  assert.match(html, /协办单位<\/dt><dd>兴城街道（待签收）/);
  assert.match(html, /协办签收/);
  assert.doesNotMatch(html, /action="\/tickets\/\d+\/actions\/accept"/); // the lead's signing is not XC's
  assert.equal((await as(zf)(`${srv.base}/tickets/${t.id}`)).status, 404);
  assert.ok((await json(xc, '/api/v1/notifications')).body.items.some((n) => n.ticket.id === t.id && n.kind === 'dispatched'));
  assert.ok(!(await json(zf, '/api/v1/notifications')).body.items.some((n) => n.ticket.id === t.id));
  // A co-unit acts only for its part: not the lead's actions.
  assert.equal((await act(xc, t.id, 'accept')).status, 403);
  assert.equal((await act(xc, t.id, 'return-request', { reason_code: 'other', reason: 'x' })).status, 403);
  assert.equal((await act(xr, t.id, 'co-accept')).status, 403);
});

test('co-accept, progress in the unit\'s name, co-done; the lead\'s submit waits for every co-unit', async () => {
  let r = await json(centre, '/api/v1/tickets', 'POST', { title: '协办流程', ...base, co_units: 'XC、SWJ' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const t = r.body;
  assert.deepEqual(t.co_units.map((c) => c.unit).sort(), ['SWJ', 'XC']);
  // Done before signed: refused with the reason.
  r = await act(xc, t.id, 'co-done', { note: '已完成' });
  assert.equal(r.status, 409);
  assert.match(r.body.error.message, /请先签收协办任务/);
  r = await act(xc, t.id, 'co-accept');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.co_units.find((c) => c.unit === 'XC').status, 'accepted');
  assert.equal((await act(xc, t.id, 'co-accept')).status, 409);
  // The lead signs and works; its submit is refused while co-units are pending.
  assert.equal((await act(xr, t.id, 'accept')).status, 200);
  r = await act(xc, t.id, 'progress', { note: '兴城段管网已排查' });
  assert.equal(r.status, 200);
  const p = r.body.progress.find((x) => x.note === '兴城段管网已排查');
  assert.equal(p.co_unit, '兴城街道');
  assert.equal(r.body.progress.find((x) => x.kind === 'progress' && x.note !== '兴城段管网已排查'), undefined);
  const fd = new FormData();
  fd.append('file', new Blob([Buffer.from('%PDF-1.4\n%证明\n')], { type: 'application/pdf' }), 'proof.pdf');
  assert.equal((await as(xr)(`${srv.base}/api/v1/tickets/${t.id}/attachments`, { method: 'POST', body: fd })).status, 201);
  r = await act(xr, t.id, 'submit', { statement: '已整改' });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'co_units_pending');
  assert.match(r.body.error.message, /2 个协办单位/);
  assert.equal((await json(xr, `/api/v1/tickets/${t.id}`)).body.status, 'rectifying');
  r = await act(xc, t.id, 'co-done', { note: '兴城段已修复' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.co_units.find((c) => c.unit === 'XC'), { unit: 'XC', name: '兴城街道', status: 'done', note: '兴城段已修复' });
  assert.match((await act(xr, t.id, 'submit', { statement: '已整改' })).body.error.message, /1 个协办单位/);
  // The to-do pages: XC's part is done, so its 协办任务 section no longer lists it.
  const todo = await (await as(xc)(`${srv.base}/todo`)).text();
  assert.match(todo, /协办任务/);
  // SWJ's part: done by the centre removing it in an edit (the reviewer may change co-units).
  const cur = await json(centre, `/api/v1/tickets/${t.id}`);
  r = await json(centre, `/api/v1/tickets/${t.id}`, 'PATCH', { version: cur.body.version, co_units: 'XC' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.co_units, [{ unit: 'XC', name: '兴城街道', status: 'done', note: '兴城段已修复' }]);
  // Staff may not change them.
  r = await json(xr, `/api/v1/tickets/${t.id}`, 'PATCH', { version: r.body.version, co_units: ['ZF'] });
  assert.equal(r.status, 422);
  r = await act(xr, t.id, 'submit', { statement: '已整改' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'verifying');
  // Every step is an event of the chain.
  const actions = sql(srv.db, `SELECT group_concat(action, ' ') FROM events WHERE entity = 'ticket' AND entity_id = ${t.id}`);
  assert.equal(actions, 'create co-accept accept progress attach co-done edit submit');
  assert.equal(ledger(['audit-verify', '--db', srv.db]).code, 0);
});

test('to-do: the co-unit\'s own section; statistics count a co-handled ticket for its lead alone', async () => {
  const before = (await json(xc, '/api/v1/stats')).body.total;
  const r = await json(centre, '/api/v1/tickets', 'POST', { title: '协办待办', ...base, co_units: ['XC'] });
  assert.equal(r.status, 201);
  assert.equal((await json(xc, '/api/v1/stats')).body.total, before); // not XC's figure
  const todo = await (await as(xc)(`${srv.base}/todo`)).text();
  const section = todo.slice(todo.indexOf('协办任务'));
  assert.match(section, new RegExp(r.body.code));
  // XC's 待签收 is its own lead work: the co-handled ticket is not in it.
  const sign = todo.slice(todo.indexOf('待签收'), todo.indexOf('协办任务'));
  assert.doesNotMatch(sign, new RegExp(r.body.code));
  // The section's link shows the same tickets in the ledger.
  const list = await json(xc, '/api/v1/tickets?co_todo=1&per_page=100');
  assert.ok(list.body.items.some((x) => x.id === r.body.id));
  assert.ok(list.body.items.every((x) => x.co_units.some((c) => c.unit === 'XC' && c.status !== 'done')));
  // The list's total for XC counts its co-handled tickets beside its own (the tallies and the co-units' index).
  const all = await json(xc, '/api/v1/tickets?per_page=1');
  const lead = await json(xc, '/api/v1/tickets?per_page=1&lead=1');
  const co = await json(xc, '/api/v1/tickets?per_page=1&co_unit=XC');
  assert.equal(all.body.total, lead.body.total + co.body.total);
  assert.equal(ledger(['tally-check', '--db', srv.db]).code, 0);
});

test('reassign names co-units anew; the unit made lead leaves them, and a reassigned co-unit loses sight', async () => {
  let r = await json(centre, '/api/v1/tickets', 'POST', { title: '改派协办', ...base, co_units: ['XC'] });
  const t = r.body;
  // To XC, which was a co-unit: it leads now and is no co-unit of itself.
  r = await act(centre, t.id, 'reassign', { responsible_unit: 'XC' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.co_units, []);
  // Back to XR with ZF as co-unit: ZF sees it, the form's empty field keeps what is there.
  r = await act(centre, t.id, 'reassign', { responsible_unit: 'XR', co_units: ['ZF'] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.co_units.map((c) => c.unit), ['ZF']);
  assert.equal((await json(zf, `/api/v1/tickets/${t.id}`)).status, 200);
  assert.equal((await json(xc, `/api/v1/tickets/${t.id}`)).status, 404);
  // XC's notifications about it went with it.
  assert.ok(!(await json(xc, '/api/v1/notifications')).body.items.some((n) => n.ticket.id === t.id));
  r = await act(centre, t.id, 'reassign', { responsible_unit: 'XC', co_units: [] });
  assert.deepEqual(r.body.co_units, []);
  assert.equal((await json(zf, `/api/v1/tickets/${t.id}`)).status, 404);
});

test('the export names the co-units with their state; reading it back changes nothing, a new set updates', async () => {
  let r = await json(centre, '/api/v1/tickets', 'POST', { title: '协办导出', ...base, co_units: ['XC', 'SWJ'] });
  const t = r.body;
  await act(xc, t.id, 'co-accept');
  const csv = (await (await as(centre)(`${srv.base}/api/v1/export.csv?q=${encodeURIComponent('协办导出')}`)).text()).replace(/^\uFEFF/, '');
  const [head, line] = csv.split('\r\n');
  const col = head.split(',').indexOf('协办单位');
  assert.ok(col > 0, head);
  const cells = line.split(',');
  assert.match(cells[col], /^(兴城街道（已签收）、区城乡水务局（待签收）|区城乡水务局（待签收）、兴城街道（已签收）)$/);
  const post = (body) => as(centre)(`${srv.base}/api/v1/import?mode=update`, { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body });
  let rep = await (await post(csv)).json();
  assert.equal(rep.updated, 0, JSON.stringify(rep.rejected));
  assert.equal(rep.unchanged, 1);
  assert.equal(rep.rejected_rows, 0);
  // A new set in the cell: the co-units follow it, XC keeps its state.
  cells[col] = '兴城街道、张范街道';
  rep = await (await post([head, cells.join(',')].join('\r\n'))).json();
  assert.equal(rep.updated, 1, JSON.stringify(rep.rejected));
  const now = (await json(centre, `/api/v1/tickets/${t.id}`)).body.co_units;
  assert.deepEqual(now.map((c) => `${c.unit}:${c.status}`).sort(), ['XC:accepted', 'ZF:pending']);
  // A unit that does not exist: the row is refused with the column named, nothing changes.
  cells[col] = '月球街道';
  rep = await (await post([head, cells.join(',')].join('\r\n'))).json();
  assert.equal(rep.rejected_rows, 1);
  assert.equal(rep.rejected[0].column, '协办单位');
  assert.equal((await json(centre, `/api/v1/tickets/${t.id}`)).body.co_units.length, 2);
});
