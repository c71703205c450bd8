/**
 * Text that looks like a credential. The findings name what was found and where, never the
 * value itself: a policy message ends up in CI logs.
 */

export interface SecretLookingMatch {
  /** what it looks like, e.g. "an AWS access key id" */
  kind: string;
  /** a redacted hint to find it, e.g. `SPRING_DATASOURCE_PASSWORD=…` */
  hint: string;
}

interface SecretPattern {
  kind: string;
  pattern: RegExp;
  hint: (match: RegExpMatchArray) => string;
}

const SECRET_PATTERNS: SecretPattern[] = [
  {
    kind: "a password or secret assigned in plain text",
    // KEY=value or KEY: value where the key names a credential; `$VAR`, `${VAR}` and empty values
    // are references, not secrets, so they do not count.
    // The key starts at a letter not glued to another word, so `--password=x` counts only once, below.
    pattern: /(?<![\w.-])([A-Za-z_][A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key)[A-Za-z0-9_.-]*)["']?[ \t]*[=:][ \t]*["']?(?![$"'\s<{])[^\s"'&;]{4,}/gi,
    hint: (match) => `${match[1]}=…`,
  },
  {
    kind: "a password given on a command line",
    // `--password-stdin` and `--password "$VAR"` are the safe forms.
    pattern: /(?:^|\s)(--password)(?:=|[ \t]+)(?!-|\$|"\$)["']?[^\s"']{4,}/gm,
    hint: (match) => `${match[1]} …`,
  },
  {
    kind: "an AWS access key id",
    pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
    hint: (match) => `${match[0].slice(0, 4)}…`,
  },
  {
    kind: "a private key",
    pattern: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----/g,
    hint: (match) => `-----BEGIN ${match[1] ?? ""}PRIVATE KEY-----`,
  },
  {
    kind: "a URL with a password in it",
    pattern: /\b([a-z][a-z0-9+.-]*):\/\/[^\s:@/]*:[^\s@/]+@/gi,
    hint: (match) => `${match[1]}://…:…@`,
  },
  {
    kind: "a GitHub token",
    pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g,
    hint: (match) => `${match[0].slice(0, 4)}…`,
  },
];

/** Every secret-looking value in `text` (one finding per occurrence). */
export function secretLookingValues(text: string): SecretLookingMatch[] {
  const found: SecretLookingMatch[] = [];
  for (const { kind, pattern, hint } of SECRET_PATTERNS) {
    for (const match of text.matchAll(pattern)) found.push({ kind, hint: hint(match) });
  }
  return found;
}
