// The foundation against the real server: pages, errors, static files, limits, the access
// log and an orderly stop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, raw, get, sleep, tempDir, ROOT, apiLogin, as, sql } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

test('healthz answers 200 with JSON', async () => {
  const r = await fetch(`${srv.base}/healthz`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /application\/json/);
  assert.deepEqual(await r.json(), { status: 'ok' });
});

test('home page: Chinese layout, current phase of the demo campaign, days left', async () => {
  const r = await as(await apiLogin(srv.base, 'zhongxin'))(`${srv.base}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html; charset=utf-8/);
  const html = await r.text();
  assert.match(html, /<html lang="zh-CN">/);
  assert.match(html, /满意台账/);
  assert.match(html, /水务系统群众满意度“双月攻坚”行动/);
  // LEDGER_NOW is 2023-09-10: inside 集中整改 (09-06 – 09-25), 15 days left.
  assert.match(html, /当前阶段：<strong>集中整改<\/strong>（2023-09-06 至 2023-09-25），还剩 <strong>15<\/strong> 天/);
  assert.match(html, /今天是 2023-09-10/);
  assert.match(html, /<link rel="stylesheet" href="\/static\/css\/app.css">/);
});

test('navigation: the entries each role may use, the current one marked, as each page is asked for', async () => {
  const nav = (html) => /<nav class="mainnav"[^]*?<\/nav>/.exec(html)[0];
  const hrefs = (html) => [...nav(html).matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
  const current = (html) => [...nav(html).matchAll(/<a href="([^"]+)" aria-current="page"/g)].map((m) => m[1]);
  const admin = as(await apiLogin(srv.base, 'admin'));
  const staff = as(await apiLogin(srv.base, 'xingren'));
  // The same pages asked for in turn, by both, more often than the server has threads: what
  // a thread keeps for one role or page never shows on another's.
  for (let round = 0; round < 3; round++) {
    const [adminHome, staffHome, staffList, staffNew, adminUsers] = await Promise.all(
      ['/', '/', '/tickets', '/tickets/new', '/admin/users'].map(async (path, i) =>
        (await (i === 0 || i === 4 ? admin : staff)(`${srv.base}${path}`)).text()));
    assert.ok(hrefs(adminHome).includes('/admin/users'));
    assert.ok(!hrefs(staffHome).includes('/admin/users'));
    assert.ok(hrefs(staffHome).includes('/tickets/new'));
    assert.deepEqual(current(adminHome), ['/']);
    assert.deepEqual(current(staffHome), ['/']);
    assert.deepEqual(current(staffList), ['/tickets']);
    assert.deepEqual(current(staffNew), ['/tickets/new']);
    assert.deepEqual(current(adminUsers), ['/admin/users']);
    assert.match(nav(staffList), /<nav class="mainnav" aria-label="主导航">\n    <ul>\n      <li><a href="\/">工作台<\/a><\/li>\n/);
  }
});

test('security headers on pages, errors and static files', async () => {
  for (const path of ['/', '/login', '/nope', '/static/css/app.css', '/api/v1/nope']) {
    const r = await fetch(`${srv.base}${path}`);
    const csp = r.headers.get('content-security-policy');
    assert.ok(csp, path);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.equal(r.headers.get('referrer-policy'), 'same-origin');
  }
});

test('static files: type, ETag, revalidation, caching', async () => {
  const r = await fetch(`${srv.base}/static/css/app.css`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/css; charset=utf-8');
  assert.match(r.headers.get('cache-control'), /max-age=\d+/);
  const etag = r.headers.get('etag');
  assert.match(etag, /^"[0-9a-f-]+"$/);
  assert.match(await r.text(), /--red:/);
  const again = await fetch(`${srv.base}/static/css/app.css`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
  const svg = await fetch(`${srv.base}/static/img/favicon.svg`);
  assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
  const stale = await fetch(`${srv.base}/static/css/app.css`, { headers: { 'If-None-Match': '"other"' } });
  assert.equal(stale.status, 200);
});

test('no way out of static/: dot segments, encoded slashes and dots', async () => {
  const paths = [
    '/static/../Makefile', '/static/%2e%2e/Makefile', '/static/%2E%2E/%2E%2E/etc/passwd',
    '/static/css/../../Makefile', '/static/css%2f..%2f..%2fMakefile', '/static/..%2fMakefile',
    '/static/./css/app.css', '/static//etc/passwd', '/static/css//app.css', '/static/css/app.css%00.png',
    '/static/..\\Makefile', '/static/css',
  ];
  for (const p of paths) {
    const r = await raw(srv.port, get(p));
    assert.match(r.text, /^HTTP\/1\.1 (404|400)/, p);
    assert.doesNotMatch(r.text, /PKGS|root:x:0/, p);
  }
});

test('symbolic links inside static/ are not followed', async () => {
  // A copy of the resource folders whose static/ holds links to outside files.
  const root = tempDir();
  for (const d of ['templates', 'static', 'migrations']) cpSync(join(ROOT, d), join(root, d), { recursive: true });
  writeFileSync(join(root, 'secret.txt'), 'SECRET-CONTENT');
  symlinkSync(join(root, 'secret.txt'), join(root, 'static/leak.txt'));
  symlinkSync(root, join(root, 'static/up'));
  const s = await startServer({ root });
  try {
    for (const p of ['/static/leak.txt', '/static/up/secret.txt', '/static/up/static/css/app.css']) {
      const r = await fetch(`${s.base}${p}`);
      assert.equal(r.status, 404, p);
      assert.doesNotMatch(await r.text(), /SECRET-CONTENT/);
    }
    assert.equal((await fetch(`${s.base}/static/css/app.css`)).status, 200);
  } finally {
    await s.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('404 and 405 in Chinese: HTML for pages, JSON for the API', async () => {
  const page = await fetch(`${srv.base}/no/such/page`);
  assert.equal(page.status, 404);
  assert.match(page.headers.get('content-type'), /text\/html/);
  const html = await page.text();
  assert.match(html, /页面不存在/);
  assert.match(html, /返回工作台/);

  const api = await fetch(`${srv.base}/api/v1/no-such-thing`);
  assert.equal(api.status, 404);
  const body = await api.json();
  assert.equal(body.error.code, 'not_found');
  assert.match(body.error.message, /不存在/);

  const wrong = await fetch(`${srv.base}/healthz`, { method: 'DELETE' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET, HEAD');
  assert.match(await wrong.text(), /不支持/);
});

test('HEAD answers like GET without a body', async () => {
  const r = await fetch(`${srv.base}/login`, { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(await r.text(), '');
});

test('bodies over the limit get 413, declared or chunked', async () => {
  const big = 'x'.repeat(2 * 1024 * 1024);
  const r = await fetch(`${srv.base}/`, { method: 'POST', body: big });
  assert.equal(r.status, 413);
  assert.match(await r.text(), /超过了允许的大小/);

  const chunk = 'y'.repeat(64 * 1024);
  const stream = new ReadableStream({
    pull(ctrl) {
      ctrl.enqueue(new TextEncoder().encode(chunk));
      if (++this.n >= 20) ctrl.close();
    },
    start() { this.n = 0; },
  });
  const c = await fetch(`${srv.base}/api/v1/anything`, { method: 'POST', body: stream, duplex: 'half' });
  assert.equal(c.status, 413);
  assert.equal((await c.json()).error.code, 'payload_too_large');

  // A small body is read and the request goes on to routing.
  const small = await fetch(`${srv.base}/healthz`, { method: 'POST', body: 'a=1' });
  assert.equal(small.status, 405);
});

test('oversized headers are refused; 8 KB of headers (as Apache and nginx allow) are served', async () => {
  const r = await raw(srv.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100000)}\r\n\r\n`);
  assert.match(r.text, /^HTTP\/1\.1 4\d\d/);
  const ok = await raw(srv.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8192)}\r\nConnection: close\r\n\r\n`);
  assert.match(ok.text, /^HTTP\/1\.1 200/);
});

test('keep-alive: two requests on one connection', async () => {
  const two = `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
  const r = await raw(srv.port, two);
  assert.equal((r.text.match(/HTTP\/1\.1 200 OK/g) || []).length, 2);
});

