/**
 * The one error type handlers throw on purpose. The HTTP layer renders it as
 * `{"error": {"code", "message", "details"}}` (SPEC §2); anything else that
 * escapes a handler becomes an opaque 500 without a stack trace.
 */
export interface FieldProblem {
  field: string;
  message: string;
  /** Which rule the value breaks, where a client may want to tell rules apart (the password rules: `password_too_common`…). */
  rule?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldProblem[] = [],
    readonly headers: Record<string, string> = {},
    /** What went wrong underneath: logged, never sent to the client. */
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'ApiError';
  }

  toBody() {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export const badRequest = (field: string, message: string) => new ApiError(400, 'invalid_request', `Invalid ${field}: ${message}`, [{ field, message }]);

/** The 400 for bad input: one problem per field, every field named in the message too. */
export function invalidInput(details: FieldProblem[], location: 'body' | 'query' | 'path'): ApiError {
  const fields = [...new Set(details.map((detail) => detail.field))].join(', ');
  return new ApiError(400, 'invalid_request', `Invalid ${location === 'path' ? 'path parameter' : location} field(s): ${fields}`, details);
}

export const notFound = (what = 'Resource') => new ApiError(404, 'not_found', `${what} not found`);

// WWW-Authenticate names the scheme to use, as the old service did.
export const unauthorized = (message = 'Authentication credentials were not provided or are invalid') =>
  new ApiError(401, 'unauthorized', message, [], { 'WWW-Authenticate': 'Token' });
