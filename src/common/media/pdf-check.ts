/**
 * Uploaded PDFs (KYC documents only) cannot be re-encoded like photos, so they are stored as sent
 * once they pass these checks: the file starts with a `%PDF-x.y` header and ends with a `%%EOF`
 * marker (a truncated upload does not), it is not encrypted (`/Encrypt`: its content could not be
 * checked, nor read by staff without a password), and it carries no active content: JavaScript
 * (`/JavaScript`, `/JS`, so an `/OpenAction` or `/AA` running a script too), `/Launch` actions,
 * embedded files (`/EmbeddedFile`, `/EmbeddedFiles`), `/RichMedia` and `/XFA` forms. Names are read
 * as PDF readers read them (`/J#53` is `/JS`), in the file and inside its compressed object streams
 * (`/Type /ObjStm`, where dictionaries may hide); an object stream that cannot be decompressed, or
 * uses a filter other than FlateDecode, cannot be checked and is refused.
 */
import { inflateSync } from 'node:zlib';

export const PDF_CONTENT_TYPE = 'application/pdf';

export type PdfCheck =
  | { ok: true }
  | { ok: false; code: 'not-pdf'; detail: string }
  | { ok: false; code: 'undecodable' | 'pdf-encrypted'; detail: string }
  | { ok: false; code: 'pdf-active-content'; detail: string; found: string[] };

/** Names that make a PDF do something when opened or clicked, or carry other files. */
const ACTIVE = new Set([
  'JavaScript',
  'JS',
  'Launch',
  'EmbeddedFile',
  'EmbeddedFiles',
  'RichMedia',
  'XFA',
]);

const HEADER = /^%PDF-\d\.\d/;
/** A name token: `/` then regular characters up to whitespace or a delimiter (PDF 32000-1, 7.2.2). */
const NAME = /\/([^\s()<>[\]{}/%]*)/g;
/** Largest decompressed object stream (bytes): bigger ones are refused, not inflated further. */
const MAX_OBJECT_STREAM_BYTES = 16 * 1024 * 1024;

/** A name as readers see it: `#xx` escapes decoded. */
const decodeName = (raw: string) =>
  raw.replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

interface NameAt {
  name: string;
  index: number;
}

/** NUL is whitespace to PDF readers (replaced, so indices stay byte offsets). */
const nulAsSpace = (text: string) => text.replaceAll('\0', ' ');

const namesIn = (text: string): NameAt[] =>
  [...nulAsSpace(text).matchAll(NAME)].map((m) => ({ name: decodeName(m[1]!), index: m.index }));

/** Whether `bytes` may be stored as a KYC document, or why not. */
export function checkPdf(bytes: Buffer): PdfCheck {
  // latin1 keeps one character per byte, so indices are byte offsets.
  const text = bytes.toString('latin1');
  if (!HEADER.test(text))
    return { ok: false, code: 'not-pdf', detail: 'The body does not start with a %PDF- header' };
  if (!/%%EOF\s*$/.test(nulAsSpace(text.slice(-1024))))
    return {
      ok: false,
      code: 'undecodable',
      detail: 'The PDF does not end with %%EOF: it is incomplete',
    };
  const names = namesIn(text);
  const streams = objectStreams(text, names);
  if (!streams.ok) return streams;
  const all = [...names, ...streams.texts.flatMap(namesIn)].map((n) => n.name);
  if (all.includes('Encrypt'))
    return {
      ok: false,
      code: 'pdf-encrypted',
      detail: 'The PDF is encrypted: send it without a password or restrictions',
    };
  const found = [...new Set(all.filter((n) => ACTIVE.has(n)))].sort();
  if (found.length > 0)
    return {
      ok: false,
      code: 'pdf-active-content',
      detail: `The PDF has active content (${found.map((n) => `/${n}`).join(', ')}): send a plain document`,
      found,
    };
  return { ok: true };
}

/** The decompressed text of each object stream, or why one cannot be read. */
function objectStreams(
  text: string,
  names: NameAt[],
): { ok: true; texts: string[] } | { ok: false; code: 'undecodable'; detail: string } {
  const texts: string[] = [];
  for (const at of names.filter((n) => n.name === 'ObjStm')) {
    const open = /stream\r?\n/g;
    open.lastIndex = at.index;
    const start = open.exec(text);
    const end = start ? text.indexOf('endstream', start.index) : -1;
    if (!start || end < 0)
      return { ok: false, code: 'undecodable', detail: 'An object stream of the PDF has no data' };
    // The stream's dictionary: from its object's start to the `stream` keyword.
    const dictionary = text.slice(Math.max(0, text.lastIndexOf(' obj', at.index)), start.index);
    const filters = namesIn(dictionary)
      .map((n) => n.name)
      .filter(
        (n) => n.endsWith('Decode') || ['AHx', 'A85', 'LZW', 'Fl', 'RL', 'Crypt'].includes(n),
      );
    if (filters.some((f) => f !== 'FlateDecode' && f !== 'Fl'))
      return {
        ok: false,
        code: 'undecodable',
        detail: `An object stream of the PDF uses ${filters.join(', ')}: only FlateDecode can be checked`,
      };
    const data = Buffer.from(text.slice(start.index + start[0].length, end), 'latin1');
    if (filters.length === 0) {
      texts.push(data.toString('latin1'));
      continue;
    }
    try {
      texts.push(
        inflateSync(data, { maxOutputLength: MAX_OBJECT_STREAM_BYTES }).toString('latin1'),
      );
    } catch {
      return {
        ok: false,
        code: 'undecodable',
        detail: 'An object stream of the PDF does not decompress',
      };
    }
  }
  return { ok: true, texts };
}
