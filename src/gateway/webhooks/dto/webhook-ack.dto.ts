import { ApiProperty } from '@nestjs/swagger';

/** The acknowledgement of a webhook delivery (Razorpay only looks at the 2xx status). */
export class WebhookAckDto {
  /** `accepted`: stored and queued for processing; `duplicate`: already received, nothing done. */
  @ApiProperty({ enum: ['accepted', 'duplicate'] })
  status!: 'accepted' | 'duplicate';

  /** The id the event is deduplicated by (`X-Razorpay-Event-Id`, or `body-sha256:<hex>` without one). */
  eventId!: string;
}
