/**
 * Technicians on the map: availability, location fixes (scored against spoofing, kept in the
 * history, the current position throttled) and the customers' nearby search. One command = one
 * transaction, the technician's users row held FOR SHARE and its presence row locked first — except
 * a fix (usually one statement checked against the presence row's version, see `recordFix`) and
 * the search (one statement).
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ExpiringMap } from '../common/expiring-map.js';
import { AppProblem } from '../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor, type Page } from '../common/pagination.js';
import type { RequestMeta } from '../common/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Histogram } from 'prom-client';
import { StatementBatcher } from '../database/statement-batcher.js';
import { TransactionRunner } from '../database/transaction.js';
import { taxProfileIn } from '../identity/tax-profile.js';
import { technicianProfileIn } from '../identity/technician-profile.js';
import { MetricsService } from '../observability/metrics.service.js';
import type { SettableAvailability } from './domain/availability.js';
import {
  rollingScore,
  scoreFix,
  SPOOF_RULES,
  teleportBeforeAccept,
  toE7,
  type LocationFix,
  type TeleportCheck,
} from './domain/location-plausibility.js';
import type {
  AvailabilityDto,
  LocationAcceptedDto,
  LocationFixDto,
  NearbyQueryDto,
  NearbyTechnicianDto,
  ReadinessDto,
} from './dto/technician.dto.js';
import { NearbySearches } from './nearby-search.js';
import { describeMissing, missingForJobsIn, profileIncomplete } from './technician-readiness.js';
import {
  fixesSince,
  flagForReview,
  lastPositionFix,
  lockPresence,
  asStored,
  recordFixes,
  fixContexts,
  type ContextRead,
  type FixContext,
  type FixWrite,
  setAvailability,
  technicianNotFound,
  technicianStatus,
  type PresenceRow,
} from './technician-store.js';

/** A fix judged again this many times (each time the presence changed meanwhile) is refused. */
const MAX_FIX_ATTEMPTS = 5;

/**
 * Fixes' reads and writes are each batched (`StatementBatcher`): at most this many statements of
 * each in flight per process, each for at most FIX_BATCH_MAX fixes.
 */
const FIX_BATCHES_IN_FLIGHT = 2;
const FIX_BATCH_MAX = 200;

/** A technician silent this long is forgotten by `lastFixes` (its next fix reads its context). */
const LAST_FIXES_TTL_MS = 10 * 60_000;

/** What this process last stored for a technician: enough to judge its next fix without a read. */
interface KnownFixes {
  version: string;
  spoofScore: number;
  flagged: boolean;
  previous: LocationFix[];
}

const notApproved = (status: string): AppProblem =>
  new AppProblem(
    403,
    'technician/not-approved',
    'Technician not approved',
    `This technician account is ${status}: only approved technicians set availability or send locations`,
    { accountStatus: status },
  );

/** Distances shown to customers are rounded to this step (never an exact position). */
export const DISTANCE_STEP_M = 100;

/** A distance as customers see it: the nearest 100 m step, at least one step. */
export const roundedDistanceM = (metres: number): number =>
  Math.max(DISTANCE_STEP_M, Math.round(metres / DISTANCE_STEP_M) * DISTANCE_STEP_M);

/**
 * The jobs' port as a function (repairs call it in their transitions' transaction): `busy` from
 * the moment a job is the technician's; back to `active` only from `busy` (an inactive technician
 * staff assigned stays inactive when the job lets go). Locks the presence row.
 */
export async function setBusyIn(
  tx: EntityManager,
  technicianId: string,
  busy: boolean,
): Promise<void> {
  const presence = await lockPresence(tx, technicianId);
  if (busy) await setAvailability(tx, technicianId, 'busy');
  else if (presence.availability === 'busy') await setAvailability(tx, technicianId, 'active');
}

