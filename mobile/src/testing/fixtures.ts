/** Contract-typed API answers for the component tests (each test overrides what it is about). */
import type { Schemas } from '../api/client';

export function catalogListing(
  over: Partial<Schemas['CatalogListingDto']> = {},
): Schemas['CatalogListingDto'] {
  return {
    id: 'l-1',
    channel: 'b2c',
    name: 'iPhone 13 display',
    category: 'display',
    brand: 'Apple',
    compatibleModels: ['iPhone 13'],
    condition: 'new',
    sku: 'IP13-DSP',
    hsnCode: '85177900',
    gstRateBps: 1800,
    dealer: { id: 'd-1', businessName: 'Lamington Spares' },
    mrpPaise: 450000,
    pricePaise: 399900,
    inStock: true,
    available: 7,
    createdAt: '2026-12-01T00:00:00.000Z',
    ...over,
  };
}

export function cartLine(over: Partial<Schemas['CartLineDto']> = {}): Schemas['CartLineDto'] {
  return {
    listingId: 'l-1',
    sku: 'SIM-1',
    name: 'SIM tray',
    brand: 'Generic',
    condition: 'new',
    quantity: 2,
    available: 10,
    b2bMinQty: 0,
    mrpPaise: 15000,
    unitPricePaise: 12000,
    lineTotalPaise: 24000,
    taxPaise: 3661,
    problems: [],
    ...over,
  };
}

export function cart(over: Partial<Schemas['CartDto']> = {}): Schemas['CartDto'] {
  return {
    channel: 'b2c',
    itemsPaise: 24000,
    deliveryPaise: 4900,
    totalPaise: 28900,
    groups: [
      {
        dealerId: 'd-1',
        dealerName: 'Lamington Spares',
        itemsPaise: 24000,
        deliveryPaise: 4900,
        totalPaise: 28900,
        lines: [cartLine()],
      },
    ],
    minimumOrder: { minimumPaise: 50000, shortfallPaise: 26000, met: false },
    readyForCheckout: false,
    ...over,
  };
}

export function dealerListing(over: Partial<Schemas['ListingDto']> = {}): Schemas['ListingDto'] {
  return {
    id: 'dl-1',
    dealerId: 'd-1',
    sku: 'BAT-1',
    name: 'Redmi Note 12 battery',
    brand: 'Xiaomi',
    category: 'battery',
    condition: 'new',
    compatibleModels: ['Redmi Note 12'],
    hsnCode: '85076000',
    gstRateBps: 1800,
    description: '',
    mrpPaise: 150000,
    b2cPricePaise: 120000,
    b2bPricePaise: 100000,
    b2bMinQty: 0,
    tiers: [],
    stockOnHand: 20,
    stockReserved: 2,
    stockAvailable: 18,
    status: 'active',
    pausedBy: null,
    statusReason: null,
    pendingPrice: null,
    duplicateOf: null,
    version: 1,
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    ...over,
  };
}

export function dealerSubOrder(
  over: Partial<Schemas['DealerSubOrderDto']> = {},
): Schemas['DealerSubOrderDto'] {
  return {
    id: 's-1',
    orderId: 'o-1',
    dealerId: 'd-1',
    dealerName: 'Lamington Spares',
    dealerGstin: '29ABCDE1234F1Z5',
    status: 'paid',
    supply: 'intra_state',
    channel: 'b2c',
    buyerName: 'Asha Rao',
    buyerGstin: null,
    shippingAddress: null,
    itemsPaise: 60000,
    deliveryPaise: 0,
    totalPaise: 60000,
    taxPaise: 9153,
    refundedPaise: 0,
    cancelledBy: null,
    carrier: null,
    trackingNumber: null,
    cancelReason: null,
    shippedAt: null,
    deliveredAt: null,
    returnWindowEndsAt: null,
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    lines: [],
    ...over,
  };
}

export function repairJob(
  over: Partial<Schemas['RepairJobViewDto']> = {},
): Schemas['RepairJobViewDto'] {
  return {
    id: 'r-1',
    kind: 'hardware',
    mode: 'offline',
    status: 'matching',
    amountPaise: null,
    amountDuePaise: 0,
    paidPaise: 0,
    visitFeePaise: 19900,
    quotes: [],
    openDisputeId: null,
    mediaCount: 0,
    customerId: 'u-1',
    technicianId: null,
    deviceBrand: 'Xiaomi',
    deviceModel: 'Redmi Note 12',
    problem: 'The screen is cracked',
    location: { lat: 12.9716, lng: 77.5946 },
    address: '12 MG Road, Bengaluru',
    preferredFrom: null,
    preferredTo: null,
    assignedAt: null,
    paidAt: null,
    doneAt: null,
    confirmedAt: null,
    closedAt: null,
    cancelledAt: null,
    createdAt: '2026-12-01T00:00:00.000Z',
    ...over,
  };
}

