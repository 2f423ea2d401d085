import { chromium } from 'playwright-core';
import fs from 'node:fs';
const dir = fs.mkdtempSync('/tmp/pw-');
const b = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync'] });
const urls = process.argv.slice(3);
for (const w of [1366, 390]) {
  const p = await b.newPage({});
  await p.setViewportSize({ width: w, height: 900 });
  if (w === 1366) { await p.goto('http://127.0.0.1:18091/login');
  await p.fill('input[name=login]', process.argv[2]); await p.fill('input[name=password]', 'Demo#2023');
  await p.click('form button[type=submit]'); }
  let i = 0;
  for (const u of urls) { await p.goto('http://127.0.0.1:18091' + u); await p.screenshot({ path: `/tmp/shot-${w}-${i++}.png`, fullPage: true });
    console.log(w, u, await p.evaluate(() => document.documentElement.scrollWidth)); }
  await p.close();
}
await b.close();
