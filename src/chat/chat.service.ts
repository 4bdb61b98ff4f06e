/**
 * Chat commands and queries, one code path for REST and the socket. Every use reads the room's
 * parties from its job or sub-order and asks the ability (`ChatRoom` with `{ memberIds }`); a
 * stranger gets 404 whatever the room holds. Staff reach any room but join visibly: their first
 * use of a room posts "<name> (staff) joined" and is audited (`chat.staff_join`). A message is
 * committed before it is acknowledged or delivered (delivery runs after commit, `ChatPush`).
 */
import { Inject, Injectable } from '@nestjs/common';
import { subject } from '@casl/ability';
import type { EntityManager } from 'typeorm';
import { defineAbilityFor } from '../access/ability.factory.js';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor, type Page } from '../common/pagination.js';
import type { RequestMeta } from '../common/request-meta.js';
import { isStaff, type Principal } from '../common/roles.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { limitFor } from '../config/rate-limit-policy.js';
import { sqlStateOf } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { contactIn } from '../identity/contact.js';
import { Push } from '../notifications/push.service.js';
import { retryAfterSeconds } from '../rate-limit/rate-limit.guard.js';
import { RateLimitService } from '../rate-limit/rate-limit.service.js';
import { ExpiringMap } from '../common/expiring-map.js';
import { ChatPush } from './chat-push.js';
import {
  advanceReceipt,
  hideMessage,
  insertMessage,
  openReportsOf,
  insertReport,
  lockMessage,
  messageById,
  messagesOf,
  partiesOf,
  PARTY_SEND_SQL,
  receiptOf,
  reportById,
  reportsQueue,
  resolveReports,
  roomById,
  roomOf,
  roomsOfParty,
  setMasking,
  type MessageRow,
  type NewMessage,
  type PageAnchor,
  type PartySendRow,
  type ReportRow,
  type RoomKind,
  type RoomRow,
} from './chat-store.js';
import { maskContacts } from './domain/contact-masking.js';
import type {
  ChatMessageDto,
  ChatReportDto,
  ReportAction,
  ChatPageDto,
  ChatRoomDto,
  ReceiptDto,
  SendResultDto,
} from './dto/chat.dto.js';

export interface RoomRef {
  kind: RoomKind;
  subjectId: string;
}

export const roomName = (r: { kind: RoomKind; subject_id: string }) => `${r.kind}:${r.subject_id}`;

export const roomNotFound = () =>
  new AppProblem(404, 'chat/room-not-found', 'Not found', 'No such chat room');
const messageNotFound = () =>
  new AppProblem(404, 'chat/message-not-found', 'Not found', 'No such message');

/** Whether the principal sees what staff see (hidden messages' text, reasons). */
const seesAll = (p: Principal) => isStaff(p.role);

/** A party is pushed about a room at most once this often (README, Chat: "Push"). */
export const CHAT_PUSH_QUIET_SECONDS = 30;

/** What a message says (its sender and client id aside). */
export type MessageContent = Omit<NewMessage, 'senderId' | 'clientMessageId'>;

/** A transaction and what to publish once it commits. */
interface Tx {
  tx: EntityManager;
  after: (() => void)[];
}

/** A room as one principal entered it. */
export interface EnteredRoom {
  room: RoomRow;
  parties: string[];
}

@Injectable()
export class ChatService {
  /** The parties pushed about a room in the last `CHAT_PUSH_QUIET_SECONDS`, by `party:room` (per process). */
  private readonly pushed = new ExpiringMap<true>(50_000);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly limiter: RateLimitService,
    private readonly push: ChatPush,
    private readonly devices: Push,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The room if the principal may `action` in it (404 otherwise); staff's first use of it posts
   * their visible join (audited) in the same transaction.
   */
  private async enterIn(
    { tx, after }: Tx,
    meta: RequestMeta,
    ref: RoomRef,
    action: 'read' | 'create' | 'update',
  ): Promise<EnteredRoom> {
    const p = meta.principal!;
    const parties = await partiesOf(tx, ref.kind, ref.subjectId);
    if (parties === null) throw roomNotFound();
    const ability = defineAbilityFor(p);
    if (!ability.can(action, subject('ChatRoom', { memberIds: parties }))) {
      // A party refused `update` (or a staff reader refused a send) is told so; strangers see nothing.
      if (ability.can('read', subject('ChatRoom', { memberIds: parties })))
        throw new AppProblem(403, 'auth/forbidden', 'Forbidden', 'Not allowed in this room');
      throw roomNotFound();
    }
    const room = await roomOf(tx, ref.kind, ref.subjectId);
    if (
      !parties.includes(p.userId) &&
      (await receiptOf(tx, room.id, p.userId)) === null &&
      // A concurrent first use by the same staff member waits here and posts nothing.
      (await advanceReceipt(tx, room.id, p.userId, 0, 0)).created
    ) {
      const { name } = await contactIn(tx, p.userId);
      const { row } = await insertMessage(tx, room.id, {
        senderId: null,
        clientMessageId: null,
        kind: 'system',
        body: `${name ?? 'Staff'} (staff) joined`,
        masked: [],
      });
      await this.audit.record(tx, meta, {
        action: 'chat.staff_join',
        targetType: 'chat_room',
        targetId: room.id,
        after: { room: roomName(room) },
      });
      after.push(() => this.push.publish({ kind: 'message', room, parties, row }));
    }
    return { room, parties };
  }

