import { Injectable, Logger } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import type { WebhookEvent } from 'livekit-server-sdk';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { CallEnded, CallMissed } from './call-events.js';
import { closeCall, type CallRow } from './call-store.js';
import type { LiveKitWebhookAckDto } from './dto/livekit-webhook.dto.js';
import { LiveKit } from './livekit.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * LiveKit's webhooks write the call log: each event checked (WebhookReceiver: the `Authorization`
 * JWT signed with our API secret, carrying the body's sha256), stored once by its id, and applied
 * so that order does not matter — room_started only records when the room started (it never reopens
 * a call), room_finished ends a call still open (missed if it was ringing), participant_joined and
 * participant_left fill the two ends of one participant's row (keyed by its sid) whichever comes
 * first. Events of rooms that are not calls are stored and otherwise ignored.
 */
@Injectable()
export class LiveKitWebhooks {
  private readonly logger = new Logger(LiveKitWebhooks.name);

  constructor(
    private readonly livekit: LiveKit,
    private readonly transactions: TransactionRunner,
    private readonly events: EventBus,
  ) {}

  async receive(
    rawBody: Buffer | undefined,
    authorization: string | undefined,
  ): Promise<LiveKitWebhookAckDto> {
    let event: WebhookEvent;
    try {
      event = await this.livekit.receive(
        (rawBody ?? Buffer.alloc(0)).toString('utf8'),
        authorization,
      );
    } catch (err) {
      this.logger.warn(`LiveKit webhook refused: ${(err as Error).message}`);
      throw new AppProblem(
        401,
        'livekit-webhook/invalid-signature',
        'Unauthorized',
        'The webhook signature does not match this body',
      );
    }
    if (!event.id)
      throw new AppProblem(400, 'livekit-webhook/malformed', 'Bad request', 'The event has no id');
    const outcome = await this.transactions.run(async (tx) => {
      const { affected } = await execute(
        tx,
        `INSERT INTO livekit_webhook_events (id, event, room) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
        [event.id, event.event, event.room?.name ?? null],
      );
      if (affected === 0) return { duplicate: true as const };
      return { duplicate: false as const, ended: await this.apply(tx, event) };
    });
    if (!outcome.duplicate && outcome.ended !== undefined) {
      const c = outcome.ended;
      const parties = [c.caller_id, c.callee_id];
      this.events.publish(
        c.status === 'ringing'
          ? new CallMissed(c.id, c.repair_job_id, parties)
          : new CallEnded(c.id, c.repair_job_id, parties, null, 'room_finished'),
      );
    }
    return { received: true, duplicate: outcome.duplicate };
  }

  /** Applies one event; returns the call it ended (as it was before), if any. */
  private async apply(tx: EntityManager, e: WebhookEvent): Promise<CallRow | undefined> {
    const room = e.room?.name;
    if (!room) return undefined;
    const at = Number(e.createdAt) || Math.floor(Date.now() / 1000);
    const { rows } = await execute<CallRow>(
      tx,
      `SELECT id::text AS id, repair_job_id::text AS repair_job_id, caller_id::text AS caller_id,
              callee_id::text AS callee_id, status
         FROM calls WHERE room = $1 FOR UPDATE`,
      [room],
    );
    const call = rows[0];
    if (call === undefined) return undefined;
    switch (e.event) {
      case 'room_started':
        await execute(
          tx,
          `UPDATE calls SET room_started_at = LEAST(COALESCE(room_started_at, 'infinity'), to_timestamp($2))
            WHERE id = $1`,
          [call.id, at],
        );
        return undefined;
      case 'room_finished': {
        await execute(
          tx,
          `UPDATE calls SET room_finished_at = COALESCE(room_finished_at, to_timestamp($2)) WHERE id = $1`,
          [call.id, at],
        );
        const ringing = call.status === 'ringing';
        const closed = await closeCall(
          tx,
          call.id,
          ringing ? 'missed' : 'ended',
          null,
          ringing ? 'missed' : 'room_finished',
        );
        return closed ? call : undefined;
      }
      case 'participant_joined':
      case 'participant_left': {
        const p = e.participant;
        if (!p?.sid || !UUID.test(p.identity)) return undefined;
        const joined = e.event === 'participant_joined';
        const when = joined && p.joinedAt ? Number(p.joinedAt) : at;
        await execute(
          tx,
          `INSERT INTO call_participants (call_id, participant_sid, user_id, ${joined ? 'joined_at' : 'left_at'})
           SELECT $1, $2, u.id, to_timestamp($4) FROM users u WHERE u.id = $3
           ON CONFLICT (call_id, participant_sid) DO UPDATE
             SET ${joined ? 'joined_at' : 'left_at'} = EXCLUDED.${joined ? 'joined_at' : 'left_at'}`,
          [call.id, p.sid, p.identity, when],
        );
        return undefined;
      }
      default:
        return undefined;
    }
  }
}
