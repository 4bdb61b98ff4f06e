import { describe, expect, it, jest } from '@jest/globals';
import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import { repairJob, repairQuote, review, validationProblem } from '../testing/fixtures';
import { fakeApi, renderScreen, signedInAs } from '../testing/render';
import Index from '../app/index';
import Earnings from './Earnings';
import TechnicianJob from './TechnicianJob';
import TechnicianWork from './TechnicianWork';

const mockRouter = { push: jest.fn(), replace: jest.fn() };
jest.mock('expo-router', () => {
  const { Text } = jest.requireActual<typeof import('react-native')>('react-native');
  return {
    useRouter: () => mockRouter,
    useLocalSearchParams: () => ({ id: 'r-1' }),
    Redirect: ({ href }: { href: string }) => <Text testID="redirect">{href}</Text>,
  };
});
// The device reports one fix, flagged as mocked by the OS, as soon as it is watched.
const mockRemove = jest.fn();
jest.mock('expo-location', () => ({
  Accuracy: { High: 4 },
  requestForegroundPermissionsAsync: async () => ({ granted: true }),
  watchPositionAsync: async (_options: unknown, onPosition: (p: unknown) => void) => {
    onPosition({
      coords: { latitude: 12.97, longitude: 77.59, accuracy: 8, speed: 4.5, heading: 90 },
      timestamp: Date.parse('2026-12-07T10:00:00Z'),
      mocked: true,
    });
    return { remove: mockRemove };
  },
}));

const technician = {
  ...signedInAs({ role: 'technician', technicianKind: 'hardware' }),
  'GET /technicians/me/availability': { body: { availability: 'inactive', flagged: false } },
  'GET /repairs/r-1/calls': { body: [] },
};
const readiness = (over: object = {}) => ({
  body: {
    ready: true,
    missing: [],
    detail: null,
    panOnFile: true,
    gstRegistered: true,
    ...over,
  },
});

