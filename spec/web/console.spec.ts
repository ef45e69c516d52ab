/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Functions passed to page.evaluate run in the browser, so these files see the DOM types.
import { firstValueFrom, lastValueFrom } from 'rxjs';
import type { ElementHandle, Page } from 'puppeteer-core';
import { Beanstalk } from '../../src/client/index.js';
import { startWebConsole } from '../../src/cli/web/index.js';
import type { WebConsole } from '../../src/cli/web/index.js';
import { NotFoundError } from '../../src/protocol/errors.js';
import type { TubeStats } from '../../src/protocol/stats.js';
import { describeInBrowser, openPage, tubeRow, useBrowser, waitForCell } from '../helpers/browser.js';
import { freshTube, maybe, useBeanstalkd } from '../helpers/setup.js';
import { freePort, startBeanstalkd } from '../../src/testing/index.js';
import type { RunningBeanstalkd } from '../../src/testing/index.js';

/** Opens a tube's panel (a click on its row) and returns it. */
async function openTube(page: Page, tube: string): Promise<ElementHandle<Element>> {
  await (await tubeRow(page, tube)).click();
  const panel = await page.waitForFunction(
    (name: string) => [...document.querySelectorAll('tr.detail')].find((row) => row.getAttribute('data-tube') === name),
    { timeout: 2000 },
    tube,
  );
  return panel as ElementHandle<Element>;
}

async function click(panel: ElementHandle<Element>, label: string): Promise<void> {
  const button = await panel.evaluateHandle(
    (root, text) => [...root.querySelectorAll('button')].find((b) => b.textContent === text),
    label,
  );
  await (button as ElementHandle<HTMLButtonElement>).click();
}

async function fill(panel: ElementHandle<Element>, selector: string, value: string): Promise<void> {
  const input = await panel.$(selector);
  if (input === null) throw new Error(`no ${selector} in the panel`);
  await input.click({ count: 3 });
  await input.type(value);
}

/** Waits for the panel's message line to say `text` and returns it. */
async function message(page: Page, panel: ElementHandle<Element>, text: string): Promise<string> {
  await page.waitForFunction(
    (root, expected) => root.querySelector('.message')?.textContent === expected,
    { timeout: 5000 },
    panel,
    text,
  );
  return text;
}

