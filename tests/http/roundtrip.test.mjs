// Excel in and out: the ledger's own exports (masked and unmasked, CSV and .xlsx) imported
// back, skipping and updating, change nothing; a sheet worked on and brought back changes
// exactly what was changed; rejected rows come back by column, summarised, as a CSV to
// correct; the template and the export's workbook are what a clerk prints and fills.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { startServer, apiLogin, as, sql, ledger, unzip } from './helpers.mjs';

const NOW = '2026-12-03T10:00:00+08:00';
const N = process.env.LEDGER_VALGRIND ? 300 : 3000;
let srv, z;
before(async () => {
  srv = await startServer({ now: NOW });
  const r = ledger(['seed', '--db', srv.db, '--tickets', String(N)], { env: { LEDGER_NOW: NOW } });
  assert.equal(r.code, 0, r.stderr);
  z = await apiLogin(srv.base, 'zhongxin');
});
after(async () => { await srv.stop(); });

const get = async (path) => {
  const r = await as(z)(`${srv.base}${path}`);
  assert.equal(r.status, 200, path);
  return Buffer.from(await r.arrayBuffer());
};
const upload = async (file, name, mode) => {
  const fd = new FormData();
  fd.append('file', new Blob([file]), name);
  if (mode) fd.append('mode', mode);
  const r = await as(z)(`${srv.base}/api/v1/import`, { method: 'POST', body: fd });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body).slice(0, 300));
  return body;
};
// Everything a ticket is, in one text: an import that changes nothing leaves it equal.
const ledgerText = () => createHash('sha256')
  .update(execFileSync('sqlite3', [srv.db, 'SELECT * FROM tickets ORDER BY id; SELECT count(*), max(id) FROM events'], { maxBuffer: 1 << 28 }))
  .digest('hex');

