// The ledger at scale, in small: the bulk load of `ledger seed` against a ledger built row by
// row (tallies, child lists, the search index, the chain), a common word's estimated total
// and its page, a rare word's exact total, and the list over a range of days by its index.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiLogin, as, sql, ledger } from './helpers.mjs';

const NOW = '2026-12-03T10:00:00+08:00';
let srv, z;
before(async () => {
  srv = await startServer({ now: NOW });
  const r = ledger(['seed', '--db', srv.db, '--tickets', '6000'], { env: { LEDGER_NOW: NOW } });
  assert.equal(r.code, 0, r.stderr);
  z = await apiLogin(srv.base, 'zhongxin');
});
after(async () => { await srv.stop(); });

test('the bulk load leaves what row-by-row writing would: tallies, child lists, search index, chain, indexes', () => {
  const env = { LEDGER_NOW: NOW };
  const tally = ledger(['tally-check', '--db', srv.db], { env });
  assert.equal(tally.code, 0, tally.stdout + tally.stderr);
  assert.match(tally.stdout, /0 rows of difference/);
  assert.equal(ledger(['audit-verify', '--db', srv.db], { env }).code, 0);
  assert.equal(sql(srv.db, 'PRAGMA integrity_check'), 'ok');
  assert.equal(sql(srv.db, "INSERT INTO tickets_fts (tickets_fts) VALUES ('integrity-check'); SELECT 'ok'"), 'ok');
  // The child-list bits the triggers set are set: every ticket with a progress note has bit 1.
  assert.equal(sql(srv.db, 'SELECT count(*) FROM tickets t WHERE EXISTS (SELECT 1 FROM progress p WHERE p.ticket_id = t.id) AND t.child_lists & 1 = 0'), '0');
  assert.equal(sql(srv.db, 'SELECT count(*) FROM tickets t WHERE EXISTS (SELECT 1 FROM callbacks c WHERE c.ticket_id = t.id) AND t.child_lists & 4 = 0'), '0');
  // Every index and trigger set aside is back.
  for (const name of ['tickets_order', 'tickets_unit_path', 'tickets_created_order', 'progress_ticket', 'events_entity',
    'tickets_tally_insert', 'callbacks_tally_insert', 'events_tally_insert', 'progress_child_list'])
    assert.equal(sql(srv.db, `SELECT count(*) FROM sqlite_schema WHERE name = '${name}'`), '1', name);
  // The index finds what the texts hold: one word through FTS equals a LIKE over the texts.
  const fts = sql(srv.db, "SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH '\"噪声\"'");
  const like = sql(srv.db, "SELECT count(*) FROM tickets t WHERE t.title LIKE '%噪声%' OR t.description LIKE '%噪声%' OR EXISTS (SELECT 1 FROM progress p WHERE p.ticket_id = t.id AND p.note LIKE '%噪声%')");
  assert.equal(fts, like);
  assert.ok(Number(fts) > 0);
});

test('a common word: its page walks the order, its total is an estimate and the page says 约', async () => {
  const exact = Number(sql(srv.db, "SELECT count(*) FROM tickets WHERE title LIKE '%水%' OR description LIKE '%水%' OR id IN (SELECT ticket_id FROM progress WHERE note LIKE '%水%')"));
  const body = await (await as(z)(`${srv.base}/api/v1/tickets?q=${encodeURIComponent('水')}&per_page=50`)).json();
  assert.equal(body.total_estimated, true);
  assert.ok(Math.abs(body.total - exact) / exact < 0.15, `estimate ${body.total} against ${exact}`);
  assert.equal(body.items.length, 50);
  for (const t of body.items) assert.match(t.title + t.description + (t.latest_progress || ''), /水/);
  // The same first page, in the same order, as the exact list SQLite sorts.
  const want = sql(srv.db, "SELECT group_concat(id) FROM (SELECT id FROM tickets WHERE status <> 'merged' AND (title LIKE '%水%' OR description LIKE '%水%' OR id IN (SELECT ticket_id FROM progress WHERE note LIKE '%水%')) ORDER BY urgency_rank, deadline, id LIMIT 50)");
  assert.equal(body.items.map((t) => t.id).join(','), want);
  const page = await (await as(z)(`${srv.base}/tickets?q=${encodeURIComponent('水')}`)).text();
  assert.match(page, /约 \d+ 个问题（常见词，总数按前 2000 条估算）/);
});

