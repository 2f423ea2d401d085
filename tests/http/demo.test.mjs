// The living demo (SPEC section 14): `ledger init --demo` adds a campaign under way today,
// `ledger seed` fills the eight weeks before today with tickets in every state, colour and
// light, and `make run`'s script creates, fills and serves a fresh database once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ledger, sql, tempDir, apiLogin, as, ROOT, BIN } from './helpers.mjs';

const day = (s) => Math.round(Date.parse(`${s}T00:00:00Z`) / 86400e3);
const text = (d) => new Date(d * 86400e3).toISOString().slice(0, 10);

for (const now of ['2026-12-03T10:00:00+08:00', '2025-06-16T09:30:00+08:00']) {
  test(`the demo on ${now.slice(0, 10)}: a campaign under way, eight weeks of tickets in every state, colour and light`, { timeout: 120000 }, () => {
    const dir = tempDir();
    const db = join(dir, 'demo.db');
    const env = { LEDGER_NOW: now };
    try {
      const init = ledger(['init', '--db', db, '--demo'], { env });
      assert.equal(init.code, 0, init.stderr);
      assert.equal(sql(db, 'SELECT count(*) FROM tickets'), '0'); // init alone adds no tickets
      const today = day(now.slice(0, 10));
      // Seed 000's campaign stays as it was; the current one has its shape, around today.
      assert.equal(sql(db, "SELECT min(start_date) || ' ' || max(end_date) FROM campaign_phases p JOIN campaigns c ON c.id = p.campaign_id WHERE c.code = 'SW2023'"), '2023-08-31 2023-10-31');
      const phases = sql(db, "SELECT p.kind || '|' || p.start_date || '|' || p.end_date FROM campaign_phases p JOIN campaigns c ON c.id = p.campaign_id WHERE c.code <> 'SW2023' ORDER BY p.seq").split('\n')
        .map((l) => l.split('|')).reduce((o, [k, s, e]) => ({ ...o, [k]: [day(s), day(e)] }), {});
      assert.ok(phases.self_check[1] < today && today - phases.self_check[1] <= 7, 'self-inspection ended a few days ago');
      assert.ok(phases.rectify[0] <= today && today <= phases.rectify[1], 'rectification is under way');
      assert.ok(phases.verify[0] <= phases.self_check[1] + 1 && phases.verify[1] > phases.rectify[1], 'supervision overlaps');
      assert.ok(phases.consolidate[0] > phases.verify[1]);

      const r = ledger(['seed', '--db', db, '--tickets', '3000'], { env });
      assert.equal(r.code, 0, r.stderr);
      const q = (s) => Number(sql(db, s));
      const T = `'${text(today)}'`;
      assert.equal(q('SELECT count(*) FROM tickets'), 3000);
      assert.equal(q("SELECT count(*) FROM tickets WHERE campaign_id <> (SELECT id FROM campaigns WHERE code <> 'SW2023')"), 0);
      // Logged over the last eight weeks, never after now; no event after now.
      assert.ok(q(`SELECT min(substr(created_at, 1, 10)) >= '${text(today - 55)}' FROM tickets`) === 1);
      assert.ok(q(`SELECT max(created_at) <= '${now}' FROM tickets`) === 1);
      assert.ok(q(`SELECT max(substr(at, 1, 10)) <= ${T} FROM events`) === 1);
      for (let w = 0; w < 8; w++) {
        const n = q(`SELECT count(*) FROM tickets WHERE substr(created_at, 1, 10) BETWEEN '${text(today - 7 * w - 6)}' AND '${text(today - 7 * w)}'`);
        assert.ok(n > 250, `week ${w} back has ${n} tickets`);
      }
      // Proportions a district would have: most closed or under way.
      const share = (where) => q(`SELECT count(*) FROM tickets WHERE ${where}`) / 3000;
      for (const s of ['open', 'rectifying', 'verifying', 'closed']) assert.ok(share(`status = '${s}'`) > 0.05, s);
      assert.ok(share("status IN ('closed', 'rectifying')") > 0.6);
      const unclosed = "status <> 'closed'";
      const overdue = share(`${unclosed} AND deadline < ${T}`);
      assert.ok(overdue > 0.02 && overdue < 0.15, `overdue ${overdue}`);
      const dueSoon = share(`${unclosed} AND deadline BETWEEN ${T} AND date(${T}, '+3 days')`);
      assert.ok(dueSoon > 0.03 && dueSoon < 0.2, `due soon ${dueSoon}`);
      assert.ok(share(`${unclosed} AND last_progress_on < date(${T}, '-7 days')`) > 0.02, 'stale');
      for (const c of ['green', 'yellow', 'red']) assert.ok(q(`SELECT count(*) FROM tickets WHERE color = '${c}'`) > 10, c);
      for (const res of ['satisfied', 'basically_satisfied', 'unsatisfied']) assert.ok(q(`SELECT count(*) FROM callbacks WHERE result = '${res}'`) > 10, res);
      assert.ok(q("SELECT count(*) FROM tickets WHERE status = 'rectifying' AND return_count > 0") > 10, 'returned');
      assert.ok(q('SELECT count(*) FROM tickets WHERE relapsed = 1') > 5, 'reopened after a relapse');
      assert.ok(q("SELECT count(*) FROM tickets WHERE status = 'rectifying' AND unsatisfied_count > 0") > 5, 'reopened by a callback');
      assert.ok(share('supervised = 1') > 0.03 && share('supervised = 1') < 0.25, 'supervised');
      assert.equal(q("SELECT count(*) FROM tickets WHERE color = 'red' AND supervised = 0"), 0);
      assert.ok(q('SELECT count(*) FROM tickets WHERE extension_deadline IS NOT NULL') > 10, 'extensions pending');
      assert.ok(q('SELECT count(*) FROM tickets WHERE original_deadline < deadline') > 10, 'extensions granted');
      assert.ok(q("SELECT count(*) FROM tickets WHERE commitment <> ''") > 10, 'complex cases with their commitment');
      assert.ok(q('SELECT count(*) FROM ticket_links') > 20, 'repeat complaints linked');
      assert.equal(q('SELECT count(*) FROM ticket_links l JOIN tickets a ON a.id = l.ticket_id JOIN tickets b ON b.id = l.other_id WHERE a.unit_id <> b.unit_id OR a.location_unit_id <> b.location_unit_id'), 0);
      assert.ok(q("SELECT count(DISTINCT ticket_id) FROM progress") > 1000, 'progress notes');
      assert.equal(q('SELECT count(*) FROM progress p JOIN tickets t ON t.id = p.ticket_id WHERE p.on_date < substr(t.created_at, 1, 10) OR p.on_date > t.last_progress_on'), 0);
      // Photos of evidence with their thumbnails, in the data folder beside the database.
      const photos = sql(db, 'SELECT sha256 FROM attachments').split('\n').filter(Boolean);
      assert.ok(photos.length >= 100, `${photos.length} photos`);
      for (const sha of photos.slice(0, 20)) {
        assert.ok(existsSync(join(dir, 'data', sha.slice(0, 2), sha)));
        assert.ok(existsSync(join(dir, 'data/thumbs', `${sha}.jpg`)));
      }
      assert.equal(q('SELECT count(*) FROM attachments WHERE has_thumb = 0'), 0);
      // The history the dispatch report counts, and the ledger's own checks.
      assert.equal(q("SELECT count(*) FROM tickets t WHERE status = 'closed' AND NOT EXISTS (SELECT 1 FROM events e WHERE e.entity = 'ticket' AND e.entity_id = t.id AND e.action = 'verify')"), 0);
      assert.equal(q("SELECT count(*) FROM tickets t WHERE return_count > 0 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.entity = 'ticket' AND e.entity_id = t.id AND e.action = 'return')"), 0);
      assert.equal(ledger(['tally-check', '--db', db]).code, 0);
      assert.equal(ledger(['audit-verify', '--db', db]).code, 0);
      assert.equal(sql(db, 'PRAGMA integrity_check'), 'ok');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('inside seed 000\'s own dates its campaign is the current one: no second campaign', () => {
  const dir = tempDir();
  const db = join(dir, 'demo.db');
  try {
    const env = { LEDGER_NOW: '2023-09-10T10:00:00+08:00' };
    assert.equal(ledger(['init', '--db', db, '--demo'], { env }).code, 0);
    assert.equal(sql(db, 'SELECT group_concat(code) FROM campaigns'), 'SW2023');
    assert.equal(ledger(['seed', '--db', db, '--tickets', '200'], { env }).code, 0);
    assert.equal(sql(db, "SELECT count(*) FROM tickets WHERE created_at > '2023-09-10T10:00:00+08:00'"), '0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Starts scripts/run.sh (what `make run` runs) on a free port; resolves with its base URL.
function runScript(db, env = {}) {
  const child = spawn(join(ROOT, 'scripts/run.sh'), [dirname(BIN), db, '0'], { cwd: ROOT, env: { ...process.env, ...env } });
  let out = '';
  const done = new Promise((res) => child.on('exit', res));
  const base = new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no URL: ${out}`)), 60000);
    const look = (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); res(m[1]); }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', () => { clearTimeout(timer); rej(new Error(`run.sh exited: ${out}`)); });
  });
  return { child, base, done, out: () => out };
}

test('make run\'s script: a fresh database is created, filled and served with its logins; a second start adds nothing', { timeout: 120000 }, async () => {
  const dir = tempDir();
  const db = join(dir, 'ledger.db');
  try {
    const first = runScript(db);
    const base = await first.base;
    assert.match(first.out(), /演示账号（密码均为 Demo#2023）/);
    assert.match(first.out(), /zhongxin +reviewer/);
    assert.match(first.out(), /打开 http:\/\/127\.0\.0\.1:0\//);
    const rv = await apiLogin(base, 'zhongxin');
    const stats = await (await as(rv)(`${base}/api/v1/stats`)).json();
    // Every ticket but the few repeats merged into the ones they repeat (合并: out of every total).
    const merged = Number(sql(db, "SELECT count(*) FROM tickets WHERE status = 'merged'"));
    assert.ok(merged > 0 && merged < 10, `${merged} merged`);
    assert.equal(stats.total, 3000 - merged);
    assert.equal(stats.trend.length, 8);
    assert.ok(stats.trend.every((w) => w.new > 0), JSON.stringify(stats.trend));
    assert.ok(stats.overdue / stats.total < 0.15);
    const home = await (await as(rv)(`${base}/`)).text();
    assert.match(home, /当前阶段：<strong>集中整改<\/strong>/);
    assert.match(home, /本行动已于 2023-10-31 结束/);
    first.child.kill('SIGTERM');
    await first.done;
    const second = runScript(db);
    const base2 = await second.base;
    assert.match(second.out(), /演示数据已存在，未重复创建/);
    assert.match(second.out(), /zhongxin +reviewer/);
    const rv2 = await apiLogin(base2, 'zhongxin');
    assert.equal((await (await as(rv2)(`${base2}/api/v1/stats`)).json()).total, 3000 - merged);
    second.child.kill('SIGTERM');
    await second.done;
    assert.ok(readdirSync(join(dir, 'data/thumbs')).length >= 100);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
