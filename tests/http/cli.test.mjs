// The `ledger` command line of SPEC section 7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, readFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ledger, tempDir, BIN, ROOT } from './helpers.mjs';

const sql = (db, q) => execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim();

test('--help for the tool and every subcommand', () => {
  const top = ledger(['--help']);
  assert.equal(top.code, 0);
  for (const c of ['init', 'seed', 'user add', 'serve', 'backup', 'audit-verify', 'tally-check']) assert.match(top.stdout, new RegExp(c));
  for (const c of [['init'], ['seed'], ['user', 'add'], ['serve'], ['backup'], ['audit-verify'], ['tally-check']]) {
    const r = ledger([...c, '--help']);
    assert.equal(r.code, 0, c.join(' '));
    assert.match(r.stdout, /usage: ledger/);
    assert.match(r.stdout, /--db/);
  }
  assert.equal(ledger([]).code, 2);
  assert.equal(ledger(['frobnicate']).code, 2);
  assert.equal(ledger(['init', '--bogus']).code, 2);
  assert.equal(ledger(['init']).code, 2); // --db is required
});

test('init --demo creates the demo district once; init again migrates and keeps data', () => {
  const dir = tempDir();
  const db = join(dir, 'd.db');
  const r = ledger(['init', '--db', db, '--demo']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /admin/);
  assert.match(r.stdout, /Demo#2023/);
  assert.equal(sql(db, "SELECT name FROM units WHERE code = 'GX'"), '高新区');
  assert.equal(sql(db, "SELECT count(*) FROM units WHERE kind = 'street'"), '3');
  assert.equal(sql(db, 'SELECT group_concat(role) FROM (SELECT DISTINCT role FROM users ORDER BY role)'),
    'admin,reviewer,staff,supervisor');
  assert.equal(sql(db, "SELECT count(*) FROM campaign_phases WHERE kind = 'rectify' AND end_date = '2023-09-25'"), '1');
  assert.equal(sql(db, 'PRAGMA journal_mode'), 'wal');
  assert.match(sql(db, 'SELECT password_hash FROM users LIMIT 1'), /^\$argon2id\$/);
  const again = ledger(['init', '--db', db, '--demo']);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /已存在/);
  assert.equal(sql(db, 'SELECT count(*) FROM users'), '5');
  rmSync(dir, { recursive: true, force: true });
});

test('user add: password from standard input, checked by the policy', () => {
  const dir = tempDir();
  const db = join(dir, 'u.db');
  ledger(['init', '--db', db, '--demo']);
  const add = (login, pw, unit = 'XR', role = 'staff') =>
    ledger(['user', 'add', '--db', db, '--login', login, '--role', role, '--unit', unit], { input: `${pw}\n` });
  assert.equal(add('newstaff', 'Strong#Pass1').code, 0);
  assert.equal(sql(db, "SELECT role || ' ' || (SELECT code FROM units WHERE id = unit_id) FROM users WHERE login = 'newstaff'"), 'staff XR');
  const weak = add('weakling', 'password');
  assert.equal(weak.code, 1);
  assert.match(weak.stderr, /密码至少 8 位/);
  assert.match(add('newstaff', 'Strong#Pass1').stderr, /已被使用/);
  assert.match(add('other', 'Strong#Pass1', 'NOPE').stderr, /单位 NOPE 不存在/);
  assert.match(add('other', 'Strong#Pass1', 'XR', 'boss').stderr, /角色/);
  assert.equal(sql(db, "SELECT count(*) FROM users WHERE login IN ('weakling', 'other')"), '0');
  rmSync(dir, { recursive: true, force: true });
});

