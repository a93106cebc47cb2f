import type { UploadProgress } from "@assmbl/transport-api";

/**
 * A one-line upload progress display on a terminal: `upload 1/2 report.pdf  42% 1.2 MiB`,
 * rewritten in place with `\r`. Nothing at all when the stream is not a TTY (piped, a file, a CI
 * log), so machine output and logs stay clean.
 *
 * @example
 * const progress = uploadProgress(process.stderr, 2);
 * const mailer = await mailerFor(config, "api", { onUploadProgress: progress?.update });
 * progress?.done();
 */
export interface UploadProgressLine {
  update(progress: UploadProgress): void;
  /** Ends the line (call once the send is over, sent or not). */
  done(): void;
}

/**
 * The display for `count` attachments, or `undefined` when `stream` is not a terminal.
 *
 * @example
 * uploadProgress(process.stderr, 1)?.update({ index: 0, filename: "a.csv", transferredBytes: 5, totalBytes: 10, percent: 0.5 });
 */
export function uploadProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean | undefined; columns?: number | undefined },
  count: number,
): UploadProgressLine | undefined {
  if (stream.isTTY !== true || count === 0) return undefined;
  let shown = false;
  return {
    update(progress) {
      const percent =
        progress.percent === undefined ? "" : ` ${Math.floor(progress.percent * 100)}%`.padStart(5);
      const line = `upload ${progress.index + 1}/${count} ${progress.filename}${percent} ${formatBytes(progress.transferredBytes)}`;
      const width = Math.max(20, (stream.columns ?? 80) - 1);
      // \x1b[K clears what a longer previous line left behind.
      stream.write(`\r${line.slice(0, width)}\x1b[K`);
      shown = true;
    },
    done() {
      if (shown) stream.write("\n");
      shown = false;
    },
  };
}

/**
 * Bytes in a short human form (`812 B`, `1.2 KiB`, `3.4 MiB`).
 *
 * @example
 * formatBytes(1536); // "1.5 KiB"
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
