import { describe, expect, it } from '@jest/globals';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { renderToStaticMarkup } from 'react-dom/server';
import { KycDocumentsView, type KycDocument } from './kyc-documents';

const doc = (over: Partial<KycDocument>): KycDocument => ({
  id: 'k-1',
  userId: 'u-1',
  kind: 'gst_certificate',
  contentType: 'image/jpeg',
  byteSize: 1234,
  sha256: 'a'.repeat(64),
  uploadedAt: '2026-12-06T07:00:00.000Z',
  supersededAt: null,
  url: '/admin/approvals/u-1/documents/k-1',
  ...over,
});

const markup = (documents: KycDocument[]) =>
  renderToStaticMarkup(
    <QueryClientProvider client={new QueryClient()}>
      <KycDocumentsView documents={documents} />
    </QueryClientProvider>,
  ).replace(/<style[^>]*>.*?<\/style>/gs, '');
const render = (documents: KycDocument[]) => markup(documents).replace(/<[^>]+>/g, ' ');

describe('KycDocumentsView', () => {
  it('shows each current document with its kind and upload time in IST, the replaced ones under a closed history', () => {
    const html = render([
      doc({ id: 'k-2', kind: 'pan_card', uploadedAt: '2026-12-06T08:00:00.000Z' }),
      doc({ id: 'k-3', kind: 'shop_photo', contentType: 'image/webp' }),
      doc({
        id: 'k-1',
        kind: 'pan_card',
        uploadedAt: '2026-12-05T08:00:00.000Z',
        supersededAt: '2026-12-06T08:00:00.000Z',
      }),
    ]);
    expect(html).toContain('PAN card, uploaded 06 Dec 2026, 13:30:00 IST');
    expect(html).toContain('Shop photo, uploaded 06 Dec 2026, 12:30:00 IST');
    // The replaced PAN card: counted under the history, its file not shown (nor fetched) until opened.
    expect(html).toContain('Replaced documents (1)');
    expect(html).not.toContain('05 Dec 2026');
    expect(html).not.toContain('GST certificate');
  });

  it('offers a PDF as a download, never shown in the page', () => {
    const page = markup([
      doc({ id: 'k-4', contentType: 'application/pdf', byteSize: 48_000 }),
      doc({ id: 'k-5', kind: 'shop_photo' }),
    ]);
    expect(page).toContain(
      'aria-label="Download PDF (47 KB): GST certificate, uploaded 06 Dec 2026, 12:30:00 IST"',
    );
    expect(page.replace(/<[^>]+>/g, ' ')).toContain('Download PDF (47 KB)');
    // One figure loads its image (the shop photo); the PDF has no image, object or frame.
    expect(page.match(/Loading the media/g)).toHaveLength(1);
    expect(page).not.toMatch(/<(iframe|object|embed)\b/);
    expect(render([doc({ contentType: 'application/pdf' })])).not.toContain('Replaced documents');
  });

  it('says so when the applicant has uploaded nothing current', () => {
    expect(render([])).toContain('No KYC documents uploaded yet.');
    const onlyReplaced = render([doc({ supersededAt: '2026-12-06T08:00:00.000Z' })]);
    expect(onlyReplaced).toContain('No KYC documents uploaded yet.');
    expect(onlyReplaced).toContain('Replaced documents (1)');
  });
});
