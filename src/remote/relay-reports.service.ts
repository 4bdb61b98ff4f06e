/**
 * What the tunnel reports to the API (docs/remote-tunnel.md): the relays' session events (bearer
 * TUNNEL_RELAY_SECRET; never payload), which drive the sessions' state machine and their totals, and
 * the customer agent's record of what was opened on the phone (authorized by its own join token).
 */
import { Injectable, Logger } from '@nestjs/common';
import { AppProblem } from '../common/errors/problem.js';
import { TransactionRunner } from '../database/transaction.js';
import type { AgentTokenClaims } from '../common/tunnel-contract.js';
import type {
  ActivityBatchDto,
  RelayEventsBatchDto,
  RelayEventsResultDto,
} from './dto/remote.dto.js';
import { RemoteSessions } from './remote-sessions.service.js';
import {
  insertActivity,
  insertRelayEvent,
  lockSession,
  moveSession,
  recordTotals,
  tokenIssued,
} from './remote-store.js';

@Injectable()
export class RelayReports {
  private readonly logger = new Logger(RelayReports.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly sessions: RemoteSessions,
  ) {}

  /**
   * A batch of relay events, in order: each stored once (relay + event id) and applied —
   * `paired` moves tokens_issued → connected, `first_open` connected → active (pairing first if
   * its report was lost), `ended` ends a live session with the relay's reason; totals only grow.
   * Events of unknown sessions are ignored.
   */
  async receive(batch: RelayEventsBatchDto): Promise<RelayEventsResultDto> {
    const relayId = batch.relayId ?? 'relay';
    let accepted = 0;
    const revoked: string[] = [];
    for (const e of batch.events) {
      const applied = await this.transactions.run(async (tx) => {
        const s = await lockSession(tx, e.sid).catch((err: unknown) => {
          if (err instanceof AppProblem && err.status === 404) return undefined;
          throw err;
        });
        if (s === undefined) return false;
        const detail = {
          ...(e.reason !== undefined ? { reason: e.reason } : {}),
          ...(e.bytesFromCustomer !== undefined ? { bytesFromCustomer: e.bytesFromCustomer } : {}),
          ...(e.bytesFromTechnician !== undefined
            ? { bytesFromTechnician: e.bytesFromTechnician }
            : {}),
          ...(e.reconnects !== undefined ? { reconnects: e.reconnects } : {}),
          ...(e.throttledMs !== undefined ? { throttledMs: e.throttledMs } : {}),
        };
        const fresh = await insertRelayEvent(tx, {
          sessionId: s.id,
          relayId,
          eventId: e.id,
          type: e.type,
          role: e.role ?? null,
          occurredAt: new Date(e.at),
          detail,
        });
        if (!fresh) return false;
        await recordTotals(tx, s.id, {
          bytesCustomerToTechnician: e.bytesFromCustomer ?? 0,
          bytesTechnicianToCustomer: e.bytesFromTechnician ?? 0,
          reconnects: e.reconnects ?? 0,
          throttledMs: e.throttledMs ?? 0,
        });
        const relay = { actor: 'relay' as const, actorId: null };
        if ((e.type === 'paired' || e.type === 'first_open') && s.status === 'tokens_issued')
          await moveSession(tx, s, { event: 'pair', ...relay });
        if (e.type === 'first_open' && s.status === 'connected')
          await moveSession(tx, s, { event: 'open', ...relay });
        if (
          e.type === 'ended' &&
          (s.status === 'tokens_issued' || s.status === 'connected' || s.status === 'active')
        )
          revoked.push(
            ...(await this.sessions.endIn(tx, s, {
              event: 'end',
              ...relay,
              endReason: e.reason ?? 'relay_ended',
            })),
          );
        return true;
      });
      if (applied) accepted++;
    }
    if (accepted < batch.events.length)
      this.logger.log(`relay ${relayId}: ${batch.events.length - accepted} event(s) ignored`);
    return { accepted, ignored: batch.events.length - accepted };
  }

  /**
   * The customer agent's activity, on its verified join token (`AgentTokenGuard`): stored when this
   * API issued that token for the session.
   */
  async activity(claims: AgentTokenClaims, body: ActivityBatchDto): Promise<number> {
    return this.transactions.run(async (tx) => {
      if (!(await tokenIssued(tx, claims.jti, claims.sid, 'customer')))
        throw new AppProblem(
          401,
          'remote/agent-unauthorized',
          'Unauthenticated',
          'The join token was not issued for this session',
          {},
          { 'www-authenticate': 'Tunnel' },
        );
      await insertActivity(
        tx,
        claims.sid,
        claims.jti,
        body.items.map((i) => ({
          occurredAt: new Date(i.at),
          kind: i.kind ?? null,
          service: i.service,
        })),
      );
      return body.items.length;
    });
  }
}
