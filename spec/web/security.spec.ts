/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Functions passed to page.evaluate run in the browser, so this file sees the DOM types.
import { createServer, request } from 'node:http';
import type { OutgoingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { Beanstalk } from '../../src/client/index.js';
import { startWebConsole } from '../../src/cli/web/index.js';
import type { WebConsole } from '../../src/cli/web/index.js';
import { describeInBrowser, openPage, useBrowser, waitForCell } from '../helpers/browser.js';
import { freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP request with exactly these headers (a browser could not forge Origin or Host; an attacker's tools can). */
function send(
  port: number,
  method: string,
  path: string,
  headers: OutgoingHttpHeaders = {},
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const TOKEN = 'spec-token-0123456789abcdef';

describe('rxbs web security', () => {
  const bs = useBeanstalkd();
  let client: Beanstalk;
  let guarded: WebConsole;
  let open: WebConsole;

  /** A tube with one buried job: what a forged kick would change. */
  async function buriedTube(): Promise<string> {
    const tube = freshTube('guard');
    await firstValueFrom(client.tube(tube).put('precious'));
    const job = await firstValueFrom(client.watch(tube).reserveOne({ timeout: 1 }));
    await lastValueFrom(job.bury(), { defaultValue: undefined });
    return tube;
  }
  const buried = async (tube: string) => (await firstValueFrom(client.tube(tube).stats())).currentJobsBuried;
  const kick = (tube: string) => JSON.stringify({ tube, n: 10 });

  beforeAll(async () => {
    client = Beanstalk.connect(bs.server.url, { name: 'security-spec' });
    guarded = await startWebConsole({ urls: [bs.server.url], port: 0, token: TOKEN, intervalMs: 250 });
    open = await startWebConsole({ urls: [bs.server.url], port: 0, intervalMs: 250 });
  });
  afterAll(async () => {
    await guarded?.close();
    await open?.close();
    await client?.close();
  });

  describe('with a token', () => {
    const host = () => `127.0.0.1:${guarded.port}`;
    const json = () => ({ host: host(), origin: `http://${host()}`, 'content-type': 'application/json' });

    it('serves nothing without the token: not the page, not the events, not an action', async () => {
      expect((await send(guarded.port, 'GET', '/')).status).toBe(401);
      expect((await send(guarded.port, 'GET', '/?token=wrong-token-0123456789')).status).toBe(401);
      expect((await send(guarded.port, 'GET', '/events')).status).toBe(401);
      expect((await send(guarded.port, 'GET', '/console.js')).status).toBe(401);
      const page = await send(guarded.port, 'GET', '/');
      expect(page.body).not.toContain('<html');
    });

    it('trades the token in the printed URL for an HttpOnly SameSite cookie, then serves the page', async () => {
      expect(guarded.url).toBe(`http://127.0.0.1:${guarded.port}/?token=${TOKEN}`);
      const redirect = await send(guarded.port, 'GET', `/?token=${TOKEN}`);
      expect(redirect.status).toBe(303);
      expect(redirect.headers.location).toBe('/');
      expect(redirect.headers['set-cookie']).toEqual([
        `rxbs_token_${guarded.port}=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`,
      ]);
      const page = await send(guarded.port, 'GET', '/', { cookie: `rxbs_token_${guarded.port}=${TOKEN}` });
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.body).toContain(`<meta name="rxbs-token" content="${TOKEN}">`);
    });

    it('refuses a POST without the token header, even with the cookie a browser would attach', async () => {
      const tube = await buriedTube();
      const reply = await send(
        guarded.port,
        'POST',
        '/api/kick',
        { ...json(), cookie: `rxbs_token_${guarded.port}=${TOKEN}` },
        kick(tube),
      );
      expect(reply.status).toBe(403);
      expect(await buried(tube)).toBe(1);
    });

    it('refuses a POST from a foreign Origin, even with the right token', async () => {
      const tube = await buriedTube();
      const headers = { ...json(), origin: 'http://evil.example', 'x-rxbs-token': TOKEN };
      const reply = await send(guarded.port, 'POST', '/api/kick', headers, kick(tube));
      expect(reply.status).toBe(403);
      expect(JSON.parse(reply.body)).toEqual({ error: 'cross-origin request refused' });
      expect(await buried(tube)).toBe(1);
    });

    it('never changes anything on a GET, and wants JSON, not a form', async () => {
      const tube = await buriedTube();
      const get = await send(guarded.port, 'GET', `/api/kick?tube=${tube}&n=10`, { 'x-rxbs-token': TOKEN });
      expect(get.status).toBe(405);
      const form = { ...json(), 'content-type': 'text/plain', 'x-rxbs-token': TOKEN };
      expect((await send(guarded.port, 'POST', '/api/kick', form, kick(tube))).status).toBe(415);
      expect(await buried(tube)).toBe(1);
    });

    it('acts on a POST with the token header from its own Origin', async () => {
      const tube = await buriedTube();
      const reply = await send(guarded.port, 'POST', '/api/kick', { ...json(), 'x-rxbs-token': TOKEN }, kick(tube));
      expect([reply.status, JSON.parse(reply.body)]).toEqual([200, { kicked: 1 }]);
      expect(await buried(tube)).toBe(0);
    });

    it('refuses a drain whose confirmation is not the tube name', async () => {
      const tube = await buriedTube();
      const body = JSON.stringify({ tube, confirm: 'yes' });
      const reply = await send(guarded.port, 'POST', '/api/drain', { ...json(), 'x-rxbs-token': TOKEN }, body);
      expect(reply.status).toBe(400);
      expect(await buried(tube)).toBe(1);
    });
  });

  describe('without a token, on loopback', () => {
    const host = () => `127.0.0.1:${open.port}`;

    it('serves the page only to its own Host names (no DNS rebinding)', async () => {
      expect((await send(open.port, 'GET', '/', { host: host() })).status).toBe(200);
      expect((await send(open.port, 'GET', '/', { host: `localhost:${open.port}` })).status).toBe(200);
      expect((await send(open.port, 'GET', '/', { host: `rebound.example:${open.port}` })).status).toBe(421);
      expect((await send(open.port, 'GET', '/events', { host: `rebound.example:${open.port}` })).status).toBe(421);
    });

    it('still wants the page token on every POST', async () => {
      const tube = await buriedTube();
      const headers = { host: host(), origin: `http://${host()}`, 'content-type': 'application/json' };
      expect((await send(open.port, 'POST', '/api/kick', headers, kick(tube))).status).toBe(403);
      expect(await buried(tube)).toBe(1);
    });
  });
  describeInBrowser('in a real headless chromium, with a token', () => {
    const chrome = useBrowser();

    it('works in the browser from the printed URL: the token leaves the address bar, the page acts', async () => {
      const tube = await buriedTube();
      const { page, dialogs } = await openPage(chrome.browser, guarded.url);
      expect(page.url()).toBe(`http://127.0.0.1:${guarded.port}/`);
      await waitForCell(page, tube, 'buried', '1');
      const status = await page.evaluate(async (name) => {
        const token = document.querySelector<HTMLMetaElement>('meta[name="rxbs-token"]')?.content ?? '';
        const headers = { 'content-type': 'application/json', 'x-rxbs-token': token };
        const response = await fetch('/api/kick', {
          method: 'POST',
          headers,
          body: JSON.stringify({ tube: name, n: 1 }),
        });
        return response.status;
      }, tube);
      expect(status).toBe(200);
      expect(await buried(tube)).toBe(0);
      expect(dialogs).toEqual([]);
      await page.close();
    });

    it('refuses what a foreign page makes the browser send (a form post, a fetch), cookie and all', async () => {
      const tube = await buriedTube();
      // The browser holds the console's cookie, as it would after the operator opened it.
      const own = await openPage(chrome.browser, guarded.url);
      await own.page.close();
      const target = `http://127.0.0.1:${guarded.port}/api/kick`;
      const attacker: Server = createServer((_, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(
          `<form method="POST" action="${target}" enctype="text/plain">` +
            `<input name='{"tube":"${tube}","n":10,"x":"' value='"}'></form>` +
            `<script>fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', mode: 'no-cors',` +
            ` body: ${JSON.stringify(kick(tube))} }).finally(() => document.forms[0].submit());</script>`,
        );
      });
      await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
      const page = await chrome.browser.newPage();
      const sent: string[] = [];
      const answered: number[] = [];
      page.on('request', (r) => void (r.url() === target && sent.push(r.method())));
      // The fetch's answer is opaque to the page (and blocked by the console's CORP header), the form's is shown.
      page.on('response', (r) => void (r.url() === target && answered.push(r.status())));
      await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      for (const started = Date.now(); answered.length < 1 && Date.now() - started < 5000;) await sleep(50);
      expect(sent).toEqual(['POST', 'POST']);
      expect(answered).toEqual([403]);
      expect(await buried(tube)).toBe(1);
      await page.close();
      attacker.closeAllConnections();
      await new Promise((resolve) => attacker.close(resolve));
    });
  });
});
