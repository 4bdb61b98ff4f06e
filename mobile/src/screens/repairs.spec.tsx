import { describe, expect, it, jest } from '@jest/globals';
import { act, fireEvent, screen, waitFor } from '@testing-library/react-native';
import i18n from '../i18n';
import { repairJob, repairQuote, validationProblem } from '../testing/fixtures';
import { fakeApi, renderScreen, signedInAs } from '../testing/render';
import BookRepair from './BookRepair';
import RepairDetail from './RepairDetail';
import Repairs from './Repairs';

const mockRouter = { push: jest.fn(), replace: jest.fn() };
jest.mock('expo-router', () => ({
  useRouter: () => mockRouter,
  useLocalSearchParams: () => ({ id: 'r-1' }),
}));
const mockPermission = { granted: true };
jest.mock('expo-location', () => ({
  Accuracy: { High: 4 },
  requestForegroundPermissionsAsync: async () => mockPermission,
  getCurrentPositionAsync: async () => ({
    coords: { latitude: 12.9716, longitude: 77.5946, accuracy: 12, speed: null, heading: null },
    timestamp: Date.parse('2026-12-07T10:00:00Z'),
  }),
}));
// The device's library hands over what the test picks.
const mockPicked: { canceled: boolean; assets: object[] } = { canceled: false, assets: [] };
jest.mock('expo-image-picker', () => ({
  UIImagePickerPreferredAssetRepresentationMode: { Compatible: 'compatible' },
  launchImageLibraryAsync: async () => mockPicked,
}));
// The Razorpay sandbox plays Checkout (as on the web build).
jest.mock('../config', () => ({
  API_URL: 'http://127.0.0.1:3000',
  RAZORPAY_SANDBOX_URL: 'http://127.0.0.1:4010',
}));

const customer = { ...signedInAs({ role: 'customer' }), 'GET /repairs/r-1/calls': { body: [] } };

