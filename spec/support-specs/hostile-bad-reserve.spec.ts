import { startHostileServer } from '../support/hostile-server.js';
import type { HostileServer } from '../support/hostile-server.js';
import { openRaw } from '../support/raw-socket.js';
import type { RawSocket } from '../support/raw-socket.js';

const servers: HostileServer[] = [];
const sockets: RawSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe("the hostile server's bad-reserve mode", () => {
  it('answers the first badReserves reserves with badReply, then like a lane server', async () => {
    const server = await startHostileServer('bad-reserve', { badReply: 'RESERVED abc 2', badReserves: 2 });
    servers.push(server);
    const first = await openRaw(server.port);
    const second = await openRaw(server.port);
    sockets.push(first, second);
    first.send('watch jobs\r\nignore default\r\nreserve\r\n');
    expect(await first.waitFor((t) => t.split('\r\n').length === 4)).toBe(
      'WATCHING 1\r\nWATCHING 1\r\nRESERVED abc 2\r\n',
    );
    second.send('reserve-with-timeout 0\r\nreserve\r\ndelete 1\r\ntouch 2\r\nrelease 2 0 0\r\nkick 1\r\n');
    const replies = 'RESERVED abc 2\r\nRESERVED 1 3\r\njob\r\nDELETED\r\nTOUCHED\r\nRELEASED\r\nUNKNOWN_COMMAND\r\n';
    expect(await second.waitFor((t) => t.length >= replies.length)).toBe(replies);
    expect(server.commands.filter((line) => line.startsWith('reserve'))).toHaveLength(3);
  });

  it('by default every reserve gets BOGUS', async () => {
    const server = await startHostileServer('bad-reserve');
    servers.push(server);
    const client = await openRaw(server.port);
    sockets.push(client);
    client.send('reserve\r\nreserve\r\n');
    expect(await client.waitFor((t) => t.split('\r\n').length === 3)).toBe('BOGUS\r\nBOGUS\r\n');
  });
});
