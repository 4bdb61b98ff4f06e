import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import type { MessageRow, RoomRow } from './chat-store.js';
import type { ReceiptDto } from './dto/chat.dto.js';

/** What the chat's commands publish after they commit, for the socket to deliver. */
export type ChatPublication =
  | { kind: 'message' | 'hidden'; room: RoomRow; parties: string[]; row: MessageRow }
  | { kind: 'receipt'; room: RoomRow; parties: string[]; receipt: ReceiptDto };

/**
 * The chat's way out to connected clients. `toUser` reaches every socket of an account (each
 * socket sits in its personal room `user:<id>`), for other modules' live events (calls ringing);
 * `publish` hands a committed message or receipt to the `/chat` namespace. Without a namespace
 * (no socket server: the CLI, a preview build) both do nothing.
 */
@Injectable()
export class ChatPush {
  private namespace: Namespace | undefined;
  private publisher: ((p: ChatPublication) => void) | undefined;

  /** Called by the socket gateway when its namespace is up (and with undefined when it closes). */
  attach(namespace: Namespace | undefined, publisher?: (p: ChatPublication) => void): void {
    this.namespace = namespace;
    this.publisher = publisher;
  }

  /** Whether the account has a socket in the room on this process (its app has it open). */
  inRoomHere(userId: string, roomId: string): boolean {
    const rooms = this.namespace?.adapter.rooms;
    const mine = rooms?.get(`user:${userId}`);
    const room = rooms?.get(`room:${roomId}`);
    if (!mine || !room) return false;
    for (const socketId of mine) if (room.has(socketId)) return true;
    return false;
  }

  toUser(userId: string, event: string, payload: unknown): void {
    this.namespace?.to(`user:${userId}`).emit(event, payload);
  }

  publish(p: ChatPublication): void {
    this.publisher?.(p);
  }
}
