/**
 * The browser half of /swagger/: renders the embedded OpenAPI document and
 * sends "try it" requests. Plain ES2017 shipped as text (the page must work
 * offline and without a bundler); every value from the document reaches the
 * page through textContent, never as HTML.
 */
export const SWAGGER_PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var doc = JSON.parse(document.getElementById('openapi-document').textContent);
  var root = document.getElementById('app');
  var METHODS = ['get', 'post', 'put', 'patch', 'delete'];

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  // Inline markdown: **bold** and \`code\`; everything else is text.
  function inline(text) {
    var span = el('span');
    text.split(/(\*\*[^*]+\*\*|\x60[^\x60]+\x60)/).forEach(function (part) {
      if (/^\*\*.+\*\*$/.test(part)) span.appendChild(el('strong', { text: part.slice(2, -2) }));
      else if (/^\x60.+\x60$/.test(part)) span.appendChild(el('code', { text: part.slice(1, -1) }));
      else if (part) span.appendChild(document.createTextNode(part));
    });
    return span;
  }

  // The markdown the descriptions use: headings, lists, tables, fenced code, paragraphs.
  function markdown(text) {
    var box = el('div', { class: 'md' });
    var blocks = (text || '').split(/\n{2,}/);
    blocks.forEach(function (block) {
      var lines = block.split('\n');
      if (/^\x60\x60\x60/.test(block)) {
        box.appendChild(el('pre', { text: lines.slice(1, lines[lines.length - 1] === '\x60\x60\x60' ? -1 : undefined).join('\n') }));
      } else if (/^#{1,6} /.test(block)) {
        box.appendChild(el('h3', {}, [inline(block.replace(/^#+ /, ''))]));
      } else if (lines.every(function (line) { return /^- /.test(line); })) {
        box.appendChild(el('ul', {}, lines.map(function (line) { return el('li', {}, [inline(line.slice(2))]); })));
      } else if (lines.every(function (line) { return /^\|.*\|$/.test(line); })) {
        var rows = lines.filter(function (line) { return !/^\|[-| ]+\|$/.test(line); }).map(function (line) {
          return line.slice(1, -1).split('|').map(function (cell) { return cell.trim(); });
        });
        box.appendChild(el('table', {}, rows.map(function (cells, index) {
          return el('tr', {}, cells.map(function (cell) { return el(index === 0 ? 'th' : 'td', {}, [inline(cell)]); }));
        })));
      } else {
        box.appendChild(el('p', {}, [inline(block)]));
      }
    });
    return box;
  }

  function resolve(schema) {
    var ref = schema && schema.$ref;
    if (!ref) return schema;
    var found = ref.split('/').slice(1).reduce(function (node, key) { return node && node[key]; }, doc);
    return found || schema;
  }

  function json(value) { return el('pre', { text: JSON.stringify(value, null, 2) }); }

  function schemaBlock(title, media) {
    if (!media) return null;
    var ref = media.schema && media.schema.$ref;
    return el('div', { class: 'schema' }, [
      el('h4', { text: title + (ref ? ' — ' + ref.split('/').pop() : '') }),
      json(resolve(media.schema)),
      media.example === undefined ? null : el('h4', { text: 'Example' }),
      media.example === undefined ? null : json(media.example),
    ]);
  }

  var keyInput = el('input', { id: 'api-key', placeholder: 'key from POST /api/v1/auth/login/', size: '60' });
  keyInput.value = sessionStorage.getItem('api-key') || '';
  keyInput.addEventListener('change', function () { sessionStorage.setItem('api-key', keyInput.value.trim()); });

  function tryIt(path, method, op) {
    var params = (op.parameters || []).map(resolve);
    var inputs = params.map(function (param) {
      return { param: param, input: el('input', { placeholder: param.name + ' (' + param.in + (param.required ? ', required' : '') + ')' }) };
    });
    var media = op.requestBody && op.requestBody.content['application/json'];
    var body = media ? el('textarea', { rows: '8', cols: '80' }) : null;
    if (body) body.value = media.example === undefined ? '' : JSON.stringify(media.example, null, 2);
    var output = el('pre', { class: 'output' });

    function send() {
      var url = path;
      var query = new URLSearchParams();
      var headers = { Accept: 'application/json' };
      inputs.forEach(function (item) {
        var value = item.input.value.trim();
        if (!value) return;
        if (item.param.in === 'path') url = url.replace('{' + item.param.name + '}', encodeURIComponent(value));
        else if (item.param.in === 'query') query.append(item.param.name, value);
        else headers[item.param.name] = value;
      });
      if (keyInput.value.trim() && op.security && op.security.length) headers.Authorization = 'token ' + keyInput.value.trim();
      if (body && body.value.trim()) headers['Content-Type'] = 'application/json';
      output.textContent = 'Sending ' + method.toUpperCase() + ' ' + url + '…';
      fetch(url + (String(query) ? '?' + query : ''), { method: method.toUpperCase(), headers: headers, body: body && body.value.trim() ? body.value : undefined })
        .then(function (response) {
          return response.text().then(function (text) {
            var shown = text;
            try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (ignored) { /* not JSON: show as is */ }
            output.textContent = response.status + ' ' + response.statusText + '\n\n' + shown;
          });
        })
        .catch(function (error) { output.textContent = 'Request failed: ' + error.message; });
    }

    return el('div', { class: 'try' }, [el('h4', { text: 'Try it' })]
      .concat(inputs.map(function (item) { return el('div', {}, [item.input]); }))
      .concat([body, el('button', { type: 'button', text: 'Send', onclick: send }), output]));
  }

  function operationView(path, method, op) {
    var parameters = (op.parameters || []).map(resolve);
    var responses = Object.keys(op.responses || {});
    return el('details', { class: 'op ' + method, id: op.operationId }, [
      el('summary', {}, [
        el('span', { class: 'method', text: method.toUpperCase() }),
        el('span', { class: 'path', text: path }),
        el('span', { class: 'summary', text: op.summary || '' }),
        op.security && op.security.length ? el('span', { class: 'lock', text: Object.keys(op.security[0]).join(', ') }) : null,
      ]),
      markdown(op.description),
      parameters.length ? el('h4', { text: 'Parameters' }) : null,
      parameters.length ? el('table', {}, [el('tr', {}, ['name', 'in', 'required', 'schema'].map(function (h) { return el('th', { text: h }); }))]
        .concat(parameters.map(function (p) {
          return el('tr', {}, [el('td', { text: p.name }), el('td', { text: p.in }), el('td', { text: p.required ? 'yes' : 'no' }), el('td', {}, [json(p.schema)])]);
        }))) : null,
      op.requestBody ? schemaBlock('Request body' + (op.requestBody.required ? '' : ' (optional)'), op.requestBody.content['application/json']) : null,
      el('h4', { text: 'Responses' }),
      el('div', {}, responses.map(function (status) {
        var response = op.responses[status];
        return el('details', { class: 'response' }, [
          el('summary', { text: status + ' — ' + response.description }),
          schemaBlock('Body', response.content && response.content['application/json']),
        ]);
      })),
      tryIt(path, method, op),
    ]);
  }

  root.appendChild(el('h1', { text: doc.info.title + ' ' + doc.info.version }));
  root.appendChild(el('div', { class: 'auth' }, [el('label', { for: 'api-key', text: 'Authorization: token ' }), keyInput]));
  root.appendChild(markdown(doc.info.description));
  (doc.tags || []).forEach(function (tag) {
    var ops = [];
    Object.keys(doc.paths).forEach(function (path) {
      METHODS.forEach(function (method) {
        var op = doc.paths[path][method];
        if (op && (op.tags || []).indexOf(tag.name) !== -1) ops.push(operationView(path, method, op));
      });
    });
    if (ops.length) root.appendChild(el('section', {}, [el('h2', { text: tag.name }), el('p', { text: tag.description })].concat(ops)));
  });
})();
`;
