import { describe, expect, it } from '@jest/globals';
import { fireEvent, screen } from '@testing-library/react-native';
import { cart, cartLine, catalogListing } from '../testing/fixtures';
import { fakeApi, renderScreen, signedInAs } from '../testing/render';
import Account from './Account';
import Cart from './Cart';
import Search from './Search';

const preferences = { messages: true, calls: true, jobOffers: true, orders: true, payments: true };

describe('customer', () => {
  it('searches with a typo and a model: the API says what it searched; B2C prices', async () => {
    const calls = fakeApi({
      ...signedInAs({ role: 'customer' }),
      'GET /catalog/listings': ({ query }) => ({
        body: query.has('q')
          ? { channel: 'b2c', correctedQuery: 'iphone 13 display', items: [catalogListing()] }
          : { channel: 'b2c', items: [] },
      }),
    });
    await renderScreen(<Search />);
    await fireEvent.changeText(screen.getByLabelText('Search parts'), ' iphone 13 displya ');
    await fireEvent.changeText(screen.getByLabelText('Phone model'), 'iPhone 13');
    await fireEvent.press(screen.getByRole('button', { name: 'Search' }));

    expect(await screen.findByTestId('corrected-query')).toHaveTextContent(
      'Showing results for "iphone 13 display"',
    );
    const search = calls.filter((c) => c.path === '/catalog/listings').at(-1)!;
    expect([search.query.get('q'), search.query.get('model')]).toEqual([
      'iphone 13 displya',
      'iPhone 13',
    ]);
    expect(search.headers.get('authorization')).toBe('Bearer access-token');
    expect(screen.getByText('₹3,999.00')).toBeOnTheScreen();
    expect(screen.getByText('MRP ₹4,500.00')).toBeOnTheScreen();
    expect(screen.queryByText('B2B price')).toBeNull();
    expect(screen.getByText('7 in stock')).toBeOnTheScreen();
  });

  it('says so when nothing matches', async () => {
    fakeApi({ 'GET /catalog/listings': { body: { channel: 'b2c', items: [] } } });
    await renderScreen(<Search />);
    expect(
      await screen.findByText('No parts match. Try other words or another model.'),
    ).toBeOnTheScreen();
  });

  it('shows the API problem detail, and the offline state when there is no answer', async () => {
    fakeApi({
      'GET /catalog/listings': {
        status: 429,
        body: {
          title: 'Too many requests',
          status: 429,
          code: 'rate-limit/exceeded',
          detail: 'Try again in 30 seconds.',
        },
      },
    });
    await renderScreen(<Search />);
    expect(await screen.findByText('Try again in 30 seconds.')).toBeOnTheScreen();

    fakeApi({});
    global.fetch = (() => Promise.reject(new TypeError('Network request failed'))) as typeof fetch;
    await fireEvent.press(screen.getByRole('button', { name: 'Try again' }));
    expect(
      await screen.findByText("You're offline. Check your connection and try again."),
    ).toBeOnTheScreen();
  });

  it('sees the cart by dealer below the ₹500 minimum: the shortfall, and no checkout', async () => {
    fakeApi({ ...signedInAs({ role: 'customer' }), 'GET /cart': { body: cart() } });
    await renderScreen(<Cart />);
    expect(await screen.findByText('From Lamington Spares')).toBeOnTheScreen();
    expect(screen.getByText('2 × SIM tray')).toBeOnTheScreen();
    expect(screen.getByText('Minimum order ₹500.00')).toBeOnTheScreen();
    expect(screen.getByTestId('shortfall')).toHaveTextContent(
      'Add ₹260.00 more to check out (items total ₹240.00).',
    );
    expect(screen.getByRole('button', { name: 'Checkout' })).toBeDisabled();
  });

  it('may check out once the cart is ready', async () => {
    const ready = cart({
      itemsPaise: 60000,
      totalPaise: 60000,
      deliveryPaise: 0,
      minimumOrder: { minimumPaise: 50000, shortfallPaise: 0, met: true },
      readyForCheckout: true,
    });
    fakeApi({ ...signedInAs({ role: 'customer' }), 'GET /cart': { body: ready } });
    await renderScreen(<Cart />);
    expect(await screen.findByText('Minimum order ₹500.00 reached')).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Checkout' })).toBeEnabled();
  });
});

describe('business buyer', () => {
  it('sees B2B prices with the minimum quantity and tiers', async () => {
    fakeApi({
      ...signedInAs({ role: 'business', gstin: '29ABCDE1234F1Z5' }),
      'GET /catalog/listings': {
        body: {
          channel: 'b2b',
          items: [
            catalogListing({
              channel: 'b2b',
              pricePaise: 340000,
              b2bMinQty: 5,
              tiers: [{ minQty: 20, pricePaise: 320000 }],
            }),
          ],
        },
      },
    });
    await renderScreen(<Search />);
    expect(await screen.findByText('B2B price')).toBeOnTheScreen();
    expect(screen.getByText('₹3,400.00')).toBeOnTheScreen();
    expect(screen.getByText('Minimum 5 units')).toBeOnTheScreen();
    expect(screen.getByText('20+ units: ₹3,200.00 each')).toBeOnTheScreen();
  });

  it('is held to the ₹10,000 minimum', async () => {
    const b2b = cart({
      channel: 'b2b',
      itemsPaise: 850000,
      minimumOrder: { minimumPaise: 1000000, shortfallPaise: 150000, met: false },
      groups: [
        {
          ...cart().groups[0]!,
          lines: [cartLine({ quantity: 5, unitPricePaise: 170000, lineTotalPaise: 850000 })],
        },
      ],
    });
    fakeApi({ ...signedInAs({ role: 'business' }), 'GET /cart': { body: b2b } });
    await renderScreen(<Cart />);
    expect(await screen.findByText('Minimum order ₹10,000.00')).toBeOnTheScreen();
    expect(screen.getByTestId('shortfall')).toHaveTextContent(
      'Add ₹1,500.00 more to check out (items total ₹8,500.00).',
    );
    expect(screen.getByRole('button', { name: 'Checkout' })).toBeDisabled();
  });

  it('sees its GSTIN and that it waits for verification', async () => {
    fakeApi({
      ...signedInAs({
        role: 'business',
        status: 'pending',
        gstin: '29ABCDE1234F1Z5',
        businessName: 'Rao Mobiles',
      }),
      'GET /me/notification-preferences': { body: preferences },
    });
    await renderScreen(<Account />);
    expect(await screen.findByText('Rao Mobiles')).toBeOnTheScreen();
    expect(screen.getByTestId('verification')).toHaveTextContent(
      'GSTIN verification29ABCDE1234F1Z5Waiting for FixBazaar to verify your GSTIN. Until then you buy at retail prices.',
    );
  });
});

describe('notifications', () => {
  it('turns one category off, leaving the others as they are; job offers only for technicians', async () => {
    const calls = fakeApi({
      ...signedInAs({ role: 'customer' }),
      'GET /me/notification-preferences': { body: preferences },
      'PUT /me/notification-preferences': ({ body }) => ({
        body: { ...preferences, ...(body as object) },
      }),
    });
    await renderScreen(<Account />);
    await fireEvent.press(await screen.findByRole('button', { name: 'Chat messages: on' }));
    expect(await screen.findByRole('button', { name: 'Chat messages: off' })).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Orders: on' })).toBeOnTheScreen();
    expect(screen.queryByRole('button', { name: /^Job offers/ })).toBeNull();
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({ messages: false });
  });
});
