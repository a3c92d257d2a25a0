/**
 * A terminal recording as everything above the queries sees it: the header's facts, what was
 * counted as chunks arrived, and whose it is (the row rule). Written out rather than inferred from
 * the table, so a column renamed or retyped fails to compile where a service hands its rows out;
 * the chunks and the search text are not part of it.
 */
import type { DesktopProtocol, RecordingGap, RecordingStatus } from '../db/tables/index.js';

export interface TerminalRecordingRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly terminalSessionId: string;
  readonly serverId: string;
  /** The session's operator (null when the agent could not name a Vigil user). */
  readonly userId: string | null;
  readonly status: RecordingStatus;
  readonly width: number;
  readonly height: number;
  /** The header's timestamp. */
  readonly startedAt: Date;
  /** Set once the recording is complete. */
  readonly endedAt: Date | null;
  readonly durationSeconds: number;
  readonly eventCount: number;
  /** UTF-8 bytes of input ("i") and output ("o") event data. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly storedBytes: number;
  /** The number the next chunk must carry: the chunks received so far. */
  readonly nextSeq: number;
  readonly command: string | null;
  readonly title: string | null;
  /** The header's env (string values). */
  readonly env: Readonly<Record<string, string>>;
  /** Chunks the agent declared lost. */
  readonly gaps: readonly RecordingGap[];
}

/** How the person reached the desktop the agent recorded (for the API, which knows no tables). */
export { DESKTOP_PROTOCOLS } from '../db/tables/index.js';

/** A desktop recording (WebM video) as everything above the queries sees it; the chunks are not part of it. */
export interface DesktopRecordingRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly serverId: string;
  /** The agent's id for the desktop session. */
  readonly sessionEventId: string;
  readonly userId: string | null;
  /** The account on the server. */
  readonly username: string | null;
  readonly protocol: DesktopProtocol;
  readonly mediaType: string;
  readonly width: number;
  readonly height: number;
  readonly filePath: string | null;
  readonly status: RecordingStatus;
  readonly startedAt: Date;
  readonly endedAt: Date | null;
  readonly durationSeconds: number;
  readonly frameCount: number;
  readonly byteCount: number;
  readonly nextSeq: number;
  readonly gaps: readonly RecordingGap[];
}
