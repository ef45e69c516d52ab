import type { IncomingMessage, ServerResponse } from 'node:http';
import { ACTIONS, statusOf } from './actions.js';
import type { ActionInput, ConsoleServer } from './actions.js';
import type { Asset } from './assets.js';
import type { EventStream } from './event-stream.js';
import { refusal, sameSecret } from './security.js';
import type { SecurityPolicy } from './security.js';

/** What the HTTP server is made of. */
export interface ConsoleHttpOptions {
  readonly servers: readonly ConsoleServer[];
  readonly policy: SecurityPolicy;
  readonly assets: ReadonlyMap<string, Asset>;
  readonly events: EventStream;
}

/** Request bodies larger than this are refused: actions take a few small fields. */
const MAX_REQUEST_BYTES = 16 * 1024;
/** Where the page finds its POST token; the placeholder in index.html is replaced once. */
const TOKEN_PLACEHOLDER = '__RXBS_TOKEN__';

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type });
  response.end(body);
}

const sendJson = (response: ServerResponse, status: number, value: unknown) =>
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(value));

function readJson(request: IncomingMessage): Promise<ActionInput> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) reject(new RangeError('request body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => {
      try {
        const value: unknown = size === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('not an object');
        resolve(value as ActionInput);
      } catch {
        reject(new SyntaxError('the request body must be a JSON object'));
      }
    });
    request.on('error', reject);
  });
}

async function runAction(
  options: ConsoleHttpOptions,
  name: string,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
  if (action === undefined) return sendJson(response, 404, { error: `no action "${name}"` });
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    return sendJson(response, 415, { error: 'send application/json' });
  }
  let input: ActionInput;
  try {
    input = await readJson(request);
  } catch (error) {
    return sendJson(response, 400, { error: (error as Error).message });
  }
  try {
    sendJson(response, 200, await action(options.servers, input));
  } catch (error) {
    sendJson(response, statusOf(error), { error: error instanceof Error ? error.message : String(error) });
  }
}

/** The page with its POST token in place. */
function pageWithToken(assets: ReadonlyMap<string, Asset>, token: string): Asset {
  const page = assets.get('/');
  if (page === undefined) throw new Error('the web console page is missing from its assets');
  return { type: page.type, body: Buffer.from(page.body.toString('utf8').replace(TOKEN_PLACEHOLDER, token)) };
}

/**
 * The console's request handler: the page and its two files, `/events` (Server-Sent
 * Events), and `POST /api/<action>`. Every request passes the security policy first.
 */
export function consoleHandler(
  options: ConsoleHttpOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  const { policy, events } = options;
  const assets = new Map(options.assets).set('/', pageWithToken(options.assets, policy.postToken));
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://console.invalid');
    const refused = refusal(policy, request, url);
    if (refused) return sendJson(response, refused.status, { error: refused.reason });
    if (request.method === 'POST' && url.pathname.startsWith('/api/')) {
      return void runAction(options, url.pathname.slice('/api/'.length), request, response);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return sendJson(response, 405, { error: 'only GET, and POST to /api/' });
    }
    if (url.pathname.startsWith('/api/')) {
      // Actions change or read jobs: never on a GET, which links and images can trigger.
      return sendJson(response, 405, { error: 'actions are POST only' });
    }
    // Opened from the printed link: keep the token in a cookie and take it out of the address bar.
    const token = url.searchParams.get('token');
    if (policy.accessToken !== undefined && token !== null && sameSecret(token, policy.accessToken)) {
      response.writeHead(303, {
        ...SECURITY_HEADERS,
        location: url.pathname,
        'set-cookie': `${policy.cookie}=${token}; HttpOnly; SameSite=Strict; Path=/`,
      });
      return void response.end();
    }
    if (url.pathname === '/events' && request.method === 'GET') return events.add(response);
    const asset = assets.get(url.pathname);
    if (asset === undefined) return sendJson(response, 404, { error: 'not found' });
    send(response, 200, asset.type, asset.body);
  };
}
