import { describe, expect, it, jest } from '@jest/globals';
import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import { dealerSubOrder, dispute, order, repairJob } from '../testing/fixtures';
import { fakeApi, renderScreen, signedInAs } from '../testing/render';
import DealerOrders from './DealerOrders';
import DisputeDetail from './DisputeDetail';
import OrderDetail from './OrderDetail';
import RepairDetail from './RepairDetail';
import TechnicianJob from './TechnicianJob';

const mockRouter = { push: jest.fn(), replace: jest.fn() };
const mockParams = { id: 'o-1' };
jest.mock('expo-router', () => ({
  useRouter: () => mockRouter,
  useLocalSearchParams: () => mockParams,
}));
const mockPicked: { canceled: boolean; assets: object[] } = { canceled: false, assets: [] };
jest.mock('expo-image-picker', () => ({
  UIImagePickerPreferredAssetRepresentationMode: { Compatible: 'compatible' },
  launchImageLibraryAsync: async () => mockPicked,
}));

const customer = signedInAs({ role: 'customer' });
const inTwoDays = () => new Date(Date.now() + 2 * 86_400_000).toISOString();

describe('returns and disputes of a part', () => {
  it('requests a return of a delivered part within the window, then opens it', async () => {
    mockParams.id = 'o-1';
    mockRouter.push.mockClear();
    const calls = fakeApi({
      ...customer,
      'GET /orders/o-1': { body: order({ returnWindowEndsAt: inTwoDays() }) },
      'GET /disputes': { body: { items: [], nextCursor: null } },
      'POST /orders/o-1/sub-orders/s-1/disputes': { status: 201, body: dispute() },
    });
    await renderScreen(<OrderDetail />);
    expect(await screen.findByText(/Returns and disputes are open until/)).toBeOnTheScreen();
    expect(calls.find((c) => c.path === '/disputes')!.query.get('orderId')).toBe('o-1');
    expect(screen.queryByRole('button', { name: 'Request the return' })).toBeNull();
    await fireEvent.press(screen.getByRole('button', { name: 'Return it' }));
    expect(screen.getByRole('button', { name: 'Request the return' })).toBeDisabled();
    await fireEvent.changeText(
      screen.getByLabelText('What is wrong?'),
      'The display has a dead line',
    );
    await fireEvent.press(screen.getByRole('button', { name: 'Request the return' }));
    await waitFor(() => expect(mockRouter.push).toHaveBeenCalledWith('/dispute/dp-1'));
    expect(calls.find((c) => c.path === '/orders/o-1/sub-orders/s-1/disputes')!.body).toEqual({
      kind: 'return',
      reason: 'The display has a dead line',
    });
  });

  it('offers only a dispute while the part is on its way', async () => {
    mockParams.id = 'o-1';
    fakeApi({
      ...customer,
      'GET /orders/o-1': { body: order({ status: 'shipped', deliveredAt: null }) },
      'GET /disputes': { body: { items: [], nextCursor: null } },
    });
    await renderScreen(<OrderDetail />);
    expect(await screen.findByRole('button', { name: 'Report a problem' })).toBeOnTheScreen();
    expect(screen.queryByRole('button', { name: 'Return it' })).toBeNull();
  });

  it('offers neither once the return window closed', async () => {
    mockParams.id = 'o-1';
    fakeApi({
      ...customer,
      'GET /orders/o-1': {
        body: order({ returnWindowEndsAt: new Date(Date.now() - 1000).toISOString() }),
      },
      'GET /disputes': { body: { items: [], nextCursor: null } },
    });
    await renderScreen(<OrderDetail />);
    expect(await screen.findByTestId('sub-order')).toBeOnTheScreen();
    await waitFor(() => expect(screen.queryByTestId('open-dispute')).toBeNull());
  });

  it('lists the part’s disputes with their outcome and opens one', async () => {
    mockParams.id = 'o-1';
    mockRouter.push.mockClear();
    fakeApi({
      ...customer,
      'GET /orders/o-1': { body: order({ status: 'completed', refundedPaise: 20000 }) },
      'GET /disputes': {
        body: {
          items: [
            dispute({
              kind: 'dispute',
              status: 'resolved',
              resolution: 'partial_refund',
              refundPaise: 20000,
            }),
            dispute({ id: 'dp-2', subOrderId: 's-other' }),
          ],
          nextCursor: null,
        },
      },
    });
    await renderScreen(<OrderDetail />);
    expect(await screen.findByTestId('dispute-summary')).toHaveTextContent(
      'Decided: ₹200.00 refunded',
      { exact: false },
    );
    // Another part's dispute is not this part's.
    expect(screen.getAllByTestId('dispute-summary')).toHaveLength(1);
    await fireEvent.press(screen.getByRole('link', { name: /^Dispute of/ }));
    expect(mockRouter.push).toHaveBeenCalledWith('/dispute/dp-1');
  });
});

