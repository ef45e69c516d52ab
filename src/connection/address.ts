import { isIP, connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { InvalidArgumentError } from '../protocol/errors.js';

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
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new InvalidArgumentError(`not a beanstalkd URL: ${JSON.stringify(url.slice(0, 100))}`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme === 'beanstalk+unix') return { path: decodeURIComponent(parsed.pathname) };
  if (scheme !== 'beanstalk' && scheme !== 'beanstalks') {
    throw new InvalidArgumentError(
      `unsupported URL scheme "${scheme}": use beanstalk://, beanstalks://, beanstalk+unix:// or unix:/path`,
    );
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORT;
  return scheme === 'beanstalks' ? { host, port, tls: true } : { host, port };
}

export interface OpenedSocket {
  readonly socket: Socket;
  /** The event that says the socket is ready for commands. */
  readonly ready: 'connect' | 'secureConnect';
}

/** Where a socket's incoming bytes go. */
export interface SocketReader {
  /** The buffer the next read of a plain socket fills; asked before every read. */
  buffer(): Buffer;
  /**
   * The last read put `bytes` bytes at the start of `buffer`: the one `buffer()` gave, or
   * for TLS a fresh one per 'data' event.
   */
  read(buffer: Buffer, bytes: number): void;
}

/**
 * True when the socket reads into buffers that `SocketReader.buffer` chooses (net's
 * `onread`: no allocation per read, no stream machinery); false for TLS, whose sockets hand
 * out a fresh buffer per 'data' event.
 */
export function readsIntoGivenBuffers(address: Address): boolean {
  return address.path !== undefined || !address.tls;
}

/** Opens a socket to the address, its bytes going to `reader`; the caller waits for `ready`. */
export function openSocket(address: Address, reader: SocketReader): OpenedSocket {
  const onread = {
    // Asked once before the first read and again after each one.
    buffer: (): Uint8Array => reader.buffer(),
    callback: (bytes: number, buffer: Uint8Array): boolean => {
      reader.read(buffer as Buffer, bytes);
      return true;
    },
  };
  if (address.path !== undefined) return { socket: netConnect({ path: address.path, onread }), ready: 'connect' };
  const host = address.host ?? '127.0.0.1';
  const port = address.port ?? DEFAULT_PORT;
  if (address.tls) {
    const options = address.tls === true ? {} : address.tls;
    // SNI carries host names only (RFC 6066); Node warns when given an IP address.
    const servername = isIP(host) ? undefined : host;
    const socket = tlsConnect({ servername, ...options, host, port });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => reader.read(chunk, chunk.length));
    return { socket, ready: 'secureConnect' };
  }
  return { socket: netConnect({ host, port, noDelay: true, onread }), ready: 'connect' };
}

/** A name for errors and logs. */
export function describeAddress(address: Address): string {
  if (address.path !== undefined) return `unix:${address.path}`;
  return `${address.tls ? 'beanstalks' : 'beanstalk'}://${address.host ?? '127.0.0.1'}:${address.port ?? DEFAULT_PORT}`;
}
