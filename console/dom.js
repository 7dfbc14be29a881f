// Building the page without HTML strings: every text goes in as a text node, never as markup, so
// that names from certificates and logs cannot inject anything.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'className') element.className = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

// A button that copies `text` to the clipboard.
export function copyButton(text, label = 'Copy') {
  const button = h('button', { type: 'button', className: 'small copy' }, label);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select and copy';
    }
    setTimeout(() => { button.textContent = label; }, 1500);
  });
  return button;
}

export function badge(text, kind) {
  return h('span', { className: `badge ${kind}` }, text);
}

export function table(headers, rows) {
  return h('table', {},
    h('thead', {}, h('tr', {}, headers.map((header) => h('th', {}, header)))),
    h('tbody', {}, rows));
}

export function when(text) {
  if (!text) return '—';
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

// Asks the confirmation dialog; resolves to true when confirmed. `extra` is shown under the text.
export function confirmAction(text, extra = null) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  clear(document.getElementById('confirm-extra'), extra);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}
