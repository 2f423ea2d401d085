// CSV import: encodings, CSV edge cases, row-by-row report, no duplicates on a second import,
// and the export's own file read back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, apiLogin, as, sql, ledger } from './helpers.mjs';

let srv, reviewer, staff;
let header;
const post = (who, body, type = 'text/csv; charset=utf-8') =>
  as(who)(`${srv.base}/api/v1/import`, { method: 'POST', headers: { 'Content-Type': type }, body });

const row = (o) => header.map((h) => {
  const v = o[h] ?? '';
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}).join(',');
const base = { '问题来源': '12345政务服务热线', '类别': '投诉举报', '领域': '农村供水保障', '属地单位': '兴仁街道', '问题描述': '来电反映' };

before(async () => {
  srv = await startServer();
  [reviewer, staff] = await Promise.all([apiLogin(srv.base, 'zhongxin'), apiLogin(srv.base, 'xingren')]);
  const csv = await (await as(reviewer)(`${srv.base}/api/v1/export.csv`)).text();
  header = csv.replace(/^\uFEFF/, '').split('\r\n')[0].split(',');
});
after(async () => { await srv.stop(); });

test('a file with good and bad rows: each bad row reported with its row number and reason', async () => {
  const lines = [
    header.join(','),
    row({ ...base, '原工单号': 'HL-001', '问题标题': '前进村停水', '所在社区/村': '前进村', '整改时限': '2023/9/20', '缓急': '紧急' }),
    row({ ...base, '原工单号': 'HL-002', '问题标题': '水质浑浊，有异味', '问题描述': '描述，含逗号, 和 "引号"\n第二行' }),
    row({ ...base, '原工单号': 'HL-003', '问题标题': '日期错误', '整改时限': '2023-02-30' }),
    row({ ...base, '原工单号': 'HL-004', '问题标题': '单位错误', '属地单位': '不存在街道' }),
    row({ ...base, '原工单号': 'HL-001', '问题标题': '同一文件中重复' }),
    header.map(() => '').join(','),
    row({ ...base, '原工单号': 'HL-005', '问题标题': '' }),
  ];
  const r = await post(reviewer, `\uFEFF${lines.join('\r\n')}\r\n`);
  assert.equal(r.status, 200);
  const rep = await r.json();
  assert.equal(rep.imported, 2);
  assert.equal(rep.skipped, 1);
  assert.deepEqual(rep.rejected.map((x) => x.line), [4, 5, 8]);
  assert.match(rep.rejected[0].reason, /整改时限须为有效日期/);
  assert.equal(rep.rejected[1].column, '属地单位');
  assert.match(rep.rejected[1].reason, /^“不存在街道”不存在，可填写：兴仁街道、兴城街道、张范街道/);
  assert.match(rep.rejected[2].reason, /请填写问题标题/);
  const t = JSON.parse(sql(srv.db, "SELECT json_object('d', description, 'dl', deadline, 'u', urgency, 'loc', (SELECT code FROM units WHERE id = location_unit_id)) FROM tickets WHERE source_ref = 'HL-002'"));
  assert.equal(t.d, '描述，含逗号, 和 "引号"\n第二行');
  const t1 = JSON.parse(sql(srv.db, "SELECT json_object('dl', deadline, 'u', urgency, 'loc', (SELECT code FROM units WHERE id = location_unit_id)) FROM tickets WHERE source_ref = 'HL-001'"));
  assert.deepEqual(t1, { dl: '2023-09-20', u: 'urgent', loc: 'XR03' });

  const again = await (await post(reviewer, `\uFEFF${lines.join('\r\n')}\r\n`)).json();
  assert.equal(again.imported, 0);
  assert.equal(again.skipped, 3);
  assert.equal(sql(srv.db, "SELECT count(*) FROM tickets WHERE source_ref LIKE 'HL-00%'"), '2');
});

test('GB18030 as Excel saves it, and a multipart upload', async () => {
  const text = [header.join(','), row({ ...base, '原工单号': 'GB-001', '问题标题': '国标编码：供水管网漏损' })].join('\r\n');
  const gb = execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: text });
  assert.notDeepEqual(gb, Buffer.from(text)); // really another encoding
  const fd = new FormData();
  fd.append('file', new Blob([gb], { type: 'text/csv' }), '热线工单.csv');
  const r = await as(reviewer)(`${srv.base}/api/v1/import`, { method: 'POST', body: fd });
  assert.equal(r.status, 200);
  assert.equal((await r.json()).imported, 1);
  assert.equal(sql(srv.db, "SELECT title FROM tickets WHERE source_ref = 'GB-001'"), '国标编码：供水管网漏损');
});

