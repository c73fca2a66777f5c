// Live dashboard: the server says when something changed; each page reloads only its marked fragments.
(function () {
  // Every state-changing request carries the session's CSRF token (the server refuses one without it).
  const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content;
  const csrfHeader = document.querySelector('meta[name="csrf-header"]')?.content;
  function withCsrf(init) {
    if (!csrfToken || !csrfHeader) return init;
    return { ...init, headers: { ...(init.headers || {}), [csrfHeader]: csrfToken } };
  }
  document.body.addEventListener('htmx:configRequest', event => {
    if (csrfToken && csrfHeader) event.detail.headers[csrfHeader] = csrfToken;
  });
  // Forms that ask first (no inline handlers: the Content-Security-Policy allows none).
  document.addEventListener('submit', event => {
    const question = event.target.getAttribute && event.target.getAttribute('data-confirm');
    if (question && !confirm(question)) event.preventDefault();
  });

  let pending = null;
  function refresh() {
    document.querySelectorAll('[data-refresh]').forEach(el =>
      htmx.ajax('GET', el.getAttribute('data-refresh'), { target: '#' + el.id, swap: 'outerHTML' }));
  }
  const stream = new EventSource('/dashboard/stream');
  stream.addEventListener('changed', () => {
    if (!pending) {
      pending = setTimeout(() => { pending = null; refresh(); }, 300);
    }
  });

  // Job actions, each confirmed; the server records them in the job's timeline.
  document.addEventListener('click', async event => {
    const button = event.target.closest('button[data-action]');
    const main = document.querySelector('main[data-job]');
    if (!button || !main) return;
    const id = main.getAttribute('data-job');
    const action = button.getAttribute('data-action');
    let init = { method: 'POST' };
    if (action === 'cancel' && !confirm('Cancel this job? Its unfinished shards will not run.')) return;
    if (action === 'retry' && !confirm('Run this job again as a new job?')) return;
    if (action === 'priority') {
      const value = prompt('New priority (-100..100)', button.getAttribute('data-priority'));
      if (value === null) return;
      init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ priority: Number(value) }) };
    }
    const response = await fetch('/api/v1/jobs/' + id + '/' + action, withCsrf(init));
    const body = await response.json();
    if (!response.ok) { alert(body.detail || response.statusText); return; }
    if (action === 'retry') { location.href = '/jobs/' + body.id; return; }
    refresh();
  });

  // Training curves, each on its own axis (losses in nats are not on the 0-1 scale of accuracy), redrawn as the
  // stream says the job changed.
  const canvas = document.getElementById('curve');
  const main = document.querySelector('main[data-job]');
  let curve = null;
  function drawCurves() {
    fetch('/api/v1/jobs/' + main.getAttribute('data-job') + '/metrics').then(r => r.json()).then(m => {
      const points = m.points || [];
      const series = [
        points.filter(p => p.loss != null).map(p => ({ x: p.step, y: p.loss })),
        points.filter(p => p.validationLoss != null).map(p => ({ x: p.step, y: p.validationLoss })),
        points.filter(p => p.validationAccuracy != null).map(p => ({ x: p.step, y: p.validationAccuracy }))
      ];
      if (curve) {
        series.forEach((data, i) => { curve.data.datasets[i].data = data; });
        curve.update('none');
        return;
      }
      curve = new Chart(canvas, {
        type: 'line',
        data: { datasets: [
          { label: 'training loss', data: series[0], pointRadius: 0, yAxisID: 'loss' },
          { label: 'validation loss', data: series[1], yAxisID: 'validation' },
          { label: 'validation accuracy', data: series[2], yAxisID: 'accuracy' }
        ] },
        options: { animation: false, parsing: false, scales: {
          x: { type: 'linear', title: { display: true, text: 'step' } },
          loss: { position: 'left', title: { display: true, text: 'training loss' } },
          validation: { position: 'left', title: { display: true, text: 'validation loss' }, grid: { drawOnChartArea: false } },
          accuracy: { position: 'right', min: 0, max: 1, title: { display: true, text: 'accuracy' }, grid: { drawOnChartArea: false } }
        } }
      });
    });
  }
  if (canvas && main && window.Chart) {
    drawCurves();
    let curvePending = false;
    stream.addEventListener('changed', () => {
      if (curvePending) return;
      curvePending = true;
      setTimeout(() => { curvePending = false; drawCurves(); }, 1000);
    });
  }

  // Jobs submitted and ended per minute over the last hour (drawn once; a reload draws it anew).
  const throughput = document.getElementById('throughput');
  if (throughput && window.Chart) {
    const minutes = JSON.parse(throughput.getAttribute('data-throughput'));
    const label = m => new Date(m.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    new Chart(throughput, {
      type: 'bar',
      data: {
        labels: minutes.map(label),
        datasets: [
          { type: 'line', label: 'submitted', data: minutes.map(m => m.submitted), pointRadius: 0 },
          { label: 'succeeded', data: minutes.map(m => m.succeeded), stack: 'ended', backgroundColor: '#7cc796' },
          { label: 'failed', data: minutes.map(m => m.failed), stack: 'ended', backgroundColor: '#e08585' },
          { label: 'cancelled', data: minutes.map(m => m.cancelled), stack: 'ended', backgroundColor: '#b3a8c8' }
        ]
      },
      options: { animation: false, scales: { y: { stacked: true, beginAtZero: true, title: { display: true, text: 'jobs a minute' } } } }
    });
  }

  // Each tenant's share of lane-time per minute, stacked so that a minute with work adds up to 100 %.
  const shares = document.getElementById('shares');
  if (shares && window.Chart) {
    const data = JSON.parse(shares.getAttribute('data-shares'));
    new Chart(shares, {
      type: 'line',
      data: {
        labels: data.buckets.map(ms => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
        datasets: data.series.map((s, i) => ({ label: s.tenant, data: s.shares, fill: i === 0 ? 'origin' : '-1', pointRadius: 0, stepped: true }))
      },
      options: { animation: false, scales: { y: { stacked: true, min: 0, max: 1, ticks: { format: { style: 'percent' } } } } }
    });
  }
})();
