import { Injectable } from '@nestjs/common';

/** A technician's standing as the nearby list shows it (README "Ratings and ranking"). */
export interface NearbyStanding {
  /** Revealed customers' ratings. */
  ratingCount: number;
  /** The Bayesian average of those ratings (the prior mean while there are few). */
  rating: number;
  completedJobs: number;
  /** The ranking's score (rating and reliability), the one matching uses. */
  rankScore: number;
}

export type StandingsOf = (
  technicianIds: readonly string[],
) => Promise<Map<string, NearbyStanding>>;

/**
 * The port the nearby list reads technicians' standings through: ratings and offers sit above
 * technicians, so matching (which reads both) registers the source at start.
 */
@Injectable()
export class NearbyStandings {
  private source: StandingsOf | undefined;

  register(source: StandingsOf): void {
    this.source = source;
  }

  of(technicianIds: readonly string[]): Promise<Map<string, NearbyStanding>> {
    if (technicianIds.length === 0) return Promise.resolve(new Map());
    if (this.source === undefined)
      throw new Error('the nearby list needs technicians’ standings (no source registered)');
    return this.source(technicianIds);
  }
}
