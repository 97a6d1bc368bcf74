import { element } from '../util/dom.js';

export function renderCode(host, ui) {
  const language = ui.language || 'code';
  const codeBlock = element('div', { className: 'code-block' }, [
    element('div', { className: 'code-block-header' }, [
      element('span', { className: 'code-language', text: language }),
      element('button', { className: 'copy-code', text: 'Copy', attrs: { type: 'button', 'aria-label': 'Copy code' } }),
    ]),
    element('pre', {}, [element('code', { text: ui.code })]),
  ]);
  host.append(codeBlock);
  if (ui.output !== undefined) {
    host.append(
      element('div', { className: 'code-output' }, [
        element('div', { className: 'code-output-label', text: 'Output' }),
        element('pre', { text: ui.output === '' ? '(no output)' : ui.output }),
      ]),
    );
  }
}
