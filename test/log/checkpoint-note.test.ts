/**
 * Checkpoints are C2SP signed notes, so outside tools must read ours and we must read theirs. The
 * fixed vectors are transcribed from github.com/golang/mod, sumdb/note/note_test.go (TestSign,
 * TestOpen, TestNewVerifier, TestNewSigner), and from the example in
 * github.com/C2SP/C2SP, tlog-checkpoint.md.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatCheckpointBody, parseCheckpointBody, type CheckpointBody } from '../../server/log/checkpoint-note.js';
import {
  noteSignerFromPrivateKey,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signerKeyOf,
  signNote,
  verifiedSigners,
  verifierKeyOf,
} from '../../server/log/signed-note.js';

// From golang/mod sumdb/note/note_test.go.
const PETER_SIGNER_KEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_KEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_KEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const PETER_NOTE = `${TEXT}\n${PETER_SIG}`;

const peter = parseVerifierKey(PETER_KEY);
const enoch = parseVerifierKey(ENOCH_KEY);
const names = (verifiers: readonly { name: string }[]) => verifiers.map((verifier) => verifier.name);

/** Every string Go's mangling loops try: each proper substring, and each byte bumped by one. */
function manglings(key: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= key.length; i++) for (let j = i + 1; j <= key.length; j++) if (i !== 0 || j !== key.length) out.push(key.slice(i, j));
  for (let i = 0; i < key.length; i++) out.push(key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1));
  return out;
}

