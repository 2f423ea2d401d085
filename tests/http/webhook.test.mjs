// The webhook outbox (SPEC section 10): with --notify-url every notification is posted to a
// group robot (企业微信/钉钉 JSON), kept in a durable outbox, retried with back-off. A receiver
// on 127.0.0.1 refuses the first tries and is down across a restart of the server: every
// notification arrives, each taken once (a refused try is what a retry needs), none carries a
// reporter's name or phone; the admin sees the outbox's state.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer, apiLogin, as, sql } from './helpers.mjs';

let srv, robot;
const got = []; // {content, taken}
let refuse = 2; // the first tries are answered 500
let answering = true;

function listen(port = 0) {
  return new Promise((res) => {
    robot = createServer((req, resp) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        const msg = JSON.parse(body);
        const taken = answering && refuse-- <= 0;
        got.push({ content: msg.text.content, msgtype: msg.msgtype, taken, type: req.headers['content-type'] });
        resp.writeHead(taken ? 200 : 500, { 'Content-Type': 'application/json' });
        resp.end(JSON.stringify(taken ? { errcode: 0, errmsg: 'ok' } : { errcode: -1, errmsg: 'busy' }));
      });
    });
    robot.listen(port, '127.0.0.1', () => res(robot.address().port));
  });
}
after(async () => {
  if (srv) await srv.stop();
  if (robot) robot.close();
});

const until = async (what, ok, ms = 20000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (ok()) return;
  assert.fail(`${what}: ${JSON.stringify(got)}`);
};
const takenOnce = (title) => got.filter((g) => g.taken && g.content.includes(title)).length;

test('every notification reaches the robot once, through refusals and a restart while it is down', { timeout: 120000 }, async () => {
  const port = await listen();
  const args = ['--notify-url', `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=test`];
  srv = await startServer({ now: '2023-09-20T10:00:00+08:00', args });
  let centre = await apiLogin(srv.base, 'zhongxin');
  const log = async (title) => {
    const r = await as(centre)(`${srv.base}/api/v1/tickets`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ source: 'hotline12345', category: 'complaint', domain: 'rural_water', title, description: '推送测试',
        unit: 'XR', responsible_unit: 'XR', reporter_name: '钱小红', reporter_phone: '13655556666' }) });
    assert.equal(r.status, 201);
  };
  // Refused twice, then taken: the first arrives on the third try, the others after it.
  for (const t of ['推送一号', '推送二号', '推送三号']) await log(`${t} 钱小红 13655556666 反映`);
  await until('three delivered', () => ['推送一号', '推送二号', '推送三号'].every((t) => takenOnce(t) === 1));
  assert.equal(got.filter((g) => !g.taken).length, 2);
  assert.ok(got.every((g) => g.msgtype === 'text' && /application\/json/.test(g.type)));
  assert.match(got.find((g) => g.taken).content, /^新派单：XR-2023-\d+「推送一号/, JSON.stringify(got));

  // The robot goes down; two more are made; the server is stopped and started again while it is down.
  await new Promise((r) => robot.close(r));
  for (const t of ['推送四号', '推送五号']) await log(`${t} 钱小红 反映`);
  await new Promise((r) => setTimeout(r, 2500)); // a try or two fail: connection refused
  assert.equal(sql(srv.db, 'SELECT count(*) FROM outbox WHERE delivered_at IS NULL'), '2');
  assert.match(sql(srv.db, 'SELECT group_concat(DISTINCT last_error) FROM outbox WHERE delivered_at IS NULL'), /connect|Couldn't/i);
  await srv.stop('SIGTERM', { keep: true });
  await listen(port);
  srv = await startServer({ now: '2023-09-20T10:05:00+08:00', args, reuse: srv });
  await until('delivered after the restart', () => takenOnce('推送四号') === 1 && takenOnce('推送五号') === 1);
  assert.equal(sql(srv.db, 'SELECT count(*) FROM outbox WHERE delivered_at IS NULL'), '0');
  // Each taken once; no reporter's name or phone in any message.
  for (const t of ['推送一号', '推送二号', '推送三号', '推送四号', '推送五号']) assert.equal(takenOnce(t), 1, t);
  assert.ok(got.every((g) => !/钱小红|13655556666/.test(g.content)), JSON.stringify(got.map((g) => g.content)));

  // The admin sees the outbox; nobody else does.
  const admin = await apiLogin(srv.base, 'admin');
  const page = await (await as(admin)(`${srv.base}/admin/outbox`)).text();
  assert.match(page, /已送达<\/dt><dd>5 条/);
  assert.match(page, /待推送<\/dt><dd>0 条/);
  centre = await apiLogin(srv.base, 'zhongxin');
  assert.equal((await as(centre)(`${srv.base}/admin/outbox`)).status, 403);
});

test('without --notify-url nothing goes to the outbox; a bad URL is refused at start', async () => {
  const plain = await startServer({ now: '2023-09-20T10:00:00+08:00' });
  try {
    const centre = await apiLogin(plain.base, 'zhongxin');
    await as(centre)(`${plain.base}/api/v1/tickets`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ source: 'hotline12345', category: 'complaint', domain: 'rural_water', title: '不推送', description: 'x', unit: 'XR' }) });
    assert.ok(Number(sql(plain.db, 'SELECT count(*) FROM notifications')) > 0);
    assert.equal(sql(plain.db, 'SELECT count(*) FROM outbox'), '0');
  } finally {
    await plain.stop();
  }
  await assert.rejects(startServer({ args: ['--notify-url', 'ftp://127.0.0.1/x'] }), /server exited/);
});