test('whole-file problems: missing columns, broken quotes, unreadable bytes, nothing sent', async () => {
  let r = await post(reviewer, '标题,描述\r\nx,y\r\n');
  assert.equal(r.status, 422);
  assert.match((await r.json()).error.message, /缺少必需的列：问题来源、类别、领域、问题标题、问题描述、属地单位/);
  r = await post(reviewer, `${header.join(',')}\r\n"unterminated,${'x,'.repeat(5)}\r\n`);
  assert.equal(r.status, 422);
  assert.equal((await r.json()).error.code, 'bad_csv');
  r = await post(reviewer, Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x81]));
  assert.equal(r.status, 422);
  r = await post(reviewer, '');
  assert.equal(r.status, 422);
  assert.equal((await post(staff, `${header.join(',')}\r\n`)).status, 403);
});

test('the export read back by the import, on another server, creates the same tickets', async () => {
  for (let i = 0; i < 3; i++) {
    await as(staff)(`${srv.base}/api/v1/tickets`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({
      source: 'hotline12345', source_ref: `RT-${i}`, category: 'suggestion', domain: 'property_service', title: `往返测试 ${i}`,
      description: '导出再导入', unit: 'XR', location_unit: 'XR01', reporter_name: '王五', reporter_phone: '13700001111',
    }) });
  }
  const csv = await (await as(reviewer)(`${srv.base}/api/v1/export.csv?unmasked=1`)).text();
  const other = await startServer();
  try {
    const rv = await apiLogin(other.base, 'zhongxin');
    const n = Number(sql(srv.db, 'SELECT count(*) FROM tickets'));
    // Its 问题编号 are this ledger's: another ledger has none of them, and says so by column.
    let r = await as(rv)(`${other.base}/api/v1/import`, { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: csv });
    let rep = await r.json();
    assert.equal(rep.imported, 0);
    assert.equal(rep.rejected_rows, n);
    assert.deepEqual([...new Set(rep.rejected.map((x) => x.column))], ['问题编号']);
    assert.equal(sql(other.db, "SELECT count(*) FROM tickets WHERE source_ref LIKE 'RT-%'"), '0');
    // With the column renamed (so not read) the rows are new to it.
    r = await as(rv)(`${other.base}/api/v1/import`, { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: csv.replace(',问题编号,', ',旧编号,') });
    rep = await r.json();
    assert.equal(rep.imported + rep.rejected_rows, n, JSON.stringify(rep.rejected.slice(0, 3)));
    const t = JSON.parse(sql(other.db, "SELECT json_object('t', title, 'c', (SELECT code FROM categories WHERE id = category_id), 'd', (SELECT code FROM domains WHERE id = domain_id), 'p', reporter_phone) FROM tickets WHERE source_ref = 'RT-1'"));
    assert.deepEqual(t, { t: '往返测试 1', c: 'suggestion', d: 'property_service', p: '13700001111' });
  } finally {
    await other.stop();
  }
});

