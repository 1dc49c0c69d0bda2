import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { bodyLimit } from '../../src/routes/body-limit.ts';

class TooLarge extends Error {}

function app() {
  const a = new Hono();
  a.use(
    '*',
    bodyLimit({
      maxSize: 10,
      onError: () => {
        throw new TooLarge('over 10 bytes');
      },
    }),
  );
  a.post('/', async (c) => c.text(`read ${new Uint8Array(await c.req.arrayBuffer()).length}`));
  a.onError((err, c) => c.text(err instanceof TooLarge ? 'too large' : 'other', err instanceof TooLarge ? 413 : 500));
  return a;
}

/** A body with no declared length, as a chunked upload arrives. */
const chunked = (bytes: number) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes; i += 4) c.enqueue(new Uint8Array(Math.min(4, bytes - i)));
      c.close();
    },
  });

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  app().request('/', {
    method: 'POST',
    body,
    headers,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);

describe('body limit', () => {
  it('judges a declared length on the header alone', async () => {
    const ok = await post('0123456789', { 'content-length': '10' });
    expect([ok.status, await ok.text()]).toEqual([200, 'read 10']);
    const over = await post('0123456789!', { 'content-length': '11' });
    expect([over.status, await over.text()]).toEqual([413, 'too large']);
  });

  it('refuses a length that is not a number', async () => {
    const res = await post('0123', { 'content-length': '4x' });
    expect(res.status).toBe(413);
  });

  it('counts the bytes of a body sent without a length', async () => {
    const ok = await post(chunked(10));
    expect([ok.status, await ok.text()]).toEqual([200, 'read 10']);
    const over = await post(chunked(11));
    expect([over.status, await over.text()]).toEqual([413, 'too large']);
  });

  it('counts the bytes when a transfer-encoding is declared beside a length', async () => {
    const res = await post(chunked(40), { 'content-length': '4', 'transfer-encoding': 'chunked' });
    expect(res.status).toBe(413);
  });
});
