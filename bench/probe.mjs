// node bench/probe.mjs URL COOKIE SECONDS OUT [PAUSE_MS]: one keep-alive connection asks for URL
// again and again for SECONDS, PAUSE_MS between an answer and the next question, and appends
// each answer's time in milliseconds, one a line, to OUT. Beside wrk's load, paced so that it
// adds little of its own, it gives the latency a person meets under that load; alone and
// unpaced, the one-at-a-time figures. wrk's own latency histogram is not used for them: it records times its own request
// rate rules out (one connection, 5,000 answers a second, an average of 20 ms).
import http from 'node:http';
import { appendFileSync } from 'node:fs';

const [url, cookie, seconds, out, pause = '0'] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const end = Date.now() + Number(seconds) * 1000;
const times = [];

function ask() {
	const t0 = process.hrtime.bigint();
	const req = http.get(url, { agent, headers: { Cookie: cookie } }, res => {
		res.resume();
		res.on('end', () => {
			if (res.statusCode !== 200) {
				console.error(`probe: ${url} answered ${res.statusCode}`);
				process.exit(1);
			}
			times.push(Number(process.hrtime.bigint() - t0) / 1e6);
			if (Date.now() < end && Number(pause) > 0)
				setTimeout(ask, Number(pause));
			else if (Date.now() < end)
				setImmediate(ask); /* a timer of 0 still waits a millisecond */
			else
				finish();
		});
	});
	req.on('error', e => {
		console.error(`probe: ${url}: ${e.message}`);
		process.exit(1);
	});
}

function finish() {
	appendFileSync(out, times.map(t => t.toFixed(3)).join('\n') + '\n');
	agent.destroy();
}

ask();
