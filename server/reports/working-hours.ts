/**
 * A schedule's working hours: ISO weekdays (1 Monday … 7 Sunday) and a daily window
 * [start, end) in minutes after midnight, both read in the schedule's time zone. An approval
 * granted outside them is an unusual one for the digest (the test is SQL's: server/reports/queries).
 */
import { z } from 'zod';

export interface WorkingHours {
  readonly days: readonly number[];
  readonly startMinute: number;
  readonly endMinute: number;
}

/** Monday to Friday, 08:00 to 18:00. */
export const DEFAULT_WORKING_HOURS = { days: [1, 2, 3, 4, 5], start: '08:00', end: '18:00' } as const;

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (00:00 to 23:59)');

export const workingHoursSchema = z
  .object({
    days: z
      .array(z.number().int().min(1, 'must be an ISO weekday, 1 (Monday) to 7 (Sunday)').max(7, 'must be an ISO weekday, 1 (Monday) to 7 (Sunday)'))
      .max(7),
    start: clock,
    end: clock,
  })
  .refine((hours) => hours.start < hours.end, { message: 'must be after start', path: ['end'] });

export const minuteOfDay = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
export const clockText = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