describe('technician: availability and offers', () => {
  it('lands on the technician tabs after sign-in', async () => {
    fakeApi(technician);
    await renderScreen(<Index />);
    expect(await screen.findByTestId('redirect')).toHaveTextContent('/technician/work');
  });

  it('shows the availability the API has on opening: busy on a job', async () => {
    fakeApi({
      ...technician,
      'GET /technicians/me/availability': { body: { availability: 'busy', flagged: false } },
      'GET /technicians/me/readiness': readiness(),
      'GET /technician/offers': { body: [] },
    });
    await renderScreen(<TechnicianWork />);
    expect(await screen.findByText('Busy on a job')).toBeOnTheScreen();
  });

  it('is refused going active while the profile is incomplete: the missing list', async () => {
    fakeApi({
      ...technician,
      'GET /technicians/me/readiness': readiness({
        ready: false,
        missing: ['brands', 'payee_details'],
        detail: 'Add the brands you repair and your payee details.',
      }),
      'PUT /technicians/me/availability': {
        status: 409,
        body: {
          title: 'Conflict',
          status: 409,
          code: 'technician/not-ready',
          detail: 'Complete your profile before going active.',
        },
      },
      'GET /technician/offers': { body: [] },
    });
    await renderScreen(<TechnicianWork />);
    expect(await screen.findByText('No offers right now.')).toBeOnTheScreen();
    await fireEvent.press(screen.getByRole('button', { name: 'Go active' }));
    expect(await screen.findByText('Complete your profile before going active.')).toBeOnTheScreen();
    expect(screen.getByTestId('missing')).toHaveTextContent(
      'To complete: the brands you repair, your payout bank details',
    );
    expect(screen.queryByTestId('position')).toBeNull();
  });

  it('goes active and sends the device’s fix with the OS mock flag', async () => {
    const calls = fakeApi({
      ...technician,
      'GET /technicians/me/readiness': readiness(),
      'PUT /technicians/me/availability': ({ body }) => ({
        body: { ...(body as object), flagged: false },
      }),
      'POST /technicians/me/location': { status: 202, body: { positionUpdated: true } },
      'GET /technician/offers': { body: [] },
    });
    await renderScreen(<TechnicianWork />);
    await fireEvent.press(await screen.findByRole('button', { name: 'Go active' }));
    expect(await screen.findByText('Active: you receive offers')).toBeOnTheScreen();
    expect(await screen.findByText('Sharing your position while active.')).toBeOnTheScreen();
    await screen.findByText(/^Position sent at/);
    const fixes = calls.filter((c) => c.path === '/technicians/me/location');
    expect(fixes.map((c) => c.body)).toEqual([
      {
        lat: 12.97,
        lng: 77.59,
        accuracyM: 8,
        speedMps: 4.5,
        headingDeg: 90,
        recordedAt: '2026-12-07T10:00:00.000Z',
        mock: true,
      },
    ]);
    await fireEvent.press(screen.getByRole('button', { name: 'Go inactive' }));
    expect(await screen.findByText('Inactive: no offers')).toBeOnTheScreen();
    expect(mockRemove).toHaveBeenCalled();
  });

  it('shows an offer’s countdown, accepts it and opens the job; an expired one cannot be taken', async () => {
    const offer = {
      id: 'of-1',
      repairJobId: 'r-1',
      kind: 'hardware' as const,
      mode: 'offline' as const,
      offeredAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 12_000).toISOString(),
      deviceBrand: 'Xiaomi',
      deviceModel: 'Redmi Note 12',
      problem: 'The screen is cracked',
      distanceM: 800,
    };
    const expired = { ...offer, id: 'of-2', expiresAt: new Date(Date.now() - 1000).toISOString() };
    const calls = fakeApi({
      ...technician,
      'GET /technicians/me/readiness': readiness(),
      'GET /technician/offers': { body: [offer, expired] },
      'POST /technician/offers/of-1/accept': { body: repairJob({ status: 'assigned' }) },
    });
    await renderScreen(<TechnicianWork />);
    const [live, gone] = await screen.findAllByTestId('offer');
    const ttl = Number(
      /^(\d+) s left$/.exec(screen.getAllByTestId('offer-ttl')[0]!.props.children)?.[1],
    );
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(12);
    expect(live).toHaveTextContent('Hardware (screen, battery, …) · At my place · 0.8 km away', {
      exact: false,
    });
    expect(gone).toHaveTextContent('Expired', { exact: false });
    const [accept, acceptExpired] = screen.getAllByRole('button', { name: 'Accept' });
    expect(acceptExpired).toBeDisabled();
    await fireEvent.press(accept!);
    expect(
      calls.some((c) => c.method === 'POST' && c.path === '/technician/offers/of-1/accept'),
    ).toBe(true);
    expect(mockRouter.push).toHaveBeenCalledWith('/technician-job/r-1');
  });
});

