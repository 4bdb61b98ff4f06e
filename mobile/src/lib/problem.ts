/** An RFC 9457 problem as the API sends it, or one the app makes up for a failure without one. */
export interface Problem {
  title: string;
  status: number;
  code: string;
  detail?: string;
  requestId?: string;
  /** A validation failure's fields (`request/validation-failed`), e.g. `location.lat`. */
  errors?: { field: string; in?: string; messages?: string[] }[];
}

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

/** No answer at all (fetch rejected): the device is offline or the API unreachable. */
export const OFFLINE = 'app/offline';

/** The problem behind whatever a query or mutation threw. */
export function toProblem(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;
  if (error instanceof TypeError)
    return { title: 'Offline', status: 0, code: OFFLINE, detail: error.message };
  return {
    title: 'Something went wrong',
    status: 0,
    code: 'app/unexpected',
    detail: error instanceof Error ? error.message : String(error),
  };
}

/** A field's path in one spelling (`lines[2].unitPaise` and `lines.2.unitPaise` are the same). */
const fieldPath = (field: string) => field.replace(/\[(\d+)\]/g, '.$1');

/**
 * What a 400 says about one field, or a field within it (its messages joined), for the form to
 * highlight it: `fieldError(error, 'location')` covers `location.lat`.
 */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!error) return undefined;
  const path = fieldPath(field);
  const named = toProblem(error).errors?.filter((e) => {
    const other = fieldPath(e.field);
    return other === path || other.startsWith(`${path}.`);
  });
  if (!named?.length) return undefined;
  return named.flatMap((e) => e.messages ?? [e.field]).join(' · ');
}
