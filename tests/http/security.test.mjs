// Security and durability: one regression test per finding of the outside review (scope of
// repeat links and of new tickets, the lockout under parallel guesses, image bombs, durable
// evidence, 原工单号 across streets, the sign-in's next address, frozen closed tickets,
// multipart with two files, download names, probing for existence, cookies and login CSRF,
// the password list). Every server here is on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { startServer, apiLogin, as, sql, ledger, png, pageLogin, sleep, tempDir } from './helpers.mjs';

let srv, xingren, xingcheng, reviewer, supervisor, admin;
const base = () => srv.base;
const json = (s, path, method = 'GET', body) => as(s)(`${base()}${path}`, {
  method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
});
const act = (s, id, action, body = {}) => json(s, `/api/v1/tickets/${id}/actions/${action}`, 'POST', body);
function upload(s, id, bytes, name = 'photo.png', server = srv) {
  const fd = new FormData();
  fd.append('file', new Blob([bytes]), name);
  return as(s)(`${server.base}/api/v1/tickets/${id}/attachments`, { method: 'POST', body: fd });
}
const body = (extra = {}) => ({
  source: 'hotline12345', category: 'complaint', domain: 'property_service', title: '物业不作为',
  description: '小区电梯长期停运', unit: 'XR', location_unit: 'XR02', reporter_name: '张三',
  reporter_phone: '13812345678', ...extra,
});
async function create(s, extra) {
  const r = await json(s, '/api/v1/tickets', 'POST', body(extra));
  const b = await r.json();
  assert.equal(r.status, 201, JSON.stringify(b));
  return b;
}
const underTools = () => Boolean(process.env.LEDGER_VALGRIND) || /asan/.test(process.env.LEDGER_BIN || '');

// A PNG whose header says w × h and whose pixels are all zero: tiny on the wire, huge decoded.
function pngBomb(w, h) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 0; // 8-bit grey
  const idat = deflateSync(Buffer.alloc((w + 1) * h), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

function kib(pid, field) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return Number(m[1]);
}

before(async () => {
  srv = await startServer({ args: ['--proxy', '127.0.0.1'] });
  [xingren, xingcheng, reviewer, supervisor, admin] = await Promise.all(
    ['xingren', 'xingcheng', 'zhongxin', 'ducha', 'admin'].map((l) => apiLogin(srv.base, l)));
});
after(async () => { await srv.stop(); });

test('repeat links: a street cannot plant a probe in another street, and never sees its tickets through a link', async () => {
  // The probe of the review: a 兴仁 ticket owned by 兴城, at a 兴城 community.
  const probe = await json(xingren, '/api/v1/tickets', 'POST', body({ unit: 'XC', responsible_unit: 'XR', location_unit: 'XC01' }));
  assert.equal(probe.status, 403);
  // Or an own ticket moved to a 兴城 community.
  const own = await create(xingren, { location_unit: 'XR01', domain: 'old_housing' });
  const moved = await json(xingren, `/api/v1/tickets/${own.id}`, 'PATCH', { version: own.version, location_unit: 'XC01' });
  assert.equal(moved.status, 422);
  assert.match((await moved.json()).error.fields.location_unit, /须属于属地单位/);
  // A reviewer may not move it there either: the place belongs to the owning street.
  const byReviewer = await json(reviewer, `/api/v1/tickets/${own.id}`, 'PATCH', { version: own.version, location_unit: 'XC01' });
  assert.equal(byReviewer.status, 422);
  // 兴城's own tickets at its community: linked to each other, to nothing of 兴仁's.
  const first = await create(xingcheng, { unit: 'XC', location_unit: 'XC01', domain: 'old_housing', title: '楼道灯坏' });
  const second = await create(xingcheng, { unit: 'XC', location_unit: 'XC01', domain: 'old_housing', title: '楼道灯仍坏' });
  assert.deepEqual(second.links.map((l) => l.code), [first.code]);
  assert.equal(first.supervised, false);

  // Links made before this rule (or by any other path) are shown only inside the viewer's
  // scope: the API, the page, and the page's count of them.
  sql(srv.db, `INSERT INTO ticket_links (ticket_id, other_id, reason) VALUES (${own.id}, ${first.id}, 'repeat'), (${first.id}, ${own.id}, 'repeat')`);
  sql(srv.db, `UPDATE tickets SET child_lists = child_lists | 8 WHERE id IN (${own.id}, ${first.id})`);
  const seen = await (await json(xingren, `/api/v1/tickets/${own.id}`)).json();
  assert.deepEqual(seen.links, []);
  const page = await (await as(xingren)(`${base()}/tickets/${own.id}`)).text();
  assert.doesNotMatch(page, new RegExp(first.code));
  assert.doesNotMatch(page, /楼道灯坏/);
  const all = await (await json(reviewer, `/api/v1/tickets/${own.id}`)).json();
  assert.deepEqual(all.links.map((l) => l.code), [first.code]);
  const theirs = await (await json(xingcheng, `/api/v1/tickets/${first.id}`)).json();
  assert.ok(!theirs.links.some((l) => l.code === own.code));
});