  /**
   * Sends a message (rate-limited per account, `chat` category): a text, masked unless staff
   * turned masking off in the room; with `attachment`, the body is its caption.
   */
  async send(
    meta: RequestMeta,
    ref: RoomRef,
    input: { clientMessageId: string; body: string; attachment?: NewMessage['attachment'] },
  ): Promise<SendResultDto> {
    const p = meta.principal!;
    const max = this.config.chat.messageMaxChars;
    if ([...input.body].length > max)
      throw new AppProblem(
        413,
        'chat/message-too-long',
        'Message too long',
        `A message has at most ${max} characters`,
        { maxChars: max },
      );
    await this.takeToken(p, 'chat');
    const content = (masking: boolean): MessageContent => {
      const masked = masking ? maskContacts(input.body) : { text: input.body, masked: [] };
      const kind = input.attachment ? 'attachment' : 'text';
      return { kind, body: masked.text, masked: masked.masked, attachment: input.attachment };
    };
    const sent =
      (await this.sendAsParty(p, ref, input.clientMessageId, content(true), content(false))) ??
      (await this.run(async (c) => {
        const { room, parties } = await this.enterIn(c, meta, ref, 'create');
        const inserted = await insertMessage(c.tx, room.id, {
          senderId: p.userId,
          clientMessageId: input.clientMessageId,
          ...content(room.masking),
        });
        return { room, parties, ...inserted };
      }));
    if (!sent.duplicate) this.announce(sent.room, sent.parties, sent.row, p.userId);
    return {
      message: messageDto(sent.room, sent.row, seesAll(p)),
      duplicate: sent.duplicate,
      notice: sent.row.masked,
    };
  }

