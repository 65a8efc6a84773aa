/**
 * Durations as people read them: "0.4 s", "23 s", "2 min 20 s", "1 h 5 min" —
 * what the CLI's progress line, the pages and onProgress users show, instead
 * of "140445 ms".
 */

/** `ms` as a short human duration; '—' for a value that is not a finite non-negative number. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const sec = s % 60;
    return `${Math.floor(s / 60)} min${sec ? ` ${sec} s` : ''}`;
  }
  const min = Math.round(s / 60) % 60;
  return `${Math.floor(Math.round(s / 60) / 60)} h${min ? ` ${min} min` : ''}`;
}
