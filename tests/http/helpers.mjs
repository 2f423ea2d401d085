// Starting the real server on a free 127.0.0.1 port with a temporary database, and raw
// HTTP over a socket for what fetch() would normalise away.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import net from 'node:net';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.LEDGER_BIN || join(ROOT, 'build/ledger');

export function tempDir() {
  return mkdtempSync(join(tmpdir(), 'ledger-http-'));
}

// A running server may serve pages from a read snapshot up to 20 ms old when the write came
// from another process (its own writes are seen at once): after writing beside it, wait that.
function afterWriteAside() {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
}

export function ledger(args, { input, env } = {}) {
  try {
    const stdout = execFileSync(BIN, args, {
      input, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'],
    });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    return { code: e.status, stdout: e.stdout || '', stderr: e.stderr || '' };
  } finally {
    afterWriteAside();
  }
}

// Starts `ledger serve` on port 0 and resolves once it prints its URL.
// `wrap` runs the server under another program (e.g. strace), given as [command, ...args].
// `reuse` serves the database of an earlier server (stopped with keep) at another LEDGER_NOW.
export async function startServer({ now = '2023-09-10T10:00:00+08:00', args = [], env = {}, root, wrap, reuse } = {}) {
  const dir = reuse ? reuse.dir : tempDir();
  const db = reuse ? reuse.db : join(dir, 'test.db');
  const e = { ...process.env, LEDGER_NOW: now, ...(root ? { LEDGER_ROOT: root } : {}), ...env };
  if (!reuse) {
    const init = ledger(['init', '--db', db, '--demo'], { env: e });
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  }
  // LEDGER_VALGRIND=1 (make valgrind) runs the server under valgrind's leak checker.
  const serveArgs = ['serve', '--db', db, '--port', '0', ...args];
  const child = wrap
    ? spawn(wrap[0], [...wrap.slice(1), BIN, ...serveArgs], { env: e })
    : process.env.LEDGER_VALGRIND
    ? spawn('valgrind', ['--leak-check=full', '--errors-for-leak-kinds=definite,indirect', '--error-exitcode=9', '-q', BIN, ...serveArgs], { env: e })
    : spawn(BIN, serveArgs, { env: e });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  const base = await new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`server did not start: ${stderr}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); res(m[1]); }
    });
    child.on('exit', () => { clearTimeout(timer); rej(new Error(`server exited: ${stderr}`)); });
  });
  const port = Number(new URL(base).port);
  return {
    base, port, db, dir, child, exited,
    log: () => stderr,
    // The server writes its info lines in batches (up to 10 ms late): wait for a line.
    async logLine(re, ms = 5000) {
      for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
        const m = re.exec(stderr);
        if (m) return m[0];
      }
      return null;
    },
    async stop(signal = 'SIGTERM', { keep = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const r = await exited;
      if (!keep) rmSync(dir, { recursive: true, force: true });
      // LEDGER_SERVER_LOGS=DIR keeps every server's whole log there, for debugging.
      if (process.env.LEDGER_SERVER_LOGS) {
        const { writeFileSync, mkdirSync } = await import('node:fs');
        mkdirSync(process.env.LEDGER_SERVER_LOGS, { recursive: true });
        writeFileSync(join(process.env.LEDGER_SERVER_LOGS, `server-${port}.log`), stderr);
      }
      // Under `make asan` the server reports memory errors, leaks and undefined behaviour
      // on its standard error; any such report fails the test that stopped it.
      const report = stderr.match(/(ERROR: (Address|Leak)Sanitizer|runtime error:|definitely lost|indirectly lost|Invalid (read|write)|uninitialised)[^\n]*/);
      if (report) throw new Error(`sanitizer report from the server: ${report[0]}\n${stderr.slice(-4000)}`);
      return r;
    },
  };
}

// Sends bytes on a fresh connection and collects everything until the server closes it or
// `until` matches what arrived. Resolves with the text and whether the server closed.
export function raw(port, data, { until, timeout = 3000 } = {}) {
  return new Promise((res) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      res({ text: got, closed });
    };
    const timer = setTimeout(() => finish(false), timeout);
    sock.on('data', (d) => {
      got += d.toString('utf8');
      if (until && until.test(got)) finish(false);
    });
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('error', () => finish(true));
    sock.on('connect', () => { if (data) sock.write(data); });
  });
}

export function get(path, host = 'localhost') {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Signs in through the API; returns the cookie header value and the CSRF token.
export async function apiLogin(base, login, password = 'Demo#2023') {
  const r = await fetch(`${base}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login, password }),
  });
  if (r.status !== 200) throw new Error(`login ${login}: ${r.status} ${await r.text()}`);
  const body = await r.json();
  const cookie = r.headers.get('set-cookie').split(';')[0];
  return { cookie, csrf: body.csrf_token, body, setCookie: r.headers.get('set-cookie') };
}

// Signs in through the page's form as a browser does: GET /login for the form's token and its
// cookie, then POST them with the fields. Resolves with the answer (redirects not followed).
export async function pageLogin(base, fields, { headers = {}, token } = {}) {
  const page = await fetch(`${base}/login`);
  const html = await page.text();
  const cookie = (page.headers.get('set-cookie') || '').split(';')[0];
  const hidden = (html.match(/name="login_token" value="([0-9a-f]+)"/) || [])[1];
  return fetch(`${base}/login`, {
    ...form({ login_token: token ?? hidden, ...fields }), redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie, ...headers },
  });
}

// A PNG of w × h pixels (RGB, a grey ramp), made here so that tests need no image files.
export function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[y * (w * 3 + 1) + 1 + x * 3] = (x * 255 / w) | 0;
  return Buffer.concat([Buffer.from([0x89, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// fetch with a session: { cookie, csrf } adds the cookie, and the CSRF header when csrf is set.
export function as(session, { csrf = true } = {}) {
  return (url, opts = {}) => fetch(url, {
    redirect: 'manual',
    ...opts,
    headers: {
      Cookie: session.cookie,
      ...(csrf && session.csrf ? { 'X-CSRF-Token': session.csrf } : {}),
      ...(opts.headers || {}),
    },
  });
}

export function form(fields) {
  return { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() };
}

export function sql(db, q) {
  // A server may be writing (its start-up card sweep): wait for the lock as the server would.
  const out = execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, q], { encoding: 'utf8' }).trim();
  if (/\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(q)) afterWriteAside();
  return out;
}

// Reads the entries of a (non-ZIP64) zip file, e.g. an .xlsx: { name: Buffer }.
export async function unzip(buf) {
  const { inflateRawSync } = await import('node:zlib');
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = {};
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28), xlen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32);
    const off = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    const start = off + 30 + buf.readUInt16LE(off + 26) + buf.readUInt16LE(off + 28);
    const data = buf.subarray(start, start + csize);
    out[name] = method === 0 ? data : inflateRawSync(data);
    p += 46 + nlen + xlen + clen;
  }
  return out;
}

// A JSON request of the API as session who, at base: {status, body} (body null when empty).
export async function apiCall(base, who, path, method = 'GET', body) {
  const r = await as(who)(`${base}${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}
