/**
 * Quotes a value as one shell word: `'...'`, with each `'` written as `'\''`. Every value a
 * script of this package interpolates goes through here, so no value is ever parsed as code.
 */
export function shellQuote(value: string): string {
  // A NUL cannot be part of any shell word; bash would silently cut the value there.
  if (value.includes("\0")) throw new Error("shellQuote: a value with a NUL character cannot be passed to a shell.");
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
