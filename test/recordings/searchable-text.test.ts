/** The plain text recordings are searched by, and the offsets it maps back to. */
import { describe, expect, it } from 'vitest';
import type { AsciicastEvent } from '../../server/recordings/asciicast.js';
import { CARRY_CHARS, chunkText, EMPTY_CARRY } from '../../server/recordings/searchable-text.js';

describe('searchable text of a chunk', () => {
  it('drops colour codes, titles and carriage returns from output, even when an escape is split across events', () => {
    const events: AsciicastEvent[] = [
      [1, 'o', '\x1b]0;user@web-01: ~\x07$ '],
      [2, 'o', 'ls\r\n\x1b[01;3'],
      [3, 'o', '4mdeploy\x1b[0m  notes.txt\r\n'],
    ];
    const { output } = chunkText(events, EMPTY_CARRY);
    expect(output.value).toBe('$ ls\ndeploy  notes.txt\n');
    expect(output.secondsAt(output.value.indexOf('deploy'))).toBe(3);
    expect(output.secondsAt(output.value.indexOf('ls'))).toBe(2);
  });

  it('applies backspaces to typed input and ends lines at Enter', () => {
    const typed: AsciicastEvent[] = [...'systemctl restrat'].map((key, index) => [10 + index / 10, 'i', key] as AsciicastEvent);
    typed.push([12, 'i', '\x7f\x7f\x7f'], [12.5, 'i', 'art nginx\r'], [13, 'i', 'exit\r']);
    const { input } = chunkText(typed, EMPTY_CARRY);
    expect(input.value).toBe('systemctl restart nginx\nexit\n');
    expect(input.secondsAt(0)).toBe(10);
    expect(input.secondsAt(input.value.indexOf('nginx'))).toBe(12.5);
    expect(input.secondsAt(input.value.indexOf('exit'))).toBe(13);
  });

  it('carries the end of a chunk into the next, with the offsets of the events that wrote it', () => {
    const first = chunkText(
      [
        [5, 'o', 'x'.repeat(500)],
        [6, 'o', 'depl'],
      ],
      EMPTY_CARRY,
    );
    const carry = { o: first.output.carryOut(), i: first.input.carryOut() };
    expect(carry.o.text).toHaveLength(CARRY_CHARS);
    expect(carry.o.text.endsWith('depl')).toBe(true);
    const second = chunkText([[7, 'o', 'oy done\r\n']], carry);
    const at = second.output.value.indexOf('deploy');
    expect(at).toBe(CARRY_CHARS - 4);
    expect(second.output.secondsAt(at)).toBe(6);
    expect(second.output.secondsAt(at - 1)).toBe(5);
    expect(second.output.secondsAt(at + 4)).toBe(7);
  });

  it('keeps an escape cut at the end of a chunk for the next one', () => {
    const first = chunkText([[1, 'o', 'ok \x1b[3']], EMPTY_CARRY);
    const carry = { o: first.output.carryOut(), i: first.input.carryOut() };
    expect(carry.o.pending).toBe('\x1b[3');
    const second = chunkText([[2, 'o', '1mred\x1b[0m']], carry);
    expect(second.output.value).toBe('ok red');
  });
});
