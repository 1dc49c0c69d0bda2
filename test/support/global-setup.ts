import type { TestProject } from 'vitest/node';
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';

/**
 * With DATABASE_URL set, migrate one template database per run; each test file then gets its own
 * database cloned from it (CREATE DATABASE … TEMPLATE), so files share no state.
 */
export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL;
  if (!url) return;
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
  }
}
