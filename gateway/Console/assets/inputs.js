// What the console's forms check before anything is posted, each answering { value } or { error }.
// Only what the browser can judge for certain is checked here; the grid's own limits come back as
// its errors.

/** Params as the REST API takes them: empty means none; otherwise a JSON object. */
export function parseParams(text) {
  if (!text.trim()) return { value: undefined };
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `Parameters are not valid JSON: ${error.message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: 'Parameters must be a JSON object, e.g. {"value": 24}' };
  }
  return { value };
}

/** Empty means not given; otherwise a whole number, at least 1. */
export function parseWhole(text, error) {
  const trimmed = text.trim();
  if (!trimmed) return { value: undefined };
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1) return { error };
  return { value: Number(trimmed) };
}

/** TTL: empty means the grid's default; otherwise a whole number of seconds, at least 1. */
export function parseTtl(text) {
  return parseWhole(text, 'TTL must be a whole number of seconds, at least 1');
}

/** Empty means not given; otherwise a number above 0 and at most 100. */
export function parsePercent(text, error) {
  const trimmed = text.trim();
  if (!trimmed) return { value: undefined };
  const value = Number(trimmed);
  if (!/^\d+(\.\d+)?$/.test(trimmed) || !(value > 0 && value <= 100)) return { error };
  return { value };
}
