// Sealed ledgers (报送, SPEC sections 12 and 15): a street files its tickets of a campaign; the
// content hashes and the Merkle root are computed again here, independently (Python's hashlib,
// from the database file), and the signature checked by openssl; who may file and read; and
// `ledger filing-verify` against each way of changing the database behind the application.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, apiLogin, apiCall, ledger, sql, tempDir } from './helpers.mjs';

let srv, xr, xc, centre, sup;
before(async () => {
  srv = await startServer({ now: '2023-09-20T10:00:00+08:00' });
  [xr, xc, centre, sup] = await Promise.all(['xingren', 'xingcheng', 'zhongxin', 'ducha'].map((l) => apiLogin(srv.base, l)));
});
after(async () => { if (srv) await srv.stop(); });
const json = (who, path, method, body) => apiCall(srv.base, who, path, method, body);
const base = { source: 'hotline12345', category: 'complaint', domain: 'urban_water', description: '报送样本，含“引号”、逗号,和换行\n第二行' };

// The canonical form and the root as filing.h documents them, in Python from the file itself.
const PY = String.raw`
import hashlib, sqlite3, sys, json
db, street, campaign = sys.argv[1], sys.argv[2], sys.argv[3]
cols = ["code","version","status","source_id","source_ref","category_id","domain_id","title","description",
  "location_unit_id","address","reporter_name","reporter_phone","unit_id","responsible_unit_id","responsible_person",
  "responsible_phone","urgency","measures","requirement","deadline","original_deadline","commitment","interim_measures",
  "received_on","closed_on","created_at"]
c = sqlite3.connect(db)
path = c.execute("SELECT path FROM units WHERE code = ?", (street,)).fetchone()[0]
cid = c.execute("SELECT id FROM campaigns WHERE code = ?", (campaign,)).fetchone()[0]
rows = c.execute("SELECT " + ",".join(cols) + " FROM tickets WHERE campaign_id = ? AND substr(unit_path, 1, length(?)) = ? AND status <> 'merged'", (cid, path, path)).fetchall()
rows.sort(key=lambda r: r[0].encode())
def net(b): return str(len(b)).encode() + b":" + b + b","
items = []
for r in rows:
    text = net(b"ledger-ticket-v1") + b"".join(b"~" if v is None else net(str(v).encode()) for v in r)
    items.append((r[0], hashlib.blake2b(text, digest_size=32).digest()))
level = [h for _, h in items]
if not level:
    root = hashlib.blake2b(b"", digest_size=32).digest()
else:
    while len(level) > 1:
        level = [hashlib.blake2b(b"\x01" + level[i] + level[i + 1], digest_size=32).digest() if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
    root = level[0]
print(json.dumps({"root": root.hex(), "items": [[code, h.hex()] for code, h in items]}))
`;
const pyRoot = (db, street, campaign) => JSON.parse(execFileSync('python3', ['-c', PY, db, street, campaign], { encoding: 'utf8' }));