  /**
   * The common send in one statement: a party of a room that already exists (`PARTY_SEND_SQL`).
   * Null for anything else (a staff sender, a room's first message, a sender who is not or no
   * longer a party), which takes the full path and its answers.
   */
  private async sendAsParty(
    p: Principal,
    ref: RoomRef,
    clientMessageId: string,
    content: MessageContent,
    plain: MessageContent,
  ): Promise<(EnteredRoom & { row: MessageRow; duplicate: boolean }) | null> {
    // What the role may do in a room it is a party of; the statement checks that it is one.
    if (!defineAbilityFor(p).can('create', subject('ChatRoom', { memberIds: [p.userId] })))
      return null;
    const a = content.attachment;
    const params = [
      ref.subjectId,
      p.userId,
      clientMessageId,
      content.kind,
      content.body,
      content.masked,
      plain.body,
      plain.masked,
      a?.key ?? null,
      a?.type ?? null,
      a?.bytes ?? null,
      a?.sha256 ?? null,
      a?.thumbnailKey ?? null,
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await this.transactions.once<PartySendRow>(
          PARTY_SEND_SQL[ref.kind],
          params,
          `chat_party_send_${ref.kind}`,
        );
        if (!rows[0]) return null;
        const { duplicate, party_a, party_b, masking, ...row } = rows[0];
        const room: RoomRow = {
          id: row.room_id,
          kind: ref.kind,
          subject_id: ref.subjectId,
          last_seq: row.seq,
          masking,
        };
        return { room, parties: party_b === null ? [party_a] : [party_a, party_b], row, duplicate };
      } catch (err) {
        // The same client id sent twice at once: the loser's retry returns the winner's message.
        if (attempt > 1 || sqlStateOf(err) !== '23505') throw err;
      }
    }
  }

  /**
   * A new message to the room's sockets and, ids only, to the other parties' devices — only to a
   * party with no socket in the room on this process (an app showing the room gets the message on
   * its socket; the apps close it in the background), and at most once per room and party every
   * `CHAT_PUSH_QUIET_SECONDS` (a burst of messages is one notification).
   */
  private announce(room: RoomRow, parties: string[], row: MessageRow, senderId: string): void {
    this.push.publish({ kind: 'message', room, parties, row });
    const away = parties.filter(
      (id) =>
        id !== senderId && !this.push.inRoomHere(id, room.id) && this.pushDue(`${id}:${room.id}`),
    );
    // Ids only, never the text.
    void this.devices.notify(away, 'messages', {
      title: 'New message',
      body: room.kind === 'job' ? 'About your repair' : 'About your order',
      data: { type: 'chat_message', room: room.kind, subjectId: room.subject_id, seq: row.seq },
    });
  }

  private pushDue(key: string): boolean {
    if (this.pushed.get(key)) return false;
    this.pushed.set(key, true, CHAT_PUSH_QUIET_SECONDS * 1000);
    return true;
  }

  /** A page of the room's history, oldest first. */
  history(
    meta: RequestMeta,
    ref: RoomRef,
    anchor: PageAnchor,
    limit: number,
  ): Promise<ChatPageDto> {
    return this.run(async (c) => {
      const { room } = await this.enterIn(c, meta, ref, 'read');
      const rows = await messagesOf(c.tx, room.id, anchor, limit);
      const staff = seesAll(meta.principal!);
      return { items: rows.map((r) => messageDto(room, r, staff)), lastSeq: Number(room.last_seq) };
    });
  }

  /** The room's last seq and the caller's receipts (the socket's `join` answer). */
  roomState(meta: RequestMeta, ref: RoomRef): Promise<{ entered: EnteredRoom; room: ChatRoomDto }> {
    return this.run(async (c) => {
      const entered = await this.enterIn(c, meta, ref, 'read');
      const receipt = await receiptOf(c.tx, entered.room.id, meta.principal!.userId);
      return { entered, room: roomDto(entered.room, receipt) };
    });
  }

  /** Moves the caller's delivered and read seqs forward; published to the room. */
  async receipt(
    meta: RequestMeta,
    ref: RoomRef,
    deliveredSeq: number,
    readSeq: number,
  ): Promise<ReceiptDto> {
    const userId = meta.principal!.userId;
    const { room, parties, receipt } = await this.run(async (c) => {
      const { room, parties } = await this.enterIn(c, meta, ref, 'read');
      const r = await advanceReceipt(c.tx, room.id, userId, deliveredSeq, readSeq);
      const receipt: ReceiptDto = {
        room: roomName(room),
        userId,
        deliveredSeq: Number(r.last_delivered_seq),
        readSeq: Number(r.last_read_seq),
      };
      return { room, parties, receipt };
    });
    this.push.publish({ kind: 'receipt', room, parties, receipt });
    return receipt;
  }

  /** The room, if the caller may `action` in it (404 otherwise; staff join visibly). */
  enter(meta: RequestMeta, ref: RoomRef, action: 'read' | 'create'): Promise<EnteredRoom> {
    return this.run((c) => this.enterIn(c, meta, ref, action));
  }

  /** A message of a room the caller may read (404 otherwise), as stored. */
  readableMessage(meta: RequestMeta, messageId: string): Promise<MessageRow> {
    return this.run(async (c) => (await this.messageIn(c, meta, messageId, 'read')).row);
  }

  /** Messages after `afterSeq` for a socket catching up (membership checked again). */
  catchUp(
    meta: RequestMeta,
    ref: RoomRef,
    afterSeq: number,
    limit: number,
  ): Promise<ChatMessageDto[]> {
    return this.run(async (c) => {
      const { room } = await this.enterIn(c, meta, ref, 'read');
      const rows = await messagesOf(c.tx, room.id, { after: afterSeq }, limit);
      const staff = seesAll(meta.principal!);
      return rows.map((r) => messageDto(room, r, staff));
    });
  }

  /** The caller's rooms: those of its jobs and sub-orders, and for staff the rooms they joined. */
  rooms(meta: RequestMeta): Promise<ChatRoomDto[]> {
    const p = meta.principal!;
    return this.run(async (c) =>
      (await roomsOfParty(c.tx, p.userId, seesAll(p))).map((r) => roomDto(r, r)),
    );
  }

  /** A room's party reports a message to staff (once per account). */
  report(meta: RequestMeta, messageId: string, reason: string): Promise<{ reported: boolean }> {
    return this.run(async (c) => {
      const { row } = await this.messageIn(c, meta, messageId, 'read');
      return { reported: await insertReport(c.tx, row.id, meta.principal!.userId, reason) };
    });
  }

  /** Staff hide a message (a reason, audited); its text is kept for compliance. */
  hide(meta: RequestMeta, messageId: string, reason: string): Promise<ChatMessageDto> {
    return this.run((c) => this.hideIn(c, meta, messageId, reason));
  }

  private async hideIn(
    c: Tx,
    meta: RequestMeta,
    messageId: string,
    reason: string,
  ): Promise<ChatMessageDto> {
    const { room } = await this.messageIn(c, meta, messageId, 'update');
    const parties = (await partiesOf(c.tx, room.kind, room.subject_id))!;
    const row = (await lockMessage(c.tx, messageId))!;
    if (row.hidden_at !== null)
      throw new AppProblem(
        409,
        'chat/already-hidden',
        'Already hidden',
        'This message is hidden already',
      );
    await hideMessage(c.tx, row.id, meta.principal!.userId, reason);
    await this.audit.record(c.tx, meta, {
      action: 'chat.hide',
      targetType: 'chat_message',
      targetId: row.id,
      reason,
      before: { hidden: false },
      after: { hidden: true },
    });
    const hidden = (await messageById(c.tx, row.id))!;
    c.after.push(() => this.push.publish({ kind: 'hidden', room, parties, row: hidden }));
    return messageDto(room, hidden, true);
  }

  /** Staff: the reported messages, open reports first, each oldest first (keyset cursor). */
  reports(q: {
    status?: 'open' | 'resolved';
    limit: number;
    cursor?: string;
  }): Promise<Page<ChatReportDto>> {
    const after = parseKeysetCursor(q.cursor, {
      resolved: cursorFields.integer(0, 1),
      createdAt: cursorFields.pgTimestamp,
      id: cursorFields.uuid,
    });
    return this.run(async (c) => {
      const rows = await reportsQueue(c.tx, {
        status: q.status,
        ...(after ? { after: { ...after, resolved: after.resolved === 1 } } : {}),
        limit: q.limit,
      });
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return {
        items: items.map(reportDto),
        ...(rows.length > q.limit && last
          ? {
              nextCursor: encodeCursor({
                resolved: last.resolved ? 1 : 0,
                createdAt: last.created_at_text,
                id: last.id,
              }),
            }
          : {}),
      };
    });
  }

  /**
   * Staff resolve an open report (a reason, audited `chat.report_resolve`): `dismiss` leaves the
   * message as it is; `hide` hides it through the hide path (audited `chat.hide`) and resolves the
   * message's other open reports with it. A resolved report: 409 `chat/report-resolved`.
   */
  resolveReport(
    meta: RequestMeta,
    id: string,
    action: ReportAction,
    reason: string,
  ): Promise<ChatReportDto> {
    return this.run(async (c) => {
      const report = await reportById(c.tx, id);
      if (report === null)
        throw new AppProblem(404, 'chat/report-not-found', 'Not found', 'No such report');
      const ids = action === 'hide' ? await openReportsOf(c.tx, report.message_id) : [id];
      const resolved = await resolveReports(c.tx, ids.includes(id) ? ids : [], {
        action,
        reason,
        by: meta.principal!.userId,
      });
      if (!resolved.includes(id))
        throw new AppProblem(
          409,
          'chat/report-resolved',
          'Report already resolved',
          'This report has been resolved already',
        );
      if (action === 'hide') await this.hideIn(c, meta, report.message_id, reason);
      for (const reportId of resolved)
        await this.audit.record(c.tx, meta, {
          action: 'chat.report_resolve',
          targetType: 'chat_report',
          targetId: reportId,
          reason,
          before: { status: 'open' },
          after: { status: 'resolved', action, messageId: report.message_id },
        });
      return reportDto((await reportById(c.tx, id))!);
    });
  }

  /** Staff turn contact masking off (or on again) in one room (a reason, audited). */
  masking(meta: RequestMeta, ref: RoomRef, on: boolean, reason: string): Promise<ChatRoomDto> {
    return this.run(async (c) => {
      const { room } = await this.enterIn(c, meta, ref, 'update');
      await setMasking(c.tx, room.id, on);
      await this.audit.record(c.tx, meta, {
        action: 'chat.masking',
        targetType: 'chat_room',
        targetId: room.id,
        reason,
        before: { masking: room.masking },
        after: { masking: on },
      });
      const receipt = await receiptOf(c.tx, room.id, meta.principal!.userId);
      return roomDto({ ...room, masking: on }, receipt);
    });
  }

  /** The message and its room, if the caller may `action` in that room (else 404). */
  private async messageIn(
    c: Tx,
    meta: RequestMeta,
    messageId: string,
    action: 'read' | 'update',
  ): Promise<{ row: MessageRow; room: RoomRow }> {
    const row = await messageById(c.tx, messageId);
    const room = row && (await roomById(c.tx, row.room_id));
    if (!row || !room) throw messageNotFound();
    try {
      await this.enterIn(c, meta, { kind: room.kind, subjectId: room.subject_id }, action);
    } catch (err) {
      if (err instanceof AppProblem && err.status === 404) throw messageNotFound();
      throw err;
    }
    return { row, room };
  }

  /**
   * One token from the account's bucket of `category` (the platform's rate table), through the
   * same service as the HTTP guard: `chat` for every send (REST or socket), `default` for the
   * socket's other events (as for any other route).
   */
  async takeToken(p: Principal, category: 'chat' | 'default'): Promise<void> {
    const limit = limitFor(this.config.rateLimit.policy, p.role, category);
    const result = await this.limiter.take([{ key: `user:${category}:${p.userId}`, limit }]);
    if (!result || result.allowed) return; // store unavailable: fail open (RateLimitService)
    const seconds = retryAfterSeconds(result.retryAfterMs);
    throw new AppProblem(
      429,
      'rate-limit/exceeded',
      'Too many requests',
      `Rate limit for ${category === 'chat' ? 'chat messages' : 'requests'} exceeded; retry in ${seconds} s`,
      { category, retryAfterSeconds: seconds },
      { 'retry-after': String(seconds) },
    );
  }

  /** One transaction; what `after` collects runs once it has committed (publications). */
  private async run<T>(work: (c: Tx) => Promise<T>): Promise<T> {
    let after: (() => void)[] = [];
    const result = await this.transactions.run((tx) => {
      after = [];
      return work({ tx, after });
    });
    for (const publish of after) publish();
    return result;
  }
}

