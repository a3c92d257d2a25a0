/**
 * Where a recorded terminal session lives in the spool, between `vigil-agent record` (which
 * writes it) and the daemon's recording shipper (which sends it and then removes it):
 *   shell-<session>.tsv        the session's records (shell-hook.ts): S and E from the recorder,
 *                              B and C from the shell's hook, which finds it by VIGIL_TERMINAL_SESSION
 *   rec-<session>.cast         the recording, asciicast v2, header line first, appended as it runs
 *   rec-<session>.done         written when the recorder has exited (its exit status inside):
 *                              nothing more will be added to the .cast
 *   rec-<session>.script-io, rec-<session>.script-timing
 *                              util-linux script's logs while it records (script-cast.ts),
 *                              removed once turned into the .cast
 *   rec-<session>.status       the recorded command's exit status, under asciinema (which does
 *                              not pass it on), removed when read
 * <session> is `<pid>-<microseconds>`: the recorder's process id and its start time, as the hook
 * names a shell's file.
 */
import path from 'node:path';

export const RECORDING_FILE = /^rec-((\d+)-\d+)\.cast$/;

export interface RecordingFiles {
  readonly session: string;
  readonly shellRecords: string;
  readonly cast: string;
  readonly done: string;
  readonly scriptIo: string;
  readonly scriptTiming: string;
  readonly status: string;
}

export function recordingFiles(spool: string, session: string): RecordingFiles {
  const rec = (suffix: string) => path.join(spool, `rec-${session}${suffix}`);
  return {
    session,
    shellRecords: path.join(spool, `shell-${session}.tsv`),
    cast: rec('.cast'),
    done: rec('.done'),
    scriptIo: rec('.script-io'),
    scriptTiming: rec('.script-timing'),
    status: rec('.status'),
  };
}
