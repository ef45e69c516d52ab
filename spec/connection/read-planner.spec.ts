import type { Address } from '../../src/connection/address.js';
import { resolveOptions } from '../../src/connection/options.js';
import { KEEP_CHUNK_MIN_BYTES, parserOptionsFor } from '../../src/connection/read-planner.js';
import { plannedReads } from '../helpers/planned-reads.js';

/** A planner over a fake socket: `deliver` puts bytes where the planner asks, as a read would. */
function harness() {
  const { planner, replies, errors, read } = plannedReads();
  const deliver = (bytes: Buffer): Buffer => {
    const buffer = planner.buffer();
    expect(bytes.length).toBeLessThanOrEqual(buffer.length);
    bytes.copy(buffer);
    read(buffer, bytes.length);
    expect(errors).toEqual([]);
    return buffer;
  };
  return { reader: planner, replies, deliver };
}

/** The harness after a connection's first read (a small reply), when its own read buffer exists. */
function warmHarness() {
  const h = harness();
  h.deliver(Buffer.from('USING default\r\n'));
  h.replies.length = 0;
  return h;
}

const bodyOf = (size: number, seed: number) =>
  Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff));
const reserved = (id: number, body: Buffer) =>
  Buffer.concat([Buffer.from(`RESERVED ${id} ${body.length}\r\n`), body, Buffer.from('\r\n')]);

describe('ReadPlanner with parseReplies(): where each read lands', () => {
  test('the read buffer is made on the first read, not with the reader: the first read lands in a shared one', () => {
    const a = harness();
    const b = harness();
    const firstA = a.reader.buffer();
    expect(b.reader.buffer()).toBe(firstA); // nothing of their own yet
    expect(firstA.length).toBeLessThan(64 * 1024);
    a.deliver(Buffer.from('INSERTED 1\r\n'));
    const own = a.reader.buffer();
    expect(own).not.toBe(firstA);
    expect(own.length).toBe(64 * 1024);
    expect(a.replies.map((r) => r.line)).toEqual(['INSERTED 1']);
  });

  test('a 60 KB body that arrives whole is a view of its read buffer, and the next read gets a fresh buffer', () => {
    const { reader, replies, deliver } = warmHarness();
    const body = bodyOf(61440, 1);
    const first = deliver(reserved(7, body));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body?.equals(body)).toBe(true);
    expect(replies[0]?.body?.buffer).toBe(first.buffer); // no copy
    const next = reader.buffer();
    expect(next.buffer).not.toBe(first.buffer);
    // The fresh buffer is reused from then on: bodies that did not keep it do not cost a new one.
    deliver(Buffer.from('DELETED\r\n'));
    expect(reader.buffer()).toBe(next);
    expect(replies[0]?.body?.equals(body)).toBe(true);
  });

  test('a short body is copied out of the read buffer, which is then refilled', () => {
    const { reader, replies, deliver } = warmHarness();
    const first = deliver(reserved(1, bodyOf(100, 2)));
    expect(replies[0]?.body?.buffer).not.toBe(first.buffer);
    expect(reader.buffer()).toBe(first);
  });

  test('the rest of a body that spans reads is read straight into the body, with its CRLF', () => {
    const { reader, replies, deliver } = warmHarness();
    const body = bodyOf(60000, 3);
    const wire = reserved(9, body);
    deliver(wire.subarray(0, 1000));
    const target = reader.buffer();
    const missing = 60000 - (1000 - 'RESERVED 9 60000\r\n'.length);
    expect(target.length).toBe(missing + 2);
    // A partial read into the body first, then the rest of it with its CRLF.
    deliver(wire.subarray(1000, 21000));
    expect(reader.buffer().length).toBe(missing - 20000 + 2);
    const last = deliver(wire.subarray(21000));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body?.equals(body)).toBe(true);
    expect(replies[0]?.body?.buffer).toBe(last.buffer); // the body's own memory, filled in place
    deliver(Buffer.from('DELETED\r\n'));
    expect(replies.map((r) => r.word)).toEqual(['RESERVED', 'DELETED']);
  });

  test('a bare-LF body end read in place passes the following byte on to the next reply', () => {
    const { replies, deliver, reader } = warmHarness();
    const body = bodyOf(40000, 4);
    const wire = Buffer.concat([Buffer.from(`RESERVED 5 40000\n`), body, Buffer.from('\nDELETED\n')]);
    deliver(wire.subarray(0, 100));
    const target = reader.buffer();
    const rest = wire.subarray(100);
    // The target has room for two bytes past the body: here LF and the D of DELETED.
    deliver(rest.subarray(0, target.length));
    deliver(rest.subarray(target.length));
    expect(replies.map((r) => r.word)).toEqual(['RESERVED', 'DELETED']);
    expect(replies[0]?.body?.equals(body)).toBe(true);
  });

  test('less than 16 KB of a body still to come is read into the usual buffer', () => {
    const { reader, deliver } = warmHarness();
    const wire = reserved(3, bodyOf(20000, 5));
    const first = deliver(wire.subarray(0, 10000));
    expect(reader.buffer()).toBe(first);
  });
});

describe('ReadPlanner.isTarget: only the read that filled the body region it handed out', () => {
  test('the region given for the rest of a body, once; any other chunk is a plain read', () => {
    const { reader, deliver } = warmHarness();
    deliver(Buffer.concat([Buffer.from('RESERVED 1 100000\r\n'), bodyOf(1000, 1)]));
    const region = reader.buffer();
    expect(region.length).toBeGreaterThanOrEqual(16 * 1024);
    expect(reader.isTarget(Buffer.alloc(100))).toBe(false); // another buffer (a TLS chunk)
    const sameOffset = Buffer.alloc(region.byteOffset + 100).subarray(region.byteOffset);
    expect(reader.buffer().byteOffset).toBe(sameOffset.byteOffset);
    expect(reader.isTarget(sameOffset)).toBe(false); // another buffer at the same offset
    const again = reader.buffer(); // the same memory, handed out anew
    expect([again.buffer, again.byteOffset]).toEqual([region.buffer, region.byteOffset]);
    expect(reader.isTarget(again.subarray(1, 101))).toBe(false); // same memory, another offset
    const third = reader.buffer();
    expect(reader.isTarget(third.subarray(0, 100))).toBe(true);
    expect(reader.isTarget(third.subarray(0, 100))).toBe(false); // handed out once
  });

  test('no region handed out: nothing is a target', () => {
    const { reader } = warmHarness();
    const plain = reader.buffer();
    expect(reader.isTarget(plain.subarray(0, 10))).toBe(false);
  });
});

describe('parserOptionsFor', () => {
  test("the reply body limit, and whether the socket's reads reuse their buffer", () => {
    const options = (address: Address) => resolveOptions({ name: 'n', address, maxReplyBodyBytes: 5 });
    expect(parserOptionsFor(options({}))).toStrictEqual({
      maxBodyBytes: 5,
      reusesChunks: true,
      keepChunkMinBytes: KEEP_CHUNK_MIN_BYTES,
    });
    expect(KEEP_CHUNK_MIN_BYTES).toBe(32 * 1024);
    expect(parserOptionsFor(options({ tls: true })).reusesChunks).toBe(false);
    expect(parserOptionsFor(options({ path: '/p', tls: true })).reusesChunks).toBe(true);
  });
});
