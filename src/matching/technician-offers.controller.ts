import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import { RepairJobDto } from '../repairs/dto/repair-job.dto.js';
import { OfferDeclinedDto, OfferIdParamDto, RepairOfferDto } from './dto/offer.dto.js';
import { RepairOffers } from './repair-offers.service.js';

/**
 * A technician's offers of hardware jobs (auto-matching): list the open ones, accept (the job
 * becomes mine) or decline. Another technician's offer is a 404 `offer/not-found`.
 */
@ApiTags('repairs')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller('technician/offers')
export class TechnicianOffersController {
  constructor(private readonly offers: RepairOffers) {}

  @Get()
  @Can('read', 'RepairWork')
  @ApiOperation({
    summary: 'My open offers, newest first',
    description:
      'Each: the job’s kind, mode, device and problem and its distance in 100 m steps; the customer and the exact location come with the job once accepted.',
  })
  list(@Meta() meta: RequestMeta): Promise<RepairOfferDto[]> {
    return this.offers.mine(meta);
  }

  @Post(':offerId/accept')
  @HttpCode(200)
  @Can('update', 'RepairWork')
  @ApiOperation({
    summary: 'Accept an offer: the job becomes mine',
    description:
      'Exactly one acceptance wins. 409 `offer/not-open` (accepted, declined, expired or withdrawn already), `offer/expired` (past its expiresAt), `offer/job-not-matching`, `offer/technician-unavailable` (inactive, busy or flagged), `offer/location-implausible` (a location jump just before accepting); the last three withdraw the offer.',
  })
  accept(@Param() p: OfferIdParamDto, @Meta() meta: RequestMeta): Promise<RepairJobDto> {
    return this.offers.accept(p.offerId, meta);
  }

  @Post(':offerId/decline')
  @HttpCode(200)
  @Can('update', 'RepairWork')
  @ApiOperation({ summary: 'Decline an offer: the next technician is offered the job' })
  decline(@Param() p: OfferIdParamDto, @Meta() meta: RequestMeta): Promise<OfferDeclinedDto> {
    return this.offers.decline(p.offerId, meta);
  }
}
