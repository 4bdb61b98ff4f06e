/**
 * The relay protocol's framing: each frame is a 4-byte big-endian length then that many bytes of
 * UTF-8 JSON. Control connections carry frames only; a data connection carries one ATTACH frame,
 * then raw bytes (the inner TLS between the agents).
 */
import type { Duplex } from 'node:stream';

export const MAX_FRAME_BYTES = 16 * 1024;

/** Frames on a control connection (agent ↔ relay) and the one frame opening a data connection. */
export type Frame =
  /** agent → relay: join with a token, or resume with the ticket the relay handed out. */
  | { t: 'HELLO'; token: string; ticket?: undefined }
  | { t: 'HELLO'; ticket: string; token?: undefined }
  /** relay → agent: paired; the peer's join token, this agent's data secret, stop and cap. */
  | { t: 'READY'; peerToken: string; secret: string; ticket: string; stop: number; bw: number }
  /** relay → customer: a technician opened tunneled connection `cid`; attach to it. */
  | { t: 'OPEN'; cid: string }
  /** customer → relay: connection `cid` could not be served (the local service refused). */
  | { t: 'CLOSE'; cid: string; reason: string }
  /** relay → agent every heartbeat, with a fresh resume ticket; the agent answers PONG. */
  | { t: 'PING'; n: number; ticket: string }
  | { t: 'PONG'; n: number }
  /** relay → agent: the relay is shutting down; reconnect with the ticket after `retryMs`. */
  | { t: 'GOAWAY'; retryMs: number }
  /** either way: the session is over (or the join was refused), with the reason. */
  | { t: 'END'; reason: string }
  /** agent → relay, first frame of a data connection. */
  | { t: 'ATTACH'; sid: string; role: string; secret: string; cid: string };

export function encodeFrame(frame: Frame): Buffer {
  const body = Buffer.from(JSON.stringify(frame));
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

export class FrameError extends Error {}

/** Accumulates bytes and yields whole frames; `rest()` hands back bytes after the last frame read. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** The next whole frame, if buffered. */
  next(): Frame | undefined {
    if (this.buffer.length < 4) return undefined;
    const length = this.buffer.readUInt32BE(0);
    if (length > MAX_FRAME_BYTES) throw new FrameError(`frame of ${length} bytes is too large`);
    if (this.buffer.length < 4 + length) return undefined;
    const body = this.buffer.subarray(4, 4 + length);
    this.buffer = this.buffer.subarray(4 + length);
    let frame: unknown;
    try {
      frame = JSON.parse(body.toString('utf8'));
    } catch {
      throw new FrameError('frame is not JSON');
    }
    if (frame === null || typeof frame !== 'object' || typeof (frame as Frame).t !== 'string') {
      throw new FrameError('frame has no type');
    }
    return frame as Frame;
  }

  rest(): Buffer {
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    return rest;
  }
}

/**
 * Reads frames from `socket` and hands each to `onFrame`. A handler that takes the socket over for
 * raw bytes (a data connection after ATTACH) calls `takeOver()`: frame reading stops, the socket is
 * paused, and the bytes already read past this frame are returned.
 */
export function readFrames(
  socket: Duplex,
  onFrame: (frame: Frame, takeOver: () => Buffer) => void,
  onError: (error: Error) => void,
): void {
  const reader = new FrameReader();
  let reading = true;
  const takeOver = () => {
    reading = false;
    socket.pause();
    socket.off('data', onData);
    return reader.rest();
  };
  function onData(chunk: Buffer) {
    try {
      reader.push(chunk);
      for (
        let frame = reader.next();
        frame && reading;
        frame = reading ? reader.next() : undefined
      ) {
        onFrame(frame, takeOver);
      }
    } catch (error) {
      socket.off('data', onData);
      onError(error as Error);
    }
  }
  socket.on('data', onData);
}
