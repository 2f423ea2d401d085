// Accounts: signing in and out, session expiry, lockout, address slow-down, CSRF, roles on
// the admin pages, user deactivation, and the event chain seen from the command line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiLogin, as, form, sql, ledger, sleep, pageLogin } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

test('without a session: pages send to /login, the API answers 401', async () => {
  const home = await fetch(`${srv.base}/`, { redirect: 'manual' });
  assert.equal(home.status, 303);
  assert.equal(home.headers.get('location'), '/login');
  const admin = await fetch(`${srv.base}/admin/users`, { redirect: 'manual' });
  assert.equal(admin.headers.get('location'), '/login?next=/admin/users');
  for (const p of ['/api/v1/units', '/api/v1/session']) {
    const r = await fetch(`${srv.base}${p}`);
    assert.equal(r.status, 401, p);
    assert.equal((await r.json()).error.code, 'unauthenticated');
  }
  const page = await fetch(`${srv.base}/login`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<form method="post" action="\/login"/);
  assert.match(html, /autocomplete="current-password"/);
});

test('page sign-in: wrong password keeps the login name; right one sets a strict cookie and follows next', async () => {
  const bad = await pageLogin(srv.base, { login: 'xingren', password: 'wrong#Pass1', next: '/admin/users' });
  assert.equal(bad.status, 401);
  const html = await bad.text();
  assert.match(html, /登录名或密码错误/);
  assert.match(html, /value="xingren"/);
  assert.doesNotMatch(bad.headers.get('set-cookie') || '', /sid=/);

  const ok = await pageLogin(srv.base, { login: 'admin', password: 'Demo#2023', next: '/admin/users' });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/admin/users');
  const cookie = ok.headers.get('set-cookie');
  assert.match(cookie, /^sid=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict/);
  const token = cookie.match(/^sid=([^;]+)/)[1];
  // The database keeps only a hash of the token.
  assert.equal(sql(srv.db, `SELECT count(*) FROM sessions WHERE token_hash = '${token}' OR csrf_token = '${token}'`), '0');
  assert.match(sql(srv.db, 'SELECT token_hash FROM sessions ORDER BY id DESC LIMIT 1'), /^[0-9a-f]{64}$/);

  const page = await fetch(`${srv.base}/admin/users`, { headers: { Cookie: `sid=${token}` } });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /系统管理员[\s\S]*退出/);

  // An outside "next" is not followed.
  const evil = await pageLogin(srv.base, { login: 'admin', password: 'Demo#2023', next: '//evil.example/' });
  assert.equal(evil.headers.get('location'), '/');
});

test('API sign-in: user, role, unit and a CSRF token; errors as the contract says', async () => {
  const s = await apiLogin(srv.base, 'xingren');
  assert.deepEqual(s.body.user, { login: 'xingren', name: '张专员', role: 'staff', unit: 'XR' });
  assert.match(s.body.csrf_token, /^[0-9a-f]{64}$/);
  assert.match(s.setCookie, /HttpOnly; SameSite=Strict/);
  const who = await as(s)(`${srv.base}/api/v1/session`);
  assert.equal((await who.json()).user.login, 'xingren');

  const bad = await fetch(`${srv.base}/api/v1/session`, { method: 'POST', body: JSON.stringify({ login: 'xingren', password: 'nope' }) });
  assert.equal(bad.status, 401);
  assert.equal((await bad.json()).error.code, 'bad_credentials');
  const missing = await fetch(`${srv.base}/api/v1/session`, { method: 'POST', body: JSON.stringify({ login: '' }) });
  assert.equal(missing.status, 422);
  const fields = (await missing.json()).error.fields;
  assert.ok(fields.login && fields.password);
  const notJson = await fetch(`${srv.base}/api/v1/session`, { method: 'POST', body: 'login=x' });
  assert.equal(notJson.status, 400);
  const unknown = await fetch(`${srv.base}/api/v1/session`, { method: 'POST', body: JSON.stringify({ login: 'nobody', password: 'Demo#2023' }) });
  assert.equal(unknown.status, 401);
});

