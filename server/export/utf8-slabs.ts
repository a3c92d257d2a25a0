/**
 * Text encoded into UTF-8 as it is made, into large buffers written to the socket as they are.
 * A line made by concatenating a short head with a long text (an event's record, as its leaf
 * stores it) is, in V8, a rope that the socket write would first copy flat and then encode; here
 * each part is encoded straight into the buffer, so the long text is read once and never copied.
 */

/** Bytes per buffer; a part longer than can fit gets a buffer of its own size. */
const SLAB_BYTES = 256 * 1024;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2). */
const MAX_BYTES_PER_UNIT = 3;

export class Utf8Slabs {
  private readonly done: Buffer[] = [];
  private slab: Buffer = Buffer.allocUnsafe(SLAB_BYTES);
  private used = 0;

  write(text: string): void {
    if (this.slab.length - this.used < text.length * MAX_BYTES_PER_UNIT) {
      if (this.used > 0) this.done.push(this.slab.subarray(0, this.used));
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, text.length * MAX_BYTES_PER_UNIT));
      this.used = 0;
    }
    this.used += this.slab.write(text, this.used);
  }

  /** Bytes already encoded, copied in. */
  writeBytes(bytes: Uint8Array): void {
    if (this.slab.length - this.used < bytes.length) {
      if (this.used > 0) this.done.push(this.slab.subarray(0, this.used));
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, bytes.length));
      this.used = 0;
    }
    this.slab.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** How many bytes wait to be taken. */
  get pending(): number {
    return this.used + this.done.reduce((sum, buffer) => sum + buffer.length, 0);
  }

  /** The bytes written, in order; the writer starts empty again. */
  take(): Buffer[] {
    if (this.used > 0) this.done.push(this.slab.subarray(0, this.used));
    const taken = this.done.splice(0);
    // What is left of the slab stays for the next writes.
    this.slab = this.slab.subarray(this.used);
    this.used = 0;
    if (this.slab.length < SLAB_BYTES / 4) this.slab = Buffer.allocUnsafe(SLAB_BYTES);
    return taken;
  }
}
