// Merging repeats (合并, SPEC sections 9 and 15): a reviewer merges an unclosed ticket into the
// one it repeats; it becomes 已合并, leaves every list, total and rate (tallies too), is listed
// on the primary, keeps its 原工单号 so that an import still skips its row; the linked repeats
// are offered on the ticket page.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiLogin, apiCall, as, ledger, sql } from './helpers.mjs';

let srv, xr, centre;
before(async () => {
  srv = await startServer({ now: '2023-09-20T10:00:00+08:00' });
  [xr, centre] = await Promise.all(['xingren', 'zhongxin'].map((l) => apiLogin(srv.base, l)));
});
after(async () => { if (srv) await srv.stop(); });

const json = (who, path, method, body) => apiCall(srv.base, who, path, method, body);
const act = (who, id, action, body = {}) => json(who, `/api/v1/tickets/${id}/actions/${action}`, 'POST', body);
const base = { source: 'hotline12345', category: 'complaint', domain: 'urban_water', description: '同一诉求', unit: 'XR',
  location_unit: 'XR02', responsible_unit: 'XR' };

test('merge: checked, final, out of every total and list, listed on the primary, offered from the links', async () => {
  const stats0 = (await json(centre, '/api/v1/stats')).body;
  const p = (await json(centre, '/api/v1/tickets', 'POST', { ...base, title: '复元社区停水', source_ref: 'HL-M-1' })).body;
  const r = (await json(centre, '/api/v1/tickets', 'POST', { ...base, title: '复元社区又停水', source_ref: 'HL-M-2' })).body;
  assert.equal((await json(centre, '/api/v1/stats')).body.total, stats0.total + 2);
  // The page of the repeat offers the ticket it repeats (linked at logging) to merge into.
  const page = await (await as(centre)(`${srv.base}/tickets/${r.id}`)).text();
  assert.match(page, new RegExp(`<select id="merge-into" name="into"><option value="${p.code}">[^]*合并到此问题`));
  assert.doesNotMatch(await (await as(xr)(`${srv.base}/tickets/${r.id}`)).text(), /合并到此问题/);
  // Refused: staff, itself, an unknown code; nothing changes.
  assert.equal((await act(xr, r.id, 'merge', { into: p.code })).status, 403);
  let x = await act(centre, r.id, 'merge', { into: r.code });
  assert.equal(x.status, 422);
  assert.match(x.body.error.fields.into, /不能合并到问题本身/);
  x = await act(centre, r.id, 'merge', { into: 'XR-2023-999999' });
  assert.match(x.body.error.fields.into, /不存在/);
  assert.equal((await json(centre, `/api/v1/tickets/${r.id}`)).body.status, 'open');

  x = await act(centre, r.id, 'merge', { into: p.code });
  assert.equal(x.status, 200, JSON.stringify(x.body));
  assert.equal(x.body.status, 'merged');
  assert.equal(x.body.names.status, '已合并');
  assert.equal(x.body.merged_into, p.code);
  assert.deepEqual((await json(centre, `/api/v1/tickets/${p.id}`)).body.merged, [r.code]);
  // Final: no action applies; a ticket merged into another cannot take merges itself.
  assert.equal((await act(centre, r.id, 'reassign', { responsible_unit: 'XC' })).status, 409);
  const q = (await json(centre, '/api/v1/tickets', 'POST', { ...base, domain: 'rural_water', title: '另一件', source_ref: 'HL-M-3' })).body;
  x = await act(centre, q.id, 'merge', { into: r.code });
  assert.match(x.body.error.fields.into, /已合并到其他问题/);
  // Out of every total and list, by the tallies and by the tickets alike; still found by its state.
  const stats1 = (await json(centre, '/api/v1/stats')).body;
  assert.equal(stats1.total, stats0.total + 2);
  assert.equal(stats1.by_status.open, stats0.by_status.open + 2);
  const ids = async (path) => (await json(centre, path)).body.items.map((t) => t.id);
  assert.ok(!(await ids('/api/v1/tickets?per_page=100&unit=XR')).includes(r.id));
  assert.ok(!(await ids(`/api/v1/tickets?q=${encodeURIComponent('又停水')}`)).includes(r.id));
  assert.deepEqual(await ids('/api/v1/tickets?status=merged'), [r.id]);
  assert.equal((await json(xr, '/api/v1/tickets?per_page=1')).body.total,
    Number(sql(srv.db, "SELECT count(*) FROM tickets WHERE status <> 'merged' AND unit_path LIKE '/1/2/%'")));
  assert.equal(ledger(['tally-check', '--db', srv.db]).code, 0);
  assert.equal(ledger(['audit-verify', '--db', srv.db]).code, 0);
  // The pages: the repeat says where it went, the primary lists it.
  assert.match(await (await as(centre)(`${srv.base}/tickets/${r.id}`)).text(), new RegExp(`已合并</strong>：本问题与问题 ${p.code}`));
  assert.match(await (await as(centre)(`${srv.base}/tickets/${p.id}`)).text(), new RegExp(`已合并到本问题的重复投诉</h3><p>${r.code}`));
});

