/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Functions passed to page.evaluate run in the browser, so these files see the DOM types.
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';

/** Debian's chromium (installed by .ci/run), or the binary named in $CHROMIUM_PATH. */
export const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (path): path is string => path !== undefined && path !== '' && existsSync(path),
);

/**
 * `describe` for specs that need a real browser. Without chromium they are skipped with
 * the reason in their title, except under CI, where they must run (and then fail loudly).
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (CHROMIUM === undefined && !process.env.CI) {
    // Skipped on purpose: no chromium on this machine and not in CI. `apt-get install chromium` to run them.
    describe.skip(`${name} (skipped: chromium not found; apt-get install chromium, or set CHROMIUM_PATH)`, body);
  } else {
    describe(name, body);
  }
}

/** One headless chromium for the whole spec file, closed afterwards. */
export function useBrowser(): { readonly browser: Browser } {
  const holder = {} as { browser: Browser };
  beforeAll(async () => {
    if (CHROMIUM === undefined) throw new Error('chromium not found: apt-get install chromium (or set CHROMIUM_PATH)');
    holder.browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root in a container: chromium's sandbox needs user namespaces it may not have.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    });
  });
  afterAll(async () => {
    await holder.browser?.close();
  });
  return holder;
}

/** A new page that fails the spec on any alert (an injected script would raise one). */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; dialogs: string[] }> {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  return { page, dialogs };
}

/** The table row of a tube, found by its shown name (the text, not markup). */
export async function tubeRow(page: Page, tube: string, timeout = 2000): Promise<ElementHandle<Element>> {
  const handle = await page.waitForFunction(
    (name: string) => [...document.querySelectorAll('tr.tube')].find((row) => row.getAttribute('data-tube') === name),
    { timeout },
    tube,
  );
  return handle as ElementHandle<Element>;
}

/** The text of one count cell (ready, buried, ...) in a tube's row. */
export function cellText(page: Page, tube: string, column: string): Promise<string | undefined> {
  return page.evaluate(
    (name: string, cell: string) =>
      [...document.querySelectorAll('tr.tube')]
        .find((row) => row.getAttribute('data-tube') === name)
        ?.querySelector(`td.${cell}`)?.textContent ?? undefined,
    tube,
    column,
  );
}

/** Waits until a tube's cell shows `expected`. */
export async function waitForCell(page: Page, tube: string, column: string, expected: string, timeout = 3000) {
  await page.waitForFunction(
    (name: string, cell: string, value: string) =>
      [...document.querySelectorAll('tr.tube')]
        .find((row) => row.getAttribute('data-tube') === name)
        ?.querySelector(`td.${cell}`)?.textContent === value,
    { timeout },
    tube,
    column,
    expected,
  );
}
