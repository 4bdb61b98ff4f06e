/** A repair job was offered to a technician (its offer open until `expiresAt`). Published after commit. */
export class RepairOfferMade {
  constructor(
    readonly offerId: string,
    readonly repairJobId: string,
    readonly technicianId: string,
    readonly expiresAt: Date,
  ) {}
}
