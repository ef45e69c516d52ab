import { isIP, connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions as TlsOptions } from 'node:tls';

/** Where to connect: TCP host/port (optionally TLS) or a UNIX socket path. */
export interface Address {
  readonly host?: string;
  readonly port?: number;
  /** UNIX socket path (a server started with `-l unix:/path`). */
  readonly path?: string;
  /** TLS, for a server behind a TLS terminator: true or node:tls options. */
  readonly tls?: boolean | TlsOptions;
}

export const DEFAULT_PORT = 11300;

/**
 * Reads `beanstalk://host:port`, `beanstalks://host:port` (TLS), `unix:/path`,
 * `beanstalk+unix:///path` or a bare `host:port`.
 */
export function parseAddress(url: string): Address {
  if (url.startsWith('unix:')) return { path: url.slice('unix:'.length) };
  const withScheme = /^[a-z+]+:\/\//i.test(url) ? url : `beanstalk://${url}`;
  const parsed = new URL(withScheme);
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme === 'beanstalk+unix') return { path: decodeURIComponent(parsed.pathname) };
  if (scheme !== 'beanstalk' && scheme !== 'beanstalks') {
    throw new TypeError(`unsupported URL scheme "${scheme}": use beanstalk://, beanstalks:// or unix:/path`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORT;
  return scheme === 'beanstalks' ? { host, port, tls: true } : { host, port };
}

/** Bytes a plain socket reads at a time into its one reusable buffer. */
const READ_BUFFER_BYTES = 64 * 1024;

export interface OpenedSocket {
  readonly socket: Socket;
  /** The event that says the socket is ready for commands. */
  readonly ready: 'connect' | 'secureConnect';
  /**
   * True when incoming bytes go to `onChunk` in one buffer that is refilled after each call
   * (net's `onread`: no allocation per read, no stream machinery); false when the caller
   * must listen to 'data' itself (TLS).
   */
  readonly reusesChunks: boolean;
}

/** Opens a socket to the address; the caller waits for `ready`. */
export function openSocket(address: Address, onChunk: (chunk: Buffer) => void): OpenedSocket {
  const onread = {
    buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
    callback: (bytes: number, buffer: Uint8Array): boolean => {
      onChunk((buffer as Buffer).subarray(0, bytes));
      return true;
    },
  };
  if (address.path !== undefined) {
    return { socket: netConnect({ path: address.path, onread }), ready: 'connect', reusesChunks: true };
  }
  const host = address.host ?? '127.0.0.1';
  const port = address.port ?? DEFAULT_PORT;
  if (address.tls) {
    const options = address.tls === true ? {} : address.tls;
    // SNI carries host names only (RFC 6066); Node warns when given an IP address.
    const servername = isIP(host) ? undefined : host;
    const socket = tlsConnect({ servername, ...options, host, port });
    socket.setNoDelay(true);
    return { socket, ready: 'secureConnect', reusesChunks: false };
  }
  return { socket: netConnect({ host, port, noDelay: true, onread }), ready: 'connect', reusesChunks: true };
}

/** A name for errors and logs. */
export function describeAddress(address: Address): string {
  if (address.path !== undefined) return `unix:${address.path}`;
  return `${address.tls ? 'beanstalks' : 'beanstalk'}://${address.host ?? '127.0.0.1'}:${address.port ?? DEFAULT_PORT}`;
}