describe('disputing a repair', () => {
  it('disputes a done repair with a reason and what is wrong, instead of confirming', async () => {
    mockParams.id = 'r-1';
    mockRouter.push.mockClear();
    const calls = fakeApi({
      ...customer,
      'GET /repairs/r-1': { body: repairJob({ status: 'done', paidPaise: 212600 }) },
      'GET /repairs/r-1/timeline': { body: [] },
      'GET /repairs/r-1/reviews': { body: { items: [], windowClosesAt: null } },
      'GET /disputes': { body: { items: [], nextCursor: null } },
      'POST /repairs/r-1/disputes': {
        status: 201,
        body: dispute({
          id: 'dp-3',
          kind: 'dispute',
          orderId: null,
          subOrderId: null,
          repairJobId: 'r-1',
          reason: 'not_fixed',
        }),
      },
    });
    await renderScreen(<RepairDetail />);
    await fireEvent.press(
      await screen.findByRole('button', { name: 'Something is wrong with the repair' }),
    );
    await fireEvent.press(screen.getByRole('button', { name: 'The fault came back' }));
    await fireEvent.changeText(
      screen.getByLabelText('Describe the problem'),
      'The screen flickers again',
    );
    await fireEvent.press(screen.getByRole('button', { name: 'Open the dispute' }));
    await waitFor(() => expect(mockRouter.push).toHaveBeenCalledWith('/dispute/dp-3'));
    expect(calls.find((c) => c.path === '/repairs/r-1/disputes')!.body).toEqual({
      reason: 'fault_returned',
      description: 'The screen flickers again',
    });
    expect(calls.find((c) => c.path === '/disputes')!.query.get('repairJobId')).toBe('r-1');
  });
});

describe('a dispute’s page', () => {
  it('shows the answer and adds photos and videos as their bytes', async () => {
    mockParams.id = 'dp-1';
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const mp4 = new Uint8Array([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 4, 5]);
    mockPicked.assets = [
      { uri: 'file:///picked/line.jpg', mimeType: 'image/jpeg', fileName: 'line.jpg' },
      { uri: 'file:///picked/line.mp4', mimeType: 'video/mp4', fileName: 'line.mp4' },
    ];
    let current = dispute({ status: 'responded', dealerResponse: 'Tested before dispatch' });
    const calls = fakeApi({
      ...customer,
      'GET /picked/line.jpg': { body: jpeg },
      'GET /picked/line.mp4': { body: mp4 },
      'GET /disputes/dp-1': () => ({ body: current }),
      'POST /disputes/dp-1/evidence': (call) => {
        const type = call.headers.get('content-type')!;
        current = {
          ...current,
          evidence: [
            ...current.evidence,
            {
              id: `e-${current.evidence.length + 1}`,
              contentType: type,
              byteSize: (call.body as Uint8Array).length,
              role: 'buyer',
              sha256: 'x',
              uploadedBy: 'u-1',
              createdAt: '2026-12-05T00:00:00.000Z',
              url: '/disputes/dp-1/evidence/e',
            },
          ],
        };
        return { status: 201, body: current };
      },
    });
    await renderScreen(<DisputeDetail />);
    expect(await screen.findByTestId('dispute-status')).toHaveTextContent(
      'Answered: FixBazaar is deciding',
    );
    expect(screen.getByTestId('dispute-answer')).toHaveTextContent('Tested before dispatch', {
      exact: false,
    });
    expect(screen.getByText('Photos and videos (0 of 10)')).toBeOnTheScreen();
    // The buyer adds evidence; answering is the dealer's.
    expect(screen.queryByLabelText('Your answer')).toBeNull();
    await fireEvent.press(screen.getByRole('button', { name: 'Add photos or videos' }));
    expect(await screen.findByText('Photos and videos (2 of 10)')).toBeOnTheScreen();
    const sent = calls.filter((c) => c.path === '/disputes/dp-1/evidence');
    expect(sent.map((c) => c.headers.get('content-type'))).toEqual(['image/jpeg', 'video/mp4']);
    expect(sent.map((c) => c.body)).toEqual([jpeg, mp4]);
    expect(screen.getByTestId('evidence')).toHaveTextContent('Video · by the buyer', {
      exact: false,
    });
  });

  it('says why a file is refused', async () => {
    mockParams.id = 'dp-1';
    mockPicked.assets = [
      { uri: 'file:///picked/a.jpg', mimeType: 'image/jpeg', fileName: 'a.jpg' },
    ];
    fakeApi({
      ...customer,
      'GET /picked/a.jpg': { body: new Uint8Array([1, 2, 3]) },
      'GET /disputes/dp-1': { body: dispute() },
      'POST /disputes/dp-1/evidence': {
        status: 422,
        body: {
          title: 'Not a whole photo or video',
          status: 422,
          code: 'media/undecodable',
          detail: 'The photo could not be read.',
        },
      },
    });
    await renderScreen(<DisputeDetail />);
    await fireEvent.press(await screen.findByRole('button', { name: 'Add photos or videos' }));
    expect(await screen.findByText('The photo could not be read.')).toBeOnTheScreen();
  });

  it('shows staff’s decision and takes no more evidence once resolved', async () => {
    mockParams.id = 'dp-1';
    fakeApi({
      ...customer,
      'GET /disputes/dp-1': {
        body: dispute({
          status: 'resolved',
          resolution: 'full_refund',
          refundPaise: 60000,
          resolutionReason: 'The dealer sent a used part',
          resolvedAt: '2026-12-06T00:00:00.000Z',
        }),
      },
    });
    await renderScreen(<DisputeDetail />);
    expect(await screen.findByTestId('dispute-status')).toHaveTextContent('Decided: full refund');
    expect(screen.getByTestId('dispute-decision')).toHaveTextContent(
      'The dealer sent a used part',
      { exact: false },
    );
    expect(screen.queryByRole('button', { name: 'Add photos or videos' })).toBeNull();
  });
});

