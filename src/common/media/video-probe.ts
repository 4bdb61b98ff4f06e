/**
 * Whether an uploaded video (dispute evidence) is a whole MP4/MOV or WebM file, read in full with
 * pure-JS parsers (no decoding): a file that only starts like a video (a bare `ftyp` box or EBML
 * header, a truncated file, junk behind a header) is refused.
 *
 * - MP4 (ISO BMFF, MOV; plain or fragmented): the top-level boxes must tile the file exactly (each
 *   size within what is left, nothing after the last one), mp4box must read a `moov`, at least one
 *   track's samples must add up to a positive duration, and every sample must lie inside the file.
 * - WebM (Matroska): the EBML header must name the `webm` DocType, every element's size must fit in
 *   its parent (an unknown size only for Segment and Cluster, as live recorders write them: such a
 *   Cluster ends at the next Segment child) and the elements must tile the file exactly; the Segment needs a track (TrackEntry) and either a positive
 *   Duration or at least one block of frames.
 */
import { createFile, type Movie, MP4BoxBuffer } from 'mp4box';

export type VideoProbe = { ok: true } | { ok: false; code: 'undecodable'; detail: string };

export function probeVideo(bytes: Buffer, type: 'video/mp4' | 'video/webm'): VideoProbe {
  const problem = type === 'video/mp4' ? mp4Problem(bytes) : webmProblem(bytes);
  return problem === null
    ? { ok: true }
    : { ok: false, code: 'undecodable', detail: `Not a whole video: ${problem}` };
}

/** Top-level ISO BMFF boxes: each 32-bit size (1 → a 64-bit size follows, 0 → to the end). */
function mp4BoxesProblem(b: Buffer): string | null {
  let at = 0;
  while (at < b.length) {
    if (b.length - at < 8) return `${b.length - at} stray bytes at ${at}`;
    let size = b.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      if (b.length - at < 16) return `a truncated box header at ${at}`;
      size = Number(b.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = b.length - at;
    if (size < header || size > b.length - at)
      return `the box at ${at} claims ${size} bytes, ${b.length - at} are left`;
    at += size;
  }
  return null;
}

function mp4Problem(b: Buffer): string | null {
  const boxes = mp4BoxesProblem(b);
  if (boxes !== null) return boxes;
  const file = createFile();
  const seen: { movie?: Movie; error?: string } = {};
  file.onReady = (movie) => (seen.movie = movie);
  file.onError = (module, message) => (seen.error = `${module}: ${message}`);
  try {
    const whole = b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
    file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(whole, 0), true);
    file.flush();
  } catch (err) {
    seen.error = err instanceof Error ? err.message : String(err);
  }
  const { movie, error } = seen;
  if (error !== undefined) return error;
  if (movie === undefined) return 'no movie header (moov)';
  // Durations are the samples' own (a fragmented file's movie header says 0).
  let timed = 0;
  for (const track of movie.tracks) {
    let duration = 0;
    for (const sample of file.getTrackSamplesInfo(track.id)) {
      if (sample.offset + sample.size > b.length)
        return `track ${track.id}'s samples lie beyond the file`;
      duration += sample.duration;
    }
    if (duration > 0) timed++;
  }
  if (timed === 0) return 'no track with samples and a duration';
  return null;
}

// Matroska element ids (with their length-marker bits, as written).
const EBML = 0x1a45dfa3;
const DOC_TYPE = 0x4282;
const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const DURATION = 0x4489;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const CLUSTER = 0x1f43b675;
const SIMPLE_BLOCK = 0xa3;
const BLOCK_GROUP = 0xa0;
/** Elements walked into; every other one is skipped by its size. */
const MASTERS = new Set([SEGMENT, INFO, TRACKS, CLUSTER]);
const UNKNOWN_SIZE_ALLOWED = new Set([SEGMENT, CLUSTER]);
/** The Segment's children (SeekHead, Info, Tracks, Cluster, Cues, Chapters, Tags, Attachments). */
const SEGMENT_CHILDREN = new Set([
  0x114d9b74,
  INFO,
  TRACKS,
  CLUSTER,
  0x1c53bb6b,
  0x1043a770,
  0x1254c367,
  0x1941a469,
]);

interface WebmFacts {
  docType: string | null;
  segments: number;
  tracks: number;
  duration: number;
  blocks: number;
}

/** An EBML variable-length integer at `at`: its length and value (null: the all-ones "unknown"). */
function vint(
  b: Buffer,
  at: number,
  keepMarker: boolean,
): { length: number; value: number | null } {
  const first = b[at];
  if (first === undefined) throw new Error(`a truncated element header at ${at}`);
  if (first === 0) throw new Error(`a bad variable-length number at ${at}`);
  const length = Math.clz32(first) - 23;
  if (at + length > b.length) throw new Error(`a truncated element header at ${at}`);
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i]!;
    allOnes &&= b[at + i] === 0xff;
  }
  return { length, value: !keepMarker && allOnes ? null : value };
}

/**
 * Walks the elements in [from, to), recording what the probe needs; throws on an inconsistency.
 * Returns where it stopped: `to`, or for the children of a Cluster of unknown size (`openCluster`)
 * the first Segment child after them.
 */
function walkEbml(
  b: Buffer,
  from: number,
  to: number,
  facts: WebmFacts,
  openCluster = false,
): number {
  let at = from;
  while (at < to) {
    const id = vint(b, at, true);
    if (id.length > 4) throw new Error(`a bad element id at ${at}`);
    if (openCluster && SEGMENT_CHILDREN.has(id.value!)) return at;
    const size = vint(b, at + id.length, false);
    const start = at + id.length + size.length;
    if (size.value === null && !UNKNOWN_SIZE_ALLOWED.has(id.value!))
      throw new Error(`an element of unknown size at ${at}`);
    const end = size.value === null ? to : start + size.value;
    if (end > to)
      throw new Error(`the element at ${at} claims ${end - start} bytes, ${to - start} are left`);
    if (id.value === DOC_TYPE) facts.docType = b.toString('latin1', start, end);
    else if (id.value === SEGMENT) facts.segments++;
    else if (id.value === TRACK_ENTRY) facts.tracks++;
    else if (id.value === SIMPLE_BLOCK || id.value === BLOCK_GROUP) facts.blocks++;
    else if (id.value === DURATION)
      facts.duration =
        end - start === 4 ? b.readFloatBE(start) : end - start === 8 ? b.readDoubleBE(start) : 0;
    if (id.value === CLUSTER && size.value === null) at = walkEbml(b, start, to, facts, true);
    else {
      if (id.value === EBML || MASTERS.has(id.value!)) walkEbml(b, start, end, facts);
      at = end;
    }
  }
  return at;
}

function webmProblem(b: Buffer): string | null {
  const facts: WebmFacts = { docType: null, segments: 0, tracks: 0, duration: 0, blocks: 0 };
  try {
    walkEbml(b, 0, b.length, facts);
  } catch (err) {
    return (err as Error).message;
  }
  if (facts.docType !== 'webm') return 'no webm DocType';
  if (facts.segments !== 1) return `${facts.segments} segments`;
  if (facts.tracks === 0) return 'no track';
  if (!(facts.duration > 0) && facts.blocks === 0) return 'no duration and no frames';
  return null;
}
