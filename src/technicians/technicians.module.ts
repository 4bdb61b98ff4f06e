import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module.js';
import { AdminLocationReviewsController } from './admin-location-reviews.controller.js';
import { LocationReviews } from './location-reviews.service.js';
import { NearbySearches } from './nearby-search.js';
import { NearbyStandings } from './nearby-standings.js';
import { TechnicianJobs } from './technician-jobs.js';
import { TechnicianPresence } from './technician-presence.service.js';
import { TechniciansController } from './technicians.controller.js';

/**
 * Technicians on the map (README "Technician location"): availability, location fixes with
 * spoofing scores, the nearby search, the location review queue and the history purge job.
 * `TechnicianPresence.setBusy` is the port the repair jobs mark a technician busy through;
 * `NearbyStandings` the one the nearby list reads ratings and ranking through (matching registers it). Needs
 * DatabaseModule, AuditModule, JobsModule (global) and IdentityModule (account-status path and hooks).
 */
@Module({
  imports: [IdentityModule],
  controllers: [TechniciansController, AdminLocationReviewsController],
  providers: [TechnicianPresence, LocationReviews, TechnicianJobs, NearbySearches, NearbyStandings],
  exports: [TechnicianPresence, NearbyStandings],
})
export class TechniciansModule {}
