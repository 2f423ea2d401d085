// The new-ticket form as a clerk meets it: a deadline already past is asked about before it is
// taken, the form never proposes a past deadline, and a file chosen on a form that comes back
// is named as not kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiLogin, as, sql, png } from './helpers.mjs';

let srv, staff;
before(async () => {
  srv = await startServer({ now: '2023-09-10T10:00:00+08:00' });
  staff = await apiLogin(srv.base, 'xingren');
});
after(async () => { await srv.stop(); });

const fields = (o = {}) => ({
  source: 'hotline12345', category: 'complaint', domain: 'rural_water', unit: 'XR', campaign: 'SW2023',
  title: '表单测试', description: '来电反映', urgency: 'normal', ...o,
});
// Sends the new-ticket form. A form that comes back is at its own address (303 to
// /tickets/new?retry=...): followed here, so that the answer is the form with its messages.
const post = async (o, file) => {
  const fd = new FormData();
  for (const [k, v] of Object.entries(o)) fd.append(k, v);
  if (file) fd.append('file', new Blob([file], { type: 'image/png' }), '现场.png');
  const r = await as(staff)(`${srv.base}/tickets?csrf_token=${staff.csrf}`, { method: 'POST', body: fd, redirect: 'manual' });
  const loc = r.headers.get('location') || '';
  if (r.status !== 303 || !loc.startsWith('/tickets/new?retry=')) return r;
  const back = await as(staff)(`${srv.base}${loc}`);
  back.retry = loc;
  return back;
};

test('a deadline before today: the form asks, says what it means, and takes it once confirmed', async () => {
  const n = sql(srv.db, 'SELECT count(*) FROM tickets');
  let r = await post(fields({ title: '逾期补录', deadline: '2023-09-01' }));
  assert.equal(r.status, 422);
  const html = await r.text();
  assert.match(html, /整改时限 2023-09-01 早于今天，登记后即为逾期（红灯）/);
  assert.match(html, /<input type="checkbox" name="confirm_past_deadline" value="1">/);
  assert.match(html, /value="逾期补录"/); // what was typed comes back
  assert.equal(sql(srv.db, 'SELECT count(*) FROM tickets'), n); // nothing stored
  r = await post(fields({ title: '逾期补录', deadline: '2023-09-01', confirm_past_deadline: '1' }));
  assert.equal(r.status, 303);
  assert.equal(sql(srv.db, "SELECT deadline FROM tickets WHERE title = '逾期补录'"), '2023-09-01');
  // Today or later needs no question.
  r = await post(fields({ title: '当天时限', deadline: '2023-09-10' }));
  assert.equal(r.status, 303);
});

test('a form that comes back is at its own address, with no token in it, and a reload shows it again', async () => {
  const n = sql(srv.db, 'SELECT count(*) FROM tickets');
  const r = await post(fields({ title: '' }));
  assert.equal(r.status, 422);
  assert.match(r.retry, /^\/tickets\/new\?retry=[0-9a-f]{32}$/);
  assert.doesNotMatch(r.retry, /csrf/);
  const first = await r.text();
  assert.match(first, /请填写问题标题/);
  // Reloading is a GET of that address: the same form and message, nothing sent again.
  const again = await as(staff)(`${srv.base}${r.retry}`);
  assert.equal(again.status, 422);
  assert.match(await again.text(), /请填写问题标题/);
  assert.equal(sql(srv.db, 'SELECT count(*) FROM tickets'), n);
  // It is the sender's: another user gets a blank form, told it is no longer there.
  const other = await apiLogin(srv.base, 'zhongxin');
  const theirs = await as(other)(`${srv.base}${r.retry}`);
  assert.equal(theirs.status, 200);
  assert.match(await theirs.text(), /这份表单已过期（保留 30 分钟），请重新填写/);
});

test('a file chosen on a form that comes back is named as not kept', async () => {
  const r = await post(fields({ title: '' }), png(8, 8));
  assert.equal(r.status, 422);
  const html = await r.text();
  assert.match(html, /已选择的文件“现场\.png”未保存：表单有误，请改正后重新选择文件/);
  assert.match(html, /aria-describedby="file-lost"/);
});

