import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UsageError } from './io.js';

/**
 * What CloudTrail itself produces, read as a list of events:
 *
 * - a trail's log files in S3: `{"Records": [...]}`, gzipped (CloudTrail delivers `.json.gz`) or
 *   not, one file, many, or a folder of them (CloudTrail User Guide, "CloudTrail log file examples");
 * - the output of `aws cloudtrail lookup-events`: `{"Events": [{"CloudTrailEvent": "<json string>"}]}`
 *   (the SDK's `Event.CloudTrailEvent` is "A JSON string that contains a representation of the
 *   event returned", @aws-sdk/client-cloudtrail models_0 `Event`);
 * - one CloudTrail record, or one EventBridge event ("AWS API Call via CloudTrail");
 * - standard input (`-`, or no file with a pipe on stdin).
 */

export interface ReadEvent {
  /** Where it came from: the file, with `#n` (from 1) when the file holds several. */
  readonly source: string;
  readonly input: unknown;
}

/** gzip's magic number (RFC 1952, section 2.3.1: ID1 = 31, ID2 = 139). */
const isGzip = (b: Buffer): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

const decode = (bytes: Buffer, source: string): string => {
  if (!isGzip(bytes)) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch (error) {
    throw new UsageError(`${source} is not a readable gzip file: ${(error as Error).message}`);
  }
};

/** The events one parsed document holds. */
export function eventsOf(doc: unknown, source: string): ReadEvent[] {
  const many = (items: unknown[]): ReadEvent[] => items.map((input, i) => ({ source: `${source}#${i + 1}`, input }));
  if (Array.isArray(doc)) return many(doc);
  if (typeof doc === 'object' && doc !== null) {
    const o = doc as Record<string, unknown>;
    if (Array.isArray(o.Records)) return many(o.Records);
    if (Array.isArray(o.Events)) {
      return many(
        o.Events.map((e, i) => {
          const text = (e as { CloudTrailEvent?: unknown } | null)?.CloudTrailEvent;
          if (typeof text !== 'string') throw new UsageError(`${source}#${i + 1}: a lookup-events entry without CloudTrailEvent`);
          try {
            return JSON.parse(text) as unknown;
          } catch (error) {
            throw new UsageError(`${source}#${i + 1}: CloudTrailEvent is not valid JSON: ${(error as Error).message}`);
          }
        }),
      );
    }
  }
  return [{ source, input: doc }];
}

/** Parses the text of one file or of standard input. */
export function parseDocument(bytes: Buffer, source: string): ReadEvent[] {
  const text = decode(bytes, source);
  try {
    return eventsOf(JSON.parse(text), source);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
}

const EVENT_FILE = /\.json(\.gz)?$|\.gz$/;

/** Every event file under a folder, in name order (CloudTrail's names sort by time). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return filesUnder(path);
      return e.isFile() && EVENT_FILE.test(e.name) ? [path] : [];
    });
}

const readStdin = (): Buffer => {
  try {
    return readFileSync(0);
  } catch (error) {
    throw new UsageError(`cannot read standard input: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
};

/** Reads every event in the files, folders and `-` (standard input) given; none given reads a piped stdin. */
export function readEvents(paths: readonly string[], stdinIsTty: boolean = process.stdin.isTTY === true): ReadEvent[] {
  if (paths.length === 0) {
    if (stdinIsTty) throw new UsageError('no event file: give files or folders, or pipe events on standard input');
    return parseDocument(readStdin(), 'stdin');
  }
  return paths.flatMap((path) => {
    if (path === '-') return parseDocument(readStdin(), 'stdin');
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (error) {
      throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (isDir) {
      const files = filesUnder(path);
      if (files.length === 0) throw new UsageError(`${path} holds no .json or .json.gz file`);
      return files.flatMap((f) => parseDocument(readFileSync(f), f));
    }
    return parseDocument(readFileSync(path), path);
  });
}
