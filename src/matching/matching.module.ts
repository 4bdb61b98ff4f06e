import { Module } from '@nestjs/common';
import { TechniciansModule } from '../technicians/technicians.module.js';
import { WithdrawOffersOfJobsLeavingMatching } from './job-left-matching.handler.js';
import { NearbyStandingsSource } from './nearby-standings.source.js';
import { RepairOffers } from './repair-offers.service.js';
import { TechnicianOffersController } from './technician-offers.controller.js';

/**
 * Hardware auto-matching (README "Hardware auto-match"): offers of new hardware jobs to nearby
 * technicians, their timers (`matching.start`, `matching.offer-expired`) and the technicians'
 * offer routes; an open offer is withdrawn as soon as its job leaves matching otherwise (staff
 * assign it, it is cancelled: `RepairJobTransitioned`). It is also the source of the nearby list's
 * standings (`NearbyStandings`: ratings, completed jobs, rank score). Reads repairs, technicians and ratings through their exported functions. Needs
 * DatabaseModule, JobsModule and ConfigModule (global) and TechniciansModule (the teleport check).
 */
@Module({
  imports: [TechniciansModule],
  controllers: [TechnicianOffersController],
  providers: [RepairOffers, WithdrawOffersOfJobsLeavingMatching, NearbyStandingsSource],
})
export class MatchingModule {}
