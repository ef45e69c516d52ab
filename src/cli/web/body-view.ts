/** How the page shows a job body: the server decides, the page only sets text. */
export interface BodyView {
  readonly kind: 'text' | 'json' | 'hex';
  /** What to show: the text, pretty-printed JSON, or a hex dump with offsets. */
  readonly text: string;
  /** The body's length in bytes. */
  readonly bytes: number;
  /** True when only the first `limit` bytes are shown. */
  readonly truncated: boolean;
}

/** Bodies longer than this are shown cut (beanstalkd's default job limit is 64 KiB). */
export const BODY_VIEW_LIMIT = 16 * 1024;

const decoder = new TextDecoder('utf-8', { fatal: true });
// Control characters other than tab, newline and carriage return mean "binary".
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function asText(bytes: Uint8Array): string | undefined {
  try {
    const text = decoder.decode(bytes);
    return CONTROL.test(text) ? undefined : text;
  } catch {
    return undefined;
  }
}

function prettyJson(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return undefined;
  }
}

/** 16 bytes a line: offset, hex pairs, and the printable ASCII beside them. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = Array.from(row, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, (byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

/** Text if the body is valid UTF-8 without control bytes, JSON pretty-printed if it parses, else hex. */
export function viewBody(body: Uint8Array, limit = BODY_VIEW_LIMIT): BodyView {
  const truncated = body.length > limit;
  const whole = asText(body);
  if (whole !== undefined && !truncated) {
    const json = prettyJson(whole);
    if (json !== undefined) return { kind: 'json', text: json, bytes: body.length, truncated: false };
  }
  const shown = truncated ? body.subarray(0, limit) : body;
  // A cut can split a UTF-8 sequence: decode the shown part leniently when the whole was text.
  const text = whole !== undefined ? Buffer.from(shown).toString('utf8') : undefined;
  if (text !== undefined) return { kind: 'text', text, bytes: body.length, truncated };
  return { kind: 'hex', text: hexDump(shown), bytes: body.length, truncated };
}
