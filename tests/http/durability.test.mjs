// Durability: a SIGKILL in the middle of 200 concurrent clients loses nothing that was
// acknowledged; an online backup taken while writes go on is consistent and complete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, apiLogin, as, sql, ledger, BIN, sleep } from './helpers.mjs';

const body = (i, unit = 'XR') => JSON.stringify({
  source: 'hotline12345', source_ref: `LOAD-${i}`, category: 'complaint', domain: 'rural_water',
  title: `压力测试 ${i}`, description: '并发写入', unit,
});

// Runs `clients` loops against base until stop() or maxRequests; records every acknowledged write.
function load(base, session, clients, maxRequests) {
  const acked = { created: new Set(), accepted: new Set() };
  let n = 0;
  let running = true;
  const one = async () => {
    while (running && n < maxRequests) {
      const i = n++;
      try {
        const r = await as(session)(`${base}/api/v1/tickets`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body(i) });
        if (r.status !== 201) continue;
        const t = await r.json();
        acked.created.add(t.code);
        const a = await as(session)(`${base}/api/v1/tickets/${t.id}/actions/accept`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
        if (a.status === 200) acked.accepted.add(t.code);
      } catch { /* the server went away mid-request: not acknowledged */ }
    }
  };
  const all = Promise.all(Array.from({ length: clients }, one));
  return { acked, done: all, stop: () => { running = false; }, count: () => n };
}

test('SIGKILL under 200 concurrent clients: every acknowledged write survives; integrity and chain hold', { timeout: 120000 }, async () => {
  const srv = await startServer({ args: ['--per-ip', '400', '--threads', '8'] });
  const staff = await apiLogin(srv.base, 'xingren');
  const run = load(srv.base, staff, 200, 100000);
  // Let it write for a while, then kill the server without warning.
  for (let i = 0; i < 100 && run.acked.created.size < 400; i++) await sleep(100);
  srv.child.kill('SIGKILL');
  run.stop();
  await run.done;
  await srv.exited;
  const created = [...run.acked.created];
  assert.ok(created.length >= 100, `only ${created.length} writes were acknowledged before the kill`);

  assert.equal(sql(srv.db, 'PRAGMA integrity_check'), 'ok');
  const present = new Set(sql(srv.db, "SELECT code FROM tickets WHERE title LIKE '压力测试 %'").split('\n'));
  const lost = created.filter((c) => !present.has(c));
  assert.deepEqual(lost, [], `acknowledged but lost: ${lost.slice(0, 5)}`);
  const accepted = new Set(sql(srv.db, "SELECT code FROM tickets WHERE status = 'rectifying'").split('\n'));
  const unaccepted = [...run.acked.accepted].filter((c) => !accepted.has(c));
  assert.deepEqual(unaccepted, []);
  const verify = ledger(['audit-verify', '--db', srv.db]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  const tallies = ledger(['tally-check', '--db', srv.db], { env: { LEDGER_NOW: '2023-09-10T10:00:00+08:00' } });
  assert.equal(tallies.code, 0, tallies.stdout + tallies.stderr);

  // And the server starts again on the same file and serves them.
  const again = spawn(BIN, ['serve', '--db', srv.db, '--port', '0'], { env: { ...process.env, LEDGER_NOW: '2023-09-10T10:00:00+08:00' } });
  const base = await new Promise((res, rej) => {
    let out = '';
    again.stdout.on('data', (d) => { out += d; const m = out.match(/(http:\/\/127\.0\.0\.1:\d+)\//); if (m) res(m[1]); });
    again.on('exit', () => rej(new Error('restart failed')));
  });
  const s2 = await apiLogin(base, 'zhongxin');
  const list = await (await as(s2)(`${base}/api/v1/tickets?q=${encodeURIComponent('压力测试')}&per_page=1`)).json();
  assert.ok(list.total >= created.length);
  again.kill('SIGTERM');
  await new Promise((r) => again.on('exit', r));
  console.log(`# acknowledged before SIGKILL: ${created.length} created, ${run.acked.accepted.size} accepted; all present`);
  await srv.stop();
});

test('an online backup while the server takes writes: consistent, complete, servable', { timeout: 120000 }, async () => {
  const srv = await startServer({ args: ['--per-ip', '200'] });
  const staff = await apiLogin(srv.base, 'xingren');
  // Tickets acknowledged before the backup begins.
  const before = [];
  for (let i = 0; i < 30; i++) {
    const r = await as(staff)(`${srv.base}/api/v1/tickets`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body(`B${i}`) });
    before.push((await r.json()).code);
  }
  const run = load(srv.base, staff, 20, 2000);
  await sleep(300);
  const copy = join(srv.dir, 'backup.db');
  const b = ledger(['backup', '--db', srv.db, '--out', copy]);
  await sleep(300);
  run.stop();
  await run.done;
  assert.equal(b.code, 0, b.stderr);
  assert.ok(existsSync(copy));
  assert.equal(sql(copy, 'PRAGMA integrity_check'), 'ok');
  const inCopy = new Set(sql(copy, 'SELECT code FROM tickets').split('\n'));
  assert.deepEqual(before.filter((c) => !inCopy.has(c)), []);
  const v = ledger(['audit-verify', '--db', copy]);
  assert.equal(v.code, 0, v.stdout);
  // A server started on the copy serves those tickets.
  const on = spawn(BIN, ['serve', '--db', copy, '--port', '0', '--data', join(srv.dir, 'copydata')], { env: process.env });
  const base = await new Promise((res, rej) => {
    let out = '';
    on.stdout.on('data', (d) => { out += d; const m = out.match(/(http:\/\/127\.0\.0\.1:\d+)\//); if (m) res(m[1]); });
    on.on('exit', () => rej(new Error('server on the copy failed')));
  });
  const rv = await apiLogin(base, 'zhongxin');
  const id = sql(copy, `SELECT id FROM tickets WHERE code = '${before[0]}'`);
  assert.equal((await as(rv)(`${base}/api/v1/tickets/${id}`)).status, 200);
  on.kill('SIGTERM');
  await new Promise((r) => on.on('exit', r));
  rmSync(copy, { force: true });
  await srv.stop();
});
