import {
  checkCount,
  checkDuration,
  checkLimits,
  DEFAULT_CLOSE_TIMEOUT_MS,
  resolveOptions,
} from '../../src/connection/options.js';
import type { ConnectionLimits } from '../../src/connection/options.js';
import { InvalidArgumentError } from '../../src/protocol/errors.js';
import { MAX_BODY_BYTES } from '../../src/protocol/validate.js';

const MAX = Number.MAX_SAFE_INTEGER;

function messageOf(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as Error).message;
  }
}

describe('resolveOptions', () => {
  test('fills in every documented default', () => {
    const address = { host: 'h', port: 1 };
    expect(resolveOptions({ name: 'n', address })).toStrictEqual({
      name: 'n',
      address,
      reconnect: {},
      commandTimeoutMs: 10000,
      connectTimeoutMs: 10000,
      keepAliveMs: 15000,
      maxOfflineQueue: 10000,
      maxOfflineWaitMs: 10000,
      maxPendingCommands: 50000,
      maxPendingBytes: 256 * 1024 * 1024,
      maxReplyBodyBytes: MAX_BODY_BYTES,
      maxResends: 3,
      observer: undefined,
    });
    expect(DEFAULT_CLOSE_TIMEOUT_MS).toBe(10000);
  });

  test('keeps what was given, zeros and false included', () => {
    const observer = { command: <T>(_command: unknown, sink: T): T => sink };
    const given = {
      name: 'n',
      address: { path: '/p' },
      reconnect: false as const,
      commandTimeoutMs: 1,
      connectTimeoutMs: 2,
      keepAliveMs: 0,
      maxOfflineQueue: 0,
      maxOfflineWaitMs: 0,
      maxPendingCommands: 5,
      maxPendingBytes: 6,
      maxReplyBodyBytes: 7,
      maxResends: 0,
      observer,
    };
    expect(resolveOptions(given)).toStrictEqual(given);
    expect(resolveOptions(given).observer).toBe(observer);
  });
});

describe('checkDuration: a finite number of ms from a minimum, Infinity where allowed', () => {
  test('the minimum and above pass; undefined means "use the default"', () => {
    expect(messageOf(() => checkDuration('d', undefined))).toBeUndefined();
    expect(messageOf(() => checkDuration('d', 0))).toBeUndefined();
    expect(messageOf(() => checkDuration('d', 5, 5))).toBeUndefined();
    expect(messageOf(() => checkDuration('d', 0.5))).toBeUndefined();
    expect(messageOf(() => checkDuration('d', Infinity, 1, true))).toBeUndefined();
  });

  test('below the minimum, not a number, NaN or Infinity where not allowed: named in the message', () => {
    expect(messageOf(() => checkDuration('d', -1))).toBe('d must be a number of ms from 0, got -1');
    expect(messageOf(() => checkDuration('d', 4.9, 5))).toBe('d must be a number of ms from 5, got 4.9');
    expect(messageOf(() => checkDuration('d', 0, 1, true))).toBe('d must be a number of ms from 1, or Infinity, got 0');
    expect(messageOf(() => checkDuration('d', Infinity))).toBe('d must be a number of ms from 0, got Infinity');
    expect(messageOf(() => checkDuration('d', -Infinity, 0, true))).toBe(
      'd must be a number of ms from 0, or Infinity, got -Infinity',
    );
    expect(messageOf(() => checkDuration('d', NaN))).toBe('d must be a number of ms from 0, got NaN');
    expect(messageOf(() => checkDuration('d', '5'))).toBe('d must be a number of ms from 0, got "5"');
    expect(messageOf(() => checkDuration('d', null))).toBe('d must be a number of ms from 0, got null');
  });

  test('a long string is cut to 60 characters in the message', () => {
    const long = 'y'.repeat(200);
    expect(messageOf(() => checkDuration('d', long))).toBe(`d must be a number of ms from 0, got "${'y'.repeat(60)}"`);
  });
});

describe('checkCount: an integer in a range, Infinity where allowed', () => {
  test('both ends of the range pass', () => {
    expect(messageOf(() => checkCount('c', undefined, 1, 3))).toBeUndefined();
    expect(messageOf(() => checkCount('c', 1, 1, 3))).toBeUndefined();
    expect(messageOf(() => checkCount('c', 3, 1, 3))).toBeUndefined();
    expect(messageOf(() => checkCount('c', Infinity, 1, 3, true))).toBeUndefined();
  });

  test('outside the range, fractions, NaN, strings and Infinity where not allowed fail', () => {
    expect(messageOf(() => checkCount('c', 0, 1, 3))).toBe('c must be an integer from 1 to 3, got 0');
    expect(messageOf(() => checkCount('c', 4, 1, 3))).toBe('c must be an integer from 1 to 3, got 4');
    expect(messageOf(() => checkCount('c', 1.5, 1, 3))).toBe('c must be an integer from 1 to 3, got 1.5');
    expect(messageOf(() => checkCount('c', NaN, 1, 3, true))).toBe(
      'c must be an integer from 1 to 3, or Infinity, got NaN',
    );
    expect(messageOf(() => checkCount('c', '2', 1, 3))).toBe('c must be an integer from 1 to 3, got "2"');
    expect(messageOf(() => checkCount('c', Infinity, 1, 3))).toBe('c must be an integer from 1 to 3, got Infinity');
    expect(messageOf(() => checkCount('c', -Infinity, 1, 3, true))).toBe(
      'c must be an integer from 1 to 3, or Infinity, got -Infinity',
    );
  });
});

