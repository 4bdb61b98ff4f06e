/**
 * Live chat: the API's `/chat` Socket.IO namespace (README "Chat"), with REST when it is down.
 *
 * - One socket for the app, open while a chat room is on screen (closed with the last one, and
 *   while the app is in the background, so that the API pushes new messages instead). Its
 *   handshake carries the session's access token, asked again on every reconnect; a refused or
 *   expired token is refreshed once and the socket connects again.
 * - A room opened here `resume`s from the last seq the screen has, on every (re)connect: the server
 *   replays what was missed, in order, then delivers live. The room is live once that is answered.
 * - A message to send waits in the room's outbox under one `clientMessageId` until a copy of it is
 *   in the room: sent through the socket when live (the ack carries it), else over REST; every
 *   reconnect sends the whole outbox again with the same ids (at-least-once: the API keeps the first).
 * - Receipts go through the socket when live, else over REST; the other side's `receipt` and
 *   `typing` events are kept for the screen.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { AppState, type NativeEventSubscription } from 'react-native';
import { io, type Socket } from 'socket.io-client';
import { api, data, idempotencyKey, type Schemas } from '../api/client';
import { currentAccessToken, refresh } from '../api/tokens';
import { API_URL } from '../config';
import { ProblemError } from './problem';

export type ChatKind = 'job' | 'sub_order';
export type ChatMessage = Schemas['ChatMessageDto'];
type Receipt = Schemas['ReceiptDto'];
type SendResult = Schemas['SendResultDto'];
type Masked = SendResult['notice'];
type Answer<T> =
  | ({ ok: true } & T)
  | { ok: false; error: { code: string; title?: string; detail?: string; status?: number } };

/** How often the room's newest messages are read over REST while the socket is down. */
export const CHAT_REFRESH_MS = 5_000;
/** Typing is told to the room at most this often (the API passes on one a second). */
const TYPING_EVERY_MS = 1_000;

/** A message the user sent that is not in the room yet; `error` when its last try was refused. */
export interface Outgoing {
  clientMessageId: string;
  body: string;
  error?: unknown;
}

export interface ChatView {
  /** The room's messages known here, by seq. */
  messages: ChatMessage[];
  outbox: Outgoing[];
  /** Joined over the socket and caught up. */
  live: boolean;
  /** The read seq of each account whose receipt came live. */
  readBy: Record<string, number>;
  /** Who is typing now (the API's indicator lasts a few seconds unless repeated). */
  typing: string[];
  /** What the API masked in the last message sent. */
  notice: Masked;
}

interface RoomLink {
  /** The last seq the room has: where a (re)connect resumes from. */
  lastSeq(): number;
  message(m: ChatMessage): void;
  receipt(r: Receipt): void;
  typing(userId: string, expiresInMs: number): void;
  live(up: boolean): void;
}

let socket: Socket | null = null;
/** The app going to the background closes the socket (pushes then reach the device), coming back opens it. */
let appState: NativeEventSubscription | null = null;
const links = new Map<string, RoomLink>();

const problemOf = (error: { code: string; title?: string; detail?: string; status?: number }) =>
  new ProblemError({ ...error, title: error.title ?? error.code, status: error.status ?? 0 });

function resume(s: Socket, room: string, link: RoomLink): void {
  s.emit('resume', { room, lastSeq: link.lastSeq() }, (answer: Answer<object>) => {
    if (answer.ok && links.get(room) === link) link.live(true);
  });
}