test('the form never proposes a deadline already past; left empty the time-limit rule sets it, or, with no rule, it asks', async () => {
  const late = await startServer({ now: '2027-03-01T10:00:00+08:00' });
  try {
    // Only the 2023 campaign active: its rectification phase ended on 2023-09-25.
    sql(late.db, "UPDATE campaigns SET active = 0 WHERE code <> 'SW2023'");
    const s = await apiLogin(late.base, 'xingren');
    const form = await (await as(s)(`${late.base}/tickets/new`)).text();
    assert.match(form, /<input id="deadline" name="deadline" type="date" value=""/);
    assert.match(form, /留空则按办理时限规则计算/);
    const send = async (title) => {
      const fd = new FormData();
      for (const [k, v] of Object.entries(fields({ campaign: '', title }))) fd.append(k, v);
      const r = await as(s)(`${late.base}/tickets?csrf_token=${s.csrf}`, { method: 'POST', body: fd, redirect: 'manual' });
      assert.equal(r.status, 303);
      return as(s)(`${late.base}${r.headers.get('location')}`);
    };
    // The district's rule for any ticket: 5 working days from Monday 2027-03-01 (no 2027
    // notice loaded: Monday–Friday, said so), beyond the phase: its commitment is still due.
    let back = await send('按规则计时');
    assert.equal(back.status, 200);
    const page = await back.text();
    assert.match(page, /时限：5个工作日，2027-03-08 前办结/);
    assert.match(page, /按周一至周五估算/);
    assert.match(page, /<strong>待补整改承诺<\/strong>/);
    // With no rule in force the phase's end is the default, and it is past: the form asks.
    const admin = await apiLogin(late.base, 'admin');
    for (const rule of await (await as(admin)(`${late.base}/api/v1/time-limits`)).json()) {
      assert.equal((await as(admin)(`${late.base}/api/v1/time-limits/${rule.id}`, { method: 'DELETE' })).status, 200);
    }
    back = await send('无规则');
    assert.equal(back.status, 422);
    assert.match(await back.text(), /默认整改时限（集中整改阶段结束日 2023-09-25）已过，请填写新的整改时限/);
  } finally {
    await late.stop();
  }
});

test('a 原工单号 already logged: the message links to that ticket', async () => {
  let r = await post(fields({ title: '首次登记', source_ref: 'GD20230910001' }));
  assert.equal(r.status, 303);
  const id = r.headers.get('location').match(/\/tickets\/(\d+)/)[1];
  const code = sql(srv.db, `SELECT code FROM tickets WHERE id = ${id}`);
  r = await post(fields({ title: '再次登记', source_ref: 'GD20230910001' }));
  assert.equal(r.status, 409);
  const html = await r.text();
  assert.match(html, new RegExp(`该原工单号已登记：<a href="/tickets/${id}">查看问题 ${code}</a>`));
  assert.match(html, new RegExp(`原工单号 GD20230910001 已登记为问题 ${code}`));
});

test('the printable 交办单: a bordered form with the facts, 签收人/办结人 lines and room for the seal; scope as the ticket', async () => {
  const r = await post(fields({ title: '交办单测试', requirement: '三日内修复', deadline: '2023-09-20' }));
  const id = r.headers.get('location').match(/\/tickets\/(\d+)/)[1];
  const page = await (await as(staff)(`${srv.base}/tickets/${id}`)).text();
  assert.match(page, new RegExp(`href="/tickets/${id}/notice">打印交办单</a>`));
  const res = await as(staff)(`${srv.base}/tickets/${id}/notice`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<h1 class="notice-title">高新区群众满意度问题整改交办单<\/h1>/);
  assert.match(html, /<span>交办时间：2023-09-10 10:00<\/span>/);
  assert.match(html, /<th scope="row">问题标题<\/th><td colspan="3">交办单测试<\/td>/);
  assert.match(html, /<td><strong>2023-09-20<\/strong> 前办结<\/td>/);
  assert.match(html, /<th scope="row">整改要求<\/th><td colspan="3" class="prose">三日内修复<\/td>/);
  for (const s of ['签收人', '签收时间', '办结人', '办结时间', '（单位盖章）']) assert.ok(html.includes(s), s);
  // Another street's staff: the ticket does not exist for them, nor its notice.
  const other = await apiLogin(srv.base, 'xingcheng');
  assert.equal((await as(other)(`${srv.base}/tickets/${id}/notice`)).status, 404);
});

test('the ledger\'s filters: the keyword in view, the rest folded away unless one of them is in use', async () => {
  const plain = await (await as(staff)(`${srv.base}/tickets`)).text();
  assert.match(plain, /<input id="f-q" name="q" type="search"/);
  assert.match(plain, /<details class="filters-more">\s*<summary>更多筛选条件/);
  const narrowed = await (await as(staff)(`${srv.base}/tickets?status=open`)).text();
  assert.match(narrowed, /<details class="filters-more" open>/);
  const keyword = await (await as(staff)(`${srv.base}/tickets?q=${encodeURIComponent('停水')}`)).text();
  assert.match(keyword, /<details class="filters-more">/);
});

