import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Subject, Subscription, auditTime, merge, retry, tap, throwError, timeout, timer } from 'rxjs';
import { Beanstalk } from '../../client/index.js';
import { monitor } from '../../monitor/index.js';
import { InvalidArgumentError } from '../../protocol/errors.js';
import type { ConsoleServer } from './actions.js';
import { loadAssets } from './assets.js';
import { EventStream } from './event-stream.js';
import { securityPolicy } from './security.js';
import { consoleHandler } from './server.js';
import { ServerViewKeeper } from './view.js';
import type { ConsoleView } from './view.js';

/** How `rxbs web` is started. */
export interface WebConsoleOptions {
  /** The beanstalkd servers to show, in order. Default `beanstalk://127.0.0.1:11300`. */
  readonly urls?: readonly string[];
  /** Address to listen on. Default 127.0.0.1; any other needs a token (one is generated if none is given). */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Required on every request when set. */
  readonly token?: string;
  /** Milliseconds between stats samples pushed to the page. Default 1000. */
  readonly intervalMs?: number;
  /** Where the page's files are. Default: the `assets/` folder shipped beside this module. */
  readonly assetDir?: string;
}

/** A running console. */
export interface WebConsole {
  /** The address to open, with `?token=` when a token is required. */
  readonly url: string;
  readonly port: number;
  /** The access token, when one is required. */
  readonly token: string | undefined;
  /** True when the token was generated here (print it: nobody else knows it). */
  readonly tokenGenerated: boolean;
  /** Stops sampling, closes the page streams, the HTTP server and the clients. */
  close(): Promise<void>;
}

const DEFAULT_URL = 'beanstalk://127.0.0.1:11300';

/** Samples every server with monitor() and pushes the page's view on each new snapshot. */
function sampleServers(servers: readonly ConsoleServer[], intervalMs: number, events: EventStream): Subscription {
  const keepers = servers.map((server, n) => new ServerViewKeeper(n, server.url));
  const changed = new Subject<void>();
  const sampling = changed.pipe(auditTime(50)).subscribe(() => {
    const view: ConsoleView = { time: Date.now(), servers: keepers.map((keeper) => keeper.view) };
    events.publish('snapshot', view);
  });
  // A server that is down does not fail commands, they wait for it: say so after a while.
  const stallMs = Math.max(3 * intervalMs, 2000);
  const eachServer = servers.map((server, n) =>
    monitor(server.client, { intervalMs }).pipe(
      timeout({ each: stallMs, with: () => throwError(() => new Error(`no answer for ${stallMs / 1000} s`)) }),
      tap({ next: (snapshot) => keepers[n].update(snapshot), error: (error) => keepers[n].fail(error) }),
      // A failed sample is shown on the page; sampling starts again after a pause.
      retry({ delay: () => (changed.next(), timer(Math.max(intervalMs, 1000))) }),
    ),
  );
  sampling.add(merge(...eachServer).subscribe(() => changed.next()));
  return sampling;
}

/** Starts the web console: samples every server with monitor() and serves the page. */
export async function startWebConsole(options: WebConsoleOptions = {}): Promise<WebConsole> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  const urls = options.urls?.length ? options.urls : [DEFAULT_URL];
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`port must be an integer from 0 to 65535, got ${String(port)}`);
  }
  securityPolicy(host, port, options.token); // refuses a malformed token before anything starts
  const assets = loadAssets(options.assetDir);
  const servers: ConsoleServer[] = urls.map((url, n) => ({
    url,
    client: Beanstalk.connect(url, { name: `rxbs-web-${n}` }),
  }));
  const closeClients = () => Promise.all(servers.map((server) => server.client.close()));
  const http = createServer();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  }).catch(async (error: unknown) => {
    await closeClients();
    throw error;
  });
  const actualPort = (http.address() as AddressInfo).port;
  // The Host check needs the real port, known only now when the port was 0.
  const policy = securityPolicy(host, actualPort, options.token);
  const events = new EventStream();
  http.on('request', consoleHandler({ servers, policy, assets, events }));
  const sampling = sampleServers(servers, options.intervalMs ?? 1000, events);

  const shownHost = host.includes(':') ? `[${host}]` : host;
  const query = policy.accessToken ? `?token=${policy.accessToken}` : '';
  return {
    url: `http://${shownHost}:${actualPort}/${query}`,
    port: actualPort,
    token: policy.accessToken,
    tokenGenerated: policy.generated,
    async close() {
      sampling.unsubscribe();
      events.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await closeClients();
    },
  };
}
