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

/** Where standings come from: a subquery the nearby statement joins, and how its columns read. */
export interface StandingsSource {
  /**
   * A subquery of one row with the standing's columns for the technician whose id (uuid) is the SQL
   * expression `id`, joined `LATERAL` to each row of the nearby list: the list and its standings are
   * one statement.
   */
  sql(id: string): string;
  /** Each row's standing, from its `id` and the columns `sql` selected (in the rows' order). */
  read(rows: readonly { id: string }[]): Promise<NearbyStanding[]>;
}

/**
 * The port the nearby list reads technicians' standings through: ratings and offers sit above
 * technicians, so matching (which reads both) registers the source at start.
 */
@Injectable()
export class NearbyStandings {
  private registered: StandingsSource | undefined;

  register(source: StandingsSource): void {
    this.registered = source;
  }

  get source(): StandingsSource {
    if (this.registered === undefined)
      throw new Error('the nearby list needs technicians’ standings (no source registered)');
    return this.registered;
  }
}