test('an import row whose 原工单号 belongs to a merged ticket is skipped, in either mode', async () => {
  const r = sql(srv.db, "SELECT code FROM tickets WHERE status = 'merged' LIMIT 1");
  const csv = (await (await as(centre)(`${srv.base}/api/v1/export.csv?status=merged`)).text()).replace(/^\uFEFF/, '');
  assert.match(csv, new RegExp(r));
  for (const mode of ['skip', 'update']) {
    const rep = await (await as(centre)(`${srv.base}/api/v1/import?mode=${mode}`, {
      method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: csv.replace(/已合并/g, '待签收') })).json();
    assert.equal(rep.imported, 0, mode);
    assert.equal(rep.updated, 0, mode);
    assert.equal(rep.skipped, 1, mode);
    assert.match(rep.outcomes.map((o) => o.outcome ?? o.text ?? JSON.stringify(o)).join(' '), /已合并到问题/);
  }
  assert.equal(sql(srv.db, "SELECT status FROM tickets WHERE source_ref = 'HL-M-2'"), 'merged');
});

test('a merge across streets names neither ticket to the other street: ticket, list, page, history', async () => {
  const p = (await json(centre, '/api/v1/tickets', 'POST', { ...base, unit: 'XC', location_unit: 'XC01', responsible_unit: 'XC',
    title: '跨街道主问题', source_ref: 'HL-M-X1' })).body;
  assert.ok(p.code, JSON.stringify(p));
  const r = (await json(centre, '/api/v1/tickets', 'POST', { ...base, title: '跨街道重复投诉', source_ref: 'HL-M-X2' })).body;
  let x = await act(centre, r.id, 'merge', { into: p.code });
  assert.equal(x.status, 200, JSON.stringify(x.body));
  assert.equal(x.body.merged_into, p.code);
  const xc = await apiLogin(srv.base, 'xingcheng');
  // The repeat's street: the ticket, its history, the list rows and the page say nothing of P.
  const seen = await json(xr, `/api/v1/tickets/${r.id}`);
  assert.equal(seen.status, 200);
  assert.equal(seen.body.status, 'merged');
  assert.equal(seen.body.merged_into, null);
  assert.ok(seen.body.events.some((e) => e.action === 'merge'));
  assert.doesNotMatch(JSON.stringify(seen.body), new RegExp(p.code));
  const listed = await (await as(xr)(`${srv.base}/api/v1/tickets?status=merged&per_page=100`)).text();
  assert.match(listed, new RegExp(r.code));
  assert.doesNotMatch(listed, new RegExp(p.code));
  const page = await (await as(xr)(`${srv.base}/tickets/${r.id}`)).text();
  assert.match(page, /本问题已由区级调度人员与同一诉求的问题合并办理/);
  assert.doesNotMatch(page, new RegExp(p.code));
  // The primary's street does not see the repeat named on its ticket; the centre sees both.
  const primary = await json(xc, `/api/v1/tickets/${p.id}`);
  assert.deepEqual(primary.body.merged, []);
  assert.doesNotMatch(JSON.stringify(primary.body), new RegExp(r.code));
  assert.doesNotMatch(await (await as(xc)(`${srv.base}/tickets/${p.id}`)).text(), new RegExp(r.code));
  assert.deepEqual((await json(centre, `/api/v1/tickets/${p.id}`)).body.merged, [r.code]);
  const all = (await json(centre, `/api/v1/tickets/${r.id}`)).body;
  assert.equal(all.events.find((e) => e.action === 'merge').after.merged_into, p.code);
});
