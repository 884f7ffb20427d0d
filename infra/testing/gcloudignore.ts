/**
 * Enough of .gitignore's rules to read our .gcloudignore the way gcloud does
 * (https://cloud.google.com/sdk/gcloud/reference/topic/gcloudignore): the last
 * matching pattern wins, `!` re-includes, a trailing `/` matches directories
 * only, a pattern with a `/` in it is anchored at the top, and nothing inside
 * an ignored directory can be re-included.
 */
interface Rule {
  negate: boolean;
  dirOnly: boolean;
  regex: RegExp;
}

function globToRegex(glob: string): string {
  let out = '';
  for (let index = 0; index < glob.length; index += 1) {
    const character = glob[index];
    if (character === '*' && glob[index + 1] === '*') {
      out += '.*';
      index += 1;
    } else if (character === '*') out += '[^/]*';
    else if (character === '?') out += '[^/]';
    else out += character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

export function parseIgnoreFile(text: string): Rule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => {
      if (line.startsWith('#!include')) throw new Error('#!include is not supported by this reader');
      return line !== '' && !line.startsWith('#');
    })
    .map((line) => {
      const negate = line.startsWith('!');
      let pattern = negate ? line.slice(1) : line;
      const dirOnly = pattern.endsWith('/');
      if (dirOnly) pattern = pattern.slice(0, -1);
      const anchored = pattern.includes('/');
      if (pattern.startsWith('/')) pattern = pattern.slice(1);
      return { negate, dirOnly, regex: new RegExp(`^${anchored ? '' : '(?:.*/)?'}${globToRegex(pattern)}$`) };
    });
}

export function isIgnored(rules: Rule[], relativePath: string, isDirectory: boolean): boolean {
  const parts = relativePath.split('/');
  for (let depth = 1; depth < parts.length; depth += 1) {
    if (matches(rules, parts.slice(0, depth).join('/'), true)) return true;
  }
  return matches(rules, relativePath, isDirectory);
}

function matches(rules: Rule[], relativePath: string, isDirectory: boolean): boolean {
  let ignored = false;
  for (const rule of rules) {
    if (rule.dirOnly && !isDirectory) continue;
    if (rule.regex.test(relativePath)) ignored = !rule.negate;
  }
  return ignored;
}