test('logout really ends the session (API and page)', async () => {
  const s = await apiLogin(srv.base, 'zhongxin');
  const noToken = await as(s, { csrf: false })(`${srv.base}/api/v1/session`, { method: 'DELETE' });
  assert.equal(noToken.status, 403);
  assert.equal((await noToken.json()).error.code, 'csrf');
  assert.equal((await as(s)(`${srv.base}/api/v1/session`)).status, 200); // still signed in
  const out = await as(s)(`${srv.base}/api/v1/session`, { method: 'DELETE' });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie'), /sid=; .*Max-Age=0/);
  assert.equal((await as(s)(`${srv.base}/api/v1/session`)).status, 401);

  const p = await apiLogin(srv.base, 'ducha');
  const bye = await as(p, { csrf: false })(`${srv.base}/logout`, form({ csrf_token: p.csrf }));
  assert.equal(bye.status, 303);
  assert.equal(bye.headers.get('location'), '/login');
  const home = await as(p)(`${srv.base}/`);
  assert.equal(home.status, 303);
});

test('sessions expire after 30 idle minutes and after 12 hours', async () => {
  const idle = await apiLogin(srv.base, 'xingcheng');
  sql(srv.db, `UPDATE sessions SET last_seen = last_seen - 1700 WHERE csrf_token = '${idle.csrf}'`);
  assert.equal((await as(idle)(`${srv.base}/api/v1/session`)).status, 200); // 28 minutes: still fine
  sql(srv.db, `UPDATE sessions SET last_seen = last_seen - 1900 WHERE csrf_token = '${idle.csrf}'`);
  assert.equal((await as(idle)(`${srv.base}/api/v1/session`)).status, 401);
  await sleep(100);
  assert.equal(sql(srv.db, `SELECT count(*) FROM sessions WHERE csrf_token = '${idle.csrf}'`), '0');

  const old = await apiLogin(srv.base, 'xingcheng');
  sql(srv.db, `UPDATE sessions SET created_at = created_at - 43201 WHERE csrf_token = '${old.csrf}'`);
  assert.equal((await as(old)(`${srv.base}/api/v1/session`)).status, 401);
});

test('CSRF: a form without the token is refused with 403 and changes nothing', async () => {
  const a = await apiLogin(srv.base, 'admin');
  const fields = { login: 'csrfuser', name: '测试', role: 'staff', unit: 'XR', password: 'Strong#Pass1' };
  const none = await as(a, { csrf: false })(`${srv.base}/admin/users`, form(fields));
  assert.equal(none.status, 403);
  assert.match(await none.text(), /页面已过期/);
  const wrong = await as(a, { csrf: false })(`${srv.base}/admin/users`, form({ ...fields, csrf_token: 'f'.repeat(64) }));
  assert.equal(wrong.status, 403);
  assert.equal(sql(srv.db, "SELECT count(*) FROM users WHERE login = 'csrfuser'"), '0');
  const ok = await as(a, { csrf: false })(`${srv.base}/admin/users`, form({ ...fields, csrf_token: a.csrf }));
  assert.equal(ok.status, 303);
  assert.equal(sql(srv.db, "SELECT count(*) FROM users WHERE login = 'csrfuser'"), '1');
  assert.match(srv.log(), /csrf refused: POST \/admin\/users/);
});

