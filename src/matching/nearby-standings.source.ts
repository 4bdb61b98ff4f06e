import { Injectable, type OnModuleInit } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction.js';
import {
  platformPriorMean,
  rankingFrom,
  rankingInputsSql,
  type RankingInputs,
} from '../ratings/technician-rankings.js';
import { NearbyStandings, type NearbyStanding } from '../technicians/nearby-standings.js';
import { acceptanceRateSql } from './offer-store.js';

/** The platform's prior mean is read again after this long (it moves slowly: every revealed rating). */
const PRIOR_MEAN_TTL_MS = 60_000;

const round = (x: number, digits: number) => Number(x.toFixed(digits));

type StandingColumns = RankingInputs & { id: string; acceptance_rate: number | null };

/**
 * The nearby list's standings, as matching ranks candidates: ratings, completed jobs and the
 * acceptance rate of the last 90 days' offers, selected by the nearby statement itself (one
 * statement per page of the list); the platform's prior mean is kept a minute per process.
 */
@Injectable()
export class NearbyStandingsSource implements OnModuleInit {
  private prior: { m: number; readAt: number } | undefined;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly standings: NearbyStandings,
  ) {}

  onModuleInit(): void {
    this.standings.register({
      sql: (id) =>
        `SELECT i.*, ${acceptanceRateSql(id)} AS acceptance_rate FROM (${rankingInputsSql(id)}) i`,
      read: (rows) => this.read(rows as readonly StandingColumns[]),
    });
  }

  private async priorMean(): Promise<number> {
    const now = Date.now();
    if (this.prior === undefined || now - this.prior.readAt > PRIOR_MEAN_TTL_MS)
      this.prior = {
        m: await this.transactions.onOneConnection(({ manager }) => platformPriorMean(manager)),
        readAt: now,
      };
    return this.prior.m;
  }

  private async read(rows: readonly StandingColumns[]): Promise<NearbyStanding[]> {
    if (rows.length === 0) return [];
    const m = await this.priorMean();
    return rows.map((row) => {
      const r = rankingFrom(row.id, row, m, { acceptanceRate: row.acceptance_rate ?? undefined });
      return {
        ratingCount: r.ratingCount,
        rating: round(r.bayesianAverage, 2),
        completedJobs: r.completedJobs,
        rankScore: round(r.rankScore, 3),
      };
    });
  }
}