test('one access-log line per request: method, path, status, milliseconds', async () => {
  await fetch(`${srv.base}/healthz?probe=log`);
  await fetch(`${srv.base}/missing-for-log`);
  assert.ok(await srv.logLine(/info GET \/healthz 200 \d+\.\d\dms/), srv.log().slice(-400));
  assert.ok(await srv.logLine(/info GET \/missing-for-log 404 \d+\.\d\dms/), srv.log().slice(-400));
  // A client gone before its body arrived: the line says how the connection ended.
  await raw(srv.port, 'POST /api/v1/session-cut-short HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
    'Content-Length: 100\r\n\r\n{"login"', { timeout: 200 });
  const line = await srv.logLine(/info POST \/api\/v1\/session-cut-short \d+ \d+\.\d\dms \(connection ended: \d+\)/);
  assert.ok(line, srv.log().slice(-400));
});

test('access lines of concurrent requests: each once; a warning follows the lines before it', async () => {
  const n = 200;
  await Promise.all(Array.from({ length: 8 }, async (_, w) => {
    for (let i = w; i < n; i += 8) await fetch(`${srv.base}/batch-${i}`);
  }));
  for (let i = 0; i < n; i++) {
    assert.ok(await srv.logLine(new RegExp(`GET /batch-${i} 404`)), `line ${i}`);
    const lines = srv.log().match(new RegExp(`GET /batch-${i} 404`, 'g')) || [];
    assert.equal(lines.length, 1, `line ${i}`);
  }
  // A refused form is a warning: written at once, after the info lines before it.
  const a = await apiLogin(srv.base, 'xingren');
  await fetch(`${srv.base}/before-warning`);
  const r = await as(a, { csrf: false })(`${srv.base}/logout`, { method: 'POST' });
  assert.equal(r.status, 403);
  const line = await srv.logLine(/GET \/before-warning 404[^\n]*\n(.*\n)*.*warn csrf refused: POST \/logout/);
  assert.ok(line, srv.log().slice(-600));
});

