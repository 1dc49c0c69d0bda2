import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';

let database: TestDatabase;
let dir: string;
beforeEach(async () => {
  database = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'overdue-client-'));
});
afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  await database.drop();
});

/**
 * A program written against types generated from the served contract, as an integrator would
 * (openapi-typescript). It reads typed fields of real responses, the error shape and the case
 * file, and one field the contract does not have must be an error: were the types `any`, the
 * `@ts-expect-error` line would itself fail the compile.
 */
const CLIENT = `
import type { components, paths } from './schema';
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type RiskGet = paths['/api/v1/ledgers/{id}/risk']['get'];
declare const risk: Json<RiskGet['responses'][200]>;
export const auc: number | undefined = risk.model?.evaluation?.auc;
export const high: number = risk.bands.high;
export const from: string | null | undefined = risk.contacts[0]?.payDateFrom;
declare const notFound: Json<RiskGet['responses'][404]>;
export const requestId: string = notFound.error.requestId;
declare const file: components['schemas']['CaseFile'];
export const reference: string = file.reference;
declare const callback: components['schemas']['AgencyCallback'];
export const status: string = callback.data.status;
// @ts-expect-error: no such field in the contract
export const nope = risk.bands.unknown;
`;

it('compiles a client written against types generated from the contract', async () => {
  const doc = await (await createApp(await testDeps(database)).request('/api/v1/openapi.json')).json();
  writeFileSync(join(dir, 'schema.ts'), astToString(await openapiTS(doc)));
  writeFileSync(join(dir, 'client.ts'), CLIENT);
  const program = ts.createProgram([join(dir, 'client.ts')], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    types: [],
  });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName.split('/').at(-1) ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  expect(problems).toEqual([]);
}, 60_000);