function connect(): Socket {
  const url = new URL(API_URL);
  const s = io(`${url.origin}/chat`, {
    path: `${url.pathname.replace(/\/$/, '')}/socket.io`,
    transports: ['websocket'],
    auth: (cb) => cb({ token: currentAccessToken() ?? '' }),
  });
  // One refresh of the access token per connection the API refused or ended.
  let renewed = false;
  const renew = () => {
    if (renewed) return;
    renewed = true;
    void refresh().then((ok) => {
      if (ok && socket === s) s.connect();
    });
  };
  const down = () => links.forEach((link) => link.live(false));
  s.on('connect', () => {
    renewed = false;
    links.forEach((link, room) => resume(s, room, link));
  });
  s.on('disconnect', (reason) => {
    down();
    // The API ends a socket whose token expired (or whose session ended: then the refresh fails).
    if (reason === 'io server disconnect') renew();
  });
  s.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    down();
    if (err.data?.code === 'auth/invalid-token') renew();
  });
  appState = AppState.addEventListener('change', (state) => {
    if (state === 'background') s.disconnect();
    else if (state === 'active' && !s.connected) s.connect();
  });
  s.on('message', (m: ChatMessage) => links.get(m.room)?.message(m));
  s.on('hidden', (m: ChatMessage) => links.get(m.room)?.message(m));
  s.on('receipt', (r: Receipt) => links.get(r.room)?.receipt(r));
  s.on('typing', (t: { room: string; userId: string; expiresInMs: number }) =>
    links.get(t.room)?.typing(t.userId, t.expiresInMs),
  );
  // Taken out of a room (no longer a party): not live there; REST then says why.
  s.on('error', (e: { room?: string }) => e.room && links.get(e.room)?.live(false));
  return s;
}

/** A chat room's messages, outbox and live state, for one screen (`useLiveRoom`). */
export class LiveRoom {
  readonly room: string;
  private readonly messages = new Map<number, ChatMessage>();
  private outbox: Outgoing[] = [];
  private readBy: Record<string, number> = {};
  private typingUntil = new Map<string, ReturnType<typeof setTimeout>>();
  private live = false;
  private notice: Masked = [];
  private readSent = 0;
  private typedAt = 0;
  private view: ChatView;
  private readonly listeners = new Set<() => void>();
  private readonly link: RoomLink;

  constructor(
    readonly kind: ChatKind,
    readonly subjectId: string,
  ) {
    this.room = `${kind}:${subjectId}`;
    this.view = this.snapshotNow();
    this.link = {
      lastSeq: () => Math.max(0, ...this.messages.keys()),
      message: (m) => this.merge([m]),
      receipt: (r) => {
        this.readBy = {
          ...this.readBy,
          [r.userId]: Math.max(this.readBy[r.userId] ?? 0, r.readSeq),
        };
        this.changed();
      },
      typing: (userId, expiresInMs) => {
        clearTimeout(this.typingUntil.get(userId));
        this.typingUntil.set(
          userId,
          setTimeout(() => {
            this.typingUntil.delete(userId);
            this.changed();
          }, expiresInMs),
        );
        this.changed();
      },
      live: (up) => {
        this.live = up;
        this.changed();
        if (up) {
          for (const entry of this.outbox) this.deliver(entry);
          this.markRead();
        }
      },
    };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): ChatView => this.view;

  /** Joins the room over the app's socket (opening it when it is the first room). */
  open(): void {
    links.set(this.room, this.link);
    socket ??= connect();
    if (socket.connected) resume(socket, this.room, this.link);
  }

  /** Leaves the room (and closes the socket when no other room is open). */
  close(): void {
    if (links.get(this.room) === this.link) links.delete(this.room);
    this.typingUntil.forEach((timer) => clearTimeout(timer));
    this.typingUntil.clear();
    this.live = false;
    if (socket?.connected) socket.emit('leave', { room: this.room });
    if (links.size === 0) {
      appState?.remove();
      appState = null;
      socket?.disconnect();
      socket = null;
    }
  }

  /** Messages read over REST, or one from the socket (a later copy of a seq replaces it: hidden). */
  merge(items: ChatMessage[]): void {
    for (const m of items) this.messages.set(m.seq, m);
    const inRoom = new Set(items.map((m) => m.clientMessageId));
    if (this.outbox.some((e) => inRoom.has(e.clientMessageId)))
      this.outbox = this.outbox.filter((e) => !inRoom.has(e.clientMessageId));
    this.changed();
    this.markRead();
  }

