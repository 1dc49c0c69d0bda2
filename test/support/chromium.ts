import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's chromium, or the one CHROMIUM_PATH names (playwright-core brings no browser). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const canApt = () => process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');

/**
 * The browser tests never skip: a machine without chromium gets Debian's package when the suite
 * runs as root with apt (a fresh machine, CI), once; anywhere else the suite fails saying what to
 * install, rather than passing without having looked at a page.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (!canApt()) {
    throw new Error(
      `browser tests need chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  process.stderr.write(`browser tests: installing Debian's chromium (once per machine)\n`);
  const apt = (args: string[]) =>
    execFileSync('apt-get', args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    apt(['install', '-y', '-q', 'chromium']);
  } catch {
    // A machine that never listed its packages finds nothing to install until it has.
    apt(['update', '-q']);
    apt(['install', '-y', '-q', 'chromium']);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}