describe("Go's published signed-note vectors", () => {
  it('reads the verifier key as name, key id and Ed25519 key', () => {
    expect(peter.name).toBe('PeterNeumann');
    expect(peter.keyId.toString('hex')).toBe('c74f20a3');
    expect(peter.verifierKey).toBe(PETER_KEY);
    expect(verifierKeyOf('PeterNeumann', peter.publicKey)).toBe(PETER_KEY);
  });

  it('signs the text with the signer key into the same note, byte for byte', () => {
    const signer = parseSignerKey(PETER_SIGNER_KEY);
    expect(signer.verifierKey).toBe(PETER_KEY);
    expect(signNote(TEXT, [signer])).toBe(PETER_NOTE);
    expect(signNote(TEXT, [noteSignerFromPrivateKey('PeterNeumann', signer.privateKey)])).toBe(PETER_NOTE);
    expect(signerKeyOf('PeterNeumann', signer.privateKey)).toBe(PETER_SIGNER_KEY);
  });

  it('verifies the known signature and ignores the unknown one', () => {
    const note = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    expect(parseNote(note).text).toBe(TEXT);
    expect(names(verifiedSigners(note, [peter]))).toEqual(['PeterNeumann']);
    expect(names(verifiedSigners(note, [peter, enoch]))).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(verifiedSigners(note, [])).toEqual([]);
  });

  it('counts a key listed twice, or a signature repeated, once', () => {
    expect(names(verifiedSigners(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch]))).toEqual(['EnochRoot']);
    expect(names(verifiedSigners(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}`, [peter]))).toEqual(['PeterNeumann']);
  });

  it('rejects the whole note when a known key signature does not verify', () => {
    const stretched = PETER_SIG.slice(0, 60) + 'ABCD' + PETER_SIG.slice(60);
    expect(verifiedSigners(`${TEXT}\n${stretched}`, [peter])).toEqual([]);
    // Enoch's good signature does not rescue a note that carries a bad one from Peter.
    expect(verifiedSigners(`${TEXT}\n${ENOCH_SIG}${stretched}`, [peter, enoch])).toEqual([]);
  });

  it("refuses Go's malformed notes", () => {
    const malformed = [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\x01${TEXT}\n${PETER_SIG}`,
      // Go's "\xff" is a byte that is not UTF-8; a JavaScript string's equivalent is a lone surrogate.
      `\ud800${TEXT}\n${PETER_SIG}`,
      `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${TEXT}\n${PETER_SIG.repeat(101)}`,
    ];
    for (const note of malformed) {
      expect(() => parseNote(note), JSON.stringify(note)).toThrow();
      expect(verifiedSigners(note, [peter])).toEqual([]);
    }
  });

  it('accepts up to 100 signatures', () => {
    expect(parseNote(`${TEXT}\n${PETER_SIG.repeat(100)}`).signatures).toHaveLength(100);
  });

  it('ignores a signature whose name or key id no trusted key has', () => {
    const otherName = PETER_SIG.replace('PeterNeumann', 'CarmenSandiego');
    const otherId = PETER_SIG.replace('x08g', 'xxxx');
    expect(parseNote(`${TEXT}\n${otherName}`).signatures[0]!.name).toBe('CarmenSandiego');
    expect(verifiedSigners(`${TEXT}\n${otherName}`, [peter])).toEqual([]);
    expect(verifiedSigners(`${TEXT}\n${otherId}`, [peter])).toEqual([]);
    expect(names(verifiedSigners(`${TEXT}\n${otherName}${otherId}${PETER_SIG}`, [peter]))).toEqual(['PeterNeumann']);
  });

  it('refuses every mangled verifier key, and keys of the wrong length or type', () => {
    for (const key of manglings(PETER_KEY)) expect(() => parseVerifierKey(key), key).toThrow();
    // Go decodes "BADKEY==" loosely and then rejects the length; here its non-zero pad bits already fail.
    expect(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==')).toThrow(/base64/);
    expect(() => parseVerifierKey(`PeterNeumann+c74f20a3+${Buffer.concat([Buffer.from([1]), Buffer.alloc(33)]).toString('base64')}`)).toThrow(
      /33 bytes, not 32/,
    );
    expect(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(/signature type 0x65/);
  });

  it('refuses every mangled signer key, without repeating it in the error', () => {
    for (const key of manglings(PETER_SIGNER_KEY)) {
      expect(() => parseSignerKey(key), key).toThrow();
      try {
        parseSignerKey(key);
      } catch (error) {
        expect((error as Error).message).not.toContain('AYEKFALV');
      }
    }
  });
});

describe('signed notes made here', () => {
  const key = generateKeyPairSync('ed25519').privateKey;
  const signer = noteSignerFromPrivateKey('vigil.example/log', key);
  const verifier = parseVerifierKey(signer.verifierKey);
  const text = 'vigil.example/log\n\nA text may hold blank lines.\n';
  const note = signNote(text, [signer]);

  it('round-trips through parse and verify, text and key id included', () => {
    expect(parseNote(note)).toEqual({ text, signatures: [{ name: 'vigil.example/log', keyId: signer.keyId, signature: expect.any(Buffer) }] });
    expect(verifiedSigners(note, [verifier])).toEqual([verifier]);
    expect(parseSignerKey(signerKeyOf('vigil.example/log', key)).verifierKey).toBe(signer.verifierKey);
  });

  it('carries one line per signer, in order', () => {
    const second = noteSignerFromPrivateKey('witness.example', generateKeyPairSync('ed25519').privateKey);
    const both = signNote(text, [signer, second]);
    expect(names(parseNote(both).signatures)).toEqual(['vigil.example/log', 'witness.example']);
    expect(names(verifiedSigners(both, [parseVerifierKey(second.verifierKey), verifier]))).toEqual(['vigil.example/log', 'witness.example']);
  });

  it('is not verified once its text is changed', () => {
    expect(verifiedSigners(note.replace('blank', 'Blank'), [verifier])).toEqual([]);
  });

  it('is not verified by another key of the same name', () => {
    const other = parseVerifierKey(verifierKeyOf('vigil.example/log', generateKeyPairSync('ed25519').publicKey));
    expect(verifiedSigners(note, [other])).toEqual([]);
  });

  it('refuses a truncated signature', () => {
    const [body, line] = [note.slice(0, note.lastIndexOf('— ')), note.slice(note.lastIndexOf('— '), -1)];
    // Still well-formed base64 (4 characters fewer): parsed, but a 62-byte signature never verifies.
    const shorter = `${body}${line.slice(0, -4)}\n`;
    expect(parseNote(shorter).signatures[0]!.signature).toHaveLength(62);
    expect(verifiedSigners(shorter, [verifier])).toEqual([]);
    // Cut mid-quantum: not base64 at all.
    expect(() => parseNote(`${body}${line.slice(0, -1)}\n`)).toThrow(/signature line/);
  });

  it('refuses CRLF line endings', () => {
    expect(() => parseNote(note.replaceAll('\n', '\r\n'))).toThrow(/control character/);
    expect(verifiedSigners(note.replaceAll('\n', '\r\n'), [verifier])).toEqual([]);
    expect(() => signNote('origin\r\n', [signer])).toThrow(/no CR/);
  });

  it('refuses a note without the blank line before its signatures', () => {
    const joined = note.replace('.\n\n—', '.\n—');
    expect(() => parseNote(joined)).toThrow();
    expect(verifiedSigners(joined, [verifier])).toEqual([]);
  });

  it('refuses texts without a final newline, and key names with spaces or "+"', () => {
    expect(() => signNote('no newline', [signer])).toThrow(/newline/);
    expect(() => signNote(text, [])).toThrow(/signer/);
    for (const name of ['', 'two words', 'a+b', 'tab\there', 'nbsp\u00a0here']) {
      expect(() => noteSignerFromPrivateKey(name, key), name).toThrow(/key name/);
    }
  });

  it('needs Ed25519 keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => noteSignerFromPrivateKey('vigil', rsa.privateKey)).toThrow(/Ed25519/);
    expect(() => verifierKeyOf('vigil', rsa.publicKey)).toThrow(/Ed25519/);
  });
});

describe('checkpoint bodies', () => {
  const rootHash = Buffer.alloc(32, 7);
  const body: CheckpointBody = {
    origin: 'vigil.example/tenants/t1',
    size: 1234,
    rootHash,
    extensions: ['vigil-time 2025-01-02T03:04:05.000Z', 'vigil-prev none'],
  };

  it('reads the tlog-checkpoint spec example', () => {
    const example =
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
      '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';
    const { text, signatures } = parseNote(example);
    expect(signatures.map((signature) => [signature.name, signature.keyId.toString('hex'), signature.signature.length])).toEqual([
      ['example.com/behind-the-sofa', '033de0ae', 64],
    ]);
    expect(parseCheckpointBody(text)).toEqual({
      origin: 'example.com/behind-the-sofa',
      size: 20852163,
      rootHash: Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64'),
      extensions: [],
    });
  });

  it('writes origin, size, root and extension lines, each ending in a newline, and reads them back', () => {
    const text = formatCheckpointBody(body);
    expect(text).toBe(`vigil.example/tenants/t1\n1234\n${rootHash.toString('base64')}\nvigil-time 2025-01-02T03:04:05.000Z\nvigil-prev none\n`);
    expect(parseCheckpointBody(text)).toEqual(body);
    expect(parseCheckpointBody(formatCheckpointBody({ ...body, size: 0, extensions: [] }))).toEqual({ ...body, size: 0, extensions: [] });
  });

  it('survives signing as a note', () => {
    const signer = noteSignerFromPrivateKey('vigil.example', generateKeyPairSync('ed25519').privateKey);
    const note = signNote(formatCheckpointBody(body), [signer]);
    expect(verifiedSigners(note, [parseVerifierKey(signer.verifierKey)])).toHaveLength(1);
    expect(parseCheckpointBody(parseNote(note).text)).toEqual(body);
  });

  it('refuses malformed checkpoint texts', () => {
    const root = rootHash.toString('base64');
    const malformed: [string, RegExp][] = [
      [`origin\n12\n${root}`, /newline/],
      [`origin\n12\n`, /three lines/],
      [`\n12\n${root}\n`, /origin/],
      [`origin\n012\n${root}\n`, /tree size/],
      [`origin\n-1\n${root}\n`, /tree size/],
      [`origin\n1e3\n${root}\n`, /tree size/],
      [`origin\n\n${root}\n`, /tree size/],
      [`origin\n9007199254740992\n${root}\n`, /tree size/],
      [`origin\n12\n${Buffer.alloc(31).toString('base64')}\n`, /32-byte/],
      [`origin\n12\n${root.replace('=', '')}\n`, /32-byte/],
      [`origin\n12\n${root}\n\n`, /extension/],
      [`origin\n12\n${root}\next\n\nmore\n`, /extension/],
    ];
    for (const [text, error] of malformed) expect(() => parseCheckpointBody(text), JSON.stringify(text)).toThrow(error);
  });

  it('refuses to write what it could not read back', () => {
    expect(() => formatCheckpointBody({ ...body, origin: '' })).toThrow(/origin/);
    expect(() => formatCheckpointBody({ ...body, origin: 'a\nb' })).toThrow(/origin/);
    expect(() => formatCheckpointBody({ ...body, size: 1.5 })).toThrow(/size/);
    expect(() => formatCheckpointBody({ ...body, size: -1 })).toThrow(/size/);
    expect(() => formatCheckpointBody({ ...body, rootHash: Buffer.alloc(20) })).toThrow(/32 bytes/);
    expect(() => formatCheckpointBody({ ...body, extensions: [''] })).toThrow(/extension/);
    expect(() => formatCheckpointBody({ ...body, extensions: ['a\nb'] })).toThrow(/extension/);
  });
});
