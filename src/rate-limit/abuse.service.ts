import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service.js';
import { PROBLEM_CONTENT_TYPE, problemType, AppProblem } from '../common/errors/problem.js';
import {
  DEVICE_FINGERPRINT_HEADER,
  hashFingerprint,
  requestMetaOf,
  type RequestMeta,
} from '../common/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { TransactionRunner } from '../database/transaction.js';
import { retryAfterSeconds } from './rate-limit.guard.js';
import { RateLimitMetrics } from './rate-limit.metrics.js';
import { isExemptRoute } from './rate-limit.service.js';
import {
  RATE_LIMIT_STORE,
  type AbuseBlock,
  type BlockKind,
  type BlockPosition,
  type BlockTarget,
  type PenaltyRule,
  type RateLimitStore,
} from './rate-limit.store.js';

/** Responses that cost the client penalty points: failed authentication, refused access, rate limited. */
const PENALIZED_STATUSES = new Set([401, 403, 429]);
const POINTS_PER_RESPONSE = 1;

/** Status of the blocked answer (see the README): 429 + Retry-After is what clients back off on. */
export const BLOCKED_STATUS = 429;

/** The IP, and the device fingerprint hash when the client sends one. */
export function blockTargetsOf(request: FastifyRequest): BlockTarget[] {
  const raw = request.headers[DEVICE_FINGERPRINT_HEADER];
  const fingerprint = hashFingerprint(typeof raw === 'string' ? raw : undefined);
  const targets: BlockTarget[] = [{ kind: 'ip', value: request.ip }];
  if (fingerprint) targets.push({ kind: 'fingerprint', value: fingerprint });
  return targets;
}

/** How a block appears in audit events and the admin API. */
export interface BlockSummary {
  kind: BlockKind;
  value: string;
  blockedAt: string;
  blockedUntil: string;
  penalty: number;
}

export function describeBlock(block: AbuseBlock): BlockSummary {
  return {
    kind: block.kind,
    value: block.value,
    blockedAt: new Date(block.blockedAt).toISOString(),
    blockedUntil: new Date(block.until).toISOString(),
    penalty: Math.round(block.penalty * 100) / 100,
  };
}

/**
 * Automatic blocking of abusive clients. Every 401/403/429 adds a point to the client IP's penalty and to
 * its device fingerprint's (when sent); points decay linearly (a threshold's worth over
 * ABUSE_DECAY_SECONDS). At ABUSE_PENALTY_THRESHOLD the IP or fingerprint is blocked for ABUSE_BLOCK_SECONDS
 * and the block is audited (`abuse.block`, system actor). A blocked client is answered in Fastify's
 * onRequest hook, before routing to guards, body parsing or the database, on every URL (unknown ones too).
 * Store failures fail open, as for the limiter (RateLimitService).
 */
