import { useMsw } from '../msw.ts';
import { XeroFake } from './fake.ts';

/** One fake Xero per test file; unhandled requests fail the test (nothing reaches the network). */
export function useXeroFake() {
  const ref: { fake: XeroFake } = { fake: new XeroFake() };
  const server = useMsw();
  return {
    get fake() {
      return ref.fake;
    },
    /** A fresh fake for one test. */
    reset() {
      ref.fake = new XeroFake();
      server.use(...ref.fake.handlers());
      return ref.fake;
    },
  };
}

export const xeroEnv = (fake: XeroFake) => ({
  XERO_CLIENT_ID: fake.clientId,
  XERO_CLIENT_SECRET: fake.clientSecret,
  PUBLIC_URL: 'https://overdue.example.com',
});
