/**
 * Time as Vigil's code sees it. Services take a Clock rather than calling `new Date()` so that tests
 * can move time (expiry, retry schedules, sweepers) without sleeping.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move; for tests. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date = new Date()) {
    this.current = start.getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
  set(at: Date): void {
    this.current = at.getTime();
  }
}