test('backup makes a consistent copy and will not overwrite a file', () => {
  const dir = tempDir();
  const db = join(dir, 'b.db');
  const out = join(dir, 'copy.db');
  ledger(['init', '--db', db, '--demo']);
  const r = ledger(['backup', '--db', db, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(out));
  assert.equal(sql(out, 'PRAGMA integrity_check'), 'ok');
  assert.equal(sql(out, 'SELECT count(*) FROM units'), sql(db, 'SELECT count(*) FROM units'));
  assert.equal(sql(out, 'PRAGMA user_version'), sql(db, 'PRAGMA user_version'));
  assert.equal(ledger(['backup', '--db', db, '--out', out]).code, 1);
  rmSync(dir, { recursive: true, force: true });
});

test('seed adds realistic tickets with their events; the chain stays intact', () => {
  const dir = tempDir();
  const db = join(dir, 's.db');
  const bare = join(dir, 'bare.db');
  ledger(['init', '--db', bare]);
  assert.equal(ledger(['seed', '--db', bare, '--tickets', '10']).code, 1); // no demo district
  assert.equal(ledger(['seed', '--db', bare, '--tickets', 'x']).code, 2);
  ledger(['init', '--db', db, '--demo']);
  const r = ledger(['seed', '--db', db, '--tickets', '1200']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(sql(db, 'SELECT count(*) FROM tickets'), '1200');
  // The four states of the workflow, and 已合并 and 退单待审 from the dispatch loop's share of the story.
  assert.equal(sql(db, 'SELECT group_concat(status) FROM (SELECT DISTINCT status FROM tickets ORDER BY 1)'),
    'closed,merged,open,rectifying,return_requested,verifying');
  assert.equal(sql(db, "SELECT count(*) FROM tickets t JOIN tickets p ON p.id = t.merged_into WHERE t.status = 'merged' AND p.status <> 'merged'"),
    sql(db, "SELECT count(*) FROM tickets WHERE status = 'merged'"));
  for (const [what, q] of [['returns asked, granted, refused', "SELECT count(DISTINCT outcome) FROM dispatches WHERE outcome <> 'none'"],
    ['co-units at every stage', 'SELECT count(DISTINCT status) FROM co_units'], ['urged', 'SELECT count(*) > 0 FROM tickets WHERE urge_count > 0'],
    ['notifications', 'SELECT count(DISTINCT kind) FROM notifications']]) {
    assert.ok(Number(sql(db, q)) >= (what === 'urged' ? 1 : 3), what);
  }
  assert.equal(sql(db, 'SELECT count(*) FROM co_units c JOIN tickets t ON t.id = c.ticket_id WHERE c.unit_id = t.responsible_unit_id'), '0');
  assert.equal(sql(db, 'SELECT count(DISTINCT unit_id) FROM tickets'), '3');
  assert.equal(sql(db, 'SELECT count(*) FROM tickets_fts'), '1200');
  assert.equal(sql(db, 'SELECT count(*) FROM (SELECT code FROM tickets GROUP BY code HAVING count(*) > 1)'), '0');
  assert.equal(sql(db, "SELECT count(*) FROM tickets WHERE color = 'red' AND supervised = 0"), '0');
  assert.equal(sql(db, 'SELECT sum(callback_count) = (SELECT count(*) FROM callbacks) FROM tickets'), '1');
  // Each ticket names the child lists it has had (012_child_lists.sql): seeded callbacks too.
  assert.equal(sql(db, 'SELECT count(*) FROM tickets WHERE child_lists < 0'), '0');
  assert.equal(sql(db, 'SELECT count(*) FROM tickets t WHERE (child_lists & 4 <> 0) <> EXISTS (SELECT 1 FROM callbacks WHERE ticket_id = t.id)'), '0');
  assert.ok(Number(sql(db, 'SELECT count(*) FROM tickets WHERE child_lists & 4 <> 0')) > 0);
  assert.equal(sql(db, "SELECT sum(unsatisfied_count) = (SELECT count(*) FROM callbacks WHERE result = 'unsatisfied') FROM tickets"), '1');
  assert.equal(ledger(['audit-verify', '--db', db]).code, 0);
  rmSync(dir, { recursive: true, force: true });
});

// Starts `ledger serve` on db until it listens; resolves with what it logged by then.
async function serveLog(db) {
  const child = spawn(BIN, ['serve', '--db', db, '--port', '0'], { env: process.env });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  await new Promise((res, rej) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; if (/listening on/.test(out)) res(); });
    child.on('exit', () => rej(new Error(`serve exited: ${err}`)));
  });
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r)); // its output read to the end
  return err;
}