describe('answering a dispute', () => {
  it('the dealer finds an open return on its sale', async () => {
    mockRouter.push.mockClear();
    const calls = fakeApi({
      ...signedInAs({ role: 'dealer' }),
      'GET /dealer/orders': {
        body: { items: [dealerSubOrder({ status: 'return_requested' })], nextCursor: null },
      },
      'GET /disputes': { body: { items: [dispute({ dealerId: 'u-1' })], nextCursor: null } },
    });
    await renderScreen(<DealerOrders />);
    await fireEvent.press(await screen.findByRole('link', { name: /^Return of/ }));
    expect(mockRouter.push).toHaveBeenCalledWith('/dispute/dp-1');
    expect(calls.find((c) => c.path === '/disputes')!.query.get('orderId')).toBe('o-1');
  });

  it('the dealer answers on the dispute’s page', async () => {
    mockParams.id = 'dp-1';
    let current = dispute({ dealerId: 'u-1' });
    const calls = fakeApi({
      ...signedInAs({ role: 'dealer' }),
      'GET /disputes/dp-1': () => ({ body: current }),
      'POST /dealer/disputes/dp-1/respond': ({ body }) => {
        current = {
          ...current,
          status: 'responded',
          dealerResponse: (body as { message: string }).message,
        };
        return { body: current };
      },
    });
    await renderScreen(<DisputeDetail />);
    await fireEvent.changeText(
      await screen.findByLabelText('Your answer'),
      'Tested before dispatch',
    );
    await fireEvent.press(screen.getByRole('button', { name: 'Send the answer' }));
    expect(await screen.findByText('Tested before dispatch')).toBeOnTheScreen();
    expect(screen.getByTestId('dispute-status')).toHaveTextContent(
      'Answered: FixBazaar is deciding',
    );
    expect(calls.find((c) => c.path === '/dealer/disputes/dp-1/respond')!.body).toEqual({
      message: 'Tested before dispatch',
    });
  });

  const repairDispute = dispute({
    id: 'dp-3',
    kind: 'dispute',
    orderId: null,
    subOrderId: null,
    dealerId: null,
    repairJobId: 'r-1',
    technicianId: 'u-1',
    reason: 'not_fixed',
    description: 'The touch is still dead',
  });
  const technician = signedInAs({ role: 'technician', technicianKind: 'hardware' });

  it('the technician finds its disputed job’s dispute', async () => {
    mockParams.id = 'r-1';
    mockRouter.push.mockClear();
    const calls = fakeApi({
      ...technician,
      'GET /technician/repairs/r-1': {
        body: repairJob({ status: 'disputed', technicianId: 'u-1' }),
      },
      'GET /technician/repairs/r-1/timeline': { body: [] },
      'GET /disputes': { body: { items: [repairDispute], nextCursor: null } },
    });
    await renderScreen(<TechnicianJob />);
    await fireEvent.press(await screen.findByRole('link', { name: /^Dispute of/ }));
    expect(mockRouter.push).toHaveBeenCalledWith('/dispute/dp-3');
    expect(calls.find((c) => c.path === '/disputes')!.query.get('repairJobId')).toBe('r-1');
  });

  it('the technician answers on the dispute’s page', async () => {
    mockParams.id = 'dp-3';
    const calls = fakeApi({
      ...technician,
      'GET /disputes/dp-3': { body: repairDispute },
      'POST /technician/disputes/dp-3/respond': {
        body: { ...repairDispute, status: 'responded', technicianResponse: 'Replaced twice' },
      },
    });
    await renderScreen(<DisputeDetail />);
    expect(await screen.findByText('Not fixed')).toBeOnTheScreen();
    await fireEvent.changeText(await screen.findByLabelText('Your answer'), 'Replaced twice');
    await fireEvent.press(screen.getByRole('button', { name: 'Send the answer' }));
    expect(await screen.findByText('Replaced twice')).toBeOnTheScreen();
    expect(calls.find((c) => c.path === '/technician/disputes/dp-3/respond')!.body).toEqual({
      message: 'Replaced twice',
    });
  });
});
