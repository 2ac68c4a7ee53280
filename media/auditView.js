// Agent Policy audit view: renders rows sent by the extension; filters locally; never uses innerHTML with data.
(function () {
  const vscode = acquireVsCodeApi();
  const rows = [];
  const $ = (id) => document.getElementById(id);
  const tbody = $('rows');
  const agents = new Set();

  function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function label(r) {
    if (r.effect === 'ask') return r.final === 'allow' ? 'asked → allowed' : 'asked → denied';
    return r.final;
  }

  function matches(r) {
    const text = $('text').value.toLowerCase();
    const agent = $('agent').value;
    const decision = $('decision').value;
    const kind = $('kind').value;
    if (agent && r.agent !== agent) return false;
    if (decision === 'ask' ? r.effect !== 'ask' : decision && r.final !== decision) return false;
    if (kind && r.kind !== kind) return false;
    if (text && !(r.what + ' ' + r.ruleIds.join(' ') + ' ' + r.reasons.join(' ')).toLowerCase().includes(text)) return false;
    return true;
  }

  function details(r, tr) {
    document.querySelectorAll('tr.selected').forEach((x) => x.classList.remove('selected'));
    tr.classList.add('selected');
    const d = $('details');
    d.hidden = false;
    d.replaceChildren();
    const dl = document.createElement('dl');
    const add = (k, v) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dl.append(dt, dd);
    };
    add('Action', r.what);
    if (r.careful) add('Careful', r.careful);
    add('Who', `${r.agent} — ${r.subject || 'unknown'} (via ${r.source})`);
    add('Decision', `${label(r)} — policy said ${r.effect}`);
    add('Rules', r.ruleIds.length ? `${r.ruleIds.join(', ')} (${r.layer} layer)` : `${r.layer} default`);
    add('Approver', r.approvedBy ? `${r.approvedBy}${r.scope ? ` (${r.scope})` : ''}` : '—');
    add('Reasons', r.reasons.join('\n'));
    add('Time', r.time);
    d.append(dl);
  }

  function render() {
    tbody.replaceChildren();
    for (const r of rows.filter(matches).reverse()) {
      const tr = document.createElement('tr');
      const cls = r.effect === 'ask' ? 'asked' : r.final;
      tr.append(cell(new Date(r.time).toLocaleTimeString()), cell(r.agent), cell(label(r), cls), cell(r.kind), cell(r.what, 'what'), cell(r.ruleIds.join(', ') || '(default)'));
      tr.addEventListener('click', () => details(r, tr));
      tbody.append(tr);
    }
  }

  function addAgent(a) {
    if (agents.has(a)) return;
    agents.add(a);
    const o = document.createElement('option');
    o.textContent = a;
    $('agent').append(o);
  }

  window.addEventListener('message', (e) => {
    const m = e.data;
    if (m.type === 'init') {
      rows.splice(0, rows.length, ...m.rows);
      m.rows.forEach((r) => addAgent(r.agent));
    } else if (m.type === 'add') {
      rows.push(m.row);
      addAgent(m.row.agent);
    }
    render();
  });
  for (const id of ['text', 'agent', 'decision', 'kind']) $(id).addEventListener('input', render);
  $('export').addEventListener('click', () => vscode.postMessage({ type: 'export', format: $('format').value }));
  vscode.postMessage({ type: 'ready' });
})();
