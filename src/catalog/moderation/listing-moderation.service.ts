/**
 * Admin and ops leader moderation of listings: the review queue (approve / reject a listing), held
 * price changes (approve / reject), pause, reinstate and remove with a reason. Every action goes
 * through the state machine and is audited (AuditService.record) in the same transaction.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { encodeCursor } from '../../common/pagination.js';
import type { RequestMeta } from '../../common/request-meta.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import type { PriceSet } from '../domain/listing-pricing.js';
import type { ListingEvent } from '../domain/listing-state.js';
import type {
  AdminListingQueryDto,
  ListingDetailDto,
  ListingDto,
  ListingPageDto,
} from '../dto/listing.dto.js';
import { applyPrices } from '../listings/dealer-listings.service.js';
import {
  applyTransition,
  detailOf,
  insertPriceHistory,
  listingCursor,
  LISTING_COLUMNS,
  livePricesOf,
  loadListing,
  toListingDto,
  type ListingRow,
} from '../listings/listing-store.js';

const TARGET = 'listing';
const snapshot = (r: ListingRow) => ({
  status: r.status,
  pausedBy: r.paused_by,
  prices: livePricesOf(r),
  pendingPrice: r.pending_price,
  duplicateOf: r.duplicate_of,
});

@Injectable()
export class ListingModerationService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  approveReview(id: string, reason: string | undefined, meta: RequestMeta) {
    return this.moderate(id, 'approve', 'listing.review.approve', reason ?? null, meta);
  }
  rejectReview(id: string, reason: string, meta: RequestMeta) {
    return this.moderate(id, 'reject', 'listing.review.reject', reason, meta);
  }
  pause(id: string, reason: string, meta: RequestMeta) {
    return this.moderate(id, 'admin_pause', 'listing.pause', reason, meta);
  }
  reinstate(id: string, reason: string, meta: RequestMeta) {
    return this.moderate(id, 'reinstate', 'listing.reinstate', reason, meta);
  }
  remove(id: string, reason: string, meta: RequestMeta) {
    return this.moderate(id, 'remove', 'listing.remove', reason, meta);
  }

  private async moderate(
    id: string,
    event: ListingEvent,
    action: string,
    reason: string | null,
    meta: RequestMeta,
  ): Promise<ListingDto> {
    return this.transactions.run(async (tx) => {
      const row = await loadListing(tx, id, null, true);
      const updated = await applyTransition(tx, row, event, 'admin', meta.principal!, { reason });
      await this.audit.record(tx, meta, {
        action,
        targetType: TARGET,
        targetId: row.id,
        reason: reason ?? undefined,
        before: snapshot(row),
        after: snapshot(updated),
      });
      return toListingDto(updated);
    });
  }

  /** Makes the held price change live (`approved` and `live` history rows). */
  async approvePrice(
    id: string,
    reason: string | undefined,
    meta: RequestMeta,
  ): Promise<ListingDto> {
    return this.transactions.run(async (tx) => {
      const row = await this.withHeldPrice(tx, id);
      const held = heldOf(row);
      const actor = meta.principal!.userId;
      const updated = await applyPrices(tx, row, held);
      await insertPriceHistory(tx, row.id, held, 'approved', actor, reason ?? null);
      await insertPriceHistory(tx, row.id, held, 'live', actor);
      await this.audit.record(tx, meta, {
        action: 'listing.price.approve',
        targetType: TARGET,
        targetId: row.id,
        reason,
        before: snapshot(row),
        after: snapshot(updated),
      });
      return toListingDto(updated);
    });
  }

  /** Drops the held price change (a `rejected` history row); the live prices stay. */
  async rejectPrice(id: string, reason: string, meta: RequestMeta): Promise<ListingDto> {
    return this.transactions.run(async (tx) => {
      const row = await this.withHeldPrice(tx, id);
      const { rows } = await execute<ListingRow>(
        tx,
        `UPDATE listings SET pending_price = NULL, version = version + 1, updated_at = now()
         WHERE id = $1 RETURNING ${LISTING_COLUMNS}`,
        [row.id],
      );
      await insertPriceHistory(tx, row.id, heldOf(row), 'rejected', meta.principal!.userId, reason);
      const updated = rows[0]!;
      await this.audit.record(tx, meta, {
        action: 'listing.price.reject',
        targetType: TARGET,
        targetId: row.id,
        reason,
        before: snapshot(row),
        after: snapshot(updated),
      });
      return toListingDto(updated);
    });
  }

  private async withHeldPrice(tx: EntityManager, id: string): Promise<ListingRow> {
    const row = await loadListing(tx, id, null, true);
    if (row.pending_price === null)
      throw new AppProblem(
        409,
        'listing/no-held-price',
        'Nothing to review',
        'The listing has no price change held for review',
      );
    if (row.status === 'removed')
      throw new AppProblem(
        409,
        'listing/removed',
        'Removed',
        'A removed listing cannot be changed',
        {
          listingStatus: 'removed',
        },
      );
    return row;
  }

  async get(id: string): Promise<ListingDetailDto> {
    return this.transactions.run(async (tx) =>
      detailOf(tx, await loadListing(tx, id, null, false)),
    );
  }

  /** All listings, oldest first, filtered, cursor-paginated. */
  async list(q: AdminListingQueryDto): Promise<ListingPageDto> {
    const after = q.cursor === undefined ? undefined : listingCursor(q.cursor);
    const rows = await this.transactions.run(async (tx) => {
      const result = await execute<ListingRow & { cursor_at: string }>(
        tx,
        `SELECT ${LISTING_COLUMNS}, created_at::text AS cursor_at FROM listings
         WHERE ($1::text IS NULL OR status = $1)
           AND ($2::uuid IS NULL OR dealer_id = $2)
           AND ($3::boolean IS NULL OR (duplicate_of IS NOT NULL) = $3)
           AND ($4::boolean IS NULL OR (pending_price IS NOT NULL) = $4)
           AND ($5::timestamptz IS NULL OR (created_at, id) > ($5::timestamptz, $6::uuid))
         ORDER BY created_at, id LIMIT $7`,
        [
          q.status ?? null,
          q.dealerId ?? null,
          q.duplicate ?? null,
          q.heldPrice ?? null,
          after?.at ?? null,
          after?.id ?? null,
          q.limit + 1,
        ],
      );
      return result.rows;
    });
    const last = rows.length > q.limit ? rows[q.limit - 1] : undefined;
    return {
      items: rows.slice(0, q.limit).map(toListingDto),
      ...(last ? { nextCursor: encodeCursor({ at: last.cursor_at, id: last.id }) } : {}),
    };
  }
}

function heldOf(row: ListingRow): PriceSet {
  const p = row.pending_price!;
  return {
    mrpPaise: p.mrpPaise,
    b2cPricePaise: p.b2cPricePaise,
    b2bPricePaise: p.b2bPricePaise,
    b2bMinQty: p.b2bMinQty,
    tiers: p.tiers,
  };
}
