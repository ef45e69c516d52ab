import { get } from 'node:http';
import { firstValueFrom } from 'rxjs';
import { Beanstalk } from '../../src/client/index.js';
import { startBeanstalkd } from '../../src/testing/index.js';
import type { RunningBeanstalkd } from '../../src/testing/index.js';
import { finished, runCli, spawnCli } from '../helpers/cli.js';
import { freshTube, useBeanstalkd } from '../helpers/setup.js';

/** GETs a path and gives the status and, for an event stream, the first event's data. */
function fetchText(url: string, until?: RegExp): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        if (until?.test(text)) {
          request.destroy();
          resolve({ status: response.statusCode ?? 0, text });
        }
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
  });
}

/** Starts `rxbs web ...` and waits for the line with the address to open. */
async function startWeb(args: string[]) {
  const child = spawnCli(['web', '--port', '0', ...args]);
  const result = finished(child, 30000, ['web', ...args]);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /at (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.on('close', () => reject(new Error(`rxbs web ended before serving: ${out}`)));
  });
  return { child, result, url };
}

describe('rxbs web (spawned as a user would)', () => {
  const bs = useBeanstalkd();
  let second: RunningBeanstalkd;
  beforeAll(async () => {
    second = await startBeanstalkd();
  });
  afterAll(async () => {
    await second?.stop();
  });

  it('serves the page for every --url, pushes their stats, and stops cleanly on SIGINT', async () => {
    const tube = freshTube('cli-web');
    const client = Beanstalk.connect(second.url);
    await firstValueFrom(client.tube(tube).put('x'));
    const web = await startWeb(['--url', bs.server.url, '--url', second.url, '--interval', '200']);
    try {
      const page = await fetchText(web.url);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<title>rxbs web');
      const events = await fetchText(`${web.url}events`, /event: snapshot\ndata: .*\n\n/);
      const view = JSON.parse(/data: (.*)\n/.exec(events.text)?.[1] ?? '{}') as {
        servers: { url: string; tubes: { name: string; ready: number }[] }[];
      };
      expect(view.servers.map((server) => server.url)).toEqual([bs.server.url, second.url]);
      expect(view.servers[1].tubes.find((t) => t.name === tube)?.ready).toBe(1);
    } finally {
      web.child.kill('SIGINT');
      await client.close();
    }
    const { code, stdout } = await web.result;
    expect(code).toBe(0);
    expect(stdout).toBe(`rxbs web: ${bs.server.url}, ${second.url} at ${web.url}\n`);
  });

  it('with --token prints the address with it and refuses requests without it', async () => {
    const token = 'cli-spec-token-0123456789';
    const web = await startWeb(['--url', bs.server.url, '--token', token]);
    try {
      expect(web.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/\\?token=${token}$`));
      expect((await fetchText(web.url.replace(/\?.*/, ''))).status).toBe(401);
      expect((await fetchText(web.url)).status).toBe(303);
    } finally {
      web.child.kill('SIGTERM');
    }
    expect((await web.result).code).toBe(0);
  });

  it('refuses a malformed token or port before starting (exit code 2)', async () => {
    const short = await runCli(['web', '--token', 'short']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('--token must be 16 to 200 characters');
    const port = await runCli(['web', '--port', '70000']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('port must be a whole number from 0 to 65535');
  });
});