describe('customer: booking a repair', () => {
  it('books at home with the device position, a window and a technician picked nearby', async () => {
    mockPermission.granted = true;
    const calls = fakeApi({
      ...customer,
      'GET /technicians/nearby': {
        body: {
          items: [
            {
              id: '6f1c2d3e-0000-4000-8000-000000000001',
              kind: 'hardware',
              distanceM: 1300,
              displayName: 'Ravi Kumar',
              skills: ['display'],
              brands: ['Xiaomi'],
              ratingCount: 12,
              rating: 4.31,
              completedJobs: 20,
              rankScore: 0.83,
            },
          ],
        },
      },
      'POST /repairs': { status: 201, body: repairJob({ id: 'r-9' }) },
    });
    await renderScreen(<BookRepair />);
    await fireEvent.changeText(screen.getByLabelText('Device brand'), 'Xiaomi');
    await fireEvent.changeText(screen.getByLabelText('Device model'), 'Redmi Note 12');
    await fireEvent.changeText(screen.getByLabelText('What is wrong?'), 'The screen is cracked');
    await fireEvent.press(screen.getByRole('button', { name: 'Use my position' }));
    expect(await screen.findByDisplayValue('12.971600')).toBeOnTheScreen();
    expect(screen.getByLabelText('Longitude')).toHaveDisplayValue('77.594600');
    await fireEvent.changeText(screen.getByLabelText('Address'), '12 MG Road, Bengaluru');
    await fireEvent.changeText(
      screen.getByLabelText('Preferred from (YYYY-MM-DD HH:MM)'),
      '2026-12-08 10:00',
    );
    await fireEvent.changeText(
      screen.getByLabelText('Preferred until (YYYY-MM-DD HH:MM)'),
      '2026-12-08 13:00',
    );
    await fireEvent.press(screen.getByRole('button', { name: 'Find technicians nearby' }));
    expect(await screen.findByText('1.3 km away')).toBeOnTheScreen();
    expect(screen.getByText('★ 4.3 (12 ratings) · 20 repairs done')).toBeOnTheScreen();
    const nearby = calls.find((c) => c.path === '/technicians/nearby')!;
    expect(Object.fromEntries(nearby.query)).toEqual({
      lat: '12.9716',
      lng: '77.5946',
      kind: 'hardware',
      brand: 'Xiaomi',
    });
    await fireEvent.press(screen.getByRole('button', { name: 'Pick Ravi Kumar' }));
    expect(screen.getByTestId('picked')).toHaveTextContent(
      'Picked: Ravi Kumar is offered your job first.',
    );
    await fireEvent.press(screen.getByRole('button', { name: 'Request repair' }));

    expect(mockRouter.replace).toHaveBeenCalledWith('/repair/r-9');
    expect(calls.find((c) => c.method === 'POST' && c.path === '/repairs')!.body).toEqual({
      kind: 'hardware',
      mode: 'offline',
      deviceBrand: 'Xiaomi',
      deviceModel: 'Redmi Note 12',
      problem: 'The screen is cracked',
      location: { lat: 12.9716, lng: 77.5946 },
      address: '12 MG Road, Bengaluru',
      preferredFrom: '2026-12-08T10:00:00+05:30',
      preferredTo: '2026-12-08T13:00:00+05:30',
      preferredTechnicianId: '6f1c2d3e-0000-4000-8000-000000000001',
    });
  });

  it('books an online software repair: no position asked, no technician to pick', async () => {
    const calls = fakeApi({
      ...customer,
      'POST /repairs': { status: 201, body: repairJob({ id: 'r-2', mode: 'online' }) },
    });
    await renderScreen(<BookRepair />);
    await fireEvent.changeText(screen.getByLabelText('Device brand'), 'Apple');
    await fireEvent.changeText(screen.getByLabelText('Device model'), 'iPhone 13');
    await fireEvent.changeText(screen.getByLabelText('What is wrong?'), 'Stuck on the logo');
    await fireEvent.press(screen.getByRole('button', { name: 'Software' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Online (remote)' }));
    expect(screen.queryByLabelText('Latitude')).toBeNull();
    expect(screen.queryByTestId('nearby')).toBeNull();
    await fireEvent.press(screen.getByRole('button', { name: 'Request repair' }));
    expect(mockRouter.replace).toHaveBeenCalledWith('/repair/r-2');
    expect(calls.find((c) => c.path === '/repairs')!.body).toEqual({
      kind: 'software',
      mode: 'online',
      deviceBrand: 'Apple',
      deviceModel: 'iPhone 13',
      problem: 'Stuck on the logo',
    });
  });

  it('attaches picked photos and videos once the job exists, then opens it', async () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const mp4 = new Uint8Array([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 4, 5]);
    mockPicked.assets = [
      { uri: 'file:///picked/cracked.jpg', mimeType: 'image/jpeg', fileName: 'cracked.jpg' },
      { uri: 'file:///picked/flicker.mp4', mimeType: 'video/mp4', fileName: 'flicker.mp4' },
      { uri: 'file:///picked/back.jpg', mimeType: 'image/jpeg', fileName: 'back.jpg' },
    ];
    const uploads: string[] = [];
    const calls = fakeApi({
      ...customer,
      'GET /picked/cracked.jpg': { body: jpeg },
      'GET /picked/flicker.mp4': { body: mp4 },
      'POST /repairs': { status: 201, body: repairJob({ id: 'r-5', mode: 'online' }) },
      'POST /repairs/r-5/media': (call) => {
        uploads.push(call.headers.get('content-type')!);
        return { status: 201, body: {} };
      },
    });
    await renderScreen(<BookRepair />);
    await fireEvent.changeText(screen.getByLabelText('Device brand'), 'Xiaomi');
    await fireEvent.changeText(screen.getByLabelText('Device model'), 'Redmi Note 12');
    await fireEvent.changeText(screen.getByLabelText('What is wrong?'), 'The screen flickers');
    await fireEvent.press(screen.getByRole('button', { name: 'Online (remote)' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Add photos or videos' }));
    expect(await screen.findByText('3 of 10 photos and videos attached')).toBeOnTheScreen();
    await fireEvent.press(screen.getByRole('button', { name: 'Remove back.jpg' }));
    expect(screen.getByText('2 of 10 photos and videos attached')).toBeOnTheScreen();
    await fireEvent.press(screen.getByRole('button', { name: 'Request repair' }));

    await waitFor(() => expect(mockRouter.replace).toHaveBeenCalledWith('/repair/r-5'));
    // The job first, then each file's bytes as its raw body, in the order picked.
    const sent = calls.filter((c) => c.method === 'POST' && c.path.startsWith('/repairs'));
    expect(sent.map((c) => c.path)).toEqual([
      '/repairs',
      '/repairs/r-5/media',
      '/repairs/r-5/media',
    ]);
    expect(uploads).toEqual(['image/jpeg', 'video/mp4']);
    expect(sent.slice(1).map((c) => c.body)).toEqual([jpeg, mp4]);
  });

  it('keeps the booked job when a file is refused, and says which problem', async () => {
    mockPicked.assets = [
      { uri: 'file:///picked/scan.jpg', mimeType: 'image/jpeg', fileName: 'scan.jpg' },
    ];
    const calls = fakeApi({
      ...customer,
      'GET /picked/scan.jpg': { body: new Uint8Array([1, 2, 3]) },
      'POST /repairs': { status: 201, body: repairJob({ id: 'r-6', mode: 'online' }) },
      'POST /repairs/r-6/media': {
        status: 415,
        body: {
          type: 'about:blank',
          title: 'Unsupported file',
          status: 415,
          code: 'repair-media/unsupported-type',
          detail: 'The body is not a image/jpeg, image/png, image/webp, video/mp4, video/webm file',
        },
      },
    });
    mockRouter.replace.mockClear();
    await renderScreen(<BookRepair />);
    await fireEvent.changeText(screen.getByLabelText('Device brand'), 'Apple');
    await fireEvent.changeText(screen.getByLabelText('Device model'), 'iPhone 13');
    await fireEvent.changeText(screen.getByLabelText('What is wrong?'), 'Stuck on the logo');
    await fireEvent.press(screen.getByRole('button', { name: 'Online (remote)' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Add photos or videos' }));
    await screen.findByText('1 of 10 photos and videos attached');
    await fireEvent.press(screen.getByRole('button', { name: 'Request repair' }));

    expect(
      await screen.findByText('Your repair is booked, but a photo or video was not sent.'),
    ).toBeOnTheScreen();
    expect(screen.getByTestId('upload-failed')).toHaveTextContent(/is not a image\/jpeg/);
    expect(mockRouter.replace).not.toHaveBeenCalled();
    // Booked once: the request cannot be sent again.
    expect(screen.getByRole('button', { name: 'Request repair' })).toBeDisabled();
    expect(calls.filter((c) => c.path === '/repairs')).toHaveLength(1);
    await fireEvent.press(screen.getByRole('button', { name: 'Open my repair' }));
    expect(mockRouter.replace).toHaveBeenCalledWith('/repair/r-6');
  });

  it('highlights the fields a 400 names, says a refused permission, checks typed times', async () => {
    mockPermission.granted = false;
    fakeApi({
      ...customer,
      'POST /repairs': validationProblem(
        { field: 'problem', messages: ['problem must be longer than or equal to 5 characters'] },
        { field: 'location', messages: ['an offline repair needs its location'] },
      ),
    });
    await renderScreen(<BookRepair />);
    await fireEvent.press(screen.getByRole('button', { name: 'Use my position' }));
    expect(
      await screen.findByText('Location permission refused: enter your position or address.'),
    ).toBeOnTheScreen();
    await fireEvent.changeText(screen.getByLabelText('Preferred from (YYYY-MM-DD HH:MM)'), 'soon');
    expect(screen.getByTestId('error-Preferred from (YYYY-MM-DD HH:MM)')).toHaveTextContent(
      'Use YYYY-MM-DD HH:MM (Indian time)',
    );
    expect(screen.getByRole('button', { name: 'Request repair' })).toBeDisabled();
    await fireEvent.changeText(screen.getByLabelText('Preferred from (YYYY-MM-DD HH:MM)'), '');
    await fireEvent.press(screen.getByRole('button', { name: 'Request repair' }));

    expect(await screen.findByText('The request is not valid.')).toBeOnTheScreen();
    expect(screen.getByTestId('error-What is wrong?')).toHaveTextContent(
      'problem must be longer than or equal to 5 characters',
    );
    expect(screen.getByTestId('error-Latitude')).toHaveTextContent(
      'an offline repair needs its location',
    );
    expect(screen.queryByTestId('error-Device brand')).toBeNull();
  });
});

describe('customer: my repairs', () => {
  it('lists them with their status', async () => {
    fakeApi({ ...customer, 'GET /repairs': { body: { items: [repairJob()] } } });
    await renderScreen(<Repairs />);
    expect(await screen.findByText('Xiaomi Redmi Note 12')).toBeOnTheScreen();
    expect(screen.getByText('Finding a technician')).toBeOnTheScreen();
    await fireEvent.press(screen.getByRole('link', { name: 'Xiaomi Redmi Note 12' }));
    expect(mockRouter.push).toHaveBeenCalledWith('/repair/r-1');
  });

  it('says so when there are none', async () => {
    fakeApi({ ...customer, 'GET /repairs': { body: { items: [] } } });
    await renderScreen(<Repairs />);
    expect(await screen.findByText('No repairs yet.')).toBeOnTheScreen();
  });

  it('shows the quote with its GST, approves it, then pays it through Checkout', async () => {
    let job = repairJob({ status: 'quoted', technicianId: 't-1', quotes: [repairQuote()] });
    const calls = fakeApi({
      ...customer,
      'GET /repairs/r-1': () => ({ body: job }),
      'GET /repairs/r-1/timeline': {
        body: [
          {
            event: 'requested',
            fromStatus: null,
            toStatus: 'matching',
            by: 'customer',
            at: '2026-12-01T00:00:00.000Z',
            reason: null,
          },
          {
            event: 'quote',
            fromStatus: 'diagnosing',
            toStatus: 'quoted',
            by: 'technician',
            at: '2026-12-01T01:00:00.000Z',
            reason: null,
          },
        ],
      },
      'GET /repairs/r-1/payment-requests': { body: [] },
      'POST /repairs/r-1/quote/approve': () => {
        job = {
          ...job,
          status: 'awaiting_payment',
          amountPaise: 212600,
          amountDuePaise: 212600,
          quotes: [repairQuote({ status: 'approved' })],
        };
        return { body: job };
      },
      'POST /repairs/r-1/payments': {
        status: 201,
        body: { id: 'p-1', gatewayOrderId: 'order_R1', status: 'created' },
      },
      'POST /__sandbox/orders/order_R1/pay': {
        body: {
          razorpay_order_id: 'order_R1',
          razorpay_payment_id: 'pay_R1',
          razorpay_signature: 'sig',
        },
      },
      'POST /repairs/r-1/payments/verify': () => {
        job = { ...job, status: 'in_progress', amountDuePaise: 0, paidPaise: 212600 };
        return { body: { id: 'p-1', status: 'captured' } };
      },
    });
    await renderScreen(<RepairDetail />);
    expect(await screen.findByText('Quote ready')).toBeOnTheScreen();
    const quote = screen.getByTestId('quote');
    expect(quote).toHaveTextContent(
      'Labour: 1 × Fit the display at ₹500.00 · ₹500.00 + GST 18% ₹90.00',
      {
        exact: false,
      },
    );
    expect(quote).toHaveTextContent(
      'Parts: 1 × Display at ₹1,200.00 · ₹1,200.00 + GST 28% ₹336.00',
      { exact: false },
    );
    expect(quote).toHaveTextContent('Before GST: ₹1,700.00 · GST: ₹426.00', { exact: false });
    expect(quote).toHaveTextContent('Total: ₹2,126.00', { exact: false });
    expect(await screen.findByTestId('timeline')).toHaveTextContent('Quote ready · by technician', {
      exact: false,
    });

    await fireEvent.press(screen.getByRole('button', { name: 'Approve quote' }));
    expect(calls.find((c) => c.path === '/repairs/r-1/quote/approve')!.body).toEqual({
      quoteId: 'q-1',
    });
    await fireEvent.press(await screen.findByRole('button', { name: 'Pay ₹2,126.00' }));
    expect(await screen.findByText('Repair in progress')).toBeOnTheScreen();
    expect(calls.find((c) => c.path === '/repairs/r-1/payments/verify')!.body).toEqual({
      razorpayOrderId: 'order_R1',
      razorpayPaymentId: 'pay_R1',
      razorpaySignature: 'sig',
    });
    expect(screen.getByText('Paid ₹2,126.00')).toBeOnTheScreen();
    expect(screen.queryByRole('button', { name: 'Pay ₹2,126.00' })).toBeNull();
  });

  it('shows the cancellation policy with the visit fee, and the refusal’s detail', async () => {
    const calls = fakeApi({
      ...customer,
      'GET /repairs/r-1': { body: repairJob({ status: 'arrived', technicianId: 't-1' }) },
      'GET /repairs/r-1/timeline': { body: [] },
      'POST /repairs/r-1/cancel': {
        status: 409,
        body: {
          title: 'Conflict',
          status: 409,
          code: 'repair/not-cancellable',
          detail: 'The repair can no longer be cancelled.',
        },
      },
    });
    await renderScreen(<RepairDetail />);
    expect(await screen.findByTestId('cancel')).toHaveTextContent(
      'Cancelling is free until the technician is on the way. Once they have arrived, a visit fee of ₹199.00 is kept from what you paid; the rest is refunded.',
      {
        exact: false,
      },
    );
    await fireEvent.changeText(screen.getByLabelText('Reason (optional)'), 'Fixed it myself');
    await fireEvent.press(screen.getByRole('button', { name: 'Cancel repair' }));
    expect(await screen.findByText('The repair can no longer be cancelled.')).toBeOnTheScreen();
    expect(calls.find((c) => c.path === '/repairs/r-1/cancel')!.body).toEqual({
      reason: 'Fixed it myself',
    });
  });

  it('follows the technician on the way: distance, ETA and position', async () => {
    fakeApi({
      ...customer,
      'GET /repairs/r-1': { body: repairJob({ status: 'en_route', technicianId: 't-1' }) },
      'GET /repairs/r-1/timeline': { body: [] },
      'GET /repairs/r-1/tracking': {
        body: {
          repairJobId: 'r-1',
          status: 'en_route',
          distanceM: 2400,
          etaSeconds: 480,
          etaBasis: 'city_speed',
          fixAgeSeconds: 12,
          position: { lat: 12.95, lng: 77.6, accuracyM: 10, recordedAt: '2026-12-07T10:00:00Z' },
        },
      },
    });
    await renderScreen(<RepairDetail />);
    expect(await screen.findByTestId('tracking')).toHaveTextContent(
      'Your technician is 2.4 km away · about 8 minLast position 12.95000, 77.60000 (12 s ago)',
    );
  });

  it('confirms a done repair and reviews it blind until both are in', async () => {
    let reviews: unknown[] = [];
    const windowClosesAt = new Date(Date.now() + 86_400_000).toISOString();
    const calls = fakeApi({
      ...customer,
      'GET /repairs/r-1': { body: repairJob({ status: 'done', paidPaise: 212600 }) },
      'GET /repairs/r-1/timeline': { body: [] },
      'POST /repairs/r-1/confirm': { body: repairJob({ status: 'confirmed' }) },
      'GET /disputes': { body: { items: [], nextCursor: null } },
      'GET /repairs/r-1/reviews': () => ({ body: { items: reviews, windowClosesAt } }),
      'POST /repairs/r-1/review': ({ body }) => {
        reviews = [
          {
            ...(body as object),
            id: 'rv-1',
            direction: 'of_technician',
            repairJobId: 'r-1',
            authorId: 'u-1',
            subjectId: 't-1',
            hidden: false,
            revealed: false,
            submittedAt: '2026-12-07T10:00:00Z',
            editedAt: null,
            editableUntil: windowClosesAt,
            windowClosesAt,
          },
        ];
        return { status: 201, body: reviews[0] };
      },
    });
    await renderScreen(<RepairDetail />);
    await fireEvent.press(
      await screen.findByRole('button', { name: 'Confirm the repair is done' }),
    );
    expect(calls.some((c) => c.path === '/repairs/r-1/confirm')).toBe(true);
    expect(await screen.findByTestId('reviews')).toHaveTextContent(
      'The technician’s review of you is shown once you both have reviewed, or when the window closes.',
      {
        exact: false,
      },
    );
    expect(screen.getByRole('button', { name: 'Send review' })).toBeDisabled();
    await fireEvent.press(screen.getByRole('button', { name: '4 ★' }));
    await fireEvent.changeText(screen.getByLabelText('Your review'), 'Quick and tidy');
    await fireEvent.press(screen.getByRole('button', { name: 'Send review' }));
    expect(await screen.findByText('Your review: 4★ Quick and tidy')).toBeOnTheScreen();
    expect(calls.find((c) => c.path === '/repairs/r-1/review')!.body).toEqual({
      stars: 4,
      text: 'Quick and tidy',
    });
  });

  it('reads in Hindi', async () => {
    fakeApi({
      ...customer,
      'GET /repairs': { body: { items: [repairJob({ status: 'en_route' })] } },
    });
    await renderScreen(<Repairs />);
    await act(() => i18n.changeLanguage('hi'));
    expect(await screen.findByText('तकनीशियन रास्ते में है')).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'मरम्मत बुक करें' })).toBeOnTheScreen();
  });
});
