#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded offline.
# `prisma generate` only needs the path to exist; anything that really needs the
# engine (prisma migrate, db push) stops here with a clear message instead of ENOTFOUND.
echo "schema engine not available offline: apply migrations with 'npm run migrate' (scripts/migrate.ts)" >&2
exit 1
