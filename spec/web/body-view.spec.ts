import { hexDump, viewBody } from '../../src/cli/web/body-view.js';
import { isLoopback, securityPolicy } from '../../src/cli/web/security.js';
import { InvalidArgumentError } from '../../src/protocol/errors.js';

describe('viewBody', () => {
  it('shows UTF-8 text as text, markup included', () => {
    expect(viewBody(Buffer.from('<script>alert(1)</script> ü'))).toEqual({
      kind: 'text',
      text: '<script>alert(1)</script> ü',
      bytes: 28,
      truncated: false,
    });
  });

  it('pretty-prints a JSON object or array, and leaves JSON scalars as text', () => {
    expect(viewBody(Buffer.from('{"a":[1,2]}')).text).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(viewBody(Buffer.from('[1]')).kind).toBe('json');
    expect(viewBody(Buffer.from('42')).kind).toBe('text');
    expect(viewBody(Buffer.from('{not json')).kind).toBe('text');
  });

  it('shows bytes that are not text (bad UTF-8, control bytes) as a hex dump', () => {
    expect(viewBody(Buffer.from([0xc3, 0x28])).kind).toBe('hex');
    const view = viewBody(Buffer.from('ab\u0000cd'));
    expect(view).toMatchObject({ kind: 'hex', bytes: 5 });
    expect(view.text).toBe(`00000000  61 62 00 63 64${' '.repeat(35)}ab.cd`);
  });

  it('cuts long bodies at the limit and says so', () => {
    const text = viewBody(Buffer.from('x'.repeat(100)), 10);
    expect(text).toEqual({ kind: 'text', text: 'x'.repeat(10), bytes: 100, truncated: true });
    expect(viewBody(Buffer.alloc(40), 16)).toMatchObject({ kind: 'hex', truncated: true });
    expect(viewBody(Buffer.alloc(40), 16).text.split('\n')).toHaveLength(1);
  });

  it('writes 16 bytes a line with offsets', () => {
    const lines = hexDump(Buffer.from(Array.from({ length: 20 }, (_, n) => n + 0x41))).split('\n');
    expect(lines).toEqual([
      '00000000  41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP',
      `00000010  51 52 53 54${' '.repeat(36)}  QRST`,
    ]);
  });
});

describe('securityPolicy', () => {
  it('needs no access token on loopback, yet always has a POST token', () => {
    const policy = securityPolicy('127.0.0.1', 8080, undefined);
    expect(policy.accessToken).toBeUndefined();
    expect(policy.postToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(policy.allowedHosts).toEqual(new Set(['127.0.0.1:8080', '[::1]:8080', 'localhost:8080']));
    // Cookies are shared by every port of a host: two consoles must not overwrite each other's.
    expect(policy.cookie).toBe('rxbs_token_8080');
  });

  it('generates a token for any address beyond loopback, and requires a given one anywhere', () => {
    const wide = securityPolicy('0.0.0.0', 8080, undefined);
    expect(wide.generated).toBe(true);
    expect(wide.accessToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(wide.postToken).toBe(wide.accessToken);
    const given = securityPolicy('127.0.0.1', 8080, 'a-token-of-16-chars');
    expect([given.generated, given.accessToken]).toEqual([false, 'a-token-of-16-chars']);
  });

  it('refuses a token too short or with characters that need escaping', () => {
    expect(() => securityPolicy('127.0.0.1', 8080, 'short')).toThrow(InvalidArgumentError);
    expect(() => securityPolicy('127.0.0.1', 8080, '"><script>alert(1)</script>')).toThrow(InvalidArgumentError);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '192.168.1.2', '127.0.0.1.example'].map(isLoopback)).toEqual([false, false, false, false]);
  });
});