// Follows an import page to its end; returns every page seen on the way.
async function follow(who, location) {
  const pages = [];
  for (let i = 0; i < 600; i++) {
    const r = await as(who)(`${srv.base}${location}`);
    assert.equal(r.status, 200);
    const html = await r.text();
    pages.push(html);
    if (!html.includes('http-equiv="refresh"')) return pages;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error('the import did not finish');
}

test('the import page runs the file in the background, shows progress, then the result in Chinese', async () => {
  const fd = new FormData();
  fd.append('file', new Blob([`${header.join(',')}\r\n${row({ ...base, '原工单号': 'PG-1', '问题标题': '页面导入' })}\r\n${row({ ...base, '原工单号': 'PG-2', '问题标题': '' })}\r\n`]), 'a.csv');
  const r = await as(reviewer)(`${srv.base}/import?csrf_token=${reviewer.csrf}`, { method: 'POST', body: fd });
  assert.equal(r.status, 303);
  const location = r.headers.get('location');
  assert.match(location, /^\/import\/\d+$/);
  const pages = await follow(reviewer, location);
  const html = pages.at(-1);
  assert.match(html, /共 2 行：新增 <strong>1<\/strong> 件，已在台账中跳过 <strong>0<\/strong> 件，未导入 <strong>1<\/strong> 行/);
  assert.match(html, /<td>3<\/td><td>问题标题<\/td><td>请填写问题标题<\/td>/);
  // Only who started it sees it; an unknown one is 404.
  assert.equal(ledger(['user', 'add', '--db', srv.db, '--login', 'rv2', '--role', 'reviewer', '--unit', 'SWZX'], { input: 'Demo#2023\n' }).code, 0);
  const other = await apiLogin(srv.base, 'rv2');
  assert.equal((await as(other)(`${srv.base}${location}`)).status, 404);
  assert.equal((await as(reviewer)(`${srv.base}/import/999999`)).status, 404);
  assert.equal((await as(staff)(`${srv.base}${location}`)).status, 403);
  // A file that cannot be read ends with the reason on the same page.
  const bad = new FormData();
  bad.append('file', new Blob(['标题,说明\r\n甲,乙\r\n']), 'b.csv');
  const b = await as(reviewer)(`${srv.base}/import?csrf_token=${reviewer.csrf}`, { method: 'POST', body: bad });
  assert.match((await follow(reviewer, b.headers.get('location'))).at(-1), /缺少必需的列/);
});

test('a large file: the progress page counts up while it runs, and everything lands', { timeout: 120000 }, async () => {
  const n = process.env.LEDGER_VALGRIND ? 1000 : 6000; // valgrind runs the server ~30 times slower
  const lines = [header.join(',')];
  for (let i = 0; i < n; i++) lines.push(row({ ...base, '原工单号': `BIG-${i}`, '问题标题': `批量导入 ${i}` }));
  const fd = new FormData();
  fd.append('file', new Blob([`${lines.join('\r\n')}\r\n`]), 'big.csv');
  const r = await as(reviewer)(`${srv.base}/import?csrf_token=${reviewer.csrf}`, { method: 'POST', body: fd });
  assert.equal(r.status, 303);
  const pages = await follow(reviewer, r.headers.get('location'));
  const running = pages.filter((p) => p.includes('正在导入'));
  assert.ok(running.length >= 1, 'no progress page was seen');
  assert.match(running[0], /<progress max="100" value="\d+">/);
  assert.match(pages.at(-1), new RegExp(`新增 <strong>${n}</strong> 件`));
  assert.equal(Number(sql(srv.db, "SELECT count(*) FROM tickets WHERE source_ref LIKE 'BIG-%'")), n);
});

// 受理日期 came in as one row of the field table (ticket_fields.c) and a migration: creation,
// edit, the page, the export and the import all know it from there.
test('受理日期 (received_on): form and API, edit, page, export and import, each from the field table', async () => {
  const made = await as(staff)(`${srv.base}/api/v1/tickets`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ source: 'hotline12345', category: 'complaint', domain: 'rural_water', title: '受理日期测试',
      description: '来电反映', unit: 'XR', received_on: '2023-09-08' }),
  });
  const t = await made.json();
  assert.equal(made.status, 201, JSON.stringify(t));
  assert.equal(t.received_on, '2023-09-08');
  const bad = await as(staff)(`${srv.base}/api/v1/tickets`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ source: 'hotline12345', category: 'complaint', domain: 'rural_water', title: 'x', description: 'x', unit: 'XR', received_on: '2023-02-30' }),
  });
  assert.equal(bad.status, 422);
  assert.match((await bad.json()).error.fields.received_on, /受理日期须为有效日期/);
  const edited = await as(staff)(`${srv.base}/api/v1/tickets/${t.id}`, {
    method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ version: t.version, received_on: '2023-09-07' }),
  });
  assert.equal(edited.status, 200);
  assert.equal((await edited.json()).received_on, '2023-09-07');
  const page = await (await as(staff)(`${srv.base}/tickets/${t.id}`)).text();
  assert.match(page, /<dt>受理日期<\/dt><dd>2023-09-07<\/dd>/);
  const form = await (await as(staff)(`${srv.base}/tickets/${t.id}/edit`)).text();
  assert.match(form, /<label for="received_on">受理日期<\/label>\s*<input id="received_on" name="received_on" type="date" value="2023-09-07"/);
  assert.match(form, /12345 热线等渠道受理该问题的日期/); // its hint, from its row
  // The export has the column after 原工单号; a file with it imports the date.
  const csv = (await (await as(reviewer)(`${srv.base}/api/v1/export.csv?q=${encodeURIComponent('受理日期测试')}`)).text()).replace(/^\uFEFF/, '');
  const [head, line] = csv.split('\r\n');
  const cols = head.split(',');
  assert.equal(cols[5], '受理日期');
  assert.equal(line.split(',')[5], '2023-09-07');
  const r = await post(reviewer, [header.join(','), row({ ...base, '原工单号': 'HL-RECV-1', '问题标题': '受理日期导入', '受理日期': '2023/9/6' })].join('\r\n'));
  const rep = await r.json();
  assert.equal(rep.imported, 1, JSON.stringify(rep));
  assert.equal(sql(srv.db, "SELECT received_on FROM tickets WHERE source_ref = 'HL-RECV-1'"), '2023-09-06');
});
