/**
 * A stand-in for the API's `/chat` socket: what `io()` returns to the app, driven by the test as
 * the server would (connect, drop, emit events, answer the app's events through their acks). A test
 * mocks `socket.io-client` with `io: (...args) => mockServer.open(...args)`.
 */
import { act } from '@testing-library/react-native';

type Handler = (...args: unknown[]) => void;

export interface Emitted {
  event: string;
  payload: Record<string, unknown>;
  ack?: (answer: unknown) => void;
}

export class FakeSocket {
  connected = false;
  private readonly handlers = new Map<string, Handler[]>();

  constructor(
    readonly url: string,
    readonly options: { auth?: (cb: (auth: unknown) => void) => void },
    private readonly server: FakeChatServer,
  ) {}

  on(event: string, handler: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }

  emit(event: string, payload: Record<string, unknown>, ack?: (answer: unknown) => void): this {
    this.server.emitted.push({ event, payload, ack });
    return this;
  }

  /** The app asks to connect again (after a refused or ended connection). */
  connect(): this {
    this.server.connectRequests += 1;
    this.server.closed = false;
    return this;
  }

  /** The app closes the socket (socket.io-client tells its own listeners, as here). */
  disconnect(): this {
    this.server.closed = true;
    if (this.connected) {
      this.connected = false;
      this.fire('disconnect', 'io client disconnect');
    }
    return this;
  }

  fire(event: string, ...args: unknown[]): void {
    for (const handler of this.handlers.get(event) ?? []) handler(...args);
  }
}

export class FakeChatServer {
  socket: FakeSocket | null = null;
  emitted: Emitted[] = [];
  connectRequests = 0;
  closed = false;

  open(url: string, options: FakeSocket['options']): FakeSocket {
    this.socket = new FakeSocket(url, options, this);
    this.closed = false;
    return this.socket;
  }

  reset(): void {
    this.socket = null;
    this.emitted = [];
    this.connectRequests = 0;
    this.closed = false;
  }

  /** The token the app's handshake carries now. */
  token(): unknown {
    let auth: unknown;
    this.socket?.options.auth?.((a) => (auth = a));
    return (auth as { token?: unknown } | undefined)?.token;
  }

  /** The handshake succeeds. */
  async accept(): Promise<void> {
    await act(async () => {
      this.socket!.connected = true;
      this.socket!.fire('connect');
    });
  }

  /** The connection is lost (the client would reconnect by itself). */
  async drop(): Promise<void> {
    await act(async () => {
      this.socket!.connected = false;
      this.socket!.fire('disconnect', 'transport close');
    });
  }

  /** The handshake is refused, as the API's middleware refuses it (`err.data.code`). */
  async refuse(code: string): Promise<void> {
    await act(async () => {
      this.socket!.fire('connect_error', Object.assign(new Error(code), { data: { code } }));
    });
  }

  /** An event from the server to the app. */
  async push(event: string, payload: unknown): Promise<void> {
    await act(async () => this.socket!.fire(event, payload));
  }

  /** The app's events of one name, in order. */
  sent(event: string): Emitted[] {
    return this.emitted.filter((e) => e.event === event);
  }

  /** Answers an event of the app through its ack. */
  async answer(emitted: Emitted | undefined, answer: unknown): Promise<void> {
    if (!emitted?.ack) throw new Error('no such event with an ack');
    await act(async () => emitted.ack!(answer));
  }
}