test('013: a ledger from before it gets the unit index with the day logged, and its statistics', { timeout: 120000 }, () => {
  const dir = tempDir();
  const db = join(dir, 'x.db');
  assert.equal(ledger(['init', '--db', db, '--demo']).code, 0);
  assert.equal(ledger(['seed', '--db', db, '--tickets', '3000']).code, 0);
  // As the ledger was before 013.
  const m010 = readFileSync(join(ROOT, 'migrations/010_category_tallies.sql'), 'utf8');
  const m006 = readFileSync(join(ROOT, 'migrations/006_tallies.sql'), 'utf8');
  const m028 = readFileSync(join(ROOT, 'migrations/028_merge.sql'), 'utf8');
  const linked006 = m006.slice(m006.indexOf('CREATE VIEW tally_linked_rows'), m006.indexOf('CREATE VIEW tallies_expected'));
  const views010 = m010.slice(m010.indexOf('CREATE VIEW tally_ticket_rows'), m010.indexOf('DROP TRIGGER tickets_tally_update_before')) +
    m010.slice(m010.indexOf('CREATE TRIGGER tickets_tally_update_before'), m010.indexOf("INSERT INTO tallies\nSELECT 'category'"));
  sql(db, // Before 026: no dispatch loop (the loosened status CHECK stays: 026 accepts it as it is).
    'DROP VIEW tallies_expected; DROP VIEW tally_linked_rows; ' + linked006 + ' CREATE VIEW tallies_expected AS SELECT 1 AS n; ' +
    'DROP INDEX tickets_received; ALTER TABLE sources DROP COLUMN outside; ALTER TABLE filings DROP COLUMN pending; ' + // before 035
    'DROP INDEX attachments_sha256; ' + // before 034
    'DROP TRIGGER tickets_supplement; DROP INDEX tickets_supplement; ALTER TABLE tickets DROP COLUMN supplement; ' +
    'ALTER TABLE sources DROP COLUMN self_found; DROP TABLE filing_items; DROP TABLE filings; ' + // before 033
    'DROP TRIGGER co_units_child_list; DROP TRIGGER tickets_merged_child_list; ' + // before 032
    // Before 031: no assessment (the ticket rows as 028 made them).
    'DROP VIEW tally_ticket_rows; ' + m028.slice(m028.indexOf('CREATE VIEW tally_ticket_rows'), m028.indexOf('CREATE VIEW tally_linked_rows')) +
    'DROP TABLE assessment_months; DROP TABLE assessment_weights; DROP INDEX tallies_assess_day; DROP INDEX tallies_assess_cb_day; ' +
    "DROP INDEX tallies_assess_d_day; DROP INDEX tallies_sign_day; DELETE FROM tallies WHERE kind IN ('assess', 'assess_cb', 'assess_d'); " +
    'ALTER TABLE callbacks DROP COLUMN resolved; ' +
    'DROP TRIGGER cards_flags; ALTER TABLE tickets DROP COLUMN card_flags; DROP INDEX cards_period; ' + // before 030
    'DROP TABLE outbox; ' + // before 029: no webhook outbox
    'DROP INDEX tickets_merged_into; ALTER TABLE tickets DROP COLUMN merged_into; ' + // before 028: no merging
    'DROP TABLE co_units; ALTER TABLE progress DROP COLUMN unit_id; ' + // before 027: no co-units
    'DROP TABLE inbox_unread; DROP TABLE inbox; DROP TABLE notifications; DROP TABLE cards; DROP TABLE dispatches; ' +
    "ALTER TABLE tickets DROP COLUMN urge_count; DELETE FROM tallies WHERE kind = 'dispatch'; " +
    'DROP INDEX tickets_unit_path; CREATE INDEX tickets_unit_path ON tickets (unit_path, urgency_rank, deadline, id); ' +
    "DELETE FROM sqlite_stat1 WHERE idx = 'tickets_unit_path'; ALTER TABLE tickets DROP COLUMN received_on; DROP INDEX tickets_created_order; DROP INDEX tickets_source_ref_alone; " +
    // Before 017 a complex case was stored as the urgency 'complex'.
    "DROP TRIGGER tickets_complex; UPDATE tickets SET urgency = 'complex', urgency_rank = 1 WHERE complex = 1; ALTER TABLE tickets DROP COLUMN complex; " +
    'DROP INDEX tickets_reopened; DROP INDEX tickets_deadline_pending; ALTER TABLE tickets DROP COLUMN reopened_on; ' +
    'ALTER TABLE tickets DROP COLUMN reopen_reason; ALTER TABLE tickets DROP COLUMN deadline_pending; ' +
    'DROP TRIGGER units_files_ledger; ALTER TABLE units DROP COLUMN files_ledger; DROP TABLE tickets_contact_fts; DROP TABLE calendar_days; DROP TABLE calendar_years; ' +
    // Before 022: the tally views and update triggers as 010 made them, no time limits.
    'DROP VIEW tallies_expected; DROP VIEW tally_ticket_rows; DROP TRIGGER tickets_tally_update_before; DROP TRIGGER tickets_tally_update_after; ' +
    views010 + ' DROP INDEX tickets_sign_waiting; ' +
    // Before 025 the returned tickets' index held the list order alone.
    "DROP INDEX tickets_returned; CREATE INDEX tickets_returned ON tickets (urgency_rank, deadline, id) WHERE status = 'rectifying' AND return_count > 0; " +
    'DROP INDEX tickets_suspended; DROP INDEX tickets_suspend_pending; DROP INDEX tickets_limit_estimated; DROP INDEX tickets_deadline; ' +
    ['time_limit_id', 'dispatched_at', 'sign_by', 'signed_at', 'signed_late', 'commitment_due', 'deadline_rule', 'limit_estimated',
      'suspend_pending', 'suspend_reason', 'suspended_on'].map((c) => `ALTER TABLE tickets DROP COLUMN ${c};`).join(' ') +
    ' DROP TABLE time_limits; ' +
    'PRAGMA user_version = 12');
  // 019: streets file by the phases; the district's departments do not, until the admin says so.
  
  const complexBefore = sql(db, "SELECT count(*) FROM tickets WHERE urgency = 'complex'");
  assert.ok(Number(complexBefore) > 0);
  assert.equal(ledger(['init', '--db', db]).code, 0);
  assert.equal(sql(db, 'PRAGMA user_version'), '35');
  assert.equal(sql(db, "SELECT group_concat(kind || ':' || files_ledger) FROM (SELECT DISTINCT kind, files_ledger FROM units WHERE kind IN ('street', 'department') ORDER BY kind)"), 'department:0,street:1');
  // 017: urgency and complexity apart; the deadline decides complexity from then on.
  assert.equal(sql(db, "SELECT count(*) FROM tickets WHERE urgency = 'complex'"), '0');
  assert.equal(sql(db, 'SELECT count(*) FROM tickets WHERE complex = 1'), complexBefore);
  const one = sql(db, 'SELECT id FROM tickets WHERE complex = 1 LIMIT 1');
  sql(db, `UPDATE tickets SET deadline = '2000-01-01' WHERE id = ${one}`);
  assert.equal(sql(db, `SELECT complex FROM tickets WHERE id = ${one}`), '0');
  assert.equal(sql(db, "SELECT group_concat(name, ',') FROM pragma_index_info('tickets_unit_path')"),
    'unit_path,urgency_rank,deadline,id,created_at');
  assert.ok(Number(sql(db, "SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE idx = 'tickets_unit_path'")) > 1000);
  // 024: the order index carries the day, which a page over a range of days compares in it.
  assert.equal(sql(db, "SELECT group_concat(name, ',') FROM pragma_index_info('tickets_order')"),
    'urgency_rank,deadline,id,created_at');
  // 025: the to-do counts' partial indexes carry what the counts compare: a street's
  // 超时未签收 and its returned tickets not reporting are counted in them alone.
  const scope = "((t.unit_path >= '/1/2/' AND t.unit_path < '/1/20') OR (t.responsible_path >= '/1/2/' AND t.responsible_path < '/1/20'))";
  assert.match(sql(db, `EXPLAIN QUERY PLAN SELECT count(*) FROM tickets t INDEXED BY tickets_sign_waiting WHERE ${scope} ` +
    "AND t.status = 'open' AND t.signed_at IS NULL AND t.sign_by IS NOT NULL AND t.sign_by < '2026-01-01'"), /COVERING INDEX tickets_sign_waiting/);
  assert.match(sql(db, `EXPLAIN QUERY PLAN SELECT count(*) FROM tickets t INDEXED BY tickets_returned WHERE ${scope} ` +
    "AND t.status = 'rectifying' AND t.return_count > 0 AND t.last_progress_on < '2026-01-01' AND t.suspended_on IS NULL"), /COVERING INDEX tickets_returned/);
  // A street's count over a range of days reads the index alone; its list keeps the index's order.
  const street = "t.unit_path >= '/1/2/' AND t.unit_path < '/1/20'";
  assert.match(sql(db, `EXPLAIN QUERY PLAN SELECT count(*) FROM tickets t WHERE ${street} ` +
    "AND t.created_at >= '2023-09-01' AND t.created_at < '2023-09-02U'"), /COVERING INDEX tickets_unit_path /);
  const list = sql(db, `EXPLAIN QUERY PLAN SELECT t.id, t.title FROM tickets t WHERE t.unit_path = '/1/2/' ORDER BY t.urgency_rank, t.deadline, t.id LIMIT 50`);
  assert.match(list, /USING INDEX tickets_unit_path /);
  assert.doesNotMatch(list, /TEMP B-TREE/);
  rmSync(dir, { recursive: true, force: true });
});