let filing, phase;
test('a street files its ledger: the hashes, the root and the signature, checked independently', async () => {
  phase = sql(srv.db, "SELECT name FROM campaign_phases WHERE kind = 'self_check' AND campaign_id = (SELECT id FROM campaigns WHERE code = 'SW2023')");
  for (let i = 0; i < 5; i++) {
    // The first was received by the hotline before: filed, so never a 漏报 lead.
    const t = await json(centre, '/api/v1/tickets', 'POST', { ...base, title: `报送 ${i}`, source_ref: `FL-${i}`, unit: i < 4 ? 'XR' : 'XC',
      ...(i === 0 ? { received_on: '2023-09-18' } : {}),
      location_unit: i < 4 ? 'XR01' : 'XC01', responsible_unit: i < 4 ? 'XR' : 'XC', campaign: 'SW2023' });
    assert.equal(t.status, 201, JSON.stringify(t.body));
  }
  // Refused: a kind that is not one, a phase the campaign lacks, another street's ledger.
  let r = await json(xr, '/api/v1/filings', 'POST', { campaign: 'SW2023', phase, kind: 'weekly' });
  assert.equal(r.status, 422);
  assert.match(r.body.error.message, /报送类型/);
  r = await json(xr, '/api/v1/filings', 'POST', { campaign: 'SW2023', phase: '没有的阶段', kind: 'ledger' });
  assert.equal(r.status, 422);
  assert.match(r.body.error.message, /没有名为“没有的阶段”的阶段/);
  r = await json(xc, '/api/v1/filings', 'POST', { campaign: 'SW2023', phase, kind: 'ledger', unit: 'XR' });
  assert.equal(r.status, 404);
  assert.equal(sql(srv.db, 'SELECT count(*) FROM filings'), '0');

  r = await json(xr, '/api/v1/filings', 'POST', { campaign: 'SW2023', phase, kind: 'ledger' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  filing = r.body;
  const xrCount = Number(sql(srv.db, "SELECT count(*) FROM tickets WHERE campaign_id = (SELECT id FROM campaigns WHERE code = 'SW2023') AND unit_path LIKE (SELECT path FROM units WHERE code = 'XR') || '%' AND status <> 'merged'"));
  assert.equal(filing.ticket_count, xrCount);
  assert.equal(filing.unit, 'XR');
  const due = sql(srv.db, `SELECT end_date FROM campaign_phases WHERE name = '${phase}' AND campaign_id = (SELECT id FROM campaigns WHERE code = 'SW2023')`);
  assert.equal(filing.on_time, '2023-09-20' <= due);
  assert.match(filing.root, /^[0-9a-f]{64}$/);
  assert.equal(filing.fingerprint, filing.root.slice(0, 16).match(/.{4}/g).join('-'));
  // The same root and items, computed from the database by another program.
  const py = pyRoot(srv.db, 'XR', 'SW2023');
  assert.equal(py.root, filing.root);
  const got = await json(sup, `/api/v1/filings/${filing.id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body.items.map((i) => [i.code, i.hash]), py.items);
  // The signature, by openssl, with the published key (the raw key in an SPKI wrapper).
  const key = (await json(xr, '/api/v1/filings/key')).body.public_key;
  assert.match(key, /^[0-9a-f]{64}$/);
  const dir = tempDir();
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(key, 'hex')]);
  writeFileSync(join(dir, 'pub.pem'), `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`);
  writeFileSync(join(dir, 'root.bin'), Buffer.from(filing.root, 'hex'));
  writeFileSync(join(dir, 'sig.bin'), Buffer.from(filing.signature, 'hex'));
  const ok = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-rawin',
    '-in', join(dir, 'root.bin'), '-sigfile', join(dir, 'sig.bin')], { encoding: 'utf8' });
  assert.match(ok, /Signature Verified Successfully/);
  // The key file: in the data folder, readable by the server alone.
  const keyFile = join(srv.dir, 'data', 'filing.key');
  assert.ok(existsSync(keyFile));
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  // The filing is an event of the chain.
  assert.equal(sql(srv.db, `SELECT count(*) FROM events WHERE entity = 'filing' AND entity_id = ${filing.id}`), '1');
  assert.equal(ledger(['audit-verify', '--db', srv.db]).code, 0);
});

test('who reads filings: the street and the district; another street gets 404', async () => {
  assert.equal((await json(xc, `/api/v1/filings/${filing.id}`)).status, 404);
  assert.equal((await json(xc, `/api/v1/filings/999999`)).status, 404);
  assert.deepEqual((await json(xc, '/api/v1/filings')).body, []);
  assert.deepEqual((await json(xr, '/api/v1/filings?campaign=SW2023')).body.map((f) => f.id), [filing.id]);
  assert.deepEqual((await json(sup, '/api/v1/filings?unit=XR')).body.map((f) => f.fingerprint), [filing.fingerprint]);
  // A reviewer files for a street by naming it.
  const r = await json(centre, '/api/v1/filings', 'POST', { campaign: 'SW2023', phase, kind: 'progress', unit: 'XC' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.ticket_count, 1);
  assert.equal(r.body.root, pyRoot(srv.db, 'XC', 'SW2023').root);
});

test('filing-verify: an untouched ledger passes; each change behind the application is named', async () => {
  const data = join(srv.dir, 'data');
  let v = ledger(['filing-verify', '--db', srv.db, '--data', data]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /2 filings verified/);
  // A ticket changed through the application since is fine: its version moved on.
  const first = JSON.parse(sql(srv.db, `SELECT json_object('id', ticket_id, 'code', code) FROM filing_items WHERE filing_id = ${filing.id} ORDER BY code LIMIT 1`));
  const p = await json(centre, `/api/v1/tickets/${first.id}`);
  const edit = await json(centre, `/api/v1/tickets/${first.id}`, 'PATCH', { version: p.body.version, title: '经系统修改的标题' });
  assert.equal(edit.status, 200, JSON.stringify(edit.body));
  v = ledger(['filing-verify', '--db', srv.db, '--data', data]);
  assert.equal(v.code, 0, v.stdout);
  const dir = tempDir();
  const cases = [
    ['a ticket deleted', (db) => sql(db, `DELETE FROM tickets WHERE id = (SELECT ticket_id FROM filing_items WHERE filing_id = ${filing.id} ORDER BY code DESC LIMIT 1)`), /已不在台账中/],
    ['a title rewritten without an event', (db) => sql(db, `UPDATE tickets SET title = '悄悄改过' WHERE id = (SELECT ticket_id FROM filing_items WHERE filing_id = ${filing.id} ORDER BY code DESC LIMIT 1)`), /内容与报送时不同/],
    ['the root edited', (db) => sql(db, `UPDATE filings SET root = '${'0'.repeat(64)}' WHERE id = ${filing.id}`), /签名与台账根不符/],
    ['an item edited', (db) => sql(db, `UPDATE filing_items SET hash = '${'ab'.repeat(32)}' WHERE filing_id = ${filing.id} AND code = (SELECT max(code) FROM filing_items WHERE filing_id = ${filing.id})`), /根不同/],
    ['the signature replaced', (db) => sql(db, `UPDATE filings SET signature = '${'cd'.repeat(64)}' WHERE id = ${filing.id}`), /签名与台账根不符/],
  ];
  for (const [what, change, says] of cases) {
    const copy = join(dir, `${what.replace(/ /g, '-')}.db`);
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', srv.db, `.backup '${copy}'`]);
    change(copy);
    v = ledger(['filing-verify', '--db', copy, '--data', data]);
    assert.equal(v.code, 1, `${what}: ${v.stdout}`);
    assert.match(v.stdout, new RegExp(`filing ${filing.id}: `), what);
    assert.match(v.stdout, says, what);
  }
});

test('补报: a self-found ticket logged after the street filed is marked in the list, the page, the export and the dispatch report', async () => {
  const mk = async (source, ref) => (await json(centre, '/api/v1/tickets', 'POST', { ...base, description: '自查发现', source, title: `补报 ${ref}`,
    source_ref: `SP-${ref}`, unit: 'XR', location_unit: 'XR01', responsible_unit: 'XR', campaign: 'SW2023' })).body;
  const late = await mk('self_inspection', 1); // 自查走访, after 兴仁's filing
  const hotline = await mk('hotline12345', 2); // not self-found
  assert.equal(late.supplement, true);
  assert.equal(hotline.supplement, false);
  const elsewhere = (await json(centre, '/api/v1/tickets', 'POST', { ...base, source: 'undercover', title: '补报 3', unit: 'ZF',
    location_unit: 'ZF01', responsible_unit: 'ZF', campaign: 'SW2023' })).body;
  assert.equal(elsewhere.supplement, false); // 张范 has filed nothing
  const listed = (await json(centre, '/api/v1/tickets?supplement=1')).body;
  assert.deepEqual(listed.items.map((t) => t.id), [late.id]);
  const page = await (await fetch(`${srv.base}/tickets?supplement=1`, { headers: { Cookie: centre.cookie } })).text();
  assert.match(page, /<span class="tag tag-yellow">补报<\/span>/);
  const one = await (await fetch(`${srv.base}/tickets/${late.id}`, { headers: { Cookie: centre.cookie } })).text();
  assert.match(one, /<strong>补报<\/strong>：本问题为自查发现/);
  const csv = await (await fetch(`${srv.base}/api/v1/export.csv?supplement=1`, { headers: { Cookie: centre.cookie } })).text();
  const [head, row] = csv.replace(/^\uFEFF/, '').split('\r\n');
  assert.equal(row.split(',')[head.split(',').indexOf('补报')], '是');
  assert.equal(row.split(',')[head.split(',').indexOf('问题编号')], late.code);
  const report = await (await fetch(`${srv.base}/reports/dispatch?period=week&date=2023-09-20`, { headers: { Cookie: centre.cookie } })).text();
  assert.match(report, new RegExp(`逾期报送 2023-09-20 \\d\\d:\\d\\d · ${filing.fingerprint}；本期补报 1 件`));
});

test('evidence reuse: the same file on two tickets is flagged on both and listed for the spot-check', async () => {
  const mk = async (unit, place, ref) => (await json(centre, '/api/v1/tickets', 'POST', { ...base, description: '佐证', title: `佐证 ${ref}`,
    unit, location_unit: place, responsible_unit: unit, campaign: 'SW2023' })).body;
  const a = await mk('XR', 'XR01', 'A'), b = await mk('XR', 'XR02', 'B'), c = await mk('XC', 'XC01', 'C');
  const photo = Buffer.concat([Buffer.from('%PDF-1.4\n%同一张照片\n'), Buffer.from(String(Date.now()))]);
  const up = async (who, t) => {
    const fd = new FormData();
    fd.append('file', new Blob([photo], { type: 'application/pdf' }), `现场照片-${t.code}.pdf`);
    const r = await fetch(`${srv.base}/api/v1/tickets/${t.id}/attachments`, { method: 'POST', body: fd, headers: { Cookie: who.cookie, 'X-CSRF-Token': who.csrf } });
    assert.equal(r.status, 201, await r.text());
  };
  await up(xr, a);
  assert.deepEqual((await json(xr, `/api/v1/tickets/${a.id}`)).body.evidence_shared, []);
  await up(xr, b);
  await up(xc, c);
  const seen = (await json(xr, `/api/v1/tickets/${a.id}`)).body.evidence_shared.map((x) => x.code);
  assert.deepEqual(seen, [b.code]); // 兴城's ticket is not named to 兴仁's staff
  assert.deepEqual((await json(centre, `/api/v1/tickets/${a.id}`)).body.evidence_shared.map((x) => x.code).sort(), [b.code, c.code].sort());
  assert.deepEqual((await json(xc, `/api/v1/tickets/${c.id}`)).body.evidence_shared, []);
  const page = await (await fetch(`${srv.base}/tickets/${b.id}`, { headers: { Cookie: xr.cookie } })).text();
  assert.match(page, new RegExp(`<strong>佐证材料重复</strong>：本问题的附件与 问题 <a href="/tickets/${a.id}">${a.code}</a>`));
  assert.doesNotMatch(page, new RegExp(c.code));
  const spot = await (await fetch(`${srv.base}/reports/spotcheck`, { headers: { Cookie: sup.cookie } })).text();
  assert.match(spot, /重复使用的佐证材料/);
  for (const t of [a, b, c]) assert.match(spot, new RegExp(`<a href="/tickets/${t.id}">${t.code}</a>`));
});

test('漏报 leads: an outside channel\'s ticket received by the filing\'s day but absent from it; the pages', async () => {
  const mk = async (source, ref, extra) => {
    const r = await json(centre, '/api/v1/tickets', 'POST', { ...base, source, title: `线索 ${ref}`, source_ref: `LD-${ref}`,
      unit: 'XR', location_unit: 'XR01', responsible_unit: 'XR', campaign: 'SW2023', ...extra });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const lead = await mk('hotline12345', 1, { received_on: '2023-09-19' }); // received before 兴仁 filed, logged after
  await mk('self_inspection', 2, { received_on: '2023-09-19' }); // not an outside channel
  await mk('letters_visits', 3, {}); // no day received
  const other = await json(centre, '/api/v1/tickets', 'POST', { ...base, title: '线索 4', unit: 'ZF', location_unit: 'ZF01',
    responsible_unit: 'ZF', campaign: 'SW2023', received_on: '2023-09-19' }); // another street
  assert.equal(other.status, 201);
  const r = await json(sup, `/api/v1/filings/${filing.id}/leads`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.map((l) => l.code), [lead.code]);
  assert.equal(r.body[0].received_on, '2023-09-19');
  assert.equal(r.body[0].source, '12345政务服务热线');
  assert.equal((await json(xc, `/api/v1/filings/${filing.id}/leads`)).status, 404);
  assert.equal((await json(xc, '/api/v1/filings/999999/leads')).status, 404);
  // The filing's page: its fingerprint, the key, the lead; another street's staff get 404.
  const page = await fetch(`${srv.base}/filings/${filing.id}`, { headers: { Cookie: sup.cookie } });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, new RegExp(`<strong class="fingerprint">${filing.fingerprint}</strong>`));
  assert.match(html, new RegExp(`<a href="/tickets/${lead.id}">${lead.code}</a>`));
  assert.match(html, new RegExp((await json(sup, '/api/v1/filings/key')).body.public_key));
  assert.equal((await fetch(`${srv.base}/filings/${filing.id}`, { headers: { Cookie: xc.cookie } })).status, 404);
  // The filings page: 兴城's staff see only theirs; 兴仁's file from the form.
  const list = await (await fetch(`${srv.base}/filings`, { headers: { Cookie: xc.cookie } })).text();
  assert.doesNotMatch(list, new RegExp(filing.fingerprint));
  const before = Number(sql(srv.db, 'SELECT count(*) FROM filings'));
  const bad = await fetch(`${srv.base}/filings`, { method: 'POST', redirect: 'manual', headers: { Cookie: xr.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: xr.csrf, what: '' }) });
  assert.equal(bad.status, 422);
  assert.match(await bad.text(), /请选择报送事项/);
  const form = await fetch(`${srv.base}/filings`, { method: 'POST', redirect: 'manual', headers: { Cookie: xr.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: xr.csrf, what: `SW2023|${phase}|ledger` }) });
  assert.equal(form.status, 303);
  const id = Number(form.headers.get('location').match(/\/filings\/(\d+)\?filed=1$/)[1]);
  assert.equal(Number(sql(srv.db, 'SELECT count(*) FROM filings')), before + 1);
  const done = await (await fetch(`${srv.base}/filings/${id}?filed=1`, { headers: { Cookie: xr.cookie } })).text();
  assert.match(done, /已报送：台账已封存并签名/);
  // The new filing holds the lead: it is one no longer.
  assert.deepEqual((await json(sup, `/api/v1/filings/${id}/leads`)).body, []);
  const intoOther = await fetch(`${srv.base}/filings`, { method: 'POST', redirect: 'manual', headers: { Cookie: xr.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: xr.csrf, what: `SW2023|${phase}|ledger`, unit: 'XC' }) });
  assert.equal(intoOther.status, 404);
  assert.equal(Number(sql(srv.db, 'SELECT count(*) FROM filings')), before + 1);
});

test('a large street is stored in parts: a leftover part-stored filing is removed, the seed\'s filings verify', async () => {
  // A demo ledger seeded for today: about 5,300 tickets in 兴仁, more than one part (5,000).
  const now = new Date().toISOString();
  const dir = tempDir(), db = join(dir, 'test.db'), env = { ...process.env, LEDGER_NOW: now };
  assert.equal(ledger(['init', '--db', db, '--demo'], { env }).code, 0);
  const seeded = ledger(['seed', '--db', db, '--tickets', '16000'], { env });
  assert.equal(seeded.code, 0, seeded.stderr);
  // The seed's filings: on time and late, with 补报 and 漏报 leads.
  assert.equal(sql(db, 'SELECT group_concat(kind || on_time, \' \') FROM filings ORDER BY id'), 'ledger1 ledger0 progress1');
  assert.ok(Number(sql(db, 'SELECT count(*) FROM tickets WHERE supplement = 1')) > 0);
  // A filing a stopped server left half-stored.
  sql(db, "INSERT INTO filings (unit_id, campaign_id, phase, kind, filed_at, due, on_time, ticket_count, root, signature, fingerprint, pending) " +
    "SELECT unit_id, campaign_id, phase, kind, filed_at, due, on_time, 99, root, signature, fingerprint, 1 FROM filings WHERE id = 1");
  const big = await startServer({ reuse: { dir, db }, now });
  try {
    const [staff, supervisor] = await Promise.all(['xingren', 'ducha'].map((l) => apiLogin(big.base, l)));
    const seedLeads = (await apiCall(big.base, supervisor, '/api/v1/filings/1/leads')).body;
    assert.ok(seedLeads.length > 0, 'the seed has 漏报 leads');
    const campaign = sql(db, "SELECT code FROM campaigns WHERE code <> 'SW2023'");
    const self = sql(db, `SELECT p.name FROM campaign_phases p JOIN campaigns c ON c.id = p.campaign_id WHERE c.code = '${campaign}' AND p.kind = 'self_check'`);
    const r = await apiCall(big.base, staff, '/api/v1/filings', 'POST', { campaign, phase: self, kind: 'ledger' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.ok(r.body.ticket_count > 5000, `${r.body.ticket_count} tickets`);
    assert.equal(r.body.root, pyRoot(db, 'XR', campaign).root);
    assert.equal(sql(db, 'SELECT count(*) FROM filings WHERE pending = 1'), '0');
    assert.equal(Number(sql(db, `SELECT count(*) FROM filing_items WHERE filing_id = ${r.body.id}`)), r.body.ticket_count);
    assert.equal(sql(db, `SELECT count(*) FROM events WHERE entity = 'filing' AND entity_id = ${r.body.id}`), '1');
    const v = ledger(['filing-verify', '--db', db, '--data', join(dir, 'data')]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /4 filings verified/);
  } finally {
    await big.stop();
  }
});
