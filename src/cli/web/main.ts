/**
 * `rxbs web` on its own, until the rxbs command tree takes it in:
 *
 *   node dist/cjs/cli/web/main.js [--url URL]... [--host 127.0.0.1] [--port 8080] [--token T] [--interval MS]
 */
import { parseArgs } from 'node:util';
import { startWebConsole } from './index.js';

const USAGE = `usage: rxbs web [--url URL]... [--host 127.0.0.1] [--port 8080] [--token TOKEN] [--interval MS]

Serves a live console of one or more beanstalkd servers at http://HOST:PORT/.
  --url URL       a server to show (repeat for several); default $BEANSTALKD_URL or beanstalk://127.0.0.1:11300
  --host HOST     address to listen on (default 127.0.0.1); any other address requires a token
  --port PORT     port to listen on (default 8080, 0 for any free port)
  --token TOKEN   require this token on every request (generated and printed when listening beyond loopback)
  --interval MS   milliseconds between updates pushed to the page (default 1000)

Example: rxbs web --url beanstalk://127.0.0.1:11300 --url beanstalk://127.0.0.1:11301`;

/** Parses `rxbs web`'s arguments, starts the console, and stops it on SIGINT/SIGTERM. */
export async function runWeb(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string', multiple: true },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      token: { type: 'string' },
      interval: { type: 'string', default: '1000' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const envUrl = process.env.BEANSTALKD_URL;
  const web = await startWebConsole({
    urls: values.url ?? (envUrl ? [envUrl] : undefined),
    host: values.host,
    port: Number(values.port),
    token: values.token,
    intervalMs: Number(values.interval),
  });
  console.log(`rxbs web: open ${web.url}`);
  if (web.tokenGenerated) console.log(`rxbs web: generated token ${web.token} (required on every request)`);
  const stop = () => void web.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Run only as a script (the CommonJS build); importing it starts nothing.
if (typeof require !== 'undefined' && require.main === module) {
  runWeb(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`rxbs web: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  });
}