@Injectable()
export class AbuseService implements OnModuleInit {
  private readonly logger = new Logger('Abuse');
  /** Requests answered with the blocked problem: their status is ours, not the client's doing. */
  private readonly answeredBlocked = new WeakSet<FastifyRequest>();
  private readonly rule: PenaltyRule;

  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly metrics: RateLimitMetrics,
  ) {
    const { penaltyThreshold, blockSeconds, decaySeconds } = config.rateLimit.abuse;
    this.rule = {
      threshold: penaltyThreshold,
      decayMs: decaySeconds * 1000,
      blockMs: blockSeconds * 1000,
    };
  }

  /** Hooks go on the Fastify instance itself so they also see requests no Nest route matches. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return; // an application context without HTTP (the CLI)
    fastify.addHook('onRequest', (request, reply) => this.refuseIfBlocked(request, reply));
    fastify.addHook('onResponse', async (request, reply) => {
      await this.penalize(request, reply.statusCode);
    });
  }

  /** Answers a blocked client; returning the reply tells Fastify the request is done (async hook). */
  private async refuseIfBlocked(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> {
    if (isExemptRoute(request)) return;
    let ms: number;
    try {
      ms = await this.store.blockedFor(blockTargetsOf(request));
    } catch (err) {
      this.metrics.storeFailed('blocked-check', err);
      return;
    }
    if (ms <= 0) return;
    this.answeredBlocked.add(request);
    this.metrics.blockedRequests.inc();
    const seconds = retryAfterSeconds(ms);
    const code = 'abuse/blocked';
    return reply
      .code(BLOCKED_STATUS)
      .header('retry-after', String(seconds))
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send({
        type: problemType(code),
        title: 'Temporarily blocked',
        status: BLOCKED_STATUS,
        detail: `Too many refused requests from this client; retry in ${seconds} s`,
        instance: request.url.split('?')[0],
        requestId: String(request.id),
        code,
        retryAfterSeconds: seconds,
        retryAt: new Date(Date.now() + seconds * 1000).toISOString(),
      });
  }

  private async penalize(request: FastifyRequest, status: number): Promise<void> {
    if (!PENALIZED_STATUSES.has(status) || this.answeredBlocked.has(request)) return;
    if (isExemptRoute(request)) return;
    for (const target of blockTargetsOf(request)) {
      let block: AbuseBlock | null;
      try {
        block = (await this.store.addPenalty(target, POINTS_PER_RESPONSE, this.rule)).blocked;
      } catch (err) {
        this.metrics.storeFailed('penalize', err);
        return;
      }
      if (block) await this.recordBlock(block, request, status);
    }
  }

  /**
   * Audits an automatic block. The block already holds in the store (which decides atomically, so exactly
   * one instance gets here per block); if the audit insert fails, the failure is logged with the block.
   */
  private async recordBlock(
    block: AbuseBlock,
    request: FastifyRequest,
    status: number,
  ): Promise<void> {
    this.metrics.blocks.inc({ kind: block.kind });
    const meta: RequestMeta = { ...requestMetaOf(request), principal: null };
    const summary = describeBlock(block);
    this.logger.warn(
      { block: { ...summary, value: block.kind === 'ip' ? block.value : '[hash]' } },
      'abuse block imposed',
    );
    try {
      await this.transactions.run((tx) =>
        this.audit.record(tx, meta, {
          action: 'abuse.block',
          targetType: 'abuse_block',
          targetId: `${block.kind}:${block.value}`,
          reason: `penalty reached ${this.rule.threshold} (last response ${status})`,
          after: summary,
        }),
      );
    } catch (err) {
      this.logger.error({ err, block: summary }, 'abuse block could not be audited');
    }
  }

  async list(limit: number, after?: BlockPosition): Promise<AbuseBlock[]> {
    return this.storeCall(() => this.store.listBlocks(limit, after));
  }

  /**
   * Lifts a block (staff, with a reason), audited as `abuse.unblock` in the same transaction: the audit
   * event is written first and the block removed last inside it, so a failing removal rolls the event back.
   */
  async lift(target: BlockTarget, reason: string, meta: RequestMeta): Promise<AbuseBlock> {
    return this.transactions.run(async (tx) => {
      const block = await this.storeCall(() => this.store.getBlock(target));
      if (!block) throw notFound();
      await this.audit.record(tx, meta, {
        action: 'abuse.unblock',
        targetType: 'abuse_block',
        targetId: `${target.kind}:${target.value}`,
        reason,
        before: describeBlock(block),
        after: null,
      });
      const removed = await this.storeCall(() => this.store.removeBlock(target));
      if (!removed) throw notFound(); // ended meanwhile: nothing was lifted, roll the event back
      return block;
    });
  }

  /** Admin reads and writes do not fail open: they report the store as unavailable. */
  private async storeCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.logger.error({ err }, 'rate-limit store failed');
      throw new AppProblem(
        503,
        'service/unavailable',
        'Service unavailable',
        'The rate-limit store is unavailable; try again shortly',
      );
    }
  }
}

function notFound(): AppProblem {
  return new AppProblem(404, 'resource/not-found', 'Not found', 'No active block for this client');
}
