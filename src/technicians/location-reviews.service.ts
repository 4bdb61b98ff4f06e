/**
 * The admin review queue of technicians flagged by the location-spoofing rules: staff clear a
 * review (the technician is back in matching, its rolling score reset) or suspend the technician
 * through identity's account-status path. A technician suspended or blocked any way closes its open
 * review (`suspended`) and goes inactive, and one approved (again) is unflagged, in the status
 * change's own transaction (a status hook).
 * Every staff action is audited in its transaction.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor, type Page } from '../common/pagination.js';
import type { RequestMeta } from '../common/request-meta.js';
import { TransactionRunner } from '../database/transaction.js';
import { AccountStatusHooks, type AccountStatusChange } from '../identity/account-status-hooks.js';
import { AccountsService } from '../identity/accounts.service.js';
import type { LocationReviewDto } from './dto/technician.dto.js';
import {
  lockPresence,
  openReviewOf,
  openReviews,
  resolveReview,
  reviewById,
  setAvailability,
  unflag,
  type ReviewRow,
} from './technician-store.js';

const noOpenReview = () =>
  new AppProblem(
    404,
    'technician/no-open-review',
    'Not found',
    'This technician has no open location review',
  );

function reviewDto(r: ReviewRow): LocationReviewDto {
  return {
    id: r.id,
    technicianId: r.technician_id,
    displayName: r.display_name,
    status: r.status,
    score: Math.round(r.score * 10) / 10,
    reasons: r.reasons,
    openedAt: r.opened_at.toISOString(),
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    resolutionReason: r.resolution_reason,
  };
}

@Injectable()
export class LocationReviews implements OnModuleInit {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly accounts: AccountsService,
    private readonly statusHooks: AccountStatusHooks,
  ) {}

  onModuleInit(): void {
    this.statusHooks.register((tx, change, meta) => this.onAccountStatus(tx, change, meta));
  }

  /** Open reviews, oldest first. */
  async queue(limit: number, cursor?: string): Promise<Page<LocationReviewDto>> {
    const after = parseKeysetCursor(cursor, {
      at: cursorFields.pgTimestamp,
      id: cursorFields.uuid,
    });
    const rows = await this.transactions.run((tx) => openReviews(tx, limit + 1, after));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: rows.slice(0, limit).map(reviewDto),
      ...(last ? { nextCursor: encodeCursor({ at: last.cursor_at, id: last.id }) } : {}),
    };
  }

  /** The technician's location checks out: unflagged, rolling score reset, back in matching. */
  async clear(technicianId: string, reason: string, meta: RequestMeta): Promise<LocationReviewDto> {
    return this.transactions.run(async (tx) => {
      const open = await openReviewOf(tx, technicianId);
      if (!open) throw noOpenReview();
      await lockPresence(tx, technicianId);
      // Conditional: a review resolved meanwhile (suspended, cleared) is not cleared again.
      if (!(await resolveReview(tx, technicianId, 'cleared', meta.principal!.userId, reason)))
        throw noOpenReview();
      await unflag(tx, technicianId);
      await this.audit.record(tx, meta, {
        action: 'technician.location-review.clear',
        targetType: 'user',
        targetId: technicianId,
        reason,
        before: { review: open.id, status: 'open', score: open.score, reasons: open.reasons },
        after: { status: 'cleared', flagged: false },
      });
      return reviewDto(await reviewById(tx, open.id));
    });
  }

  /**
   * Suspends the flagged technician through identity (`account.suspend`, audited there); the status
   * hook closes the review in the same transaction.
   */
  async suspend(
    technicianId: string,
    reason: string,
    meta: RequestMeta,
  ): Promise<LocationReviewDto> {
    const open = await this.transactions.run((tx) => openReviewOf(tx, technicianId));
    if (!open) throw noOpenReview();
    await this.accounts.changeStatus(technicianId, 'suspend', reason, false, meta);
    return this.transactions.run(async (tx) => reviewDto(await reviewById(tx, open.id)));
  }

  private async onAccountStatus(
    tx: EntityManager,
    change: AccountStatusChange,
    meta: RequestMeta,
  ): Promise<undefined> {
    if (change.role !== 'technician') return undefined;
    // Re-approval is staff's decision about the account: a flag left by the suspension goes with it.
    if (change.to === 'approved') {
      await unflag(tx, change.userId);
      return undefined;
    }
    if (change.to !== 'suspended' && change.to !== 'blocked') return undefined;
    await lockPresence(tx, change.userId);
    await setAvailability(tx, change.userId, 'inactive');
    const reviewId = await resolveReview(
      tx,
      change.userId,
      'suspended',
      meta.principal?.userId ?? null,
      change.reason,
    );
    if (reviewId)
      await this.audit.record(tx, meta, {
        action: 'technician.location-review.suspend',
        targetType: 'user',
        targetId: change.userId,
        reason: change.reason,
        before: { review: reviewId, status: 'open' },
        after: { status: 'suspended', account: change.to },
      });
    return undefined;
  }
}
