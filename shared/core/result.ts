/** An answer to a request, before it is written: what handlers return and the pipeline sends. */
export interface Result {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Already-serialised non-JSON payload (the Swagger page). */
  raw?: { contentType: string; payload: string };
}
