import { describe, expect, it, jest } from '@jest/globals';
import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import type { Schemas } from '../api/client';
import { fakeApi, renderScreen, signedInAs } from '../testing/render';
import { ListingImages } from './listing-images';

// The device's library hands over what the test picks, and records what it was asked for.
const mockPicker = {
  asked: [] as unknown[],
  picked: { canceled: false, assets: [] as object[] },
};
jest.mock('expo-image-picker', () => ({
  UIImagePickerPreferredAssetRepresentationMode: { Compatible: 'compatible' },
  launchImageLibraryAsync: async (options: unknown) => {
    mockPicker.asked.push(options);
    return mockPicker.picked;
  },
}));

const image = (id: string, position: number): Schemas['ListingImageDto'] => ({
  id,
  listingId: 'dl-1',
  contentType: 'image/jpeg',
  url: `/catalog/listings/dl-1/images/${id}`,
  width: 300,
  height: 200,
  byteSize: 1000,
  sha256: id,
  position,
  createdAt: '2026-12-01T00:00:00.000Z',
});

describe('dealer: a listing’s photos', () => {
  it('moves a photo earlier, deletes one and adds picked photos as their bytes', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2]);
    mockPicker.picked.assets = [
      { uri: 'file:///picked/back.png', mimeType: 'image/png', fileName: 'back.png' },
    ];
    let items = [image('a', 0), image('b', 1)];
    const calls = fakeApi({
      ...signedInAs({ role: 'dealer' }),
      'GET /picked/back.png': { body: png },
      'GET /dealer/listings/dl-1/images': () => ({ body: { items, maxImages: 3, maxBytes: 5e6 } }),
      'PUT /dealer/listings/dl-1/images/order': ({ body }) => {
        const order = (body as { imageIds: string[] }).imageIds;
        items = order.map((id, i) => image(id, i));
        return { body: { items, maxImages: 3, maxBytes: 5e6 } };
      },
      'DELETE /dealer/listings/dl-1/images/a': () => {
        items = items.filter((x) => x.id !== 'a');
        return { status: 204, body: undefined };
      },
      'POST /dealer/listings/dl-1/images': () => {
        items = [...items, image('c', 2)];
        return { status: 201, body: items.at(-1) };
      },
    });
    await renderScreen(<ListingImages listingId="dl-1" />);
    expect(await screen.findByText('Photos (2 of 3)')).toBeOnTheScreen();
    await fireEvent.press(screen.getByRole('button', { name: 'Move photo 2 earlier' }));
    await waitFor(() =>
      expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ imageIds: ['b', 'a'] }),
    );
    await fireEvent.press(await screen.findByRole('button', { name: 'Delete photo 2' }));
    expect(await screen.findByText('Photos (1 of 3)')).toBeOnTheScreen();
    expect(calls.some((c) => c.method === 'DELETE' && c.path.endsWith('/images/a'))).toBe(true);
    await fireEvent.press(screen.getByRole('button', { name: 'Add photos' }));
    expect(await screen.findByText('Photos (2 of 3)')).toBeOnTheScreen();
    const upload = calls.find(
      (c) => c.method === 'POST' && c.path === '/dealer/listings/dl-1/images',
    )!;
    expect(upload.headers.get('content-type')).toBe('image/png');
    expect(upload.body).toEqual(png);
    expect(screen.queryByTestId('problem')).toBeNull();
    // Photos only, no more than the listing still takes.
    expect(mockPicker.asked).toEqual([
      expect.objectContaining({ mediaTypes: ['images'], selectionLimit: 2 }),
    ]);
  });
});
