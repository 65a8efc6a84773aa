/**
 * A progress bar on stderr. On a terminal it redraws one line in place; when
 * stderr is a file or a pipe (CI logs, tests) it prints one line per update
 * instead, since carriage returns would pile up into an unreadable line.
 * `prefix` names the file in a batch ("[2/5] photo.jpg").
 */
import { formatDuration } from '../src/upscale/duration.js';
import type { UpscaleProgress } from '../src/upscale/upscale.js';

const WIDTH = 24;

export function progressBar(
  stream: NodeJS.WriteStream = process.stderr,
  prefix = '',
  /** What is counted: 'tiles' for an image, 'frames' for a video. */
  unit = 'tiles',
): { update(p: UpscaleProgress & { detail?: string }): void; end(): void } {
  const tty = stream.isTTY === true;
  const lead = prefix ? `${prefix} ` : '';
  let drawn = false;
  return {
    update({ done, total, fraction, elapsedMs, etaMs, detail }) {
      const pct = `${Math.round(fraction * 100)}%`.padStart(4);
      // After the first tile the time per pixel is known: elapsed, and an estimate of what is left.
      const time =
        ` · ${formatDuration(elapsedMs)} elapsed${done < total ? `, about ${formatDuration(etaMs)} left` : ''}` +
        (detail ? ` · ${detail}` : '');
      if (!tty) {
        stream.write(`${lead}${unit.replace(/s$/, '')} ${done}/${total} ${pct}${time}\n`);
        return;
      }
      const full = Math.round(fraction * WIDTH);
      // Padded: a shorter line than the last one must not leave its tail on screen.
      stream.write(`\r${lead}[${'#'.repeat(full)}${'.'.repeat(WIDTH - full)}] ${done}/${total} ${unit} ${pct}${time}`.padEnd(96));
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
