/**
 * The document's front page: the decisions a client developer needs before
 * reading any single operation (SPEC §2, and where the SPEC left a choice).
 */
export const API_DESCRIPTION = `The backend of the wealth-management app: log in, keep wallets (bank cards) of money, top them up, ask the investment engine for a portfolio at a chosen risk level, buy it, and follow what you hold. Paths, methods, field names and JSON types are those of the previous service, so existing web and mobile clients keep working; where this API answers differently it says so below.

Every route is its own Cloud Run function; in production one API Gateway puts them all on one base URL, in development \`npm start\` does.

## Conventions

- **Paths** end with \`/\` as written here; the same path without the slash is accepted too.
- **Authentication**: \`POST /api/v1/auth/login/\` returns a \`key\`. Send it as \`Authorization: token <key>\` (\`Token\` and \`Bearer\` work too). A key expires (24 hours by default) and \`/api/v1/auth/logout/\` revokes it for good.
- **IDs** of users, wallets and transactions are UUIDs written with dashes.
- **Times** are UTC, ISO 8601 with microseconds and \`Z\`: \`2021-06-03T13:04:22.335500Z\`.
- **Money** is an exact decimal with 2 places, never a float. The fields the old clients read as numbers (\`balance\`, a transaction's \`sum\`, the expenses stat's \`purchases\` and \`sells\`) are JSON numbers written from the decimal's exact text (\`1650.00\`, never \`1649.9999999\`): read them with a decimal-aware JSON parser if you need exact cents. The fields the old clients read as strings (\`invested_sum\`, \`overall_sum\`, prices, profits, metrics) are 2-decimal strings (\`"340.00"\`). Amounts you send may be JSON numbers or decimal strings with at most 2 decimals.
- **Amounts with a direction** (profit, change for the day, a transaction) are absolute values with a separate \`+\`/\`-\` field.
- **Expenses stat** keeps the old clients' field names with their meaning: per UTC day, \`purchases\` is the money that **came in** (top-ups and sale proceeds) and \`sells\` the money that **went out** (asset purchases), as a positive number.
- **Idempotency**: \`POST /api/v1/wallets/{wallet_id}/topup/\` and \`POST /api/v1/assets/\` honour an \`Idempotency-Key\` header (1–255 printable ASCII characters, per user, kept at least 24 hours). Retrying with the same key and body replays the first response and moves no money again; the same key with another body is 409.
- **CORS**: browsers may call the API from the origins the deployment allows (\`ALLOWED_ORIGINS\`).

## Errors

Every error is JSON, never a stack trace:

\`\`\`json
{"error": {"code": "invalid_request", "message": "Invalid body field(s): sum", "details": [{"field": "sum", "message": "must be at least 0.01"}]}}
\`\`\`

\`code\` is stable and meant for programs, \`message\` for people; \`details\` names each bad field (empty when no field is at fault). Every response carries an \`X-Request-Id\` header to quote when reporting a problem.

| status | meaning |
|---|---|
| 400 | bad input; \`details\` names the field |
| 401 | missing, invalid, expired or revoked key, or wrong credentials (the old service answered 403) |
| 404 | unknown route, or a resource that does not exist or is not yours (someone else's wallet is 404, as is a malformed id) |
| 405 | the route exists but not with this method (see \`Allow\`) |
| 409 | an \`Idempotency-Key\` reused with another request |
| 413 | request body too large |
| 415 | request body is not JSON |
| 422 | a valid request the rules refuse (no wallet can pay; a wallet past the per-user limit) |
| 429 | too many failed logins, too many logins and reset requests from one client address, too many password checks at once, or too many reset requests for one address (see \`Retry-After\`) |
| 502 / 503 / 504 | the investment service answered badly / is unavailable / timed out (the old service answered 500); 503 \`mail_unavailable\`: the mail server failed a password reset |
`;
