/**
 * What the API tells the relays (docs/remote-tunnel.md): signed join tokens, and revocations — the
 * sessions they must end at once and refuse from then on. A revocation is stored in the transaction
 * that ends the session, together with a `remote.push-revocations` job; once the transaction has
 * committed the delta list is pushed to every relay at once (`pushNow`), and the job, a few seconds
 * later, pushes again whatever no relay acknowledged yet, retried by the queue (a relay down, the
 * process gone between commit and push). A relay starting fetches the full list.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import {
  signAgentToken,
  signRevocationList,
  type AgentTokenClaims,
  type RevocationList,
} from '../common/tunnel-contract.js';
import { insertRevocation, markPushed, revocationsToSend } from './remote-store.js';

export const REMOTE_JOBS = {
  /** `{ sessionIds }`: push the revocations of these sessions no relay acknowledged yet. */
  pushRevocations: 'remote.push-revocations',
  /** Every minute: end sessions past their hard stop or never joined. */
  sweep: 'remote.sweep',
} as const;

/** How long one relay may take to acknowledge a push. */
const PUSH_TIMEOUT_MS = 2000;
/** When the job looks again after the immediate push. */
const PUSH_CHECK_AFTER_SECONDS = 5;

@Injectable()
export class TunnelRelays implements OnModuleInit {
  private readonly logger = new Logger(TunnelRelays.name);
  private readonly tunnel: AppConfig['remote']['tunnel'];

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.tunnel = config.remote.tunnel;
  }

  onModuleInit(): void {
    this.jobs.define<{ sessionIds: string[] }>({
      name: REMOTE_JOBS.pushRevocations,
      handler: (data) => this.push(data.sessionIds),
      queue: { retryLimit: 20, retryDelay: 2, retryBackoff: true },
    });
  }

  get publicKeys(): string[] {
    return this.tunnel.publicKeys;
  }

  signToken(claims: AgentTokenClaims): string {
    return signAgentToken(claims, this.tunnel.signingKey);
  }

  /** Constant-time check of a relay's `Authorization: Bearer <TUNNEL_RELAY_SECRET>`. */
  isRelay(authorization: string | undefined): boolean {
    const match = /^Bearer (.+)$/.exec(authorization ?? '');
    const digest = (s: string) => createHash('sha256').update(s).digest();
    return match !== null && timingSafeEqual(digest(match[1]!), digest(this.tunnel.relaySecret));
  }

  assertRelay(authorization: string | undefined): void {
    if (!this.isRelay(authorization))
      throw new AppProblem(
        401,
        'remote/relay-unauthorized',
        'Unauthenticated',
        'This endpoint is for the tunnel relays (Authorization: Bearer <TUNNEL_RELAY_SECRET>)',
        {},
        { 'www-authenticate': 'Bearer' },
      );
  }

  /**
   * Records, in the caller's transaction, that the relays must end `sessionId` and refuse it until
   * its hard stop, with the job that makes sure they heard it.
   */
  async revokeIn(
    tx: EntityManager,
    sessionId: string,
    reason: string,
    hardStopAt: Date,
  ): Promise<void> {
    await insertRevocation(tx, sessionId, reason, hardStopAt);
    await this.jobs.send(
      REMOTE_JOBS.pushRevocations,
      { sessionIds: [sessionId] },
      { tx, startAfter: PUSH_CHECK_AFTER_SECONDS },
    );
  }

  /** After commit: push at once (failures are left to the job). */
  pushNow(sessionIds: string[]): void {
    if (sessionIds.length === 0 || this.tunnel.relayAdminUrls.length === 0) return;
    this.push(sessionIds).catch((err: unknown) => {
      this.logger.warn(`pushing revocations failed (the job retries): ${String(err)}`);
    });
  }

  /** The signed full list (a relay fetches it when it starts). */
  async fullList(): Promise<string> {
    const sessions = await this.transactions.run((tx) => revocationsToSend(tx));
    return this.sign({ v: 1, issuedAt: Date.now(), kind: 'full', sessions });
  }

  /** Pushes the not yet acknowledged revocations of `sessionIds` to every relay; throws unless all acknowledged. */
  async push(sessionIds: string[]): Promise<void> {
    const sessions = await this.transactions.run((tx) => revocationsToSend(tx, sessionIds));
    if (sessions.length === 0) return;
    if (this.tunnel.relayAdminUrls.length > 0) {
      const list = this.sign({ v: 1, issuedAt: Date.now(), kind: 'delta', sessions });
      const results = await Promise.allSettled(
        this.tunnel.relayAdminUrls.map((url) => this.postTo(url, list)),
      );
      const failed = results.flatMap((r, i) =>
        r.status === 'rejected' ? [`${this.tunnel.relayAdminUrls[i]}: ${String(r.reason)}`] : [],
      );
      if (failed.length > 0) throw new Error(`relays did not acknowledge: ${failed.join('; ')}`);
    }
    await this.transactions.run((tx) =>
      markPushed(
        tx,
        sessions.map((s) => s.sid),
      ),
    );
  }

  private async postTo(baseUrl: string, list: string): Promise<void> {
    const response = await fetch(`${baseUrl}/v1/revocations`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${this.tunnel.relaySecret}`,
      },
      body: JSON.stringify({ list }),
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  }

  private sign(list: RevocationList): string {
    return signRevocationList(list, this.tunnel.signingKey);
  }
}
