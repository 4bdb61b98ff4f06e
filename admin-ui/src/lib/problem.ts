/** An RFC 9457 problem as the API (and the console's server) sends it. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  requestId?: string;
  errors?: { field: string; in?: string; messages: string[] }[];
}

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

/** The problem an error response carries (or one made up from its status when it carries none). */
export async function problemOf(res: Response): Promise<Problem> {
  const requestId = res.headers.get('x-request-id') ?? undefined;
  try {
    const body = (await res.json()) as Partial<Problem>;
    if (body && typeof body.title === 'string' && typeof body.code === 'string')
      return { ...body, requestId: body.requestId ?? requestId } as Problem;
  } catch {
    // not JSON: described below
  }
  return {
    title: res.statusText || 'Request failed',
    status: res.status,
    code: `http/${res.status}`,
    detail: `The server answered ${res.status}.`,
    requestId,
  };
}

/** A problem from whatever a query or mutation threw. */
export function toProblem(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;
  return {
    title: 'Something went wrong',
    status: 0,
    code: 'console/unexpected',
    detail: error instanceof Error ? error.message : String(error),
  };
}