/** A technician's current position as its last trusted fix (exact: for the job it travels to only). */
export interface CurrentPosition {
  lat: number;
  lng: number;
  accuracyM: number;
  /** The speed the device reported with the fix, m/s (null when it sent none). */
  speedMps: number | null;
  recordedAt: Date;
}

/** The technician's current position (its last fix that became it), if it has one. */
export async function currentPositionOf(
  tx: EntityManager,
  technicianId: string,
): Promise<CurrentPosition | undefined> {
  const row = await lastPositionFix(tx, technicianId);
  return row === undefined
    ? undefined
    : {
        lat: row.lat_e7 / 1e7,
        lng: row.lng_e7 / 1e7,
        accuracyM: row.accuracy_m,
        speedMps: row.speed_mps,
        recordedAt: row.recorded_at,
      };
}

/**
 * Whether the technician may take an offer now: approved, `active` (not busy, not inactive) and not
 * flagged; null when it may, else why not. Locks the presence row (after the caller's job and offer).
 */
export async function offerUnavailability(
  tx: EntityManager,
  technicianId: string,
): Promise<string | null> {
  const status = await technicianStatus(tx, technicianId);
  if (status !== 'approved') return `the technician account is ${status}`;
  const presence = await lockPresence(tx, technicianId);
  if (presence.flagged) return 'the technician is flagged for location review';
  if (presence.availability !== 'active') return `the technician is ${presence.availability}`;
  return null;
}

@Injectable()
export class TechnicianPresence {
  /**
   * What this process last stored for each technician sending fixes (a few hundred bytes each, kept
   * `LAST_FIXES_TTL_MS`; the least recently stored forgotten first past 20,000). Only a hint: a fix
   * judged on it is stored only if the presence row is still the version remembered.
   */
  private readonly lastFixes = new ExpiringMap<KnownFixes>(20_000);