describe('technician: a job', () => {
  it('goes on the way to an assigned offline job', async () => {
    let job = repairJob({ status: 'assigned', technicianId: 'u-1' });
    fakeApi({
      ...technician,
      'GET /technician/repairs/r-1': () => ({ body: job }),
      'GET /technician/repairs/r-1/timeline': { body: [] },
      'POST /technician/repairs/r-1/depart': () => {
        job = { ...job, status: 'en_route' };
        return { body: job };
      },
    });
    await renderScreen(<TechnicianJob />);
    await fireEvent.press(await screen.findByRole('button', { name: 'On my way' }));
    expect(await screen.findByRole('button', { name: 'Arrived' })).toBeOnTheScreen();
    expect(screen.getByTestId('repair-status')).toHaveTextContent('Technician on the way');
  });

  it('builds a quote of labour and parts at their GST rates; a 400 highlights the line', async () => {
    let answer: { status: number; body: unknown } = validationProblem({
      field: 'lines.1.unitPaise',
      messages: ['unitPaise must not be greater than 50000000'],
    });
    const calls = fakeApi({
      ...technician,
      'GET /technicians/me/readiness': readiness(),
      'GET /technician/repairs/r-1': { body: repairJob({ status: 'diagnosing' }) },
      'GET /technician/repairs/r-1/timeline': { body: [] },
      'POST /technician/repairs/r-1/quotes': () => answer,
    });
    await renderScreen(<TechnicianJob />);
    await fireEvent.press(await screen.findByRole('button', { name: 'Add labour' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Add parts' }));
    await fireEvent.changeText(screen.getByLabelText('Line 1: description'), 'Fit the display');
    await fireEvent.changeText(
      screen.getByLabelText('Line 1: price per unit (₹, before GST)'),
      '500',
    );
    await fireEvent.changeText(screen.getByLabelText('Line 2: description'), 'Display');
    await fireEvent.changeText(
      screen.getByLabelText('Line 2: price per unit (₹, before GST)'),
      '1,200',
    );
    await fireEvent.press(screen.getAllByRole('button', { name: 'GST 28%' })[1]!);
    await fireEvent.press(screen.getByRole('button', { name: 'Send quote · ₹2,126.00' }));
    expect(
      await screen.findByTestId('error-Line 2: price per unit (₹, before GST)'),
    ).toHaveTextContent('unitPaise must not be greater than 50000000');
    expect(calls.find((c) => c.path === '/technician/repairs/r-1/quotes')!.body).toEqual({
      lines: [
        {
          kind: 'labour',
          description: 'Fit the display',
          quantity: 1,
          unitPaise: 50000,
          gstRateBps: 1800,
        },
        { kind: 'parts', description: 'Display', quantity: 1, unitPaise: 120000, gstRateBps: 2800 },
      ],
    });
    answer = { status: 201, body: repairQuote() };
    await fireEvent.press(screen.getByRole('button', { name: 'Send quote · ₹2,126.00' }));
    expect(screen.queryByTestId('error-Line 2: price per unit (₹, before GST)')).toBeNull();
  });

  it('quotes more work on a job in progress as a supplementary quote', async () => {
    const calls = fakeApi({
      ...technician,
      'GET /technicians/me/readiness': readiness({ gstRegistered: false }),
      'GET /technician/repairs/r-1': { body: repairJob({ status: 'in_progress' }) },
      'GET /technician/repairs/r-1/timeline': { body: [] },
      'POST /technician/repairs/r-1/supplements': {
        status: 201,
        body: repairQuote({ supplementary: true }),
      },
    });
    await renderScreen(<TechnicianJob />);
    expect(await screen.findByRole('button', { name: 'Work done' })).toBeOnTheScreen();
    await fireEvent.press(screen.getByRole('button', { name: 'Quote more work' }));
    await fireEvent.press(await screen.findByRole('button', { name: 'Add parts' }));
    await fireEvent.changeText(screen.getByLabelText('Line 1: description'), 'Battery');
    await fireEvent.changeText(screen.getByLabelText('Line 1: quantity'), '2');
    await fireEvent.changeText(
      screen.getByLabelText('Line 1: price per unit (₹, before GST)'),
      '899.50',
    );
    await fireEvent.press(screen.getByRole('button', { name: 'Send quote · ₹1,799.00' }));
    expect(calls.find((c) => c.path === '/technician/repairs/r-1/supplements')!.body).toEqual({
      lines: [
        { kind: 'parts', description: 'Battery', quantity: 2, unitPaise: 89950, gstRateBps: 0 },
      ],
    });
  });

  it('offers only 0 % GST to a technician not registered for GST', async () => {
    fakeApi({
      ...technician,
      'GET /technicians/me/readiness': readiness({ gstRegistered: false }),
      'GET /technician/repairs/r-1': { body: repairJob({ status: 'diagnosing' }) },
      'GET /technician/repairs/r-1/timeline': { body: [] },
    });
    await renderScreen(<TechnicianJob />);
    await screen.findByText('Diagnosing');
    await fireEvent.press(await screen.findByRole('button', { name: 'Add labour' }));
    expect(screen.getByRole('button', { name: 'GST 0%' })).toBeOnTheScreen();
    expect(screen.queryByRole('button', { name: 'GST 18%' })).toBeNull();
  });

  it('asks for payment by QR code and shows what the API returns', async () => {
    let requests: unknown[] = [];
    const calls = fakeApi({
      ...technician,
      'GET /technician/repairs/r-1': {
        body: repairJob({
          status: 'awaiting_payment',
          amountDuePaise: 212600,
          quotes: [repairQuote({ status: 'approved' })],
        }),
      },
      'GET /technician/repairs/r-1/timeline': { body: [] },
      'GET /technician/repairs/r-1/payment-requests': () => ({ body: requests }),
      'POST /technician/repairs/r-1/payment-request': ({ body }) => {
        requests = [
          {
            id: 'pr-1',
            repairJobId: 'r-1',
            paymentId: 'p-1',
            method: (body as { method: string }).method,
            status: 'open',
            amountPaise: 212600,
            url: 'https://rzp.io/qr/qr_R1.png',
            expiresAt: '2026-12-07T10:15:00Z',
            closeReason: null,
            createdAt: '2026-12-07T10:00:00Z',
          },
        ];
        return { status: 201, body: requests[0] };
      },
    });
    await renderScreen(<TechnicianJob />);
    expect(await screen.findByText('Waiting for the customer to pay.')).toBeOnTheScreen();
    await fireEvent.press(await screen.findByRole('button', { name: 'Show a payment QR code' }));
    expect(await screen.findByTestId('pay-url')).toHaveTextContent(
      'Customer pays at: https://rzp.io/qr/qr_R1.png',
    );
    expect(screen.getByText(/^QR for ₹2,126.00 · open/)).toBeOnTheScreen();
    expect(calls.find((c) => c.path === '/technician/repairs/r-1/payment-request')!.body).toEqual({
      method: 'qr',
    });
    expect(screen.getByRole('button', { name: 'Cancel payment request' })).toBeOnTheScreen();
  });
});

describe('technician: earnings', () => {
  it('shows the statement: totals, each job’s net after fee, GST, TCS and TDS, and payouts', async () => {
    fakeApi({
      ...technician,
      'GET /technician/payouts': {
        body: {
          items: [
            {
              kind: 'technician',
              amountPaise: 173100,
              settlementId: 'setl_T1',
              dealerId: null,
              technicianId: 't-1',
              postedAt: '2026-12-04T00:00:00.000Z',
            },
          ],
        },
      },
      'GET /technician/earnings': {
        body: {
          payableBalancePaise: 176500,
          held: { count: 1, amountPaise: 59000 },
          released: {
            count: 1,
            grossPaise: 212600,
            serviceFeePaise: 31890,
            gstOnFeePaise: 5740,
            tcsPaise: 1700,
            tdsPaise: 170,
            netPaise: 173100,
          },
          refunded: { count: 0, amountPaise: 0 },
          refundedAfterRelease: { count: 0, amountPaise: 0 },
          settled: { count: 0, amountPaise: 0 },
          items: [
            {
              holdId: 'h-1',
              repairJobId: 'r-1',
              state: 'released',
              grossPaise: 212600,
              transferStatus: 'released',
              heldAt: '2026-12-01T00:00:00.000Z',
              releasedAt: '2026-12-03T00:00:00.000Z',
              figures: {
                serviceFeePaise: 31890,
                gstOnFeePaise: 5740,
                tcsPaise: 1700,
                tdsPaise: 170,
                netPaise: 173100,
              },
              refundedAfterRelease: { count: 0, amountPaise: 0 },
            },
          ],
        },
      },
    });
    await renderScreen(<Earnings />);
    expect(await screen.findByText('Payable balance ₹1,765.00')).toBeOnTheScreen();
    expect(await screen.findByTestId('payout')).toHaveTextContent(/· ₹1,731\.00 · setl_T1$/);
    expect(screen.getByTestId('earnings-totals')).toHaveTextContent(
      'Released: gross ₹2,126.00 · fee ₹318.90 · GST on fee ₹57.40 · TCS ₹17.00 · TDS ₹1.70 · net ₹1,731.00',
      { exact: false },
    );
    expect(screen.getByTestId('earnings-line')).toHaveTextContent(
      'Released · paid to your bank with the next settlementNet ₹1,731.00 (fee ₹318.90, GST ₹57.40, TCS ₹17.00, TDS ₹1.70)',
      { exact: false },
    );
  });
});

describe('technician: reviewing the customer', () => {
  it('reviews the customer of a confirmed job; the customer’s review shows once revealed', async () => {
    const windowClosesAt = new Date(Date.now() + 86_400_000).toISOString();
    let items: unknown[] = [];
    const calls = fakeApi({
      ...technician,
      'GET /technician/repairs/r-1': {
        body: repairJob({ status: 'confirmed', technicianId: 'u-1' }),
      },
      'GET /technician/repairs/r-1/timeline': { body: [] },
      'GET /repairs/r-1/reviews': () => ({ body: { items, windowClosesAt } }),
      'POST /repairs/r-1/customer-review': ({ body }) => {
        // The customer had reviewed first: both are revealed now.
        const mine = review({
          ...(body as object),
          id: 'rv-2',
          direction: 'of_customer',
          authorId: 'u-1',
          subjectId: 'u-2',
          revealed: true,
          windowClosesAt,
        });
        items = [mine, review({ revealed: true, stars: 3, text: 'Came late', windowClosesAt })];
        return { status: 201, body: mine };
      },
    });
    await renderScreen(<TechnicianJob />);
    expect(await screen.findByText('Rate the customer')).toBeOnTheScreen();
    expect(screen.getByTestId('reviews')).toHaveTextContent(
      'The customer’s review of you is shown once you both have reviewed, or when the window closes.',
      { exact: false },
    );
    await fireEvent.press(screen.getByRole('button', { name: '5 ★' }));
    await fireEvent.changeText(screen.getByLabelText('Your review'), 'Polite, paid on time');
    await fireEvent.press(screen.getByRole('button', { name: 'Send review' }));
    expect(await screen.findByText('Your review: 5★ Polite, paid on time')).toBeOnTheScreen();
    expect(screen.getByText('The customer’s review of you: 3★ Came late')).toBeOnTheScreen();
    expect(calls.find((c) => c.path === '/repairs/r-1/customer-review')!.body).toEqual({
      stars: 5,
      text: 'Polite, paid on time',
    });
    expect(calls.some((c) => c.path === '/repairs/r-1/review')).toBe(false);
  });

  it('says reviews open on confirmation while the job waits for it', async () => {
    fakeApi({
      ...technician,
      'GET /technician/repairs/r-1': { body: repairJob({ status: 'done', technicianId: 'u-1' }) },
      'GET /technician/repairs/r-1/timeline': { body: [] },
      'GET /repairs/r-1/reviews': { body: { items: [], windowClosesAt: null } },
    });
    await renderScreen(<TechnicianJob />);
    expect(await screen.findByText('Reviews open once the repair is confirmed.')).toBeOnTheScreen();
    expect(screen.queryByRole('button', { name: 'Send review' })).toBeNull();
  });
});

describe('technician: stepping back', () => {
  it('gives an unpaid job back to the queue with a reason', async () => {
    const calls = fakeApi({
      ...technician,
      'GET /technician/repairs/r-1': {
        body: repairJob({ status: 'diagnosing', technicianId: 'u-1' }),
      },
      'GET /technician/repairs/r-1/timeline': { body: [] },
      'GET /technicians/me/readiness': readiness(),
      'POST /technician/repairs/r-1/withdraw': {
        body: repairJob({ status: 'awaiting_assignment' }),
      },
    });
    await renderScreen(<TechnicianJob />);
    const giveBack = await screen.findByRole('button', { name: 'Give this job back' });
    expect(giveBack).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Cancel the repair' })).toBeNull();
    await fireEvent.changeText(
      screen.getByLabelText('Reason (at least 3 characters)'),
      'Part unavailable',
    );
    await fireEvent.press(giveBack);
    await waitFor(() =>
      expect(calls.find((c) => c.path === '/technician/repairs/r-1/withdraw')?.body).toEqual({
        reason: 'Part unavailable',
      }),
    );
  });

  it('withdraws an approved supplement the customer has not paid, or cancels a paid repair', async () => {
    const calls = fakeApi({
      ...technician,
      'GET /technician/repairs/r-1': {
        body: repairJob({
          status: 'in_progress',
          technicianId: 'u-1',
          quotes: [
            repairQuote({ status: 'approved', paidAt: '2026-12-07T10:00:00Z' }),
            repairQuote({ id: 'q-2', supplementary: true, status: 'approved' }),
          ],
        }),
      },
      'GET /technician/repairs/r-1/timeline': { body: [] },
      'POST /technician/repairs/r-1/supplements/withdraw': {
        body: repairJob({ status: 'in_progress' }),
      },
    });
    await renderScreen(<TechnicianJob />);
    expect(
      await screen.findByText('Cancelling a paid repair refunds the customer in full.'),
    ).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Cancel the repair' })).toBeOnTheScreen();
    await fireEvent.changeText(
      screen.getByLabelText('Reason (at least 3 characters)'),
      'Customer wants only the display',
    );
    await fireEvent.press(screen.getByRole('button', { name: 'Withdraw the unpaid extra quote' }));
    await waitFor(() =>
      expect(
        calls.find((c) => c.path === '/technician/repairs/r-1/supplements/withdraw')?.body,
      ).toEqual({ reason: 'Customer wants only the display' }),
    );
  });
});
