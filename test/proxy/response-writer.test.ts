/**
 * ResponseWriter's streamed writes over a real socket: chunks written in one turn of the event
 * loop, and the end of the response, leave the socket together (one writev), and a chunk is
 * never held past its turn (the client sees it before the next is written).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { ResponseWriter } from '../../src/proxy/http-io.ts';
import { listenLoopback, type LoopbackServer } from '../helpers/loopback.ts';

/** Sends one GET on a raw socket and reports each piece the kernel hands the client. */
function rawGet(port: number, onPiece: (text: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let all = '';
    socket.on('data', (b: Buffer) => {
      all += b.toString('latin1');
      onPiece(b.toString('latin1'));
      if (all.endsWith('0\r\n\r\n')) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(all));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  });
}

describe('ResponseWriter streamed writes', () => {
  let server: LoopbackServer;
  let handler: (res: ServerResponse) => Promise<void> = async () => {};

  before(async () => {
    server = await listenLoopback(createServer((_req, res) => void handler(res)));
  });
  after(async () => {
    await server.close();
  });

  test('the chunks of one turn and the end of the response leave the socket in one writev', async () => {
    const socketWrites: number[] = [];
    handler = async (res) => {
      // Count what the socket hands the kernel: _write is one chunk, _writev several at once.
      const socket = res.socket as unknown as { _write: (...a: unknown[]) => void; _writev: (chunks: unknown[], cb: () => void) => void };
      const write = socket._write.bind(socket);
      const writev = socket._writev.bind(socket);
      socket._write = (...a) => (socketWrites.push(1), write(...a));
      socket._writev = (chunks, cb) => (socketWrites.push(chunks.length), writev(chunks, cb));
      const w = new ResponseWriter(res);
      w.startStream(200);
      for (const frame of ['data: 1\n\n', 'data: 2\n\n', 'data: [DONE]\n\n']) await w.write(Buffer.from(frame));
      w.end();
    };
    const all = await rawGet(server.port, () => {});
    assert.match(all, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(all.includes('data: 1\n\n') && all.includes('data: [DONE]\n\n') && all.endsWith('0\r\n\r\n'), all);
    assert.equal(socketWrites.length, 1, `expected one socket write, got writes of ${JSON.stringify(socketWrites)} chunks`);
  });

  test('a chunk is not held past its turn: the client sees it before the next one is written', async () => {
    let clientSaw: () => void = () => {};
    const firstSeen = new Promise<void>((resolve) => (clientSaw = resolve));
    handler = async (res) => {
      const w = new ResponseWriter(res);
      w.startStream(200);
      await w.write(Buffer.from('data: first\n\n'));
      await firstSeen; // never resolves if the first chunk waits for more
      await w.write(Buffer.from('data: second\n\n'));
      w.end();
    };
    const pieces: string[] = [];
    const all = await rawGet(server.port, (p) => {
      pieces.push(p);
      if (p.includes('data: first')) clientSaw();
    });
    assert.ok(all.indexOf('data: first') < all.indexOf('data: second'), all);
    assert.ok(!pieces[0]!.includes('data: second'), 'the first piece left before the second chunk was written');
  });
});