  /** Fixes' contexts, read together for the fixes arriving together. */
  private readonly contextReads: StatementBatcher<ContextRead, FixContext | undefined>;
  /** Judged fixes, stored together for the fixes arriving together. */
  private readonly fixWrites: StatementBatcher<
    FixWrite,
    { version: string; written: boolean } | undefined
  >;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly searches: NearbySearches,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    const sizes = new Histogram({
      name: 'technician_fix_batch_size',
      help: 'Location fixes per statement, by statement (read: their contexts; write: storing them)',
      labelNames: ['statement'] as const,
      buckets: [1, 2, 5, 10, 25, 50, 100, FIX_BATCH_MAX],
      registers: [metrics.registry],
    });
    const batching = {
      key: (item: { id: string }) => item.id,
      maxBatch: FIX_BATCH_MAX,
      concurrency: FIX_BATCHES_IN_FLIGHT,
    };
    this.contextReads = new StatementBatcher<ContextRead, FixContext | undefined>((reads) => {
      sizes.observe({ statement: 'read' }, reads.length);
      return fixContexts(transactions.planned, reads);
    }, batching);
    this.fixWrites = new StatementBatcher<
      FixWrite,
      { version: string; written: boolean } | undefined
    >((writes) => {
      sizes.observe({ statement: 'write' }, writes.length);
      return recordFixes(transactions.planned, writes, config.technicians.position);
    }, batching);
  }

  /** An approved technician goes active or inactive (409 while busy on a job). */
  async setAvailability(
    availability: SettableAvailability,
    meta: RequestMeta,
  ): Promise<AvailabilityDto> {
    return this.transactions.run(async (tx) => {
      const presence = await this.lockApproved(tx, meta.principal!.userId);
      if (presence.availability === 'busy')
        throw new AppProblem(
          409,
          'technician/busy',
          'Busy on a job',
          'Availability stays busy while the technician is on a job',
        );
      if (availability === 'active') {
        const missing = await this.missingIn(tx, presence.technician_id);
        if (missing.length > 0) throw profileIncomplete(missing);
      }
      await setAvailability(tx, presence.technician_id, availability);
      return { availability, flagged: presence.flagged };
    });
  }

  /** The technician's availability and flag (403 unless approved). */
  async availability(meta: RequestMeta): Promise<AvailabilityDto> {
    return this.transactions.run(async (tx) => {
      const presence = await this.lockApproved(tx, meta.principal!.userId);
      return { availability: presence.availability, flagged: presence.flagged };
    });
  }

  /** The technician's readiness for jobs: what is missing, and what its PAN and GSTIN mean. */
  async readiness(meta: RequestMeta): Promise<ReadinessDto> {
    return this.transactions.run(async (tx) => {
      const presence = await this.lockApproved(tx, meta.principal!.userId);
      const id = presence.technician_id;
      const missing = await this.missingIn(tx, id);
      const tax = await taxProfileIn(tx, id);
      return {
        ready: missing.length === 0,
        missing,
        detail: missing.length === 0 ? null : describeMissing(missing),
        panOnFile: tax.pan !== null,
        gstRegistered: tax.gstin !== null,
      };
    });
  }

  private async missingIn(tx: EntityManager, technicianId: string) {
    const profile = await technicianProfileIn(tx, technicianId);
    return missingForJobsIn(tx, { id: technicianId, brands: profile?.brands ?? [] });
  }

  /**
   * For the jobs: `busy` while the technician is on a job (it leaves the nearby list and matching),
   * back to `active` (from `busy` only) when the job lets go. In the caller's transaction; the
   * repair jobs' transitions call `setBusyIn` directly.
   */
  async setBusy(tx: EntityManager, technicianId: string, busy: boolean): Promise<void> {
    await setBusyIn(tx, technicianId, busy);
  }

  /**
   * For the offer code: did the technician teleport just before accepting at `acceptedAt` (a jump of
   * ≥ 2 km beyond accuracy, faster than 100 km/h, landing within 120 s before; see
   * `teleportBeforeAccept`)? In the caller's transaction.
   */
  async teleportedBeforeAccept(
    tx: EntityManager,
    technicianId: string,
    acceptedAt: Date,
  ): Promise<TeleportCheck> {
    const windowSeconds = 120;
    const since = new Date(acceptedAt.getTime() - windowSeconds * 1000);
    return teleportBeforeAccept(await fixesSince(tx, technicianId, since), acceptedAt.getTime(), {
      windowSeconds,
    });
  }

  /**
   * For the offer code, when it refuses an acceptance for a teleport: the technician is flagged (out
   * of matching and the nearby list) and its location review opens, or takes the reason when open.
   * In the caller's transaction (locks the presence row).
   */
  async raiseTeleportReview(tx: EntityManager, technicianId: string): Promise<void> {
    await lockPresence(tx, technicianId);
    await flagForReview(tx, technicianId, ['teleport_before_accept']);
  }

  /** What a fix of `id` is judged against, read now; a first fix creates the presence row first. */
  private async freshContext(id: string, fix: LocationFix) {
    const read = async () => {
      const context = await this.contextReads.call({ id, latE7: fix.latE7, lngE7: fix.lngE7 });
      if (!context) throw technicianNotFound();
      if (context.status !== 'approved') throw notApproved(context.status);
      return context;
    };
    let context = await read();
    if (context.version === null) {
      // A first fix: create the row (a transaction of its own), then read again.
      await this.transactions.run((tx) => lockPresence(tx, id));
      context = await read();
    }
    const { version } = context;
    if (version === null)
      throw new Error(`technician ${id}: presence row missing after creating it`);
    return { ...context, version };
  }

  /**
   * Records a fix: scored against the technician's previous fixes, always kept in the history; a
   * plausible one becomes the current position when the technician moved ≥ 50 m or ≥ 30 s passed
   * (config). The rolling score reaching the threshold flags the technician (review queue).
   *
   * The hot path of the technicians' app, without BEGIN/COMMIT: what the fix is judged against
   * (`fixContexts`) is remembered from this process's last fix of the technician, so most fixes are
   * only a write (`recordFixes`), which stores the fix only if the presence row is still the version
   * remembered. Any other write since (a fix through another process, availability, a review, a
   * suspension) makes it store nothing; the fix is then judged again on a fresh read. Reads and
   * writes of fixes arriving together (of different technicians) are each one statement.
   */
  async recordFix(dto: LocationFixDto, meta: RequestMeta): Promise<LocationAcceptedDto> {
    const fix: LocationFix = {
      latE7: toE7(dto.lat),
      lngE7: toE7(dto.lng),
      accuracyM: dto.accuracyM,
      recordedAtMs: Date.parse(dto.recordedAt),
      mock: dto.mock ?? false,
    };
    const id = meta.principal!.userId;
    let known = this.lastFixes.get(id);
    for (let attempt = 1; attempt <= MAX_FIX_ATTEMPTS; attempt++) {
      const remembered = known !== undefined;
      known ??= await this.freshContext(id, fix);
      const { score, reasons } = scoreFix(fix, known.previous, Date.now());
      const rolling = rollingScore(known.spoofScore, score);
      const flag = !known.flagged && rolling >= this.config.technicians.spoofFlagThreshold;
      const stored = await this.fixWrites.call({
        id,
        record: {
          fix,
          speedMps: dto.speedMps ?? null,
          headingDeg: dto.headingDeg ?? null,
          provider: dto.provider ?? null,
          score,
          reasons,
        },
        version: known.version,
        trusted: score < SPOOF_RULES.untrustedFromScore,
        rolling,
        flag,
        replaySeen:
          !remembered || known.previous.some((f) => f.latE7 === fix.latE7 && f.lngE7 === fix.lngE7),
      });
      if (stored) {
        this.lastFixes.set(
          id,
          {
            version: stored.version,
            spoofScore: rolling,
            flagged: known.flagged || flag,
            // The last five, as `fixContexts` would read them now.
            previous: [asStored(fix), ...known.previous.slice(0, 4)],
          },
          LAST_FIXES_TTL_MS,
        );
        return { positionUpdated: stored.written };
      }
      this.lastFixes.delete(id);
      known = undefined;
    }
    throw new AppProblem(
      409,
      'technician/location-contended',
      'Location changed concurrently',
      'The technician’s presence kept changing while this fix was stored; send it again',
    );
  }

  /** Available, approved, unflagged technicians near a point (with each one's rating and ranking): distance in 100 m steps, never coordinates. */
  async nearby(q: NearbyQueryDto): Promise<Page<NearbyTechnicianDto>> {
    const offset = parseKeysetCursor(q.cursor, { o: cursorFields.integer(1, 10_000) })?.o ?? 0;
    // One statement, one round trip (no BEGIN/COMMIT around a read), planned once per connection.
    const rows = await this.searches.find({
      lat: q.lat,
      lng: q.lng,
      radiusM: q.radiusKm * 1000,
      kind: q.kind ?? null,
      skill: q.skill ?? null,
      brand: q.brand ?? null,
      offset,
      limit: q.limit + 1,
    });
    const items = rows.slice(0, q.limit).map((r) => ({
      id: r.id,
      displayName: r.display_name,
      kind: r.technician_kind,
      skills: r.skills,
      brands: r.brands,
      distanceM: roundedDistanceM(r.distance_m),
      ...r.standing,
    }));
    // The cursor is a place in the list, never a distance (an exact distance would locate the technician).
    return {
      items,
      ...(rows.length > q.limit ? { nextCursor: encodeCursor({ o: offset + q.limit }) } : {}),
    };
  }

  /** The caller's presence row, locked (created on first use); 403 unless the account is approved. */
  private async lockApproved(tx: EntityManager, technicianId: string): Promise<PresenceRow> {
    const status = await technicianStatus(tx, technicianId);
    if (status !== 'approved') throw notApproved(status);
    return lockPresence(tx, technicianId);
  }
}