describe('checkLimits: every limit at its bounds', () => {
  const accepted: ConnectionLimits[] = [
    {},
    { commandTimeoutMs: 1 },
    { commandTimeoutMs: Infinity },
    { connectTimeoutMs: 1 },
    { keepAliveMs: 0 },
    { maxOfflineWaitMs: 0 },
    { maxOfflineWaitMs: Infinity },
    { maxOfflineQueue: 0 },
    { maxOfflineQueue: MAX },
    { maxOfflineQueue: Infinity },
    { maxPendingCommands: 1 },
    { maxPendingCommands: MAX },
    { maxPendingCommands: Infinity },
    { maxPendingBytes: 1 },
    { maxPendingBytes: Infinity },
    { maxReplyBodyBytes: 1 },
    { maxReplyBodyBytes: MAX_BODY_BYTES },
    { maxResends: 0 },
    { maxResends: Infinity },
    { reconnect: false },
    { reconnect: {} },
    { reconnect: { initialDelayMs: 0, maxDelayMs: 0, maxAttempts: 0 } },
    { reconnect: { initialDelayMs: 100, maxDelayMs: 100 } },
    { reconnect: { maxAttempts: Infinity } },
    { reconnect: { maxAttempts: MAX } },
  ];
  test.each(accepted)('%j passes', (limits) => {
    expect(messageOf(() => checkLimits(limits))).toBeUndefined();
  });

  const refused: [ConnectionLimits, string][] = [
    [{ commandTimeoutMs: 0 }, 'commandTimeoutMs must be a number of ms from 1, or Infinity, got 0'],
    [{ connectTimeoutMs: 0 }, 'connectTimeoutMs must be a number of ms from 1, got 0'],
    [{ connectTimeoutMs: Infinity }, 'connectTimeoutMs must be a number of ms from 1, got Infinity'],
    [{ keepAliveMs: -1 }, 'keepAliveMs must be a number of ms from 0, got -1'],
    [{ keepAliveMs: Infinity }, 'keepAliveMs must be a number of ms from 0, got Infinity'],
    [{ maxOfflineWaitMs: -1 }, 'maxOfflineWaitMs must be a number of ms from 0, or Infinity, got -1'],
    [{ maxOfflineQueue: -1 }, `maxOfflineQueue must be an integer from 0 to ${MAX}, or Infinity, got -1`],
    [{ maxPendingCommands: 0 }, `maxPendingCommands must be an integer from 1 to ${MAX}, or Infinity, got 0`],
    [{ maxPendingBytes: 0 }, `maxPendingBytes must be an integer from 1 to ${MAX}, or Infinity, got 0`],
    [{ maxReplyBodyBytes: 0 }, `maxReplyBodyBytes must be an integer from 1 to ${MAX_BODY_BYTES}, got 0`],
    [
      { maxReplyBodyBytes: MAX_BODY_BYTES + 1 },
      `maxReplyBodyBytes must be an integer from 1 to ${MAX_BODY_BYTES}, got ${MAX_BODY_BYTES + 1}`,
    ],
    [{ maxReplyBodyBytes: Infinity }, `maxReplyBodyBytes must be an integer from 1 to ${MAX_BODY_BYTES}, got Infinity`],
    [{ maxResends: -1 }, `maxResends must be an integer from 0 to ${MAX}, or Infinity, got -1`],
    [{ reconnect: true as unknown as false }, 'reconnect must be false or an object, got true'],
    [{ reconnect: null as unknown as false }, 'reconnect must be false or an object, got null'],
    [{ reconnect: 'fast' as unknown as false }, 'reconnect must be false or an object, got "fast"'],
    [{ reconnect: { initialDelayMs: -1 } }, 'reconnect.initialDelayMs must be a number of ms from 0, got -1'],
    [{ reconnect: { maxDelayMs: -1 } }, 'reconnect.maxDelayMs must be a number of ms from 0, got -1'],
    [
      { reconnect: { initialDelayMs: 100, maxDelayMs: 99 } },
      'reconnect.maxDelayMs must be a number of ms from 100, got 99',
    ],
    [
      { reconnect: { maxAttempts: -1 } },
      `reconnect.maxAttempts must be an integer from 0 to ${MAX}, or Infinity, got -1`,
    ],
  ];
  test.each(refused)('%j: %s', (limits, message) => {
    expect(messageOf(() => checkLimits(limits))).toBe(message);
  });

  test('the first bad limit is the one named', () => {
    expect(messageOf(() => checkLimits({ maxResends: -1, commandTimeoutMs: 0 }))).toMatch(/^commandTimeoutMs/);
  });
});
