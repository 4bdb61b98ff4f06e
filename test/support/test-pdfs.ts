/**
 * Small PDFs written on the spot (objects, cross-reference table and trailer with true offsets) for
 * the KYC upload tests: a plain one-page document, and ones an upload refuses: truncated,
 * encrypted, or carrying active content in plain sight, behind `#xx` name escapes or inside a
 * compressed object stream.
 */
import { deflateSync } from 'node:zlib';

/** A PDF of `objects` (numbered from 1; object 1 is the catalog), `trailer` added to the trailer. */
export function pdfOf(objects: (string | Buffer)[], trailer = ''): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  const add = (part: string | Buffer) => {
    const b = typeof part === 'string' ? Buffer.from(part, 'latin1') : part;
    parts.push(b);
    length += b.length;
  };
  objects.forEach((body, i) => {
    offsets.push(length);
    add(`${i + 1} 0 obj\n`);
    add(body);
    add('\nendobj\n');
  });
  const xref = length;
  add(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`);
  for (const o of offsets) add(`${String(o).padStart(10, '0')} 00000 n \n`);
  add(
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailer}>>\nstartxref\n${xref}\n%%EOF\n`,
  );
  return Buffer.concat(parts);
}

const stream = (dictionary: string, data: Buffer) =>
  Buffer.concat([
    Buffer.from(`<< ${dictionary} /Length ${data.length} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream', 'latin1'),
  ]);

/** Pages, page and its text: objects 2–4 of every test PDF (the catalog, object 1, varies). */
const PAGES = [
  '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
  '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
  stream('', Buffer.from('BT /F1 12 Tf 72 770 Td (GSTIN 29ABCDE1234F1Z5) Tj ET', 'latin1')),
];
const catalog = (extra = '') => `<< /Type /Catalog /Pages 2 0 R ${extra}>>`;

const plain = pdfOf([catalog('/OpenAction [3 0 R /Fit] '), ...PAGES]);

export const TEST_PDFS = {
  /** A one-page certificate; it opens at its page (an `/OpenAction` that runs nothing). */
  plain,
  /** The same, cut short: no `%%EOF`. */
  truncated: plain.subarray(0, plain.length - 40),
  /** Encrypted with the standard security handler (the trailer's `/Encrypt`). */
  encrypted: pdfOf(
    [
      catalog(),
      ...PAGES,
      '<< /Filter /Standard /V 1 /R 2 /O (0123456789abcdef0123456789abcdef) /U (0123456789abcdef0123456789abcdef) /P -4 >>',
    ],
    '/Encrypt 5 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] ',
  ),
  /** Runs a script when opened. */
  openActionScript: pdfOf([
    catalog('/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> '),
    ...PAGES,
  ]),
  /** A link on the page that starts a program. */
  launch: pdfOf([
    catalog(),
    PAGES[0]!,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots [5 0 R] >>',
    PAGES[2]!,
    '<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A << /S /Launch /F (cmd.exe) >> >>',
  ]),
  /** Carries another file. */
  embeddedFile: pdfOf([
    catalog('/Names << /EmbeddedFiles << /Names [(invoice.exe) 5 0 R] >> >> '),
    ...PAGES,
    '<< /Type /Filespec /F (invoice.exe) /EF << /F 6 0 R >> >>',
    stream('/Type /EmbeddedFile', Buffer.from('MZ not really a program', 'latin1')),
  ]),
  /** The script's names written with `#xx` escapes (`/J#61vaScript` is `/JavaScript`). */
  escapedNames: pdfOf([
    catalog('/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >> '),
    ...PAGES,
  ]),
  /** The script's action inside a compressed object stream (object 6), the catalog pointing at it. */
  scriptInObjectStream: pdfOf([
    catalog('/OpenAction 6 0 R '),
    ...PAGES,
    stream(
      '/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode',
      deflateSync(Buffer.from('6 0 << /S /JavaScript /JS (app.alert\\(1\\)) >>', 'latin1')),
    ),
  ]),
};
