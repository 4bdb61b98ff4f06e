/** An RFC 9457 problem as the API sends it, or one the app makes up for a failure without one. */
export interface Problem {
  title: string;
  status: number;
  code: string;
  detail?: string;
  requestId?: string;
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
