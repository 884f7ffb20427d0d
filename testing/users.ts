import { randomUUID } from 'node:crypto';
import { hashPassword } from '../shared/auth/passwords';
import { db } from '../shared/db/prisma';

/** A user of the test's own, so that changing its name, password or sessions touches no other test. */
export async function createUser(username: string, password: string, fields: { email?: string; firstName?: string; lastName?: string } = {}) {
  return db().user.create({
    data: {
      username,
      email: fields.email ?? `${username}@example.com`,
      firstName: fields.firstName ?? '',
      lastName: fields.lastName ?? '',
      mlUuid: randomUUID(),
      passwordHash: await hashPassword(password),
    },
  });
}
