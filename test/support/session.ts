import type { Db } from '../../src/db/client.ts';
import { appUser, membership } from '../../src/db/schema/index.ts';
import { sha256 } from '../../src/lib/secrets.ts';
import { createSession, SESSION_COOKIE } from '../../src/services/sessions.ts';

let n = 0;

/** A user with a role in a firm and a live session: returns the Cookie header to send. */
export async function signedIn(db: Db, firmId: string, role: 'owner' | 'admin' | 'member' | 'viewer' = 'owner') {
  const [u] = await db
    .insert(appUser)
    .values({ email: `user${++n}-${Date.now()}@example.com` })
    .returning();
  await db.insert(membership).values({ firmId, userId: u!.id, role });
  const token = await createSession(db, u!.id, firmId, new Date('2026-11-20T10:00:00Z'));
  return { userId: u!.id, cookie: `${SESSION_COOKIE}=${token}`, sessionId: sha256(token) };
}