describeInBrowser('rxbs web in a real headless chromium', () => {
  const bs = useBeanstalkd();
  const chrome = useBrowser();
  let web: WebConsole;
  let client: Beanstalk;
  let page: Page;
  let dialogs: string[];

  /** The tube's stats from the server itself; undefined once the tube is gone (empty and unused). */
  async function tubeStats(tube: string): Promise<TubeStats | undefined> {
    try {
      return await firstValueFrom(client.tube(tube).stats());
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** Puts jobs and buries them at their own priority (bury sets a job's priority). */
  async function putBuried(tube: string, count: number, options: { priority?: number; ttr?: number } = {}) {
    for (let n = 0; n < count; n++) await firstValueFrom(client.tube(tube).put(`buried ${n}`, options));
    for (let n = 0; n < count; n++) {
      const job = await firstValueFrom(client.watch(tube).reserveOne({ timeout: 1 }));
      await lastValueFrom(job.bury(options.priority), { defaultValue: undefined });
    }
  }

  beforeAll(async () => {
    web = await startWebConsole({ urls: [bs.server.url], port: 0, intervalMs: 250 });
    client = Beanstalk.connect(bs.server.url, { name: 'web-spec' });
    ({ page, dialogs } = await openPage(chrome.browser, web.url));
  });
  afterAll(async () => {
    await web?.close();
    await client?.close();
  });
  afterEach(() => expect(dialogs).toEqual([]));

  it('loads against a real beanstalkd and shows its server stats and tubes', async () => {
    await tubeRow(page, 'default');
    expect(await page.$eval('section.server h2', (h) => h.textContent)).toBe(bs.server.url);
    expect(await page.$eval('.facts', (facts) => facts.textContent)).toContain('beanstalkd 1.12');
    expect(await page.$eval('#status', (s) => s.textContent)).toMatch(/^live/);
  });

  it('shows a put from outside within 2 s, without a reload', async () => {
    const tube = freshTube('live');
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    const started = Date.now();
    await firstValueFrom(client.tube(tube).put('hello'));
    await waitForCell(page, tube, 'ready', '1', 2000);
    expect(Date.now() - started).toBeLessThan(2000);
    await firstValueFrom(client.tube(tube).put('again'));
    await waitForCell(page, tube, 'ready', '2', 2000);
    expect(navigations).toBe(0);
  });

  it('kicks N buried jobs from the page, as the server counts them', async () => {
    const tube = freshTube('kick');
    await putBuried(tube, 3);
    await waitForCell(page, tube, 'buried', '3');
    const panel = await openTube(page, tube);
    await fill(panel, 'input[type=number]', '2');
    await click(panel, 'kick');
    await message(page, panel, 'kicked 2');
    expect(await tubeStats(tube)).toMatchObject({ currentJobsBuried: 1, currentJobsReady: 2 });
    await waitForCell(page, tube, 'buried', '1');
  });

  it('pauses a tube from the page for the seconds given', async () => {
    const tube = freshTube('pause');
    await firstValueFrom(client.tube(tube).put('waits'));
    const panel = await openTube(page, tube);
    const pauseInput = (await panel.$$('input[type=number]'))[1];
    await pauseInput.click({ count: 3 });
    await pauseInput.type('30');
    await click(panel, 'pause');
    await message(page, panel, 'paused for 30 s');
    const stats = await tubeStats(tube);
    expect(stats?.pause).toBe(30);
    expect(stats?.pauseTimeLeft).toBeGreaterThan(25);
    await page.waitForFunction(
      (name: string) =>
        /^\d+ s$/.test(
          [...document.querySelectorAll('tr.tube')]
            .find((r) => r.getAttribute('data-tube') === name)
            ?.querySelector('td.paused')?.textContent ?? '',
        ),
      { timeout: 2000 },
      tube,
    );
  });

  it('drains a tube only after its name is typed, deleting ready, delayed and buried jobs', async () => {
    const tube = freshTube('drain');
    for (let n = 0; n < 4; n++) await firstValueFrom(client.tube(tube).put(`ready ${n}`));
    await firstValueFrom(client.tube(tube).put('later', { delay: 600 }));
    await putBuried(tube, 1);
    await waitForCell(page, tube, 'ready', '4');
    const deletesBefore = (await firstValueFrom(client.stats())).cmdDelete;
    const panel = await openTube(page, tube);
    const drainDisabled = () =>
      panel.evaluate((root) => [...root.querySelectorAll('button')].find((b) => b.textContent === 'drain')?.disabled);
    expect(await drainDisabled()).toBe(true);
    await fill(panel, 'input[aria-label="confirm drain"]', `${tube}x`);
    expect(await drainDisabled()).toBe(true);
    await fill(panel, 'input[aria-label="confirm drain"]', tube);
    expect(await drainDisabled()).toBe(false);
    await click(panel, 'drain');
    await message(page, panel, 'deleted 6 jobs');
    const after = await tubeStats(tube);
    expect([after?.currentJobsReady ?? 0, after?.currentJobsDelayed ?? 0, after?.currentJobsBuried ?? 0]).toEqual([
      0, 0, 0,
    ]);
    expect((await firstValueFrom(client.stats())).cmdDelete - deletesBefore).toBe(6);
  });

  it('moves buried jobs to another tube, keeping body, priority and TTR', async () => {
    const tube = freshTube('move-from');
    const target = freshTube('move-to');
    await putBuried(tube, 2, { priority: 7, ttr: 33 });
    await waitForCell(page, tube, 'buried', '2');
    const panel = await openTube(page, tube);
    await fill(panel, 'input[placeholder="target tube"]', target);
    await click(panel, 'move');
    await message(page, panel, 'moved 2');
    expect((await tubeStats(tube))?.currentJobsBuried ?? 0).toBe(0);
    expect(await tubeStats(target)).toMatchObject({ currentJobsReady: 2 });
    const job = await firstValueFrom(client.tube(target).peekReady());
    expect(job.text()).toMatch(/^buried [01]$/);
    expect(await firstValueFrom(client.statsJob(job.id))).toMatchObject({ pri: 7, ttr: 33, tube: target });
  });

  it('peeks jobs with their stats: JSON pretty-printed, binary as hex; deletes and kicks one job', async () => {
    const tube = freshTube('peek');
    const jsonId = await firstValueFrom(client.tube(tube).putJson({ to: 'a@example.com', n: [1, 2] }));
    await firstValueFrom(client.tube(tube).put(Buffer.from([0, 1, 2, 0xff]), { delay: 600 }));
    const panel = await openTube(page, tube);
    const body = () => panel.evaluate((root) => root.querySelector('pre.body')?.textContent);

    await click(panel, 'peek ready');
    await page.waitForFunction((root) => root.querySelector('pre.body') !== null, {}, panel);
    expect(await body()).toBe(JSON.stringify({ to: 'a@example.com', n: [1, 2] }, null, 2));
    expect(await panel.evaluate((root) => root.querySelector('.job dl')?.textContent)).toContain('stateready');
    await click(panel, 'delete job');
    await message(page, panel, `deleted job ${jsonId}`);
    expect(await maybe(client.peek(jsonId))).toBeUndefined();

    await click(panel, 'peek delayed');
    await page.waitForFunction((root) => root.querySelector('pre.body') !== null, {}, panel);
    expect(await body()).toBe('00000000  00 01 02 ff' + ' '.repeat(38) + '....');
    const delayedId = Number(
      (await panel.evaluate((root) => root.querySelector('.job b')?.textContent))?.split(' ')[1],
    );
    await click(panel, 'kick job');
    await message(page, panel, `kicked job ${delayedId}`);
    expect((await firstValueFrom(client.statsJob(delayedId))).state).toBe('ready');
  });

  it('shows a script in a job body and odd tube names as text, never as markup', async () => {
    const tube = 'x$();+/.esc';
    const script = '<script>alert(1)</script>';
    await firstValueFrom(client.tube(tube).put(script));
    await firstValueFrom(client.tube(tube).put('<img src=x onerror="alert(2)">'));
    await waitForCell(page, tube, 'ready', '2');
    expect(
      await page.evaluate(
        (name) => [...document.querySelectorAll('td.name')].some((td) => td.textContent === name),
        tube,
      ),
    ).toBe(true);
    const panel = await openTube(page, tube);
    await click(panel, 'peek ready');
    await page.waitForFunction((root) => root.querySelector('pre.body') !== null, {}, panel);
    expect(await panel.evaluate((root) => root.querySelector('pre.body')?.textContent)).toBe(script);
    expect(await panel.evaluate((root) => root.querySelector('pre.body')?.children.length)).toBe(0);
    await click(panel, 'delete job');
    await click(panel, 'peek ready');
    await page.waitForFunction((root) => root.querySelector('pre.body')?.textContent?.startsWith('<img'), {}, panel);
    expect(await page.evaluate(() => [...document.scripts].map((s) => s.getAttribute('src')))).toEqual(['/console.js']);
    expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    await waitForCell(page, tube, 'ready', '1');
  });
  describe('several servers in one view', () => {
    let other: RunningBeanstalkd;
    let otherClient: Beanstalk;
    let both: WebConsole;
    let view: Page;

    beforeAll(async () => {
      other = await startBeanstalkd();
      otherClient = Beanstalk.connect(other.url, { name: 'web-spec-other' });
      both = await startWebConsole({ urls: [bs.server.url, other.url], port: 0, intervalMs: 250 });
      view = await chrome.browser.newPage();
      await view.goto(both.url);
    });
    afterAll(async () => {
      await both?.close();
      await otherClient?.close();
      await other?.stop();
    });

    /** The tube names shown in the n-th server's section. */
    const tubesOf = (n: number) =>
      view.evaluate(
        (index) =>
          [...document.querySelectorAll('section.server')[index].querySelectorAll('td.name')].map(
            (td) => td.textContent,
          ),
        n,
      );

    it('shows each server in its own section, each with its own tubes', async () => {
      const tube = freshTube('second');
      await firstValueFrom(otherClient.tube(tube).put('on the second server'));
      await waitForCell(view, tube, 'ready', '1');
      expect(await view.$$eval('section.server h2', (titles) => titles.map((h) => h.textContent))).toEqual([
        bs.server.url,
        other.url,
      ]);
      expect(await tubesOf(1)).toContain(tube);
      expect(await tubesOf(0)).not.toContain(tube);
    });

    it('says so when a server does not answer', async () => {
      const nowhere = `beanstalk://127.0.0.1:${await freePort()}`;
      const lonely = await startWebConsole({ urls: [nowhere], port: 0, intervalMs: 250 });
      const page = await chrome.browser.newPage();
      try {
        await page.goto(lonely.url);
        await page.waitForFunction(() => document.querySelector('section.server .error')?.textContent, {
          timeout: 5000,
        });
        expect(await page.$eval('section.server h2', (h) => h.textContent)).toBe(nowhere);
        expect(await page.$eval('section.server .error', (e) => e.textContent)).toBe('no answer for 2 s');
      } finally {
        await page.close();
        await lonely.close();
      }
    });

    it('moves buried jobs from one server to another', async () => {
      const tube = freshTube('cross');
      await putBuried(tube, 2, { priority: 5 });
      const rows = await view.$$('section.server');
      await waitForCell(view, tube, 'buried', '2');
      const row = await rows[0].waitForSelector(`tr.tube[data-tube="${tube}"]`);
      await row?.click();
      const panel = (await rows[0].waitForSelector(`tr.detail[data-tube="${tube}"]`)) as ElementHandle<Element>;
      await fill(panel, 'input[placeholder="target tube"]', tube);
      await panel.$eval(
        'select',
        (select, url) => {
          select.value = String([...select.options].findIndex((option) => option.textContent === url));
        },
        other.url,
      );
      await click(panel, 'move');
      await message(view, panel, 'moved 2');
      expect((await tubeStats(tube))?.currentJobsBuried ?? 0).toBe(0);
      expect(await firstValueFrom(otherClient.tube(tube).stats())).toMatchObject({ currentJobsReady: 2 });
      const moved = await firstValueFrom(otherClient.tube(tube).peekReady());
      expect((await firstValueFrom(otherClient.statsJob(moved.id))).pri).toBe(5);
    });
  });
});
