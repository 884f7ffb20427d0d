/**
 * Reads back what a dry run printed, the way a shell would split it, so tests
 * check the commands a person would actually run.
 */
export interface PrintedCommand {
  line: string;
  words: string[];
  /** `--name=value` flags; a bare `--name` maps to true. */
  flags: Map<string, string | true>;
  /** What the line says goes to standard input, if anything. */
  stdin?: string;
}

export function shellWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (character === "'") {
      const end = text.indexOf("'", index + 1);
      if (end < 0) throw new Error(`Unclosed quote in: ${text}`);
      current += text.slice(index + 1, end);
      index = end;
      inWord = true;
    } else if (character === '\\') {
      current += text[index + 1];
      index += 1;
      inWord = true;
    } else if (character === ' ') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += character;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

export function parsePrinted(lines: string[]): PrintedCommand[] {
  return lines
    .filter((line) => !line.startsWith('#'))
    .map((line) => {
      const [command, stdin] = line.split('  # stdin: ');
      const words = shellWords(command);
      const flags = new Map<string, string | true>();
      for (const word of words.filter((candidate) => candidate.startsWith('--'))) {
        const equals = word.indexOf('=');
        flags.set(equals < 0 ? word : word.slice(0, equals), equals < 0 ? true : word.slice(equals + 1));
      }
      return { line, words, flags, stdin };
    });
}

/** Undoes gcloud's list syntax, including its `^DELIM^` alternative delimiter. */
export function gcloudDictionary(value: string): Record<string, string> {
  const custom = /^\^(.)\^/.exec(value);
  const body = custom ? value.slice(3) : value;
  return Object.fromEntries(
    body.split(custom ? custom[1] : ',').map((pair) => {
      const equals = pair.indexOf('=');
      return [pair.slice(0, equals), pair.slice(equals + 1)];
    }),
  );
}

/** Runs an infra script's main in-process and returns what it printed. */
export async function printedBy(
  main: (argv: string[], io: { print(line: string): void; env: NodeJS.ProcessEnv }) => unknown,
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<string[]> {
  const lines: string[] = [];
  await main(argv, { print: (line) => lines.push(line), env });
  return lines;
}
