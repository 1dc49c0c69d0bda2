import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.ts';
import { findSecrets } from '../support/log-scan.ts';
import { XERO_KEY } from '../support/webhooks/deliver.ts';

describe('the suite-wide log check', () => {
  it('flags a planted secret of every kind, and passes what the logger writes about them', () => {
    const planted = [
      `{"msg":"x","detail":"${XERO_KEY}"}`,
      '{"msg":"refresh","t":"xrt_1f0c2a3b-aaaa-bbbb"}',
      '{"msg":"api","t":"odt_abcdefghijklmnop"}',
      '{"msg":"agency","s":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}',
      '{"msg":"req","h":"Bearer abcdefghijklmnopqrstu"}',
      '{"msg":"req","headers":{"authorization":"Basic eA=="}}',
      '{"msg":"oidc","t":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdWItMSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"}',
    ];
    expect(findSecrets(planted.join('\n'))).toEqual(planted);
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    log.info('request', {
      headers: { authorization: 'Bearer abcdefghijklmnopqrstu', 'x-xero-signature': 'c2lnbmF0dXJl' },
      refreshToken: 'xrt_1f0c2a3b-aaaa-bbbb',
      ledgerId: 'l-1',
    });
    expect(findSecrets(lines.join('\n'))).toEqual([]);
    expect(lines[0]).toContain('"ledgerId":"l-1"');
  });
});
