/** Text only ever goes in through textContent, so nothing a tool returns can become markup. */
export function element(tag, { className, text, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  }
  if (children.length) node.append(...children);
  return node;
}
