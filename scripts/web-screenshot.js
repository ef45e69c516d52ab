// Takes docs/web-console.png: two local beanstalkd servers with a few busy tubes, the
// console open on them in Debian's chromium. Run after `npm run build`:
//   node scripts/web-screenshot.js [seconds of traffic before the shot, default 20]
const path = require('node:path');
const puppeteer = require('puppeteer-core');
const { firstValueFrom, lastValueFrom } = require('rxjs');
const { Beanstalk } = require('../dist/cjs/index.js');
const { startBeanstalkd } = require('../dist/cjs/testing/index.js');
const { startWebConsole } = require('../dist/cjs/cli/web/index.js');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = Number(process.argv[2] ?? 20);

/** Puts into a tube at a varying pace until stopped. */
function producer(client, tube, perSecond, make) {
  let n = 0;
  let running = true;
  (async () => {
    while (running) {
      const burst = Math.max(1, Math.round(perSecond * (0.5 + Math.random()) / 5));
      for (let i = 0; i < burst; i++) await firstValueFrom(client.tube(tube).put(make(n++)));
      await sleep(200);
    }
  })();
  return () => (running = false);
}

/** Reserves, works a while, and deletes (or buries every `buryEvery`th) jobs, `perSecond` at most. */
function worker(client, tube, perSecond, buryEvery = 0) {
  let running = true;
  let n = 0;
  (async () => {
    while (running) {
      const job = await firstValueFrom(client.watch(tube).reserveOne({ timeout: 1 }), { defaultValue: undefined });
      await sleep(1000 / perSecond);
      if (job) await lastValueFrom(buryEvery && ++n % buryEvery === 0 ? job.bury() : job.delete(), { defaultValue: undefined });
    }
  })();
  return () => (running = false);
}

async function main() {
  const servers = [await startBeanstalkd(), await startBeanstalkd()];
  const [a, b] = servers.map((server) => Beanstalk.connect(server.url));
  const web = await startWebConsole({ urls: servers.map((server) => server.url), port: 0, intervalMs: 500 });
  const stops = [
    producer(a, 'emails', 40, (n) => JSON.stringify({ to: `user${n}@example.com`, template: 'welcome' })),
    worker(a, 'emails', 10),
    worker(a, 'emails', 10),
    worker(a, 'emails', 10),
    producer(a, 'payments', 12, (n) => JSON.stringify({ order: 1000 + n, amount: (n * 7.3) % 500 })),
    worker(a, 'payments', 14, 9),
    producer(a, 'thumbnails', 6, (n) => Buffer.from([0x89, 0x50, 0x4e, 0x47, n & 0xff])),
    producer(b, 'reports', 3, (n) => `monthly report ${n}`),
    producer(b, 'sms', 20, (n) => `+4917${String(n).padStart(7, '0')}: your code is ${1000 + (n % 9000)}`),
    worker(b, 'sms', 11),
    worker(b, 'sms', 11),
  ];
  for (let n = 0; n < 8; n++) await firstValueFrom(b.tube('reports').put(`scheduled ${n}`, { delay: 3600 }));
  await firstValueFrom(a.tube('thumbnails').pause(600));

  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
  await page.goto(web.url);
  await sleep(seconds * 1000);
  await page.click('tr.tube[data-tube="payments"]');
  await page.waitForSelector('tr.detail[data-tube="payments"]');
  await page.evaluate(() => {
    const button = [...document.querySelectorAll('tr.detail button')].find((b) => b.textContent === 'peek buried');
    button.click();
  });
  await page.waitForSelector('tr.detail pre.body');
  await sleep(300);
  const file = path.join(__dirname, '..', 'docs', 'web-console.png');
  await page.screenshot({ path: file, fullPage: true });
  console.log(`wrote ${file}`);

  stops.forEach((stop) => stop());
  await sleep(1200);
  await browser.close();
  await web.close();
  await Promise.all([a.close(), b.close()]);
  await Promise.all(servers.map((server) => server.stop()));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
