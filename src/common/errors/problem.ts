/**
 * RFC 9457 problem details. `code` is the stable, documented identifier clients switch on
 * (e.g. `request/validation-failed`); `type` is the same code as a URI reference.
 */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  requestId?: string;
  [extension: string]: unknown;
}

export interface FieldError {
  /** Dotted path of the offending field in the request (`items.0.quantity`). */
  field: string;
  /** Where the field was read from. */
  in: 'body' | 'query' | 'path' | 'header';
  messages: string[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(code: string): string {
  return `/problems/${code}`;
}

/**
 * An expected failure that crosses the HTTP edge. Domain code returns typed results; the edge turns
 * them into an AppProblem, which the global filter renders as problem+json.
 */
export class AppProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    /** Response headers that belong with this problem (e.g. `Retry-After`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = 'AppProblem';
    const clash = Object.keys(extensions).filter((k) => RESERVED_MEMBERS.has(k));
    if (clash.length > 0)
      throw new Error(`problem ${code}: reserved member(s) ${clash.join(', ')}`);
  }
}

/** Members of every problem document; an extension may not redefine them. */
const RESERVED_MEMBERS = new Set([
  'type',
  'title',
  'status',
  'detail',
  'instance',
  'code',
  'requestId',
]);

export class ValidationProblem extends AppProblem {
  constructor(readonly errors: FieldError[]) {
    super(
      400,
      'request/validation-failed',
      'The request is not valid',
      errors.map((e) => `${e.field}: ${e.messages.join('; ')}`).join(' | '),
      { errors },
    );
  }
}
