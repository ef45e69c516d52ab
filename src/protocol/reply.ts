/** One reply from the server: its header line, split into words, and its body if it has one. */
export interface Reply {
  /** First word of the header line, e.g. `INSERTED`. */
  readonly word: ReplyWord;
  /** The words after the first, spaces trimmed; numeric ones are checked to be digits. */
  readonly args: readonly string[];
  /** The header line as received, without its line end and surrounding spaces. */
  readonly line: string;
  /** The body of RESERVED, FOUND and OK replies, exactly as many bytes as the header said. */
  readonly body?: Buffer;
}

/**
 * The shape of every reply word the server can send: how many arguments it takes
 * (min..max), which argument positions must be unsigned decimal numbers, and which
 * argument (if any) is the byte length of a body that follows the line.
 */
export interface ReplyShape {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly numeric: readonly number[];
  readonly bodyLengthArg?: number;
}

/** Every reply word beanstalkd 1.12 sends (spelled out, so the published types do not carry the table). */
export type ReplyWord =
  | 'INSERTED'
  | 'BURIED'
  | 'EXPECTED_CRLF'
  | 'JOB_TOO_BIG'
  | 'DRAINING'
  | 'USING'
  | 'RESERVED'
  | 'DEADLINE_SOON'
  | 'TIMED_OUT'
  | 'DELETED'
  | 'NOT_FOUND'
  | 'RELEASED'
  | 'TOUCHED'
  | 'WATCHING'
  | 'NOT_IGNORED'
  | 'FOUND'
  | 'KICKED'
  | 'OK'
  | 'PAUSED'
  | 'OUT_OF_MEMORY'
  | 'INTERNAL_ERROR'
  | 'BAD_FORMAT'
  | 'UNKNOWN_COMMAND';

/** The shape of each reply word (see ReplyShape). */
export const replyShapes: Readonly<Record<ReplyWord, ReplyShape>> = {
  INSERTED: { minArgs: 1, maxArgs: 1, numeric: [0] },
  BURIED: { minArgs: 0, maxArgs: 1, numeric: [0] },
  EXPECTED_CRLF: { minArgs: 0, maxArgs: 0, numeric: [] },
  JOB_TOO_BIG: { minArgs: 0, maxArgs: 0, numeric: [] },
  DRAINING: { minArgs: 0, maxArgs: 0, numeric: [] },
  USING: { minArgs: 1, maxArgs: 1, numeric: [] },
  RESERVED: { minArgs: 2, maxArgs: 2, numeric: [0, 1], bodyLengthArg: 1 },
  DEADLINE_SOON: { minArgs: 0, maxArgs: 0, numeric: [] },
  TIMED_OUT: { minArgs: 0, maxArgs: 0, numeric: [] },
  DELETED: { minArgs: 0, maxArgs: 0, numeric: [] },
  NOT_FOUND: { minArgs: 0, maxArgs: 0, numeric: [] },
  RELEASED: { minArgs: 0, maxArgs: 0, numeric: [] },
  TOUCHED: { minArgs: 0, maxArgs: 0, numeric: [] },
  WATCHING: { minArgs: 1, maxArgs: 1, numeric: [0] },
  NOT_IGNORED: { minArgs: 0, maxArgs: 0, numeric: [] },
  FOUND: { minArgs: 2, maxArgs: 2, numeric: [0, 1], bodyLengthArg: 1 },
  KICKED: { minArgs: 0, maxArgs: 1, numeric: [0] },
  OK: { minArgs: 1, maxArgs: 1, numeric: [0], bodyLengthArg: 0 },
  PAUSED: { minArgs: 0, maxArgs: 0, numeric: [] },
  OUT_OF_MEMORY: { minArgs: 0, maxArgs: 0, numeric: [] },
  INTERNAL_ERROR: { minArgs: 0, maxArgs: 0, numeric: [] },
  BAD_FORMAT: { minArgs: 0, maxArgs: 0, numeric: [] },
  UNKNOWN_COMMAND: { minArgs: 0, maxArgs: 0, numeric: [] },
};