// A CSV line split into cells (quotes as the export writes them).
function cells(line) {
  const out = [];
  let cur = '', q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q && c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = !q;
    else if (c === ',' && !q) { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}
const csvLine = (a) => a.map((v) => (/[",\r\n]/.test(v) || /^[=+\-@']/.test(v) ? `"${/^[=+\-@']/.test(v) ? "'" : ''}${v.replace(/"/g, '""')}"` : v)).join(',');
// The export's records (no cell of the seeded ledger holds a line break).
const records = (buf) => buf.toString('utf8').replace(/^\uFEFF/, '').split('\r\n').filter((l) => l).map(cells);

test(`the ledger's own exports of ${N} tickets, imported back, skip or update, create and change nothing`, { timeout: 300000 }, async () => {
  const files = {
    'masked.csv': await get('/api/v1/export.csv'),
    'unmasked.csv': await get('/api/v1/export.csv?unmasked=1'),
    'masked.xlsx': await get('/api/v1/export.xlsx'),
    'unmasked.xlsx': await get('/api/v1/export.xlsx?unmasked=1'),
  };
  // Every ticket but the repeats the demo merged (合并: out of every list, the export too).
  const listed = Number(sql(srv.db, "SELECT count(*) FROM tickets WHERE status <> 'merged'"));
  assert.ok(listed < N && listed > N - 10);
  assert.equal(records(files['masked.csv']).length, listed + 1);
  assert.match(records(files['masked.csv'])[1].join(','), /\*\*\*\*/); // really masked
  const before = ledgerText();
  for (const [name, file] of Object.entries(files)) {
    for (const mode of ['skip', 'update']) {
      const rep = await upload(file, name, mode);
      const what = `${name} ${mode}: ${JSON.stringify(rep.rejected.slice(0, 2))}`;
      assert.equal(rep.format, name.endsWith('.xlsx') ? 'xlsx' : 'csv');
      assert.equal(rep.imported, 0, what);
      assert.equal(rep.rejected_rows, 0, what);
      assert.equal(rep.updated, 0, what);
      assert.equal(mode === 'skip' ? rep.skipped : rep.unchanged, listed, what);
      if (name.startsWith('masked')) assert.ok(rep.masked_cells >= listed, `${name}: ${rep.masked_cells} masked cells`);
      else assert.equal(rep.masked_cells, 0);
    }
  }
  assert.equal(ledgerText(), before, 'an import of the ledger\'s own export changed the ledger');
  assert.equal(Number(sql(srv.db, 'SELECT count(*) FROM tickets')), N);
});

test('a sheet worked on and brought back: what changed is changed (one edit each), new rows keep their times, bad rows come back by column', async () => {
  const rows = records(await get('/api/v1/export.csv?unmasked=1'));
  const h = rows[0];
  const col = Object.fromEntries(h.map((k, i) => [k, i]));
  const open = rows.filter((r, i) => i > 0 && r[col['状态']] === '待整改');
  assert.ok(open.length >= 3, 'the seed has open tickets');
  // A ticket found by its 原工单号 alone.
  const refCode = open[1][col['问题编号']];
  sql(srv.db, `UPDATE tickets SET source_ref = 'GX-RT-0001' WHERE code = '${refCode}'`);
  const out = [h];
  const changed = [...open[0]];
  changed[col['整改措施']] = '已安排维修队，周五前更换管道';
  out.push(changed);
  const byRef = [...open[1]];
  byRef[col['问题编号']] = '';
  byRef[col['原工单号']] = 'GX-RT-0001';
  byRef[col['责任人']] = '李建国';
  byRef[col['反映人电话']] = '139****0000'; // masked: left alone
  out.push(byRef);
  out.push([...open[2]]); // unchanged
  const fresh = [...open[2]];
  fresh[col['问题编号']] = '';
  fresh[col['原工单号']] = '';
  fresh[col['问题标题']] = '往返导入的新问题';
  fresh[col['登记时间']] = '2026-10-01 09:30';
  fresh[col['受理日期']] = '2026/9/30';
  out.push(fresh);
  const bad = [...open[2]];
  bad[col['问题编号']] = '';
  bad[col['原工单号']] = '';
  bad[col['问题标题']] = '往返导入的另一个新问题';
  bad[col['属地单位']] = '兴仁';
  bad[col['反映人电话']] = '12345';
  out.push(bad);
  const ghost = [...open[2]];
  ghost[col['问题编号']] = 'XR-2026-999999';
  out.push(ghost);
  const file = `\uFEFF${out.map(csvLine).join('\r\n')}\r\n`;
  const phoneBefore = sql(srv.db, `SELECT reporter_phone FROM tickets WHERE code = '${refCode}'`);
  const edits = Number(sql(srv.db, "SELECT count(*) FROM events WHERE action = 'edit'"));

  const rep = await upload(file, 'worked.csv', 'update');
  assert.equal(rep.updated, 2, JSON.stringify(rep));
  assert.equal(rep.unchanged, 1);
  assert.equal(rep.imported, 1);
  assert.equal(rep.rejected_rows, 2);
  assert.equal(rep.masked_cells, 1);
  assert.equal(Number(sql(srv.db, "SELECT count(*) FROM events WHERE action = 'edit'")), edits + 2);
  assert.equal(sql(srv.db, `SELECT measures FROM tickets WHERE code = '${open[0][col['问题编号']]}'`), '已安排维修队，周五前更换管道');
  assert.equal(sql(srv.db, `SELECT responsible_person FROM tickets WHERE code = '${refCode}'`), '李建国');
  assert.equal(sql(srv.db, `SELECT reporter_phone FROM tickets WHERE code = '${refCode}'`), phoneBefore);
  const ev = JSON.parse(sql(srv.db, `SELECT json_object('b', json(before), 'a', json(after)) FROM events WHERE action = 'edit' ORDER BY id DESC LIMIT 1`));
  assert.equal(ev.a.responsible_person, '李建国');
  assert.equal(sql(srv.db, "SELECT created_at || ' ' || received_on || ' ' || last_progress_on FROM tickets WHERE title = '往返导入的新问题'"),
    '2026-10-01T09:30:00+08:00 2026-09-30 2026-10-01');
  // Rejections name their column; the unknown name lists the valid ones; the summary groups them.
  const byCol = Object.fromEntries(rep.rejected.map((x) => [x.column, x.reason]));
  assert.match(byCol['属地单位'], /^“兴仁”不存在，可填写：兴仁街道、兴城街道、张范街道/);
  assert.equal(byCol['反映人电话'], '请填写 11 位手机号或带区号的固定电话');
  assert.equal(byCol['问题编号'], '问题编号 XR-2026-999999 在台账中不存在（新问题请不填问题编号）');
  assert.ok(!('所在社区/村' in byCol), 'an error that only follows from another is not reported');
  assert.ok(rep.reasons.every((s) => s.count >= 1 && s.lines.length >= 1));
  // The rejected rows as a CSV: reason first, then the file's own cells; corrected, it imports.
  const back = records(Buffer.from(rep.rejected_csv));
  assert.deepEqual(back[0], ['未导入原因', ...h]);
  assert.equal(back.length, 3);
  assert.match(back[1][0], /属地单位：“兴仁”不存在.*；反映人电话：请填写 11 位手机号/);
  const fixed = [back[0].slice(1), [...back[1].slice(1)]];
  fixed[1][col['属地单位']] = open[2][col['属地单位']];
  fixed[1][col['反映人电话']] = '13912345678';
  const again = await upload(`\uFEFF${fixed.map(csvLine).join('\r\n')}\r\n`, 'fixed.csv');
  assert.equal(again.imported, 1, JSON.stringify(again.rejected));
  // Skipping (the default) leaves a changed row alone and says which ticket it was.
  const skip = await upload(file, 'worked.csv');
  assert.equal(skip.updated, 0);
  assert.ok(skip.skipped >= 4);
  assert.ok(skip.outcomes.some((o) => o.code === refCode && o.outcome === '已在台账中，跳过'));
});

test('the import page: the choice to update, the summary by column, and the rejected rows to download', async () => {
  const rows = records(await get('/api/v1/export.csv'));
  const h = rows[0];
  const bad = [...rows[1]];
  bad[h.indexOf('问题编号')] = '';
  bad[h.indexOf('领域')] = '不存在的领域';
  const fd = new FormData();
  fd.append('mode', 'update');
  fd.append('file', new Blob([`\uFEFF${[h, rows[1], bad].map(csvLine).join('\r\n')}\r\n`]), 'p.csv');
  const r = await as(z)(`${srv.base}/import?csrf_token=${z.csrf}`, { method: 'POST', body: fd });
  assert.equal(r.status, 303);
  const loc = r.headers.get('location');
  let html = '';
  for (let i = 0; i < 100; i++) {
    html = await (await as(z)(`${srv.base}${loc}`)).text();
    if (!html.includes('http-equiv="refresh"')) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.match(html, /共 2 行：新增 <strong>0<\/strong> 件，更新 <strong>0<\/strong> 件，内容相同 <strong>1<\/strong> 件，未导入 <strong>1<\/strong> 行/);
  assert.match(html, /<td class="nowrap">领域<\/td><td>“不存在的领域”不存在，可填写：[^<]+<\/td><td class="nowrap">1<\/td><td>3 <\/td>/);
  const link = html.match(/href="(\/import\/\d+\/rejected\.csv)"/)[1];
  const csv = await as(z)(`${srv.base}${link}`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-disposition'), /attachment; filename="import-\d+-rejected-2026-12-03\.csv"/);
  const back = records(Buffer.from(await csv.arrayBuffer()));
  assert.equal(back.length, 2);
  assert.match(back[1][0], /^领域：/);
  // The form offers the template and the choice.
  const form = await (await as(z)(`${srv.base}/import`)).text();
  assert.match(form, /href="\/import\/template\.xlsx"/);
  assert.match(form, /name="mode" value="update"/);
});

test('the template: the columns the import reads, and the values on a second sheet', async () => {
  const r = await as(z)(`${srv.base}/import/template.xlsx`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-disposition'), /filename\*=UTF-8''%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF\.xlsx/);
  const parts = await unzip(Buffer.from(await r.arrayBuffer()));
  const strings = parts['xl/sharedStrings.xml'].toString();
  for (const s of ['问题来源', '问题标题', '登记时间', '12345政务服务热线', '兴仁街道', '前进村', '农村供水保障', '紧急'])
    assert.ok(strings.includes(`>${s}<`), s);
  assert.ok(!strings.includes('>问题编号<'), 'new rows have no 问题编号');
  assert.match(parts['xl/workbook.xml'].toString(), /<sheet name="导入模板"[^>]*\/><sheet name="可填写的值"/);
  // The second sheet: a column per coded field, headed by its label.
  const values = parts['xl/worksheets/sheet2.xml'].toString();
  assert.ok((values.match(/<c r="[A-Z]+1" [^>]*t="s">/g) || []).length >= 6);
});

test("the export's workbook: a title with 截至, 序号, Excel dates and times, coloured flags, print set-up, a name that says what", async () => {
  const r = await as(z)(`${srv.base}/api/v1/export.xlsx?status=closed`);
  assert.equal(r.status, 200);
  const cd = decodeURIComponent(r.headers.get('content-disposition').split("UTF-8''")[1]);
  assert.equal(cd, '问题整改台账-区社会事务综合服务中心-已销号-2026-12-03.xlsx');
  const parts = await unzip(Buffer.from(await r.arrayBuffer()));
  // Written in constant memory: strings are inline (<is><t>), numbers plain (<v>).
  const sheet = parts['xl/worksheets/sheet1.xml'].toString();
  const cell = (ref) => sheet.match(new RegExp(`<c r="${ref}"( s="(\\d+)")?( t="(\\w+)")?>(?:<v>([^<]*)</v>|<is><t[^>]*>([^<]*)</t></is>)`));
  const text = (ref) => { const m = cell(ref); return m && (m[4] === 'inlineStr' ? m[6] : m[5]); };
  const strings = [...sheet.matchAll(/<is><t[^>]*>([^<]*)<\/t><\/is>/g)].map((m) => m[1]);
  assert.match(text('A1'), /^区社会事务综合服务中心 问题整改台账（状态：已销号） {2}截至 2026-12-03 10:00$/);
  assert.equal(text('A2'), '序号');
  assert.equal(text('A3'), '1');
  const letters = (i) => (i >= 26 ? letters(Math.floor(i / 26) - 1) : '') + String.fromCharCode(65 + (i % 26));
  const head = [];
  for (let i = 0; i < 40; i++) { const t = text(`${letters(i)}2`); if (!t) break; head.push(t); }
  for (const c of ['销号时间', '回访结果', '回访时间', '登记时间', '回访标识', '时限标识']) assert.ok(head.includes(c), c);
  // Times are Excel numbers with a date format, not text.
  for (const c of ['登记时间', '销号时间', '整改时限']) {
    const m = cell(`${letters(head.indexOf(c))}3`);
    assert.ok(m && !m[4] && m[2] && Number(m[5]) > 40000, `${c}: ${m && m[0]}`);
  }
  assert.ok(!strings.some((s) => /^\d{4}-\d\d-\d\dT\d\d:/.test(s)), 'a time written as text');
  // Rows with a 回访标识 are coloured like 时限标识 (a style of their own).
  const colour = letters(head.indexOf('回访标识'));
  const flagged = [...sheet.matchAll(new RegExp(`<c r="${colour}\\d+" s="(\\d+)" t="inlineStr"><is><t>([^<]*)</t>`, "g"))].filter((m) => m[2] !== "回访标识");
  assert.ok(flagged.length > 0 && flagged.every((m) => /^[红黄绿]标$/.test(m[2])), `${flagged.length} flagged: ${flagged.find((m) => !/^[红黄绿]标$/.test(m[2]))}`);
  assert.equal(sheet.match(new RegExp(`<c r="${colour}\\d+"( t="inlineStr")?><is><t>[红黄绿]标`, 'g')), null, 'a flag without its colour');
  assert.match(sheet, /<sheetPr><pageSetUpPr fitToPage="1"\/><\/sheetPr>/);
  assert.match(sheet, /<pageSetup paperSize="9" fitToHeight="0" orientation="landscape"\/>/);
  assert.match(parts['xl/workbook.xml'].toString(), /<definedName name="_xlnm.Print_Titles" localSheetId="0">'问题整改台账'!\$2:\$2<\/definedName>/);
  assert.match(sheet, /<oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页<\/oddFooter>/);
});

test('the ledger page: rows per page, the page\'s number, optional columns, every filter carried by the page links', async () => {
  const from = '2026-10-01';
  const want = Number(sql(srv.db, `SELECT count(*) FROM tickets WHERE status = 'open' AND created_at >= '${from}'`));
  assert.ok(want > 20, `${want} open tickets since ${from}`); // two pages at least (300 tickets under valgrind)
  const page = async (path) => {
    const r = await as(z)(`${srv.base}${path}`);
    assert.equal(r.status, 200);
    return r.text();
  };
  let html = await page(`/tickets?status=open&from=${from}&per_page=20&col_source_ref=1&col_created=1`);
  assert.equal((html.match(/<tr>\s*(?:<td><input[^>]*><\/td>)?<td><a href="\/tickets\/\d+">/g) || []).length, 20);
  const pages = Math.ceil(want / 20);
  assert.match(html, new RegExp(`第 1 页，共 ${pages} 页`));
  assert.match(html, /<th scope="col"><a [^>]*>编号<\/a><\/th><th scope="col">原工单号<\/th><th scope="col"><a [^>]*>登记日期<\/a><\/th><th scope="col">问题<\/th>/);
  assert.doesNotMatch(html, /<th scope="col">来源<\/th>/);
  assert.match(html, /<option value="20" selected>20 条<\/option>/);
  const next = html.match(/href="([^"]+)" rel="next"/)[1].replace(/&amp;/g, '&');
  assert.match(next, new RegExp(`^/tickets\\?status=open&from=${from}&per_page=20&cols=source_ref,created&p=2&after=`));
  html = await page(next);
  assert.match(html, new RegExp(`第 2 页，共 ${pages} 页`));
  assert.match(html, /<th scope="col"><a [^>]*>登记日期<\/a><\/th>/);
  // Every row of the second page is still inside the filter.
  const ids = [...html.matchAll(/<tr>\s*(?:<td><input[^>]*><\/td>)?<td><a href="\/tickets\/(\d+)">/g)].map((m) => m[1]);
  const second = Math.min(20, want - 20);
  assert.equal(ids.length, second);
  assert.equal(sql(srv.db, `SELECT count(*) FROM tickets WHERE id IN (${ids.join(',')}) AND status = 'open' AND created_at >= '${from}'`), String(second));
  if (pages > 2) { // else the second page is the last one already
    const last = html.match(/href="([^"]+)">末页<\/a>/)[1].replace(/&amp;/g, '&');
    html = await page(last);
  }
  assert.match(html, new RegExp(`第 ${pages} 页，共 ${pages} 页`));
  assert.equal((html.match(/<tr>\s*(?:<td><input[^>]*><\/td>)?<td><a href="\/tickets\/\d+">/g) || []).length, want - 20 * (pages - 1));
});

test('the ledger page orders by code, deadline, 登记日期 or state from its headings, paged by number', async () => {
  const page = async (path) => (await as(z)(`${srv.base}${path}`)).text();
  const ids = (html) => [...html.matchAll(/<tr>\s*(?:<td><input[^>]*><\/td>)?<td><a href="\/tickets\/(\d+)">/g)].map((m) => m[1]);
  const plain = await page('/tickets?status=open');
  assert.match(plain, /<th scope="col"><a href="\/tickets\?status=open&amp;sort=code">编号<\/a><\/th>/);
  assert.match(plain, /点击列名可改变排序/);
  let html = await page('/tickets?status=open&sort=code');
  assert.deepEqual(ids(html), sql(srv.db, "SELECT group_concat(id) FROM (SELECT id FROM tickets WHERE status = 'open' ORDER BY code LIMIT 50)").split(','));
  assert.match(html, /<a href="\/tickets\?status=open&amp;sort=-code">编号▲<\/a>/); // a second click turns it round
  assert.match(html, /恢复默认排序：紧急的在前，按整改时限/);
  const total = Number(sql(srv.db, "SELECT count(*) FROM tickets WHERE status = 'open'"));
  assert.ok(total > 20, `${total} open tickets`); // two pages at least (about 28 under valgrind's 300)
  html = await page('/tickets?status=open&sort=-created&per_page=20&p=2');
  assert.deepEqual(ids(html), sql(srv.db, "SELECT group_concat(id) FROM (SELECT id FROM tickets WHERE status = 'open' ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 20)").split(','));
  assert.match(html, new RegExp(`第 2 页，共 ${Math.ceil(total / 20)} 页`));
  if (total > 40) assert.match(html, /href="\/tickets\?status=open&amp;per_page=20&amp;sort=-created&amp;p=3" rel="next"/);
  assert.match(html, /href="\/tickets\?status=open&amp;per_page=20&amp;sort=-created" rel="prev"/);
  html = await page('/tickets?sort=status&per_page=200');
  const states = [...html.matchAll(/<td>(待整改|整改中|待验收|已销号)<\/td>/g)].map((m) => m[1]);
  const rank = { 待整改: 0, 整改中: 1, 待验收: 2, 已销号: 3 };
  assert.deepEqual(states.map((x) => rank[x]), [...states.map((x) => rank[x])].sort((a, b) => a - b));
  html = await page('/tickets?sort=deadline&unit=XR');
  assert.deepEqual(ids(html), sql(srv.db, "SELECT group_concat(id) FROM (SELECT id FROM tickets WHERE unit_id = (SELECT id FROM units WHERE code = 'XR') ORDER BY deadline, id LIMIT 50)").split(','));
  // An order it does not know is the ledger's own.
  assert.deepEqual(ids(await page('/tickets?status=open&sort=evil')), ids(plain));
});