test('connections per client address are limited', async () => {
  const s = await startServer({ args: ['--per-ip', '3'] });
  try {
    const net = await import('node:net');
    const held = [];
    // Each held connection is answered once and kept alive: the server has surely taken all three
    // (under valgrind a connection can wait in the listen queue long after connect returns).
    for (let i = 0; i < 3; i++) {
      held.push(await new Promise((res) => {
        const c = net.connect(s.port, '127.0.0.1', () => c.write(get('/healthz').replace('Connection: close\r\n', '')));
        c.once('data', () => res(c));
      }));
    }
    const refused = await raw(s.port, get('/healthz'), { timeout: 2000 });
    assert.doesNotMatch(refused.text, /200 OK/);
    held.forEach((c) => c.destroy());
    // The slots come back once the server has seen the closes (slower under valgrind).
    let ok = { text: '' };
    for (let i = 0; i < 25 && !/200 OK/.test(ok.text); i++) {
      await sleep(200);
      ok = await raw(s.port, get('/healthz'));
    }
    assert.match(ok.text, /200 OK/);
  } finally {
    await s.stop();
  }
});

test('idle connections are closed after the idle time', async () => {
  const s = await startServer({ args: ['--idle', '1'] });
  try {
    const t0 = Date.now();
    const r = await raw(s.port, null, { timeout: 5000 });
    assert.equal(r.closed, true);
    assert.ok(Date.now() - t0 < 4500);
  } finally {
    await s.stop();
  }
});

test('SIGTERM lets a request in flight finish, then stops cleanly', async () => {
  const s = await startServer();
  const net = await import('node:net');
  const sock = net.connect(s.port, '127.0.0.1');
  let got = '';
  sock.on('data', (d) => { got += d; });
  await new Promise((res) => sock.on('connect', res));
  sock.write('POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n12345');
  // The server must have read the request's head before the signal (valgrind is ~30 times slower).
  const slow = process.env.LEDGER_VALGRIND ? 10 : 1;
  await sleep(200 * slow);
  s.child.kill('SIGTERM');
  await sleep(300 * slow);
  sock.write('67890');
  await new Promise((res) => sock.on('close', res));
  assert.match(got, /^HTTP\/1\.1 405/);
  const { code } = await s.exited;
  assert.equal(code, 0);
  assert.match(s.log(), /stopped cleanly/);
  const check = execFileSync('sqlite3', [s.db, 'PRAGMA integrity_check;'], { encoding: 'utf8' });
  assert.equal(check.trim(), 'ok');
  await s.stop();
});

