import { Injectable, type OnModuleInit } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction.js';
import { platformPriorMean, technicianRankings } from '../ratings/technician-rankings.js';
import { NearbyStandings, type NearbyStanding } from '../technicians/nearby-standings.js';
import { acceptanceRatesOf } from './offer-store.js';

/** The platform's prior mean is read again after this long (it moves slowly: every revealed rating). */
const PRIOR_MEAN_TTL_MS = 60_000;

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/**
 * The nearby list's standings, as matching ranks candidates: ratings, completed jobs and the
 * acceptance rate of the last 90 days' offers, read on one connection per page of the list; the
 * platform's prior mean is kept a minute per process.
 */
@Injectable()
export class NearbyStandingsSource implements OnModuleInit {
  private prior: { m: number; readAt: number } | undefined;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly standings: NearbyStandings,
  ) {}

  onModuleInit(): void {
    this.standings.register((ids) => this.of(ids));
  }

  private of(ids: readonly string[]): Promise<Map<string, NearbyStanding>> {
    // One connection, no BEGIN/COMMIT: independent reads (the list is a snapshot of nothing).
    return this.transactions.onOneConnection(async ({ manager: tx }) => {
      const now = Date.now();
      if (this.prior === undefined || now - this.prior.readAt > PRIOR_MEAN_TTL_MS)
        this.prior = { m: await platformPriorMean(tx), readAt: now };
      const rates = await acceptanceRatesOf(tx, ids);
      const rankings = await technicianRankings(
        tx,
        ids,
        new Map(ids.map((id) => [id, { acceptanceRate: rates.get(id) }])),
        this.prior.m,
      );
      return new Map(
        ids.map((id) => {
          const r = rankings.get(id)!;
          return [
            id,
            {
              ratingCount: r.ratingCount,
              rating: round(r.bayesianAverage, 2),
              completedJobs: r.completedJobs,
              rankScore: round(r.rankScore, 3),
            },
          ];
        }),
      );
    });
  }
}
