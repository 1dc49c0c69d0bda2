import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findSecrets, SUITE_LOG_ENV } from './log-scan.ts';
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';

/**
 * With DATABASE_URL set, migrate one template database per run; each test file then gets its own
 * database cloned from it (CREATE DATABASE … TEMPLATE), so files share no state. On PGlite the
 * same with a migrated dump that each test database is loaded from.
 */
export default async function setup(project: TestProject) {
  // Every log line any test captures lands here; at the end not one may hold a secret.
  const logs = mkdtempSync(join(tmpdir(), 'overdue-suite-logs-'));
  process.env[SUITE_LOG_ENV] = logs;
  const checkLogs = () => {
    const leaks = readdirSync(logs).flatMap((f) => findSecrets(readFileSync(join(logs, f), 'utf8')));
    rmSync(logs, { recursive: true, force: true });
    if (leaks.length)
      throw new Error(`secrets in the suite's logs (${leaks.length} lines), e.g.:\n${leaks.slice(0, 5).join('\n')}`);
  };
  const url = process.env.DATABASE_URL;
  if (!url) {
    // One migrated PGlite dumped once: each test database loads it instead of running initdb and
    // every migration again (0.6 s instead of 3.2 s of CPU per database).
    const seed = await openDatabase({ pgliteDir: ':memory:' });
    await runMigrations(seed);
    const dump = seed.kind === 'pglite' ? await seed.pglite.dumpDataDir('none') : undefined;
    await seed.close();
    const seedFile = join(tmpdir(), `overdue-pglite-seed-${process.pid}.tar`);
    writeFileSync(seedFile, Buffer.from(await dump!.arrayBuffer()));
    project.provide('pgliteSeed', seedFile);
    return () => {
      rmSync(seedFile, { force: true });
      checkLogs();
    };
  }
  const template = `overdue_tpl_${process.pid}_${Date.now()}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${template}"`);
  const database = await openDatabase({ url: withDatabase(url, template), pgliteDir: ':memory:', maxConnections: 2 });
  await runMigrations(database);
  await database.close();
  project.provide('templateDatabase', template);
  return async () => {
    await admin.unsafe(`drop database if exists "${template}" with (force)`);
    await admin.end();
    checkLogs();
  };
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    /** Path of the migrated PGlite dump that PGlite test databases start from. */
    pgliteSeed: string;
  }
}