test('serve takes planner statistics at start only when missing, small or out of step', { timeout: 120000 }, async () => {
  const dir = tempDir();
  const db = join(dir, 'x.db');
  assert.equal(ledger(['init', '--db', db, '--demo']).code, 0);
  assert.match(await serveLog(db), /planner statistics taken/); // a small ledger: always, it is quick
  assert.equal(ledger(['seed', '--db', db, '--tickets', '10000']).code, 0); // seed takes them at its end
  // ANALYZE under analysis_limit estimates the rows from a sample: within the factor of two the
  // server tolerates, and far from the 1,000 planted below.
  const rows = () => Number(sql(db, "SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE idx = 'tickets_order'"));
  assert.ok(rows() >= 5000);
  assert.doesNotMatch(await serveLog(db), /planner statistics taken/);
  sql(db, "UPDATE sqlite_stat1 SET stat = '1000 10 1 1' WHERE idx = 'tickets_order'"); // as if taken at 1,000
  assert.match(await serveLog(db), /planner statistics taken/);
  assert.ok(rows() >= 5000);
  sql(db, 'DELETE FROM sqlite_stat1');
  assert.match(await serveLog(db), /planner statistics taken/);
  assert.ok(rows() >= 5000);
  rmSync(dir, { recursive: true, force: true });
});