test('a failing page answers 500 in Chinese and the server goes on', async () => {
  // A copy of the resources without the home template: rendering "/" fails.
  const root = tempDir();
  for (const d of ['templates', 'static', 'migrations']) cpSync(join(ROOT, d), join(root, d), { recursive: true });
  rmSync(join(root, 'templates/home.mustache'));
  const s = await startServer({ root });
  try {
    const r = await as(await apiLogin(s.base, 'zhongxin'))(`${s.base}/`);
    assert.equal(r.status, 500);
    assert.match(r.headers.get('content-type'), /text\/html/);
    assert.match(await r.text(), /服务器内部错误[\s\S]*页面模板缺失/);
    assert.equal((await fetch(`${s.base}/healthz`)).status, 200);
  } finally {
    await s.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a page cut short by a render limit answers 500, never half a page; a failing error page answers in plain text', async () => {
  // Home includes itself (past the partial nesting limit); the to-do page's error template
  // includes itself too, so its error page cannot be rendered either.
  const root = tempDir();
  for (const d of ['templates', 'static', 'migrations']) cpSync(join(ROOT, d), join(root, d), { recursive: true });
  writeFileSync(join(root, 'templates/home.mustache'), 'HOME-PART{{>home}}');
  const s = await startServer({ root });
  try {
    const get = as(await apiLogin(s.base, 'zhongxin'));
    const r = await get(`${s.base}/`);
    assert.equal(r.status, 500);
    const html = await r.text();
    assert.match(html, /页面内容过多，未能完整生成/);
    assert.doesNotMatch(html, /HOME-PART/);
    for (let i = 0; i < 50 && !/render limit/.test(s.log()); i++) await sleep(20); // the log arrives through a pipe
    assert.match(s.log(), /template home stopped at a render limit on \//);
    assert.equal((await get(`${s.base}/todo`)).status, 200);
  } finally {
    await s.stop();
  }
  writeFileSync(join(root, 'templates/error.mustache'), 'ERR{{>error}}');
  const s2 = await startServer({ root });
  try {
    const r = await as(await apiLogin(s2.base, 'zhongxin'))(`${s2.base}/`);
    assert.equal(r.status, 500);
    assert.match(r.headers.get('content-type'), /text\/plain/);
    assert.equal(await r.text(), '页面内容过多，未能完整生成，请缩小查询范围或联系系统管理员');
    const missing = await fetch(`${s2.base}/nope`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type'), /text\/plain/);
    assert.equal((await fetch(`${s2.base}/healthz`)).status, 200);
  } finally {
    await s2.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('SIGINT stops the server cleanly too', async () => {
  const s = await startServer();
  assert.equal((await fetch(`${s.base}/healthz`)).status, 200);
  s.child.kill('SIGINT');
  const { code } = await s.exited;
  assert.equal(code, 0);
  assert.match(s.log(), /signal 2: finishing requests in flight[\s\S]*stopped cleanly/);
  await s.stop();
});

test('bad input at the edge: invalid UTF-8, malformed JSON and multipart get a clear 4xx and change nothing', async () => {
  const s = await apiLogin(srv.base, 'zhongxin');
  const call = as(s);
  for (const p of ['/tickets?q=%FF%FE', '/api/v1/tickets?q=%FF', '/api/v1/stats?unit=%C0%AF', '/?unit=%ED%A0%80', '/tickets/%FF']) {
    const r = await call(`${srv.base}${p}`);
    assert.equal(r.status, 400, p);
  }
  const bad = await call(`${srv.base}/api/v1/tickets?q=%FF`);
  assert.equal((await bad.json()).error.code, 'bad_encoding');
  const before = sql(srv.db, 'SELECT count(*) FROM tickets');
  const json = (body) => call(`${srv.base}/api/v1/tickets`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  for (const body of [Buffer.from('{"title":"\xff"}', 'latin1'), '{"title":', '[1,2]', '{"a":1,"a":2}', 'null', '']) {
    const r = await json(body);
    assert.equal(r.status, 400, String(body));
  }
  const mp = await call(`${srv.base}/api/v1/import`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=XYZ' }, body: 'garbage\r\n--ABC--\r\n' });
  assert.ok(mp.status >= 400 && mp.status < 500);
  const nb = await call(`${srv.base}/api/v1/tickets/1/attachments`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data' }, body: 'x' });
  assert.ok(nb.status >= 400 && nb.status < 500);
  const login = await fetch(`${srv.base}/login`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from('login=\xff&password=x', 'latin1') });
  assert.equal(login.status, 422);
  assert.equal(sql(srv.db, 'SELECT count(*) FROM tickets'), before);
  assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
});

test('slow clients trickling their headers do not hold up anyone else', async () => {
  const net = await import('node:net');
  const slow = [];
  const request = 'GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: slow\r\nConnection: close\r\n\r\n';
  for (let i = 0; i < 30; i++) {
    const sock = net.connect(srv.port, '127.0.0.1');
    const state = { sock, got: '', i: 0, closed: false };
    sock.on('data', (d) => { state.got += d; });
    sock.on('close', () => { state.closed = true; });
    sock.on('error', () => {});
    slow.push(state);
  }
  const trickle = setInterval(() => {
    for (const s of slow) if (s.i < request.length && !s.closed) s.sock.write(request[s.i++]);
  }, 20);
  try {
    // Meanwhile, ordinary requests are answered.
    for (let k = 0; k < 20; k++) {
      const r = await fetch(`${srv.base}/healthz`);
      assert.equal(r.status, 200);
    }
    // The slow ones, once complete, are answered too.
    for (let t = 0; t < 200 && slow.some((s) => !s.closed); t++) await sleep(50);
    assert.ok(slow.every((s) => /^HTTP\/1\.1 200/.test(s.got)), slow.map((s) => s.got.slice(0, 12)).join('|'));
  } finally {
    clearInterval(trickle);
    slow.forEach((s) => s.sock.destroy());
  }
});
