// Dates, instants and time zones as Cronofy's API uses them.

const DATE = /^\d{4}-\d{2}-\d{2}$/;
// An instant with an explicit zone: Z or an offset.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
// A local time, to be read in a tzid.
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

export function isDate(value: string): boolean {
  return DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

export function isInstant(value: string): boolean {
  return INSTANT.test(value) && !Number.isNaN(Date.parse(value));
}

export function isLocalTime(value: string): boolean {
  return LOCAL_TIME.test(value) && !Number.isNaN(Date.parse(`${value}Z`));
}

export function isTimeZone(tzid: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tzid });
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds the zone is ahead of UTC at `instant`. */
function zoneOffsetMs(instant: number, tzid: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: tzid,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant a local date-time (YYYY-MM-DDTHH:MM[:SS]) happens in `tzid`. */
export function zonedInstant(local: string, tzid: string): Date {
  const guess = Date.parse(`${local}Z`);
  // Two passes settle the offset even across a DST change between guess and answer.
  let instant = guess - zoneOffsetMs(guess, tzid);
  instant = guess - zoneOffsetMs(instant, tzid);
  return new Date(instant);
}

/** A `from`/`to` query value: a date is midnight in `tzid`; an instant is itself. */
export function boundary(value: string, tzid: string): Date {
  return isDate(value) ? zonedInstant(`${value}T00:00:00`, tzid) : new Date(value);
}

/** Cronofy writes instants in UTC with whole seconds. */
export function utcInstant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