test('the to-do badge counts each ticket once; a ticket waiting for verification is not 未报进展', async () => {
  const mk = async (title) => {
    const r = await post(fields({ title, deadline: '2023-09-20' }));
    return r.headers.get('location').match(/\/tickets\/(\d+)/)[1];
  };
  const both = await mk('退回且未报进展');
  const waiting = await mk('待验收且久未报进展');
  // Returned and silent for weeks: in two sections, one ticket.
  sql(srv.db, `UPDATE tickets SET status = 'rectifying', return_count = 1, last_progress_on = '2023-08-01' WHERE id = ${both}`);
  sql(srv.db, `UPDATE tickets SET status = 'verifying', last_progress_on = '2023-08-01' WHERE id = ${waiting}`);
  // Past its time to sign: in 超时未签收 and in 待签收, one ticket; reopened and returned: one.
  const late = await mk('超时未签收');
  sql(srv.db, `UPDATE tickets SET status = 'open', signed_at = NULL, sign_by = '2023-09-01T09:00:00+08:00' WHERE id = ${late}`);
  const reworked = await mk('重开且被退回');
  sql(srv.db, `UPDATE tickets SET status = 'rectifying', reopened_on = '2023-09-01', return_count = 2, last_progress_on = '2023-09-04' WHERE id = ${reworked}`);
  const xr = "unit_path LIKE (SELECT path FROM units WHERE code = 'XR') || '%' OR responsible_path LIKE (SELECT path FROM units WHERE code = 'XR') || '%'";
  const distinct = Number(sql(srv.db, `SELECT count(*) FROM tickets WHERE (${xr}) AND (status = 'open' OR (status = 'rectifying' AND (return_count > 0 OR reopened_on IS NOT NULL)) OR (status = 'rectifying' AND last_progress_on < '2023-09-03'))`));
  assert.equal(Number(sql(srv.db, `SELECT count(*) FROM tickets WHERE id IN (${late}, ${reworked}) AND (${xr})`)), 2);
  const html = await (await as(staff)(`${srv.base}/todo`)).text();
  assert.match(html, new RegExp(`<h1>待办（${distinct}）</h1>`));
  const sections = [...html.matchAll(/<h2>[^<]+ <span class="badge">(\d+)<\/span><\/h2>/g)].map((m) => Number(m[1]));
  assert.ok(sections.reduce((a, b) => a + b, 0) > distinct, 'the sections overlap by the returned, silent ticket');
  const nav = await (await as(staff)(`${srv.base}/`)).text();
  assert.match(nav, new RegExp(`待办 <span class="badge"[^>]*>${distinct}</span>`));
  // Waiting for the supervisor: nothing for the street to report.
  const t = await (await as(staff)(`${srv.base}/api/v1/tickets/${waiting}`)).json();
  assert.equal(t.stale, false);
  const stale = await (await as(staff)(`${srv.base}/api/v1/tickets?stale=1&per_page=100`)).json();
  assert.ok(!stale.items.some((x) => String(x.id) === waiting));
  assert.ok(stale.items.some((x) => String(x.id) === both));
});

