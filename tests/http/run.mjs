// Runs every *.test.mjs here with node's test runner (TAP) and ends with
// "http: N passed, M failed" for tests/run.sh.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
  .map((f) => join(here, f));
const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', '--test-concurrency=1', ...files], {
  encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
});
const out = (r.stdout || '') + (r.stderr || '');
process.stdout.write(out);
const pass = Number((out.match(/^# pass (\d+)/m) || [])[1] || 0);
const fail = Number((out.match(/^# fail (\d+)/m) || [])[1] || 0);
console.log(`http: ${pass} passed, ${fail} failed`);
process.exit(r.status === 0 && fail === 0 && pass > 0 ? 0 : 1);
