// What the console's forms check before anything is posted, each answering { value } or { error }.
// Only what the browser can judge for certain is checked here; the grid's own limits come back as
// its errors.

/** Params as the REST API takes them: empty means none; otherwise a JSON object. */
export function parseParams(text) {
  return parseObject(text, 'Parameters', '{"value": 24}');
}

/** A JSON object field (params, attributes): empty means not given. */
export function parseObject(text, label, example) {
  if (!text.trim()) return { value: undefined };
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `${label} are not valid JSON: ${error.message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: `${label} must be a JSON object, e.g. ${example}` };
  }
  return { value };
}

/** A dynamic group's attribute match: a JSON object whose values are strings, numbers or booleans (compared as text). */
export function parseMatch(text) {
  const parsed = parseObject(text, 'Attributes to match', '{"floor": "2"}');
  if (parsed.error || parsed.value === undefined) return parsed;
  const wrong = Object.entries(parsed.value).find(([, v]) => v === null || typeof v === 'object');
  return wrong ? { error: `Attribute ${wrong[0]} must be a string, number or boolean` } : parsed;
}

/** A thing id, group name or job id, spelled as the grid takes them (letters, digits, '-', '_', '.', at most 128). */
export function parseName(text, label) {
  const trimmed = text.trim();
  return /^[A-Za-z0-9_.-]{1,128}$/.test(trimmed) ? { value: trimmed } : { error: `${label}: letters, digits, '-', '_', '.', at most 128` };
}

/** Optional free text: empty means not given. */
export function parseText(text) {
  return { value: text.trim() || undefined };
}

/** A network or device type id: empty means not given; otherwise a whole number, 0 or more. */
export function parseId(text, label) {
  const trimmed = text.trim();
  if (!trimmed) return { value: undefined };
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) return { error: `${label} must be a whole number` };
  return { value: Number(trimmed) };
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
