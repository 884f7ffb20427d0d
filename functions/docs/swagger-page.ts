import { SWAGGER_PAGE_SCRIPT } from './swagger-page-script';

/**
 * /swagger/: one self-contained page (no CDN, no extra package) with the
 * document embedded, so it works offline and behind any gateway path.
 */
export function renderSwaggerPage(documentJson: string, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem 2rem; color: #1b1f24; }
  h2 { border-bottom: 1px solid #d0d7de; text-transform: capitalize; }
  pre { background: #f6f8fa; padding: .6rem; overflow: auto; font-size: 13px; }
  code { background: #f6f8fa; padding: 0 .2rem; }
  table { border-collapse: collapse; margin: .5rem 0; }
  th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left; vertical-align: top; }
  td pre { margin: 0; }
  details.op { border: 1px solid #d0d7de; border-radius: 6px; margin: .5rem 0; padding: .3rem .8rem; }
  details.op > summary { cursor: pointer; display: flex; gap: 1rem; align-items: baseline; }
  .method { font-weight: 700; min-width: 4.5rem; }
  .get .method { color: #0969da; } .post .method { color: #1a7f37; } .delete .method { color: #cf222e; }
  .path { font-family: ui-monospace, monospace; }
  .summary { color: #57606a; flex: 1; }
  .lock { font-size: 12px; color: #9a6700; }
  .auth { margin: 1rem 0; }
  .try textarea, .try input { font-family: ui-monospace, monospace; margin: .2rem 0; }
</style>
</head>
<body>
<noscript>This page needs JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<main id="app"></main>
<script id="openapi-document" type="application/json">${escapeForScript(documentJson)}</script>
<script>${SWAGGER_PAGE_SCRIPT}</script>
</body>
</html>
`;
}

// JSON can only hold "<" inside strings, where \u003c means the same thing, so
// no value of the document can close the <script> element it sits in.
const escapeForScript = (json: string) => json.replace(/</g, '\\u003c');

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