test('the keyword finds a problem by its address, the caller\'s name and the phone\'s last digits, in scope only', async () => {
  const made = await as(staff)(`${srv.base}/api/v1/tickets`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...fields({ title: '楼道灯不亮', address: '光明路88号梧桐苑3栋', reporter_name: '欧阳娜娜', reporter_phone: '13955512468' }) }),
  });
  const t = await made.json();
  assert.equal(made.status, 201, JSON.stringify(t));
  const find = async (who, q) => (await (await as(who)(`${srv.base}/api/v1/tickets?q=${encodeURIComponent(q)}&per_page=100`)).json()).items.map((x) => x.id);
  for (const q of ['梧桐苑', '梧桐苑 3栋', '欧阳娜娜', '2468', '512468', '13955512468'])
    assert.ok((await find(staff, q)).includes(t.id), q);
  assert.ok(!(await find(staff, '468')).includes(t.id), 'three digits are no phone search');
  assert.ok(!(await find(staff, '1395')).includes(t.id), 'a phone is found by its end, not its start');
  // An edit moves it: the old address no longer finds it, the new one does.
  await as(staff)(`${srv.base}/api/v1/tickets/${t.id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ version: t.version, address: '复兴路12号' }) });
  assert.ok(!(await find(staff, '梧桐苑')).includes(t.id));
  assert.ok((await find(staff, '复兴路')).includes(t.id));
  // Another street's staff: not found by any of it.
  const other = await apiLogin(srv.base, 'xingcheng');
  for (const q of ['复兴路', '欧阳娜娜', '2468']) assert.ok(!(await find(other, q)).includes(t.id), q);
});

test('签收所选 and 导出所选 on the ledger page: each ticket authorized alone, another street\'s never named', async () => {
  const mk = async (title) => (await post(fields({ title, deadline: '2023-09-20' }))).headers.get('location').match(/\/tickets\/(\d+)/)[1];
  const a = await mk('批量签收一'), b = await mk('批量签收二'), c = await mk('已签收的');
  sql(srv.db, `UPDATE tickets SET status = 'rectifying' WHERE id = ${c}`);
  const other = await apiLogin(srv.base, 'xingcheng');
  const theirs = (await (await as(other)(`${srv.base}/api/v1/tickets`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(fields({ unit: 'XC', title: '兴城的问题' })) })).json()).id;
  const list = await (await as(staff)(`${srv.base}/tickets`)).text();
  assert.match(list, /<button class="button" type="submit" name="batch" value="accept">签收所选<\/button>/);
  assert.match(list, new RegExp(`<input type="checkbox" name="ids" value="${a}" form="batch" aria-label="选择 [A-Z]+-2023-\\d+">`));
  const body = new URLSearchParams([['csrf_token', staff.csrf], ['batch', 'accept'], ['ids', a], ['ids', b], ['ids', c], ['ids', String(theirs)]]);
  const r = await as(staff)(`${srv.base}/tickets/batch`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: body.toString(), redirect: 'manual' });
  assert.equal(r.status, 303);
  const page = await (await as(staff)(`${srv.base}${r.headers.get('location')}`)).text();
  const codeC = sql(srv.db, `SELECT code FROM tickets WHERE id = ${c}`);
  assert.match(page, new RegExp(`已签收 2 件；1 件未签收（不在待签收状态）：${codeC}；1 件不存在或不由您办理`));
  assert.doesNotMatch(page, /XC-2023/);
  assert.equal(sql(srv.db, `SELECT group_concat(status) FROM tickets WHERE id IN (${a}, ${b}) `), 'rectifying,rectifying');
  assert.equal(sql(srv.db, `SELECT status FROM tickets WHERE id = ${theirs}`), 'open');
  assert.equal(Number(sql(srv.db, `SELECT count(*) FROM events WHERE action = 'accept' AND entity_id IN (${a}, ${b})`)), 2);
  // Nothing chosen: said so, nothing done.
  const none = await as(staff)(`${srv.base}/tickets/batch`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: staff.csrf, batch: 'accept' }).toString() });
  assert.equal(none.status, 422);
  assert.match(await none.text(), /请先勾选问题/);
  // A reviewer exports the chosen ones: exactly those rows (3 and a header under the title).
  const rv = await apiLogin(srv.base, 'zhongxin');
  const ex = await as(rv)(`${srv.base}/tickets/batch`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([['csrf_token', rv.csrf], ['batch', 'export'], ['ids', a], ['ids', b], ['ids', String(theirs)]]).toString() });
  assert.equal(ex.status, 200);
  assert.match(ex.headers.get('content-type'), /spreadsheetml/);
  const { unzip } = await import('./helpers.mjs');
  const sheet = (await unzip(Buffer.from(await ex.arrayBuffer())))['xl/worksheets/sheet1.xml'].toString();
  assert.equal((sheet.match(/<row /g) || []).length, 2 + 3);
  for (const t of ['批量签收一', '批量签收二', '兴城的问题']) assert.ok(sheet.includes(t), t);
  // Staff may not export.
  const st = await as(staff)(`${srv.base}/tickets/batch`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([['csrf_token', staff.csrf], ['batch', 'export'], ['ids', a]]).toString() });
  assert.equal(st.status, 403);
});

test('the supervisor reads 待验收 in the order the applications came in, or by deadline', async () => {
  const mk = async (title, deadline) => (await post(fields({ title, deadline }))).headers.get('location').match(/\/tickets\/(\d+)/)[1];
  const early = await mk('时限早、后申请', '2023-09-12'), late = await mk('时限晚、先申请', '2023-09-24');
  sql(srv.db, `UPDATE tickets SET status = 'verifying' WHERE id IN (${early}, ${late})`);
  sql(srv.db, `INSERT INTO progress (ticket_id, on_date, at, kind, note) VALUES (${late}, '2023-09-08', '2023-09-08T09:00:00+08:00', 'statement', '已整改'), (${early}, '2023-09-09', '2023-09-09T09:00:00+08:00', 'statement', '已整改')`);
  const sup = await apiLogin(srv.base, 'ducha');
  const order = (html) => [...html.matchAll(/<a href="\/tickets\/(\d+)">[^<]*<\/a><\/td>\s*<td class="title-cell">/g)].map((m) => m[1]).filter((id) => id === early || id === late);
  const byDeadline = await (await as(sup)(`${srv.base}/todo`)).text();
  assert.deepEqual(order(byDeadline), [early, late]);
  assert.match(byDeadline, /<strong aria-current="true">按整改时限<\/strong> · <a href="\/todo\?verify_order=submitted">/);
  const bySubmission = await (await as(sup)(`${srv.base}/todo?verify_order=submitted`)).text();
  assert.deepEqual(order(bySubmission), [late, early]);
  assert.match(bySubmission, /<strong aria-current="true">按申请销号时间（先申请的在前）<\/strong>/);
});