test('a rare word and a small scope: exact totals, no 约', async () => {
  const word = '鹦鹉螺';
  for (let i = 0; i < 3; i++) {
    const c = await as(z)(`${srv.base}/api/v1/tickets`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: `${word}雕塑破损 ${i}`, description: '广场雕塑破损', source: 'hotline12345', category: 'complaint', domain: 'property_service', unit: 'XR' }),
    });
    assert.equal(c.status, 201, await c.text());
  }
  // Merged tickets (合并) are in no list: the counts by hand leave them out too.
  const exact = sql(srv.db, `SELECT count(*) FROM tickets WHERE status <> 'merged' AND (title LIKE '%${word}%' OR description LIKE '%${word}%' OR id IN (SELECT ticket_id FROM progress WHERE note LIKE '%${word}%'))`);
  const body = await (await as(z)(`${srv.base}/api/v1/tickets?q=${encodeURIComponent(word)}`)).json();
  assert.equal(body.total_estimated, undefined);
  assert.equal(String(body.total), exact);
  // A common word inside a range of a few days (a scope under the sample): counted exactly.
  const days = "created_at >= '2026-12-02' AND created_at < '2026-12-03U'";
  const small = sql(srv.db, `SELECT count(*) FROM tickets WHERE status <> 'merged' AND ${days} AND (title LIKE '%水%' OR description LIKE '%水%' OR id IN (SELECT ticket_id FROM progress WHERE note LIKE '%水%'))`);
  const inDays = await (await as(z)(`${srv.base}/api/v1/tickets?q=${encodeURIComponent('水')}&from=2026-12-02&to=2026-12-03`)).json();
  assert.equal(inDays.total_estimated, undefined);
  assert.equal(String(inDays.total), small);
});

test('a range of days that is a small share of the ledger: read by its index, in the list order, every page', async () => {
  const days = "created_at >= '2026-11-25' AND created_at < '2026-11-27U'";
  const total = Number(sql(srv.db, `SELECT count(*) FROM tickets WHERE status <> 'merged' AND ${days}`));
  assert.ok(total > 60 && total * 5 < 6000, `${total} tickets in the range`);
  const plan = sql(srv.db, `EXPLAIN QUERY PLAN SELECT t.id FROM tickets t WHERE t.${days.replace(/created_at </, 't.created_at <')} ORDER BY +t.urgency_rank, +t.deadline, +t.id LIMIT 51`);
  assert.match(plan, /tickets_created_order/);
  let ids = [];
  for (let page = 1; ; page++) {
    const b = await (await as(z)(`${srv.base}/api/v1/tickets?from=2026-11-25&to=2026-11-27&per_page=50&page=${page}`)).json();
    assert.equal(b.total, total);
    ids = ids.concat(b.items.map((t) => t.id));
    if (b.items.length < 50) break;
  }
  const want = sql(srv.db, `SELECT group_concat(id) FROM (SELECT id FROM tickets WHERE status <> 'merged' AND ${days} ORDER BY urgency_rank, deadline, id)`);
  assert.equal(ids.join(','), want);
});

test('a ledger code or a 原工单号 is found whole, by its first characters, in any case, and only in scope', async () => {
  const c = await as(z)(`${srv.base}/api/v1/tickets`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: '小区路灯不亮', description: '夜间无照明', source: 'hotline12345', source_ref: 'GD20261203017',
      category: 'complaint', domain: 'property_service', unit: 'XR' }),
  });
  const text = await c.text();
  assert.equal(c.status, 201, text);
  const t = JSON.parse(text);
  const find = async (who, q) => (await (await as(who)(`${srv.base}/api/v1/tickets?q=${encodeURIComponent(q)}`)).json());
  for (const q of [t.code, t.code.toLowerCase(), t.code.slice(0, -2), 'GD20261203017', 'GD2026120301']) {
    const b = await find(z, q);
    assert.ok(b.items.some((i) => i.id === t.id), `${q} finds ${t.code}`);
    for (const i of b.items) assert.ok(i.code.startsWith(q.toUpperCase()) || (i.source_ref || '').startsWith(q), `${q}: ${i.code}`);
  }
  assert.equal((await find(z, t.code)).total, 1);
  // Staff of another street: the ticket does not exist for them, not even as a count.
  const xc = await apiLogin(srv.base, 'xingcheng');
  for (const q of [t.code, 'GD20261203017']) assert.equal((await find(xc, q)).total, 0);
  const xr = await apiLogin(srv.base, 'xingren');
  assert.equal((await find(xr, 'GD20261203017')).total, 1);
  // By its indexes: the count of a code reads the code's and the 原工单号's indexes, not every ticket.
  const plan = sql(srv.db, `EXPLAIN QUERY PLAN SELECT count(*) FROM tickets t WHERE (t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH '"gd"') OR (t.code >= 'GD2' AND t.code < 'GD3') OR (t.source_ref >= 'GD2' AND t.source_ref < 'GD3'))`);
  assert.match(plan, /MULTI-INDEX OR/);
  assert.match(plan, /tickets_source_ref_alone/);
});

