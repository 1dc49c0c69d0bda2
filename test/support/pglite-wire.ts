import { createServer, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

/** Message types that end a unit of the protocol: Sync, a simple Query, Terminate. */
const UNIT_END = new Set([0x53, 0x51, 0x58]);

/**
 * Hands PGlite's one session to one connection at a time, from its first message to the end of
 * its unit (Sync, a simple Query) and on to the end of any transaction it opened. pglite-socket's
 * own queue interleaves connections message by message outside transactions, so two pooled
 * clients using the extended protocol (Parse, Bind, Execute, Sync) can overwrite each other's
 * unnamed statement: a failure seen as a Worker job failing now and then.
 */
class WholeUnitQueue {
  private owner: number | null = null;
  private waiting: (() => void)[] = [];
  private readonly gone = new Set<number>();
  constructor(private readonly db: PGlite) {}

  private async acquire(id: number) {
    while (this.owner !== null && this.owner !== id) await new Promise<void>((r) => this.waiting.push(r));
    this.owner = id;
  }

  private release() {
    this.owner = null;
    for (const wake of this.waiting.splice(0)) wake();
  }

  async enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    await this.acquire(handlerId);
    if (this.gone.has(handlerId)) {
      this.release();
      throw new Error('connection closed');
    }
    let bytes = 0;
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(message, {
          onRawData: (d) => {
            bytes += d.length;
            onData(d);
          },
        }),
      );
    } finally {
      // The start-up message has no type byte (it opens with its length): a unit of its own.
      const endsUnit = message[0] === 0 || UNIT_END.has(message[0]!);
      if (endsUnit && !this.db.isInTransaction()) this.release();
    }
    return bytes;
  }

  getQueueLength() {
    return this.waiting.length;
  }

  clearQueueForHandler(handlerId: number) {
    this.gone.add(handlerId);
  }

  async clearTransactionIfNeeded(handlerId: number) {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.release();
  }
}

/** Serves a PGlite over the Postgres wire protocol on a free loopback port. */
export async function servePglite(db: PGlite): Promise<{ url: string; close(): Promise<void> }> {
  const queue = new WholeUnitQueue(db);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const options = { queryQueue: queue, closeOnDetach: true };
    void new PGLiteSocketHandler(options as unknown as ConstructorParameters<typeof PGLiteSocketHandler>[0]).attach(
      socket,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