test('a running server takes planner statistics again once the ledger has outgrown them', { timeout: 120000 }, async () => {
  const dir = tempDir();
  const db = join(dir, 'x.db');
  assert.equal(ledger(['init', '--db', db, '--demo']).code, 0);
  assert.equal(ledger(['seed', '--db', db, '--tickets', '10000']).code, 0);
  const child = spawn(BIN, ['serve', '--db', db, '--port', '0', '--stats-every', '1'], { env: process.env });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const port = await new Promise((res, rej) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out); if (m) res(Number(m[1])); });
    child.on('exit', () => rej(new Error(`serve exited: ${err}`)));
  });
  try {
    await new Promise((r) => setTimeout(r, 2500)); // a few looks: statistics fit, none taken
    assert.doesNotMatch(err, /planner statistics taken/);
    sql(db, "UPDATE sqlite_stat1 SET stat = '1000 10 1 1' WHERE idx = 'tickets_order'"); // as if taken at 1,000
    for (let i = 0; i < 50 && !/planner statistics taken/.test(err); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(err, /planner statistics taken in \d+ ms/);
    assert.ok(Number(sql(db, "SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE idx = 'tickets_order'")) >= 5000); // an estimate, as above
    // The readers, opened again with them, still answer.
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/session`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'zhongxin', password: 'Demo#2023' }),
    });
    assert.equal(res.status, 200);
    const cookie = res.headers.get('set-cookie').split(';')[0];
    const list = await fetch(`http://127.0.0.1:${port}/api/v1/tickets?per_page=5`, { headers: { Cookie: cookie } });
    assert.equal(list.status, 200);
    assert.equal((await list.json()).total, Number(sql(db, "SELECT count(*) FROM tickets WHERE status <> 'merged'")));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
  }
  rmSync(dir, { recursive: true, force: true });
});