/** A quote of ₹500 labour at 18 % and one ₹1,200 display at 28 %: ₹1,700 + ₹426 GST = ₹2,126. */
export function repairQuote(
  over: Partial<Schemas['RepairQuoteDto']> = {},
): Schemas['RepairQuoteDto'] {
  return {
    id: 'q-1',
    repairJobId: 'r-1',
    technicianId: 't-1',
    status: 'proposed',
    supplementary: false,
    note: null,
    lines: [
      {
        kind: 'labour',
        description: 'Fit the display',
        quantity: 1,
        unitPaise: 50000,
        gstRateBps: 1800,
        taxablePaise: 50000,
        gstPaise: 9000,
      },
      {
        kind: 'parts',
        description: 'Display',
        quantity: 1,
        unitPaise: 120000,
        gstRateBps: 2800,
        taxablePaise: 120000,
        gstPaise: 33600,
      },
    ],
    taxablePaise: 170000,
    gstPaise: 42600,
    totalPaise: 212600,
    decidedAt: null,
    decisionReason: null,
    paidAt: null,
    createdAt: '2026-12-01T00:00:00.000Z',
    ...over,
  };
}

/** A review of a repair job (the customer's of its technician unless `direction` says otherwise). */
export function review(over: Partial<Schemas['ReviewDto']> = {}): Schemas['ReviewDto'] {
  return {
    id: 'rv-1',
    direction: 'of_technician',
    repairJobId: 'r-1',
    authorId: 'u-2',
    subjectId: 'u-1',
    stars: 4,
    text: 'Quick and tidy',
    hidden: false,
    revealed: false,
    submittedAt: '2026-12-07T10:00:00.000Z',
    editedAt: null,
    editableUntil: '2026-12-09T10:00:00.000Z',
    windowClosesAt: '2026-12-21T10:00:00.000Z',
    ...over,
  };
}

/** A paid order of one dealer's part, delivered (each test sets the part's status and window). */
export function order(sub: Partial<Schemas['SubOrderDto']> = {}): Schemas['OrderDto'] {
  return {
    id: 'o-1',
    channel: 'b2c',
    itemsPaise: 60000,
    deliveryPaise: 0,
    totalPaise: 60000,
    payablePaise: 60000,
    minimumOrderPaise: 50000,
    paymentStatus: 'paid',
    refundedPaise: 0,
    buyerId: 'u-1',
    buyerGstin: null,
    buyerBusinessName: null,
    shippingAddress: {
      name: 'Asha Rao',
      phone: '+919800000001',
      line1: '12 MG Road',
      city: 'Bengaluru',
      state: 'Karnataka',
      pincode: '560001',
    },
    reservationExpiresAt: '2026-12-01T00:15:00.000Z',
    paidAt: '2026-12-01T00:05:00.000Z',
    createdAt: '2026-12-01T00:00:00.000Z',
    subOrders: [
      {
        id: 's-1',
        orderId: 'o-1',
        dealerId: 'd-1',
        dealerName: 'Lamington Spares',
        dealerGstin: '29ABCDE1234F1Z5',
        status: 'delivered',
        supply: 'intra_state',
        itemsPaise: 60000,
        deliveryPaise: 0,
        totalPaise: 60000,
        taxPaise: 9153,
        refundedPaise: 0,
        cancelledBy: null,
        carrier: 'Delhivery',
        trackingNumber: 'DL123',
        cancelReason: null,
        shippedAt: '2026-12-02T00:00:00.000Z',
        deliveredAt: '2026-12-03T00:00:00.000Z',
        returnWindowEndsAt: null,
        createdAt: '2026-12-01T00:00:00.000Z',
        updatedAt: '2026-12-03T00:00:00.000Z',
        lines: [],
        history: [],
        ...sub,
      },
    ],
  };
}

/** A return of a part, just opened by its buyer (`repairJobId` set makes it a repair's). */
export function dispute(over: Partial<Schemas['DisputeDto']> = {}): Schemas['DisputeDto'] {
  return {
    id: 'dp-1',
    kind: 'return',
    status: 'open',
    resolution: null,
    refundPaise: null,
    evidence: [],
    orderId: 'o-1',
    subOrderId: 's-1',
    repairJobId: null,
    buyerId: 'u-1',
    dealerId: 'd-1',
    technicianId: null,
    reason: 'The display has a dead line',
    description: null,
    dealerResponse: null,
    technicianResponse: null,
    respondedAt: null,
    resolutionReason: null,
    resolvedBy: null,
    resolvedAt: null,
    createdAt: '2026-12-04T00:00:00.000Z',
    ...over,
  };
}

/** A 400 naming fields, as the API's validation pipe sends it. */
export function validationProblem(...fields: { field: string; messages: string[] }[]) {
  return {
    status: 400,
    body: {
      title: 'Bad Request',
      status: 400,
      code: 'request/validation-failed',
      detail: 'The request is not valid.',
      errors: fields.map((f) => ({ ...f, in: 'body' })),
    },
  };
}