test('admin pages are for admins only; the units API is for everyone signed in', async () => {
  const staff = await apiLogin(srv.base, 'xingren');
  for (const p of ['/admin/users', '/admin/units', '/admin/users/1', '/admin/users/new']) {
    const r = await as(staff)(`${srv.base}${p}`);
    assert.equal(r.status, 403, p);
    assert.match(await r.text(), /无权/);
  }
  const post = await as(staff)(`${srv.base}/admin/units`, form({ code: 'HACK', name: 'x', kind: 'street', parent: 'GX', csrf_token: staff.csrf }));
  assert.equal(post.status, 403);
  assert.equal(sql(srv.db, "SELECT count(*) FROM units WHERE code = 'HACK'"), '0');

  const units = await (await as(staff)(`${srv.base}/api/v1/units`)).json();
  const gx = units.find((u) => u.code === 'GX');
  assert.deepEqual(gx, { code: 'GX', name: '高新区', parent: null, kind: 'district' });
  assert.deepEqual(units.find((u) => u.code === 'XR01'), { code: 'XR01', name: '光明路社区', parent: 'XR', kind: 'community' });
  assert.ok(units.some((u) => u.kind === 'department') && units.some((u) => u.kind === 'village'));
});

test('admin: validation in Chinese keeps what was typed; units and users are managed with events', async () => {
  const a = await apiLogin(srv.base, 'admin');
  const post = (path, fields) => as(a)(`${srv.base}${path}`, form({ ...fields, csrf_token: a.csrf }));
  const weak = await post('/admin/users', { login: 'weakpw', name: '弱密码', role: 'staff', unit: 'XR', password: 'abc' });
  assert.equal(weak.status, 422);
  const html = await weak.text();
  assert.match(html, /密码至少 8 位/);
  assert.match(html, /value="weakpw"/);
  assert.match(html, /value="弱密码"/);
  assert.equal(sql(srv.db, "SELECT count(*) FROM users WHERE login = 'weakpw'"), '0');

  const unit = await post('/admin/units', { code: 'XR04', name: '新建社区', kind: 'community', parent: 'XR' });
  assert.equal(unit.status, 303);
  assert.equal(sql(srv.db, "SELECT path LIKE (SELECT path FROM units WHERE code = 'XR') || '%' FROM units WHERE code = 'XR04'"), '1');
  const dup = await post('/admin/units', { code: 'XR04', name: '重复', kind: 'community', parent: 'XR' });
  assert.equal(dup.status, 422);
  assert.match(await dup.text(), /单位代码 XR04 已存在/);
  const wrongKind = await post('/admin/units', { code: 'XR05', name: '错层', kind: 'community', parent: 'GX' });
  assert.equal(wrongKind.status, 422);

  const created = await post('/admin/users', { login: 'newbie', name: '新人', role: 'staff', unit: 'XR04', password: 'Strong#Pass1' });
  assert.equal(created.status, 303);
  const events = sql(srv.db, "SELECT action || ':' || entity FROM events WHERE actor = 'admin' ORDER BY id");
  assert.match(events, /create:unit[\s\S]*create:user/);
  assert.equal(sql(srv.db, "SELECT count(*) FROM events WHERE after LIKE '%argon2%' OR after LIKE '%Strong#Pass1%'"), '0');
});

test('deactivating a user signs them out at once; the chain records it and stays intact', async () => {
  const victim = await apiLogin(srv.base, 'xingcheng');
  const a = await apiLogin(srv.base, 'admin');
  const id = sql(srv.db, "SELECT id FROM users WHERE login = 'xingcheng'");
  const r = await as(a)(`${srv.base}/admin/users/${id}`, form({ name: '赵专员', phone: '13800000004', role: 'staff', unit: 'XC', csrf_token: a.csrf }));
  assert.equal(r.status, 303);
  assert.equal((await as(victim)(`${srv.base}/api/v1/session`)).status, 401);
  const relogin = await fetch(`${srv.base}/api/v1/session`, { method: 'POST', body: JSON.stringify({ login: 'xingcheng', password: 'Demo#2023' }) });
  assert.equal(relogin.status, 401);
  const ev = JSON.parse(sql(srv.db, `SELECT json_object('b', json(before), 'a', json(after)) FROM events WHERE entity = 'user' AND entity_id = ${id} AND action = 'update'`));
  assert.equal(ev.b.active, true);
  assert.equal(ev.a.active, false);

  // Self-lockout is refused.
  const me = sql(srv.db, "SELECT id FROM users WHERE login = 'admin'");
  const self = await as(a)(`${srv.base}/admin/users/${me}`, form({ name: 'x', role: 'admin', unit: 'GX', csrf_token: a.csrf }));
  assert.equal(self.status, 422);

  const ok = ledger(['audit-verify', '--db', srv.db]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /事件链完整/);
});

