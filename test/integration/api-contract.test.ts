import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { operationIdOf } from '../../src/routes/openapi.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

type Op = {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
};
type Doc = {
  paths: Record<string, Record<string, Op>>;
  webhooks?: Record<string, Record<string, Op>>;
  tags: { name: string }[];
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};

const contract = async () =>
  (await (await createApp(await testDeps(database)).request('/api/v1/openapi.json')).json()) as Doc;

/**
 * Warnings the recommended rules give by design: the OAuth hops answer with a redirect only,
 * health checks cannot be refused, and the test server's address is localhost.
 */
const EXPECTED_WARNINGS = [
  'no-server-example.com #/servers/0/url',
  'operation-2xx-response #/paths/~1callback~1{provider}/get/responses',
  'operation-2xx-response #/paths/~1connect~1{provider}/get/responses',
  'operation-4xx-response #/paths/~1healthz/get/responses',
  'operation-4xx-response #/paths/~1readyz/get/responses',
];

describe('the API contract (/api/v1/openapi.json)', () => {
  it("passes Redocly's recommended rules with no error and only the warnings named here", async () => {
    const doc = await contract();
    const problems = await lintFromString({
      source: JSON.stringify(doc),
      absoluteRef: 'openapi.json',
      config: await createConfig({ extends: ['recommended'] }),
    });
    const said = problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer} ${p.message}`);
    expect(said.filter((p) => p.startsWith('error'))).toEqual([]);
    expect(
      problems
        .filter((p) => p.severity === 'warn')
        .map((p) => `${p.ruleId} ${p.location[0]?.pointer}`)
        .sort(),
    ).toEqual(EXPECTED_WARNINGS);
  });

  it('gives every API operation an id, a declared tag, both ways to authenticate and the one error shape', async () => {
    const doc = await contract();
    const tags = new Set(doc.tags.map((t) => t.name));
    const ids = new Set<string>();
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, op] of Object.entries(item)) {
        operations++;
        expect(op.operationId, `${method} ${path}`).toBeTruthy();
        ids.add(op.operationId!);
        expect(tags.has(op.tags?.[0] ?? ''), `${method} ${path} tag ${op.tags}`).toBe(true);
        expect(op.security).toEqual([{ apiToken: [] }, { session: [] }]);
        for (const status of ['400', '401', '403', '404', '500'])
          expect(op.responses[status]?.content?.['application/json']?.schema, `${method} ${path} ${status}`).toEqual({
            $ref: '#/components/schemas/Error',
          });
      }
    }
    expect(operations).toBeGreaterThan(60);
    expect(ids.size).toBe(operations);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiToken', 'session']);
    expect(operationIdOf('GET', '/api/v1/ledgers/{id}/risk')).toBe('getLedgersByIdRisk');
  });

  it('documents what calls us and what we call: provider webhooks, agency callbacks, outbound events', async () => {
    const doc = await contract();
    for (const path of ['/webhooks/xero', '/webhooks/quickbooks', '/agency/callbacks/{agencyId}']) {
      const op = doc.paths[path]?.post;
      expect(op?.security, path).toEqual([]);
      expect(op?.tags).toEqual(['receivers']);
      expect(op?.responses['401']).toBeTruthy();
    }
    expect(JSON.stringify(doc.paths['/agency/callbacks/{agencyId}'])).toContain('#/components/schemas/AgencyCallback');
    expect(doc.components.schemas.AgencyCallback).toBeTruthy();
    const event = doc.webhooks?.event?.post;
    expect(event?.operationId).toBe('outboundEvent');
    expect(JSON.stringify(doc.components.schemas.OutboundEvent)).toContain('reminder.sent');
    expect(JSON.stringify(doc.webhooks?.case?.post)).toContain('#/components/schemas/CaseFile');
    expect(JSON.stringify(doc.paths['/api/v1/handoffs/{id}/export'])).toContain('#/components/schemas/CaseFile');
  });
});
