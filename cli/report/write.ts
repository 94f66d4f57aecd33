/** Writes the three report files of a summary: summary.json, junit.xml, index.html (each atomically). */
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import type { Summary } from '../summary.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { buildTimeline, type TimelineView } from './timeline.js';

/** Failures whose timeline the HTML report draws (each costs one traced replay). */
export const TIMELINES_MAX = 24;

export interface WrittenReports {
  readonly summary: string;
  readonly junit: string;
  readonly html: string;
}

export async function writeReports(s: Summary, dir: string, generatedAt: string): Promise<WrittenReports> {
  const paths = { summary: join(dir, 'summary.json'), junit: join(dir, 'junit.xml'), html: join(dir, 'index.html') };
  writeFileAtomic(paths.summary, JSON.stringify(s, null, 1) + '\n');
  writeFileAtomic(paths.junit, renderJunit(s));
  const timelines = new Map<string, TimelineView>();
  const ordered = [...s.failures].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'new' ? -1 : 1));
  for (const f of ordered.slice(0, TIMELINES_MAX)) {
    // The timeline shows what the replay command shows: the shrunk run when there is one.
    const shown = f.shrunk === undefined ? f : { ...f, token: f.shrunk.token };
    timelines.set(f.token, await buildTimeline(shown));
  }
  writeFileAtomic(paths.html, renderHtml(s, { timelines, generatedAt }));
  return paths;
}