test('after an action the ticket page says what was done to which ticket', async () => {
  const id = sql(srv.db, "SELECT id FROM tickets WHERE status = 'open' ORDER BY id LIMIT 1");
  const code = sql(srv.db, `SELECT code FROM tickets WHERE id = ${id}`);
  const said = async (done) => {
    const html = await (await as(z)(`${srv.base}/tickets/${id}?done=${done}`)).text();
    return html.match(/<p class="alert alert-ok" role="status">([^<]*)<\/p>/)?.[1];
  };
  assert.equal(await said('created'), `已登记问题 ${code}`);
  assert.equal(await said('created_nofile'), `已登记问题 ${code}（附件未能保存，请在下方重新上传）`);
  assert.equal(await said('edit'), `已保存对问题的修改：${code}`);
  assert.match(await said('accept'), new RegExp(`^已.+：${code}$`));
  assert.equal(await said('nonsense'), `操作已完成：${code}`);
});

test('each to-do section past its 20 rows links to the ledger, which shows exactly as many', async () => {
  let links = 0;
  for (const who of ['xingren', 'ducha', 'zhongxin']) {
    const s = await apiLogin(srv.base, who);
    const html = await (await as(s)(`${srv.base}/todo`)).text();
    for (const m of html.matchAll(/<a href="([^"]+)">查看全部 (\d+) 件<\/a>/g)) {
      const url = m[1].replace(/&amp;/g, '&');
      const list = await (await as(s)(`${srv.base}${url}`)).text();
      assert.match(list, new RegExp(`共 ${m[2]} 个问题`), `${who}: ${url}: ${list.match(/<caption>[^<]*/)}`);
      links++;
    }
  }
  assert.ok(links >= 3, `${links} sections had more than 20 rows`);
});

test('every count on the dashboard opens a ledger list with exactly that many tickets', async () => {
  const html = await (await as(z)(`${srv.base}/`)).text();
  const figures = [...html.matchAll(/<a class="figure[^"]*" href="([^"]+)"><span class="figure-value">(\d+)<\/span><span class="figure-label">([^<]+)<\/span>/g)];
  const states = [...html.matchAll(/<li><a href="(\/tickets\?[^"]+)">(?:<span[^>]*>)?([^<]+)(?:<\/span>)? <strong>(\d+)<\/strong><\/a><\/li>/g)]
    .map((m) => [m[0], m[1], m[3], m[2]]);
  assert.ok(figures.length >= 5 && states.length >= 7, `${figures.length} figures, ${states.length} states`);
  assert.equal([...html.matchAll(/<span class="key key-all"><\/span> 问题数 <span class="key key-done"><\/span> 其中已销号/g)].length, 2); // the bars' legends
  for (const [, href, n, label] of [...figures, ...states]) {
    const list = await (await as(z)(`${srv.base}${href.replace(/&amp;/g, '&')}`)).text();
    assert.match(list, new RegExp(`共 ${n} 个问题`), `${label.trim()} ${n}: ${href} shows ${list.match(/<caption>[^<]*/)}`);
  }
});

test('the history reads as a person writes it: the time to the minute, the name and unit, not a login', async () => {
  const c = await as(z)(`${srv.base}/api/v1/tickets`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: '井盖缺失', description: '人行道井盖缺失', source: 'hotline12345', category: 'complaint', domain: 'property_service', unit: 'XR' }),
  });
  const id = (await c.json()).id;
  const at = sql(srv.db, `SELECT at FROM events WHERE entity = 'ticket' AND entity_id = ${id} AND actor = 'zhongxin' ORDER BY id LIMIT 1`);
  const html = await (await as(z)(`${srv.base}/tickets/${id}`)).text();
  const minute = `${at.slice(0, 10)} ${at.slice(11, 16)}`;
  assert.match(html, new RegExp(`<span class="muted">${minute}</span> <strong>王主任（[^<）]+）</strong>`));
  assert.doesNotMatch(html, /<strong>zhongxin<\/strong>/);
});

test('the ranking says as of when it stands', async () => {
  const html = await (await as(z)(`${srv.base}/reports/ranking`)).text();
  assert.match(html, /统计范围：全部问题；状态截至 2026-12-03 10:00/);
});