test('audit-verify names the first event edited behind the application', async () => {
  const s = await startServer();
  try {
    const n = Number(sql(s.db, 'SELECT count(*) FROM events'));
    assert.ok(n >= 20);
    assert.equal(ledger(['audit-verify', '--db', s.db]).code, 0);
    sql(s.db, "UPDATE events SET after = replace(after, '张专员', '李专员') WHERE entity = 'user' AND after LIKE '%张专员%'");
    const bad = ledger(['audit-verify', '--db', s.db]);
    assert.equal(bad.code, 1);
    const id = sql(s.db, "SELECT id FROM events WHERE after LIKE '%李专员%'");
    assert.match(bad.stdout, new RegExp(`#${id}[^0-9]`));
  } finally {
    await s.stop();
  }
});

test('five failed logins lock the account for 15 minutes (429), logged', async () => {
  const s = await startServer();
  try {
    const attempt = (password) => fetch(`${s.base}/api/v1/session`, { method: 'POST', body: JSON.stringify({ login: 'xingren', password }) });
    for (let i = 0; i < 5; i++) assert.equal((await attempt('Wrong#pass1')).status, 401, `attempt ${i + 1}`);
    const locked = await attempt('Demo#2023'); // even the right password
    assert.equal(locked.status, 429);
    assert.ok(['899', '900'].includes(locked.headers.get('retry-after')), locked.headers.get('retry-after'));
    assert.match((await locked.json()).error.message, /锁定/);
    const page = await pageLogin(s.base, { login: 'xingren', password: 'Demo#2023' });
    assert.equal(page.status, 429);
    assert.match(await page.text(), /已被锁定，请 15 分钟后再试/);
    assert.match(s.log(), /account locked: xingren after 5 failed logins/);
    // Other accounts are not affected.
    await apiLogin(s.base, 'zhongxin');
  } finally {
    await s.stop();
  }
});