  send(body: string): void {
    const entry: Outgoing = { clientMessageId: idempotencyKey(), body };
    this.outbox = [...this.outbox, entry];
    this.changed();
    this.deliver(entry);
  }

  /** Tries a message again, with the same client id. */
  retry(clientMessageId: string): void {
    const entry = this.outbox.find((e) => e.clientMessageId === clientMessageId);
    if (entry) this.deliver(entry);
  }

  /** Tells the room the user is typing (live only; at most once a second). */
  typing(): void {
    const now = Date.now();
    if (!this.live || now - this.typedAt < TYPING_EVERY_MS) return;
    this.typedAt = now;
    socket?.emit('typing', { room: this.room });
  }

  /** Sends a message of the outbox (again): through the socket when live, else over REST. */
  private deliver(entry: Outgoing): void {
    if (entry.error !== undefined) this.update(entry, { error: undefined });
    const message = { clientMessageId: entry.clientMessageId, body: entry.body };
    const sent = (result: SendResult) => {
      this.notice = result.notice;
      this.merge([result.message]);
    };
    const refused = (error: unknown) => {
      const current = this.outbox.find((e) => e.clientMessageId === entry.clientMessageId);
      if (current) this.update(current, { error });
    };
    if (this.live && socket?.connected) {
      socket.emit('send', { room: this.room, ...message }, (answer: Answer<SendResult>) =>
        answer.ok ? sent(answer) : refused(problemOf(answer.error)),
      );
      return;
    }
    data(
      api.POST('/chat/rooms/{kind}/{subjectId}/messages', {
        params: { path: { kind: this.kind, subjectId: this.subjectId } },
        body: message,
      }),
    ).then(sent, refused);
  }

  /** My receipt up to the room's last seq, once per new seq. */
  private markRead(): void {
    const seq = this.link.lastSeq();
    if (seq <= this.readSent) return;
    this.readSent = seq;
    const receipt = { deliveredSeq: seq, readSeq: seq };
    if (this.live && socket?.connected) {
      socket.emit('receipt', { room: this.room, ...receipt });
      return;
    }
    api
      .POST('/chat/rooms/{kind}/{subjectId}/receipts', {
        params: { path: { kind: this.kind, subjectId: this.subjectId } },
        body: receipt,
      })
      .catch(() => undefined);
  }

  private update(entry: Outgoing, change: Partial<Outgoing>): Outgoing {
    const next = { ...entry, ...change };
    this.outbox = this.outbox.map((e) => (e === entry ? next : e));
    this.changed();
    return next;
  }

  private snapshotNow(): ChatView {
    return {
      messages: [...this.messages.values()].sort((a, b) => a.seq - b.seq),
      outbox: this.outbox,
      live: this.live,
      readBy: this.readBy,
      typing: [...this.typingUntil.keys()],
      notice: this.notice,
    };
  }

  private changed(): void {
    this.view = this.snapshotNow();
    this.listeners.forEach((listener) => listener());
  }
}

/**
 * A chat room on screen: its newest page over REST (read again every few seconds while the socket
 * is down), then live over the socket from that page's last seq, until the screen closes.
 */
export function useLiveRoom(kind: ChatKind, subjectId: string) {
  const [room] = useState(() => new LiveRoom(kind, subjectId));
  const view = useSyncExternalStore(room.subscribe, room.snapshot);
  const page = useQuery({
    queryKey: ['chat', kind, subjectId],
    refetchInterval: view.live ? false : CHAT_REFRESH_MS,
    queryFn: () =>
      data(
        api.GET('/chat/rooms/{kind}/{subjectId}/messages', {
          params: { path: { kind, subjectId } },
        }),
      ),
  });
  useEffect(() => {
    if (page.data) room.merge(page.data.items);
  }, [room, page.data]);
  const loaded = page.isSuccess;
  useEffect(() => {
    if (!loaded) return;
    room.open();
    return () => room.close();
  }, [room, loaded]);
  return { room, view, page };
}