test('staff create tickets only for their own subtree; a reviewer for any street', async () => {
  const before = sql(srv.db, "SELECT coalesce(max(next), 0) FROM ticket_seq WHERE unit_id = (SELECT id FROM units WHERE code = 'XC')");
  const r = await json(xingren, '/api/v1/tickets', 'POST', body({ unit: 'XC', responsible_unit: 'XR', location_unit: '' }));
  assert.equal(r.status, 403);
  const fd = new FormData();
  for (const [k, v] of Object.entries(body({ unit: 'XC', responsible_unit: 'XR', location_unit: '' }))) fd.append(k, v);
  const page = await as(xingren)(`${base()}/tickets`, { method: 'POST', body: fd });
  assert.equal(page.status, 403);
  assert.equal(sql(srv.db, "SELECT coalesce(max(next), 0) FROM ticket_seq WHERE unit_id = (SELECT id FROM units WHERE code = 'XC')"), before);
  const byReviewer = await create(reviewer, { unit: 'XC', location_unit: 'XC02' });
  assert.match(byReviewer.code, /^XC-/);
});

test('lockout under 30 parallel guesses: at most five passwords are checked; per login and address', async () => {
  const attempt = (login, password, ip) => fetch(`${base()}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip },
    body: JSON.stringify({ login, password }),
  });
  const answers = await Promise.all(Array.from({ length: 30 }, () => attempt('xingcheng', 'Wrong#guess7', '192.0.2.10')));
  const codes = answers.map((a) => a.status);
  assert.equal(codes.filter((c) => c === 401).length, 5, codes.join(','));
  assert.equal(codes.filter((c) => c === 429).length, 25, codes.join(','));
  assert.ok(await srv.logLine(/(?:login failed: xingcheng from 192\.0\.2\.10[^]*){5}/), 'five failures logged');
  const failedLines = (srv.log().match(/login failed: xingcheng from 192\.0\.2\.10/g) || []).length;
  assert.equal(failedLines, 5);
  // Even the right password is refused from that address; from another it works, so nobody
  // can lock an account (the admin's included) from elsewhere.
  assert.equal((await attempt('xingcheng', 'Demo#2023', '192.0.2.10')).status, 429);
  assert.equal((await attempt('xingcheng', 'Demo#2023', '192.0.2.11')).status, 200);
  // A login nobody has answers alike: 401 five times, then 429.
  const unknown = [];
  for (let i = 0; i < 6; i++) unknown.push((await attempt('nosuchuser', 'Wrong#guess7', '192.0.2.12')).status);
  const known = [];
  for (let i = 0; i < 6; i++) known.push((await attempt('ducha', 'Wrong#guess7', '192.0.2.13')).status);
  assert.deepEqual(unknown, [401, 401, 401, 401, 401, 429]);
  assert.deepEqual(known, unknown);
  // X-Forwarded-For counts only from the configured proxy (here the test's own address).
  assert.equal(sql(srv.db, "SELECT count(*) FROM login_failures WHERE ip = '192.0.2.10'"), '5');
});

test('existence cannot be probed: the admin and staff get the same answer for a missing ticket as for one out of reach', async () => {
  const t = await create(xingren);
  for (const path of [`/api/v1/tickets/${t.id}`, `/api/v1/tickets/${t.id}/actions/verify`]) {
    const missing = path.replace(String(t.id), '99999999');
    for (const s of [admin, xingcheng]) { // neither may see the ticket; the supervisor may see all
      const method = path.includes('actions') ? 'POST' : 'GET';
      const a = await json(s, path, method, method === 'POST' ? { note: 'x' } : undefined);
      const b = await json(s, missing, method, method === 'POST' ? { note: 'x' } : undefined);
      assert.equal(a.status, b.status, `${path} as ${s.body.user.login}`);
      assert.deepEqual(await a.json(), await b.json());
    }
  }
  const ap = await as(admin)(`${base()}/tickets/${t.id}`);
  const mp = await as(admin)(`${base()}/tickets/99999999`);
  assert.equal(ap.status, mp.status);
  const att = await (await upload(xingren, t.id, png(10, 10))).json();
  const aa = await as(xingcheng)(`${base()}${att.url}`);
  const ma = await as(xingcheng)(`${base()}/api/v1/attachments/99999999`);
  assert.equal(aa.status, 404);
  assert.deepEqual(await aa.json(), await ma.json());
});

test('原工单号 of another street: refused without naming its ticket, and the reviewers are told on that ticket', async () => {
  const theirs = await create(xingcheng, { unit: 'XC', location_unit: 'XC02', source_ref: '12345-2023-000777' });
  const r = await json(xingren, '/api/v1/tickets', 'POST', body({ source_ref: '12345-2023-000777' }));
  assert.equal(r.status, 409);
  const text = JSON.stringify(await r.json());
  assert.doesNotMatch(text, new RegExp(theirs.code));
  assert.doesNotMatch(text, /XC-/);
  assert.match(text, /其他单位登记/);
  const seen = await (await json(reviewer, `/api/v1/tickets/${theirs.id}`)).json();
  const notice = seen.events.find((e) => e.action === 'duplicate_ref');
  assert.ok(notice, 'the attempt is an event on the existing ticket');
  assert.equal(notice.actor, 'xingren');
  assert.equal(notice.after.unit, 'XR');
  // Within one's own scope the ticket is named, as before.
  const mine = await create(xingren, { source_ref: 'XR-OWN-1' });
  const again = await json(xingren, '/api/v1/tickets', 'POST', body({ source_ref: 'XR-OWN-1' }));
  assert.match((await again.json()).error.message, new RegExp(mine.code));
  assert.equal(ledger(['audit-verify', '--db', srv.db]).code, 0);
});

test('after sign-in only a page of this site is followed: no tab, backslash, control or unknown path', async () => {
  const cases = {
    '/%09/evil.example': '/', '/\t/evil.example': '/', '/\\evil.example': '/', '//evil.example': '/',
    '/\\/evil.example': '/', 'https://evil.example/': '/', '/nope/evil': '/', '/ /evil.example': '/',
    '/tickets?status=open': '/tickets?status=open', '/reports/dispatch': '/reports/dispatch',
  };
  for (const [next, want] of Object.entries(cases)) {
    const r = await pageLogin(base(), { login: 'zhongxin', password: 'Demo#2023', next });
    assert.equal(r.status, 303, next);
    assert.equal(r.headers.get('location'), want, JSON.stringify(next));
  }
  // The login page does not carry an unsafe next into its form either.
  const page = await (await fetch(`${base()}/login?next=${encodeURIComponent('/%09/evil.example')}`)).text();
  assert.match(page, /name="next" value="\/"/);
});

test('a verified ticket is frozen for staff; a reviewer corrects it with a reason, recorded', async () => {
  const t = await create(xingren, { domain: 'property_service', responsible_unit: 'XR' });
  assert.equal((await act(xingren, t.id, 'accept')).status, 200);
  assert.equal((await upload(xingren, t.id, png(20, 20))).status, 201);
  assert.equal((await act(xingren, t.id, 'submit', { statement: '已修复电梯' })).status, 200);
  const closed = await (await act(supervisor, t.id, 'verify', { note: '现场核实' })).json();
  assert.equal(closed.status, 'closed');
  const edit = await json(xingren, `/api/v1/tickets/${t.id}`, 'PATCH', { version: closed.version, title: '从未存在的问题' });
  assert.equal(edit.status, 409);
  assert.equal((await edit.json()).error.code, 'frozen');
  const add = await upload(xingren, t.id, png(30, 30));
  assert.equal(add.status, 409);
  const formEdit = await as(xingren)(`${base()}/tickets/${t.id}/edit`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: xingren.csrf, version: String(closed.version), title: '改掉', description: 'x' }).toString(),
  });
  assert.equal(formEdit.status, 409);
  const noReason = await json(reviewer, `/api/v1/tickets/${t.id}`, 'PATCH', { version: closed.version, title: '物业不作为（更正）' });
  assert.equal(noReason.status, 422);
  assert.match((await noReason.json()).error.fields.reason, /理由/);
  const fixed = await json(reviewer, `/api/v1/tickets/${t.id}`, 'PATCH', { version: closed.version, title: '物业不作为（更正）', reason: '标题错别字' });
  assert.equal(fixed.status, 200);
  const after = await fixed.json();
  assert.equal(after.title, '物业不作为（更正）');
  const ev = after.events.at(-1);
  assert.equal(ev.action, 'edit');
  assert.equal(ev.after.input.reason, '标题错别字');
  assert.equal(sql(srv.db, `SELECT title FROM tickets WHERE id = ${t.id}`), '物业不作为（更正）');
  assert.equal(sql(srv.db, `SELECT count(*) FROM attachments WHERE ticket_id = ${t.id}`), '1');
  // The page offers staff neither the edit nor the upload; the reviewer's form asks the reason.
  const staffPage = await (await as(xingren)(`${base()}/tickets/${t.id}`)).text();
  assert.doesNotMatch(staffPage, new RegExp(`/tickets/${t.id}/edit`));
  const form = await (await as(reviewer)(`${base()}/tickets/${t.id}/edit`)).text();
  assert.match(form, /name="reason"[^>]*required/);
});

test('two parts named file are refused, never joined; a download ends as its content is', async () => {
  const t = await create(xingren);
  const fd = new FormData();
  fd.append('file', new Blob([png(8, 8)]), 'a.png');
  fd.append('file', new Blob(['<script>alert(1)</script>']), 'b.html');
  const two = await as(xingren)(`${base()}/api/v1/tickets/${t.id}/attachments`, { method: 'POST', body: fd });
  assert.equal(two.status, 422);
  assert.match((await two.json()).error.message, /一次只能上传一个文件/);
  assert.equal(sql(srv.db, `SELECT count(*) FROM attachments WHERE ticket_id = ${t.id}`), '0');
  // A PNG that is also HTML, named .html, is a PNG: kept and sent as poly.html.png.
  const poly = Buffer.concat([png(8, 8), Buffer.from('<html><script>alert(document.cookie)</script></html>')]);
  const a = await (await upload(xingren, t.id, poly, 'poly.html')).json();
  assert.equal(a.mime, 'image/png');
  assert.equal(a.name, 'poly.html.png');
  const got = await as(xingren)(`${base()}${a.url}`);
  assert.match(got.headers.get('content-disposition'), /filename\*=UTF-8''poly\.html\.png$/);
  assert.equal(got.headers.get('content-type'), 'image/png');
  // A name that already fits keeps its case; an old row with a wrong name is sent right.
  const ok = await (await upload(xingren, t.id, png(9, 9), '现场.PNG')).json();
  assert.equal(ok.name, '现场.PNG');
  sql(srv.db, `UPDATE attachments SET name = 'old.htm' WHERE id = ${ok.id}`);
  const old = await as(xingren)(`${base()}${ok.url}`);
  assert.match(old.headers.get('content-disposition'), /''old\.htm\.png$/);
});

test('cookies are Secure behind HTTPS (option, or the configured proxy); login CSRF is refused', async () => {
  const plain = await apiLogin(base(), 'zhongxin');
  assert.doesNotMatch(plain.setCookie, /Secure/);
  const viaProxy = await fetch(`${base()}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Forwarded-Proto': 'https' },
    body: JSON.stringify({ login: 'zhongxin', password: 'Demo#2023' }),
  });
  assert.match(viaProxy.headers.get('set-cookie'), /; Secure/);
  const s2 = await startServer({ args: ['--secure-cookies'] });
  try {
    const r = await apiLogin(s2.base, 'zhongxin');
    assert.match(r.setCookie, /HttpOnly; SameSite=Strict; Max-Age=\d+; Secure/);
    // X-Forwarded-Proto from a client that is not the configured proxy is ignored.
    const s3 = await startServer();
    try {
      const r3 = await fetch(`${s3.base}/api/v1/session`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '192.0.2.99' },
        body: JSON.stringify({ login: 'zhongxin', password: 'Demo#2023' }),
      });
      assert.doesNotMatch(r3.headers.get('set-cookie'), /Secure/);
      assert.equal(sql(s3.db, "SELECT ip FROM sessions ORDER BY id DESC LIMIT 1"), '127.0.0.1');
    } finally { await s3.stop(); }
  } finally { await s2.stop(); }

  // Login CSRF: a form posted from elsewhere has no matching token; the API refuses other sites.
  const forged = await fetch(`${base()}/login`, {
    method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login: 'zhongxin', password: 'Demo#2023' }).toString(),
  });
  assert.equal(forged.status, 403);
  assert.doesNotMatch(forged.headers.get('set-cookie') || '', /sid=/);
  const wrongToken = await pageLogin(base(), { login: 'zhongxin', password: 'Demo#2023' }, { token: 'a'.repeat(32) });
  assert.equal(wrongToken.status, 403);
  const crossSite = await pageLogin(base(), { login: 'zhongxin', password: 'Demo#2023' }, { headers: { Origin: 'https://evil.example' } });
  assert.equal(crossSite.status, 403);
  for (const headers of [{ Origin: 'https://evil.example' }, { 'Sec-Fetch-Site': 'cross-site' }]) {
    const api = await fetch(`${base()}/api/v1/session`, {
      method: 'POST', headers: { 'Content-Type': 'text/plain', ...headers }, body: JSON.stringify({ login: 'zhongxin', password: 'Demo#2023' }),
    });
    assert.equal(api.status, 403, JSON.stringify(headers));
    assert.doesNotMatch(api.headers.get('set-cookie') || '', /sid=/);
  }
  const sameOrigin = await fetch(`${base()}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Origin: base(), 'Sec-Fetch-Site': 'same-origin' },
    body: JSON.stringify({ login: 'zhongxin', password: 'Demo#2023' }),
  });
  assert.equal(sameOrigin.status, 200);
  const good = await pageLogin(base(), { login: 'zhongxin', password: 'Demo#2023' });
  assert.equal(good.status, 303);
});

test('common passwords are refused wherever a password is set', async () => {
  for (const pw of ['Password1', 'P@ssw0rd', 'Admin@123']) {
    const r = ledger(['user', 'add', '--db', srv.db, '--login', `weak${pw.length}`, '--role', 'staff', '--unit', 'XR'], { input: `${pw}\n` });
    assert.notEqual(r.code, 0, pw);
    assert.match(r.stderr + r.stdout, /过于常见/);
  }
  const ok = ledger(['user', 'add', '--db', srv.db, '--login', 'strong1', '--role', 'staff', '--unit', 'XR'], { input: 'Kqz7#river\n' });
  assert.equal(ok.code, 0, ok.stderr);
});

test('image bombs: 32 at once leave the server under 128 MB; large photos are made one at a time', async () => {
  const s = await startServer();
  try {
    const who = await apiLogin(s.base, 'xingren');
    const r = await as(who)(`${s.base}/api/v1/tickets`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body()) });
    const t = await r.json();
    const bomb = pngBomb(6000, 6600);
    assert.ok(bomb.length < 200 * 1024, `the bomb is ${bomb.length} bytes`);
    const start = kib(s.child.pid, 'VmRSS');
    const answers = await Promise.all(Array.from({ length: 32 }, (_, i) => upload(who, t.id, Buffer.concat([bomb, Buffer.from([i])]), `bomb${i}.png`, s)));
    for (const a of answers) {
      assert.equal(a.status, 201);
      assert.equal((await a.json()).thumbnail, false); // kept as evidence, no thumbnail
    }
    // Photos just under the limit for a whole decode still get their thumbnails, one at a time.
    const big = pngBomb(2800, 2800);
    const bigAnswers = await Promise.all(Array.from({ length: 6 }, (_, i) => upload(who, t.id, Buffer.concat([big, Buffer.from([i])]), `big${i}.png`, s)));
    for (const a of bigAnswers) assert.equal((await a.json()).thumbnail, true);
    const peak = kib(s.child.pid, 'VmHWM');
    if (!underTools()) assert.ok(peak < 128 * 1024, `peak ${peak} kB (it started at ${start} kB)`);
    assert.equal(sql(s.db, `SELECT count(*) FROM attachments WHERE ticket_id = ${t.id}`), '38');
  } finally {
    await s.stop();
  }
});

test('evidence is on disk before its row: the file, its rename and its folder are synced before the commit', { skip: underTools() && 'under valgrind or asan' }, async () => {
  const traceDir = tempDir();
  const trace = join(traceDir, 'strace.txt');
  const s = await startServer({ wrap: ['strace', '-f', '-qq', '-o', trace, '-e', 'trace=openat,fsync,fdatasync,rename,renameat,renameat2,close'] });
  // strace keeps fatal signals from itself while it writes to a file: the server (the first
  // process it traced) is the one to stop, and strace ends with it.
  const serverPid = () => Number(readFileSync(trace, 'utf8').match(/^(\d+) /)[1]);
  try {
    const who = await apiLogin(s.base, 'xingren');
    const t = await (await as(who)(`${s.base}/api/v1/tickets`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body()) })).json();
    const a = await (await upload(who, t.id, png(50, 40), 'p.png', s)).json();
    assert.equal(a.thumbnail, true);
    await sleep(100);
    const lines = readFileSync(trace, 'utf8').split('\n');
    const fds = new Map(); // fd → path, as opened (fds are reused: the latest open wins)
    const events = [];
    for (const line of lines) {
      let m = line.match(/openat\(AT_FDCWD, "([^"]+)", [^)]*\) = (\d+)/);
      if (m) { fds.set(m[2], m[1]); continue; }
      m = line.match(/(fsync|fdatasync)\((\d+)\) += 0/);
      if (m) { events.push({ kind: 'sync', path: fds.get(m[2]) || '' }); continue; }
      m = line.match(/rename(?:at2?)?\((?:AT_FDCWD, )?"([^"]+)", (?:AT_FDCWD, )?"([^"]+)"/);
      if (m) events.push({ kind: 'rename', from: m[1], to: m[2] });
    }
    const stored = `${a.sha256.slice(0, 2)}/${a.sha256}`;
    const renameAt = events.findIndex((e) => e.kind === 'rename' && e.to.endsWith(stored));
    assert.ok(renameAt > 0, 'the upload is renamed into place');
    const from = events[renameAt].from;
    assert.ok(events.slice(0, renameAt).some((e) => e.kind === 'sync' && e.path === from), 'the file is synced before its rename');
    const walAt = events.findIndex((e, i) => i > renameAt && e.kind === 'sync' && e.path.endsWith('-wal'));
    assert.ok(walAt > renameAt, 'a commit follows');
    const dir = events[renameAt].to.replace(/\/[^/]+$/, '');
    assert.ok(events.slice(renameAt, walAt).some((e) => e.kind === 'sync' && e.path === dir), 'the folder is synced before the commit');
  } finally {
    process.kill(serverPid(), 'SIGTERM');
    await s.exited;
    await s.stop();
    rmSync(traceDir, { recursive: true, force: true });
  }
});
