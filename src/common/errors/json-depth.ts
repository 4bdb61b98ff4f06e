import { AppProblem } from './problem.js';

/** How deeply arrays and objects may nest in a JSON body (`[[1]]` is 2); no request of ours needs more than a handful. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether the JSON text in `body` nests arrays and objects deeper than `max`: one pass over the raw
 * bytes, counting brackets outside strings, that stops at the first level too deep — so a body nested
 * thousands of levels is refused before it is parsed (JSON.parse, and the recursive walks of the
 * validation pipe, would take seconds or overflow the stack). Malformed text is left to the parser.
 * Byte-wise is safe for UTF-8: quote, backslash and brackets never occur inside a multi-byte sequence.
 */
export function jsonNestsDeeperThan(body: Buffer, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
  return false;
}

export function tooDeepProblem(max = MAX_JSON_DEPTH): AppProblem {
  return new AppProblem(
    400,
    'request/too-deep',
    'The request body is nested too deeply',
    `JSON arrays and objects may nest at most ${max} levels deep`,
  );
}
