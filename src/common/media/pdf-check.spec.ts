import { pdfOf, TEST_PDFS } from '../../../test/support/test-pdfs.js';
import { checkPdf } from './pdf-check.js';

describe('checkPdf', () => {
  it('takes a plain PDF, and names that only start like an active one', () => {
    expect(checkPdf(TEST_PDFS.plain)).toEqual({ ok: true });
    const lookalikes = pdfOf([
      '<< /Type /Catalog /JSONData (1) /Launcher (x) /EmbeddedFileNote (y) >>',
    ]);
    expect(checkPdf(lookalikes)).toEqual({ ok: true });
  });

  it('refuses what has no header, and an object stream it cannot decompress', () => {
    expect(checkPdf(Buffer.from(` ${TEST_PDFS.plain.toString('latin1')}`, 'latin1'))).toMatchObject(
      { ok: false, code: 'not-pdf' },
    );
    const hex = pdfOf([
      '<< /Type /Catalog >>',
      '<< /Type /ObjStm /N 1 /First 4 /Filter /ASCIIHexDecode /Length 4 >>\nstream\n3c3c\nendstream',
    ]);
    expect(checkPdf(hex)).toMatchObject({ ok: false, code: 'undecodable' });
    const broken = pdfOf([
      '<< /Type /Catalog >>',
      '<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length 4 >>\nstream\nnope\nendstream',
    ]);
    expect(checkPdf(broken)).toMatchObject({ ok: false, code: 'undecodable' });
  });
});
