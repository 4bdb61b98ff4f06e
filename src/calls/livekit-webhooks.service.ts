import { Injectable, Logger } from '@nestjs/common';
import type { WebhookEvent } from 'livekit-server-sdk';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { moveCall, type CallRow } from './call-store.js';
import { isOpen } from './domain/call-state.js';
import type { LiveKitWebhookAckDto } from './dto/livekit-webhook.dto.js';
import { LiveKit } from './livekit.js';
import { UUID } from '../common/uuid.js';

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
    const duplicate = await this.transactions.run(async (tx) => {
      const { affected } = await execute(
        tx,
        `INSERT INTO livekit_webhook_events (id, event, room) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
        [event.id, event.event, event.room?.name ?? null],
      );
      if (affected === 0) return true;
      await this.apply(tx, event);
      return false;
    });
    return { received: true, duplicate };
  }

  /** Applies one event (a call it ends publishes its event after commit). */
  private async apply(tx: EntityManager, e: WebhookEvent): Promise<void> {
    const room = e.room?.name;
    if (!room) return;
    const at = Number(e.createdAt) || Math.floor(Date.now() / 1000);
    const { rows } = await execute<CallRow>(
      tx,
      `SELECT id::text AS id, repair_job_id::text AS repair_job_id, caller_id::text AS caller_id,
              callee_id::text AS callee_id, status
         FROM calls WHERE room = $1 FOR UPDATE`,
      [room],
    );
    const call = rows[0];
    if (call === undefined) return;
    switch (e.event) {
      case 'room_started':
        await execute(
          tx,
          `UPDATE calls SET room_started_at = LEAST(COALESCE(room_started_at, 'infinity'), to_timestamp($2))
            WHERE id = $1`,
          [call.id, at],
        );
        return;
      case 'room_finished': {
        await execute(
          tx,
          `UPDATE calls SET room_finished_at = COALESCE(room_finished_at, to_timestamp($2)) WHERE id = $1`,
          [call.id, at],
        );
        if (isOpen(call.status))
          await moveCall(tx, call, {
            event: call.status === 'ringing' ? 'miss' : 'end',
            actor: 'system',
            actorId: null,
            reason: call.status === 'ringing' ? 'missed' : 'room_finished',
          });
        return;
      }
      case 'participant_joined':
      case 'participant_left': {
        const p = e.participant;
        if (!p?.sid || !UUID.test(p.identity)) return;
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
        return;
      }
      default:
        return;
    }
  }
}
