/**
 * The fallback for networks that let only HTTPS out through a proxy: an agent reaches the relay's
 * TLS port through an HTTP CONNECT proxy and speaks WebSocket (RFC 6455) inside the TLS, the relay
 * protocol's bytes carried unchanged in binary messages. `WebSocketStream` makes a WebSocket a
 * byte stream again, so frames, data connections and the inner TLS run over it as over TLS.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_HEADER_BYTES = 8192;
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export class WebSocketError extends Error {}

const acceptKey = (key: string) =>
  createHash('sha1')
    .update(key + GUID)
    .digest('base64');

/** Reads an HTTP head (up to the blank line); resolves with it and the bytes after it. */
function readHead(socket: Duplex, first: Buffer = Buffer.alloc(0)): Promise<[string, Buffer]> {
  return new Promise((resolve, reject) => {
    let buffer: Buffer = first;
    const done = (error?: Error, result?: [string, Buffer]) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      if (error) reject(error);
      else resolve(result!);
    };
    const check = () => {
      const end = buffer.indexOf('\r\n\r\n');
      if (end >= 0)
        return done(undefined, [
          buffer.subarray(0, end).toString('latin1'),
          buffer.subarray(end + 4),
        ]);
      if (buffer.length > MAX_HEADER_BYTES) done(new WebSocketError('HTTP head too large'));
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      check();
    };
    const onClose = () => done(new WebSocketError('closed during the HTTP exchange'));
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.resume();
    check();
  });
}

function header(head: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
  return match?.[1]?.trim();
}

/** A TCP connection to `host:port` through an HTTP CONNECT proxy (`http://proxy:port`). */
export async function connectThroughProxy(
  proxyUrl: string,
  host: string,
  port: number,
): Promise<Socket> {
  const proxy = new URL(proxyUrl);
  const socket = connect({ host: proxy.hostname, port: Number(proxy.port || 80) });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const auth = proxy.username
    ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
    : '';
  socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n${auth}\r\n`);
  const [head, rest] = await readHead(socket);
  if (!/^HTTP\/1\.[01] 200/.test(head) || rest.length > 0) {
    socket.destroy();
    throw new WebSocketError(`the proxy refused: ${head.split('\r\n')[0]}`);
  }
  return socket;
}

/** Client side: the upgrade request on an established (TLS) connection. */
export async function openWebSocket(
  socket: Duplex,
  host: string,
  path: string,
): Promise<WebSocketStream> {
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const [head, rest] = await readHead(socket);
  if (!/^HTTP\/1\.1 101/.test(head) || header(head, 'sec-websocket-accept') !== acceptKey(key)) {
    socket.destroy();
    throw new WebSocketError(`the relay refused the WebSocket: ${head.split('\r\n')[0]}`);
  }
  return new WebSocketStream(socket, 'client', rest);
}

/** Server side: answers an upgrade request for `path` (whose first bytes are `first`). */
export async function acceptWebSocket(
  socket: Duplex,
  first: Buffer,
  path: string,
): Promise<WebSocketStream> {
  const [head, rest] = await readHead(socket, first);
  const key = header(head, 'sec-websocket-key');
  const [method, target] = head.split(' ');
  if (
    method !== 'GET' ||
    target !== path ||
    header(head, 'upgrade')?.toLowerCase() !== 'websocket' ||
    !key
  ) {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    throw new WebSocketError('not a WebSocket upgrade for the relay');
  }
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
  );
  return new WebSocketStream(socket, 'server', rest);
}

/** A WebSocket as a byte stream: binary messages in, binary messages out (masked from a client). */
export class WebSocketStream extends Duplex {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(
    private readonly socket: Duplex,
    private readonly side: 'client' | 'server',
    head: Buffer,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (error: Error) => this.destroy(error));
    socket.on('close', () => this.destroy());
    if (head.length > 0) this.receive(head);
    socket.resume();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    this.socket.write(this.frame(0x2, chunk), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.socket.end(this.frame(0x8, Buffer.from([0x03, 0xe8])), () => done());
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.socket.destroy();
    done(error);
  }

  private frame(opcode: number, payload: Buffer): Buffer {
    const masked = this.side === 'client';
    const length = payload.length;
    const size = length < 126 ? 2 : length < 65536 ? 4 : 10;
    const head = Buffer.alloc(size + (masked ? 4 : 0));
    head[0] = 0x80 | opcode;
    if (length < 126) head[1] = length;
    else if (length < 65536) {
      head[1] = 126;
      head.writeUInt16BE(length, 2);
    } else {
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(length), 2);
    }
    if (!masked) return Buffer.concat([head, payload]);
    head[1]! |= 0x80;
    const mask = randomBytes(4);
    mask.copy(head, size);
    const body = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) body[i] = payload[i]! ^ mask[i & 3]!;
    return Buffer.concat([head, body]);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 2) {
      const opcode = this.buffer[0]! & 0x0f;
      const masked = (this.buffer[1]! & 0x80) !== 0;
      let length = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (length > MAX_MESSAGE_BYTES || masked !== (this.side === 'server')) {
        this.destroy(new WebSocketError('bad WebSocket frame'));
        return;
      }
      const maskAt = offset;
      if (masked) offset += 4;
      if (this.buffer.length < offset + length) return;
      const payload = Buffer.from(this.buffer.subarray(offset, offset + length));
      if (masked) for (let i = 0; i < length; i++) payload[i]! ^= this.buffer[maskAt + (i & 3)]!;
      this.buffer = this.buffer.subarray(offset + length);
      if (opcode === 0x2 || opcode === 0x0) {
        if (!this.push(payload)) this.socket.pause();
      } else if (opcode === 0x8) {
        this.push(null);
        this.socket.end();
        return;
      } else if (opcode === 0x9) {
        this.socket.write(this.frame(0xa, payload));
      }
    }
  }
}