/** Where a message's attachment is downloaded (room members and staff, with the Bearer token). */
export const attachmentUrl = (messageId: string, thumbnail = false) =>
  `/chat/messages/${messageId}/attachment${thumbnail ? '?thumbnail=true' : ''}`;

/** A message as `staff` (the original of a hidden one, the reason) or a party (hidden: no text) sees it. */
export function messageDto(room: RoomRow, r: MessageRow, staff: boolean): ChatMessageDto {
  const hidden = r.hidden_at !== null;
  const shown = !hidden || staff;
  return {
    id: r.id,
    room: roomName(room),
    seq: Number(r.seq),
    senderId: r.sender_id,
    clientMessageId: r.client_message_id,
    kind: r.kind,
    body: shown ? r.body : null,
    masked: r.masked,
    hidden,
    ...(staff ? { hiddenReason: r.hidden_reason } : {}),
    attachment:
      r.attachment_key === null || !shown
        ? null
        : {
            type: r.attachment_type!,
            bytes: r.attachment_bytes!,
            url: attachmentUrl(r.id),
            thumbnailUrl: r.thumbnail_key === null ? null : attachmentUrl(r.id, true),
          },
    createdAt: r.created_at.toISOString(),
  };
}

function roomDto(
  room: RoomRow,
  receipt: { last_delivered_seq: string | null; last_read_seq: string | null } | null,
): ChatRoomDto {
  return {
    room: roomName(room),
    kind: room.kind,
    subjectId: room.subject_id,
    lastSeq: Number(room.last_seq),
    deliveredSeq: Number(receipt?.last_delivered_seq ?? 0),
    readSeq: Number(receipt?.last_read_seq ?? 0),
    masking: room.masking,
  };
}

function reportDto(r: ReportRow): ChatReportDto {
  return {
    id: r.id,
    reporterId: r.reporter_id,
    reporterName: r.reporter_name,
    reason: r.reason,
    reportedAt: r.created_at.toISOString(),
    messageId: r.message_id,
    body: r.body,
    attachmentType: r.attachment_type,
    messageSenderId: r.sender_id,
    messageAt: r.message_at.toISOString(),
    roomKind: r.room_kind,
    roomSubjectId: r.room_subject_id,
    hidden: r.hidden,
    resolution:
      r.action === null
        ? null
        : {
            action: r.action,
            reason: r.resolution_reason!,
            resolvedBy: r.resolved_by!,
            resolvedAt: r.resolved_at!.toISOString(),
          },
  };
}