test('an address that keeps failing is slowed down, logged', async () => {
  const s = await startServer();
  try {
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${s.base}/api/v1/session`, { method: 'POST', body: JSON.stringify({ login: `guess${i}`, password: 'x' }) });
      assert.equal(r.status, 401);
    }
    const slowed = await fetch(`${s.base}/api/v1/session`, { method: 'POST', body: JSON.stringify({ login: 'admin', password: 'Demo#2023' }) });
    assert.equal(slowed.status, 429);
    assert.ok(Number(slowed.headers.get('retry-after')) > 0);
    assert.equal((await slowed.json()).error.code, 'too_many_attempts');
    assert.match(s.log(), /login slowed down: address 127\.0\.0\.1/);
  } finally {
    await s.stop();
  }
});

test('admin: campaigns with phases and taxonomies are maintained, checked, and recorded', async () => {
  const a = await apiLogin(srv.base, 'admin');
  const post = (path, fields) => as(a)(`${srv.base}${path}`, form({ ...fields, csrf_token: a.csrf }));
  assert.equal((await as(a)(`${srv.base}/admin/campaigns`)).status, 200);
  let r = await post('/admin/campaigns', { code: 'HB2024', name: '满意环保提升行动' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/admin/campaigns/HB2024?done=created');
  assert.equal((await post('/admin/campaigns', { code: 'bad code', name: 'x' })).status, 422);
  r = await post('/admin/campaigns/HB2024/phases', { phase_name: '集中整改', kind: 'rectify', start: '2024-03-01', end: '2024-02-01' });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /结束日期不能早于开始日期/);
  r = await post('/admin/campaigns/HB2024/phases', { phase_name: '集中整改', kind: 'rectify', start: '2024-03-01', end: '2024-04-30', due: '每周五报送' });
  assert.equal(r.status, 303);
  r = await post('/admin/campaigns/HB2024/phases/1', { phase_name: '集中整改', kind: 'rectify', start: '2024-03-01', end: '2024-05-15', due: '' });
  assert.equal(r.status, 303);
  assert.equal(sql(srv.db, "SELECT end_date FROM campaign_phases p JOIN campaigns c ON c.id = p.campaign_id WHERE c.code = 'HB2024'"), '2024-05-15');
  const camps = await (await as(a)(`${srv.base}/api/v1/campaigns`)).json();
  assert.deepEqual(camps.find((c) => c.code === 'HB2024').phases, [{ name: '集中整改', start: '2024-03-01', end: '2024-05-15', kind: 'rectify' }]);
  assert.equal((await as(a)(`${srv.base}/admin/campaigns/NOPE`)).status, 404);

  r = await post('/admin/taxonomy/sources', { code: 'wechat', name: '政务微信公众号' });
  assert.equal(r.status, 303);
  r = await post('/admin/taxonomy/domains', { code: 'heating', name: '集中供暖', parent: 'livelihood', unit: 'SWJ' });
  assert.equal(r.status, 303);
  assert.equal((await post('/admin/taxonomy/domains', { code: 'x1', name: 'x', parent: 'nope' })).status, 422);
  assert.equal((await post('/admin/taxonomy/colors', { code: 'x', name: 'x' })).status, 404);
  assert.equal((await post('/admin/taxonomy/sources', { code: 'wechat', name: '重复' })).status, 422);
  r = await post('/admin/taxonomy/sources/wechat', { name: '政务微信', sort: '11' }); // not active: retired
  assert.equal(r.status, 303);
  const tax = await (await as(a)(`${srv.base}/api/v1/taxonomy`)).json();
  assert.ok(!tax.sources.some((s) => s.code === 'wechat'));
  assert.deepEqual(tax.domains.find((d) => d.code === 'heating'), { code: 'heating', name: '集中供暖', parent: 'livelihood', default_unit: 'SWJ' });
  assert.ok(Number(sql(srv.db, "SELECT count(*) FROM events WHERE entity IN ('campaign', 'taxonomy')")) >= 6);
  const staffSees = await as(await apiLogin(srv.base, 'xingren'))(`${srv.base}/admin/taxonomy`);
  assert.equal(staffSees.status, 403);
  assert.equal(ledger(['audit-verify', '--db', srv.db]).code, 0);
});

test('taxonomy page preselects each domain\'s default unit, so saving a row keeps it', async () => {
  const a = await apiLogin(srv.base, 'admin');
  const html = await (await as(a)(`${srv.base}/admin/taxonomy`)).text();
  const row = html.match(/<select id="u-rural_water"[\s\S]*?<\/select>/)[0];
  assert.match(row, /<option value="SWJ" selected>/);
});

test('admin forms come from the field tables: labels, required marks, every wrong field told at once, the phone rule', async () => {
  const a = await apiLogin(srv.base, 'admin');
  const post = (path, fields) => as(a)(`${srv.base}${path}`, form({ ...fields, csrf_token: a.csrf }));
  const page = await (await as(a)(`${srv.base}/admin/users/new`)).text();
  for (const label of ['登录名', '姓名', '联系电话', '角色', '所属单位', '初始密码'])
    assert.match(page, new RegExp(`<label for="[a-z_]+">${label}(<span class="required"|<)`), label);
  assert.match(page, /pattern="\[A-Za-z0-9._-\]\{2,64\}"/);
  assert.doesNotMatch(page, /name="active"/); // set on edit only

  // Three wrong fields: all three are named at once; nothing is stored.
  let r = await post('/admin/users', { login: 'ok.login', name: '', phone: '12345', role: 'boss', unit: 'XR', password: 'Strong#Pass1' });
  assert.equal(r.status, 422);
  let html = await r.text();
  assert.match(html, /请填写姓名/);
  assert.match(html, /联系电话：请填写 11 位手机号或带区号的固定电话/);
  assert.match(html, /角色须为街道\/部门工作人员、区级调度、督导验收 或 系统管理员之一/);
  assert.match(html, /value="ok.login"/);
  assert.doesNotMatch(html, /Strong#Pass1/);
  assert.equal(sql(srv.db, "SELECT count(*) FROM users WHERE login = 'ok.login'"), '0');
  r = await post('/admin/users', { login: 'ok.login', name: '王五', phone: '025-84561234', role: 'staff', unit: 'XR', password: 'Strong#Pass1' });
  assert.equal(r.status, 303);
  const id = sql(srv.db, "SELECT id FROM users WHERE login = 'ok.login'");
  r = await post(`/admin/users/${id}`, { name: '王五', phone: '1381234567', role: 'staff', unit: 'XR', active: '1' });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /请填写 11 位手机号或带区号的固定电话/);
  assert.equal(sql(srv.db, `SELECT phone FROM users WHERE id = ${id}`), '025-84561234');

  // Role and unit together: no administrator inside a community, no staff at the district itself.
  r = await post('/admin/users', { login: 'cadmin', name: '社区管理员', role: 'admin', unit: 'XR01', password: 'Strong#Pass1' });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /系统管理员只能设在区本级或区直部门/);
  r = await post('/admin/users', { login: 'rootstaff', name: '区本级人员', role: 'staff', unit: 'GX', password: 'Strong#Pass1' });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /工作人员须属于街道、区直部门、社区或村/);
  r = await post(`/admin/users/${id}`, { name: '王五', phone: '025-84561234', role: 'reviewer', unit: 'XR', active: '1' });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /区级调度和督导验收人员只能设在区本级或区直部门/);
  assert.equal(sql(srv.db, "SELECT count(*) FROM users WHERE login IN ('cadmin', 'rootstaff')"), '0');
  assert.equal(sql(srv.db, `SELECT role FROM users WHERE id = ${id}`), 'staff');

  // Units: the sort is a number; the edit form shows it back as sent.
  r = await post('/admin/units/XR01', { name: '一号社区', sort: 'abc', active: '1' });
  assert.equal(r.status, 422);
  html = await r.text();
  assert.match(html, /排序须为 0 到 100000 之间的整数/);
  assert.match(html, /value="abc"/);

  // Phases: each form on the campaign page has ids of its own; a failed one comes back with its error.
  r = await post('/admin/campaigns', { code: 'FT2025', name: '字段表行动' });
  assert.equal(r.status, 303);
  r = await post('/admin/campaigns/FT2025/phases', { phase_name: '', kind: 'rectify', start: '2025-01-01', end: '2025-13-01' });
  assert.equal(r.status, 422);
  html = await r.text();
  assert.match(html, /id="np-phase_name"/);
  assert.match(html, /请填写阶段名称/);
  assert.match(html, /结束日期须为有效日期/);
  const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique on the page');

  // The ticket API keeps the same phone rule.
  const z = await apiLogin(srv.base, 'zhongxin');
  const t = await as(z)(`${srv.base}/api/v1/tickets`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: '电话校验', description: '测试', source: 'hotline12345', category: 'complaint', domain: 'property_service', unit: 'XR', deadline: '2023-09-30', reporter_phone: '8456123' }),
  });
  assert.equal(t.status, 422);
  const body = await t.json();
  assert.deepEqual(Object.keys(body.error.fields), ['reporter_phone']); // the only wrong field
  assert.match(JSON.stringify(body), /请填写 11 位手机号或带区号的固定电话/);
});
