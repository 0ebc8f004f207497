/*
 * Longhaul dashboard: listens to /api/stream (server-sent events, one ThroughputSnapshot each) and
 * redraws tiles, three canvas line charts (jobs, tokens, batch fill per worker), an SVG lane-load
 * chart and the tables, without reloading.
 * The series the charts draw are kept in window.longhaul (and mirrored in the canvases' data-*
 * attributes) so that tests and people can read what is on screen. The cancel button POSTs to
 * /api/jobs/{id}/cancel; a job not yet final also has a pause button, which POSTs to
 * /api/jobs/{id}/pause, or to /resume once its status says it is paused (a running job's worker
 * hands it back, and it waits QUEUED, paused, until resumed, then runs from the beginning). A job
 * still held for a lane (ACCEPTED, or QUEUED without "lane=N") also has a priority field whose
 * button POSTs to /api/jobs/{id}/priority?value=N, and waits for the job's next status (which says
 * priority=N when the priority changed). No
 * libraries: the page must work with nothing outside reachable.
 * Every API call carries `Authorization: Bearer TOKEN`. The token comes from the URL's fragment
 * (#token=..., removed from the address bar once read, kept in sessionStorage for reloads) or from
 * the login form. EventSource cannot send headers, so the event stream is read with fetch and
 * parsed here (data: lines, events ended by a blank line), reconnecting when it ends.
 */
(function () {
  'use strict';
  var MAX_POINTS = 120;
  var state = {
    updates: 0,
    snapshot: null,
    series: { jobs: [], prefill: [], decode: [], batch: {} },
    cancelled: [],
    pauseRequested: {},
    priorityRequested: {},
    refused: 0,
    errors: []
  };
  window.longhaul = state;

  function fmt(x) {
    if (x === undefined || x === null || isNaN(x)) { return '–'; }
    if (Math.abs(x) >= 1e6) { return (x / 1e6).toFixed(2) + 'M'; }
    if (Math.abs(x) >= 1e3) { return (x / 1e3).toFixed(1) + 'k'; }
    return Math.abs(x) < 10 && x !== Math.round(x) ? x.toFixed(2) : String(Math.round(x));
  }

  function push(series, value) {
    series.push(value);
    if (series.length > MAX_POINTS) { series.shift(); }
  }

  // A line chart of one or more series on a canvas, scaled to the largest value shown (or to fixedTop).
  function drawLines(canvas, lines, fixedTop) {
    var ctx = canvas.getContext('2d');
    var w = canvas.width, h = canvas.height, pad = 28;
    ctx.clearRect(0, 0, w, h);
    var max = 0;
    lines.forEach(function (l) { l.values.forEach(function (v) { max = Math.max(max, v); }); });
    var top = fixedTop || (max > 0 ? max * 1.1 : 1);
    ctx.strokeStyle = '#2a3142';
    ctx.fillStyle = '#7b88a1';
    ctx.font = '10px sans-serif';
    for (var g = 0; g <= 4; g++) {
      var gy = h - pad + (-(h - 2 * pad) * g / 4);
      ctx.beginPath(); ctx.moveTo(pad, gy); ctx.lineTo(w - 4, gy); ctx.stroke();
      ctx.fillText(fmt(top * g / 4), 2, gy + 3);
    }
    // Series end together at the newest push: a shorter one (a worker that joined later) starts later.
    var longest = 0;
    lines.forEach(function (l) { longest = Math.max(longest, l.values.length); });
    lines.forEach(function (l) {
      ctx.strokeStyle = l.color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      var offset = longest - l.values.length;
      l.values.forEach(function (v, i) {
        var x = pad + (w - pad - 4) * (i + offset) / (MAX_POINTS - 1);
        var y = h - pad - (h - 2 * pad) * v / top;
        if (i === 0) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
      });
      ctx.stroke();
    });
    var points = lines.length ? lines[0].values.length : 0;
    canvas.dataset.points = String(points);
    canvas.dataset.max = String(max);
    canvas.dataset.last = lines.map(function (l) { return l.values.length ? l.values[l.values.length - 1] : 0; }).join(',');
  }

  // One horizontal bar per worker: outstanding tokens, scaled to the busiest worker.
  function drawLanes(svg, workers) {
    var ns = 'http://www.w3.org/2000/svg';
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var max = 1;
    workers.forEach(function (wk) { max = Math.max(max, wk.outstandingCostTokens); });
    var rowH = Math.min(36, 170 / Math.max(1, workers.length));
    workers.forEach(function (wk, i) {
      var y = 5 + i * rowH;
      var label = document.createElementNS(ns, 'text');
      label.setAttribute('x', 4); label.setAttribute('y', y + rowH * 0.6);
      label.setAttribute('fill', wk.alive ? '#d8dee9' : '#7b88a1');
      label.setAttribute('font-size', '11');
      label.textContent = wk.workerId + ' [' + wk.lanes.join(',') + ']';
      svg.appendChild(label);
      var bar = document.createElementNS(ns, 'rect');
      bar.setAttribute('x', 200); bar.setAttribute('y', y + 4);
      bar.setAttribute('height', Math.max(4, rowH - 10));
      bar.setAttribute('width', Math.max(1, 300 * wk.outstandingCostTokens / max));
      bar.setAttribute('fill', wk.alive ? '#88c0d0' : '#4c566a');
      bar.setAttribute('data-worker', wk.workerId);
      bar.setAttribute('data-outstanding', wk.outstandingCostTokens);
      svg.appendChild(bar);
      var value = document.createElementNS(ns, 'text');
      value.setAttribute('x', 505); value.setAttribute('y', y + rowH * 0.6);
      value.setAttribute('fill', '#7b88a1'); value.setAttribute('font-size', '11');
      value.textContent = fmt(wk.outstandingCostTokens);
      svg.appendChild(value);
    });
    svg.setAttribute('data-workers', String(workers.length));
  }

  var PALETTE = ['#b48ead', '#88c0d0', '#a3be8c', '#ebcb8b', '#d08770', '#5e81ac'];

  // Batch fill per worker, one point per push: live sequences per step over the batch's slots and
  // tokens per step over the step budget, both over the worker's latest heartbeat interval.
  function drawBatch(canvas, workers) {
    // a worker gone from the snapshot (forgotten by the server) leaves the chart and its legend
    var present = {};
    workers.forEach(function (wk) { present[wk.workerId] = true; });
    Object.keys(state.series.batch).forEach(function (id) {
      if (!present[id]) { delete state.series.batch[id]; }
    });
    workers.forEach(function (wk) {
      var b = state.series.batch[wk.workerId] || (state.series.batch[wk.workerId] = { sequences: [], tokens: [] });
      push(b.sequences, wk.batch ? wk.batch.sequenceFill : 0);
      push(b.tokens, wk.batch ? wk.batch.tokenFill : 0);
    });
    var lines = [], legend = [];
    Object.keys(state.series.batch).sort().forEach(function (id, i) {
      var color = PALETTE[i % PALETTE.length];
      lines.push({ values: state.series.batch[id].sequences, color: color });
      lines.push({ values: state.series.batch[id].tokens, color: color + '80' });
      legend.push(id);
    });
    drawLines(canvas, lines, 1);
    canvas.dataset.workers = legend.join(',');
  }

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) { td.className = cls; }
    tr.appendChild(td);
    return td;
  }

  function fillTable(id, rows, render) {
    var body = document.querySelector('#' + id + ' tbody');
    var fresh = document.createElement('tbody');
    rows.forEach(function (r) { fresh.appendChild(render(r)); });
    body.parentNode.replaceChild(fresh, body);
  }

  // POSTs a command about a job (path after api/jobs/{id}/); once the server has taken it, `taken`
  // runs and the button says 'requested' until the job's status catches up; else the error is
  // kept (window.longhaul.errors) and the button is free again.
  function command(jobId, path, what, button, taken) {
    button.disabled = true;
    fetch('api/jobs/' + encodeURIComponent(jobId) + '/' + path, { method: 'POST', headers: authorization() })
      .then(function (r) {
        if (r.ok) {
          taken();
          button.textContent = 'requested';
        } else {
          r.text().then(function (t) { state.errors.push(what + ' ' + jobId + ': ' + r.status + ' ' + t); });
          button.disabled = false;
        }
      })
      .catch(function (e) { state.errors.push(what + ' ' + jobId + ': ' + e); button.disabled = false; });
  }

  function cancel(jobId, button) {
    command(jobId, 'cancel', 'cancel', button, function () { state.cancelled.push(jobId); });
  }

  // The reason while paused: the dispatcher's "paused", or "paused; priority=N" after a priority
  // change; a worker's "paused; ..." when it handed a running job back.
  function paused(job) {
    return !!job.reason && (job.reason === 'paused' || job.reason.indexOf('paused;') === 0);
  }

  function pauseOrResume(jobId, button) {
    var action = button.dataset.action;
    command(jobId, action, action, button, function () { state.pauseRequested[jobId] = action; });
  }

  function setPriority(jobId, input, button) {
    var value = input.value.trim();
    if (!/^-?[0-9]+$/.test(value)) {
      state.errors.push('priority ' + jobId + ': not a whole number: ' + value);
      return;
    }
    var job = state.snapshot ? state.snapshot.jobs.find(function (j) { return j.jobId === jobId; }) : null;
    var since = job ? job.updatedAt : 0;
    command(jobId, 'priority?value=' + encodeURIComponent(value), 'priority', button,
            function () { state.priorityRequested[jobId] = { value: parseInt(value, 10), since: since }; });
  }

  // The priority a status reason says the job has now ("priority=N", "paused; priority=N"), or null.
  function statedPriority(job) {
    var m = job.reason ? /(^|; )priority=(-?[0-9]+)$/.exec(job.reason) : null;
    return m ? parseInt(m[2], 10) : null;
  }

  // Rows are kept per job and updated in place, not rebuilt: a button replaced between a mouse
  // press and its release would swallow the click, and the table is redrawn on every push.
  var rows = {};

  function newJobRow(jobId) {
    var tr = document.createElement('tr');
    tr.dataset.jobId = jobId;
    cell(tr, jobId);
    for (var i = 0; i < 5; i++) { cell(tr, ''); }
    tr.children[4].className = 'num';
    var bar = document.createElement('span'); bar.className = 'bar';
    bar.appendChild(document.createElement('span'));
    tr.children[3].appendChild(bar);
    tr.children[3].appendChild(document.createTextNode(''));
    var button = document.createElement('button');
    button.className = 'cancel';
    button.dataset.jobId = jobId;
    button.textContent = 'cancel';
    button.addEventListener('click', function () { cancel(jobId, button); });
    var actions = cell(tr, '');
    actions.appendChild(button);
    var pause = document.createElement('button');
    pause.className = 'pause';
    pause.dataset.jobId = jobId;
    pause.dataset.action = 'pause';
    pause.textContent = 'pause';
    pause.style.display = 'none';
    pause.addEventListener('click', function () { pauseOrResume(jobId, pause); });
    actions.appendChild(pause);
    var priority = document.createElement('input');
    priority.type = 'number';
    priority.step = '1';
    priority.className = 'priority';
    priority.dataset.jobId = jobId;
    priority.placeholder = 'priority';
    priority.style.display = 'none';
    actions.appendChild(priority);
    var setButton = document.createElement('button');
    setButton.className = 'priority';
    setButton.dataset.jobId = jobId;
    setButton.textContent = 'set';
    setButton.style.display = 'none';
    setButton.addEventListener('click', function () { setPriority(jobId, priority, setButton); });
    actions.appendChild(setButton);
    return tr;
  }

  function updateJobRow(tr, job) {
    var c = tr.children;
    tr.dataset.state = job.state;
    c[1].textContent = job.tenant;
    c[2].textContent = job.state;
    c[2].className = 'state state-' + job.state;
    var pct = Math.round(job.progress * 100);
    c[3].firstChild.firstChild.style.width = pct + '%';
    c[3].lastChild.textContent = ' ' + pct + '%';
    c[4].textContent = fmt(job.tokens);
    c[5].textContent = new Date(job.updatedAt).toLocaleTimeString();
    var button = c[6].firstChild;
    var requested = state.cancelled.indexOf(job.jobId) >= 0;
    button.disabled = job.final || requested;
    button.textContent = requested && !job.final ? 'requested' : 'cancel';
    var pause = c[6].children[1];
    var action = paused(job) ? 'resume' : 'pause';
    var pending = state.pauseRequested[job.jobId];
    if (pending && pending !== action) { delete state.pauseRequested[job.jobId]; pending = undefined; } // the status caught up
    tr.dataset.paused = paused(job) ? 'true' : 'false';
    pause.style.display = !job.final && !requested ? '' : 'none';
    pause.dataset.action = action;
    pause.disabled = !!pending;
    pause.textContent = pending ? 'requested' : action;
    // a priority applies while the job is held for a lane (a released job's only if it is paused
    // and handed back); the dispatcher says priority=N when it changed, and nothing when it did not
    // (the same priority, a tenant's lowered to the default), so any newer status ends the wait
    var waiting = (job.state === 'ACCEPTED' || job.state === 'QUEUED' && !(job.reason && job.reason.indexOf('lane=') === 0))
        && !requested;
    var input = c[6].children[2];
    var setButton = c[6].children[3];
    var asked = state.priorityRequested[job.jobId];
    if (asked !== undefined && (statedPriority(job) === asked.value || job.updatedAt > asked.since)) {
      delete state.priorityRequested[job.jobId];
      asked = undefined;
    }
    input.style.display = waiting ? '' : 'none';
    setButton.style.display = waiting ? '' : 'none';
    setButton.disabled = asked !== undefined;
    setButton.textContent = asked !== undefined ? 'requested' : 'set';
    tr.dataset.priority = statedPriority(job) === null ? '' : String(statedPriority(job));
  }

  function renderJobs(jobs) {
    var body = document.querySelector('#jobs tbody');
    var seen = {};
    jobs.forEach(function (job, i) {
      seen[job.jobId] = true;
      var tr = rows[job.jobId] || (rows[job.jobId] = newJobRow(job.jobId));
      updateJobRow(tr, job);
      if (body.children[i] !== tr) { body.insertBefore(tr, body.children[i] || null); }
    });
    Object.keys(rows).forEach(function (id) {
      if (!seen[id]) { body.removeChild(rows[id]); delete rows[id]; }
    });
  }

  function render(s) {
    state.snapshot = s;
    state.updates += 1;
    push(state.series.jobs, s.jobsPerSecond);
    push(state.series.prefill, s.tokens.prefillPerSecond);
    push(state.series.decode, s.tokens.decodePerSecond);
    document.getElementById('jobs-per-second').textContent = fmt(s.jobsPerSecond);
    document.getElementById('prefill-per-second').textContent = fmt(s.tokens.prefillPerSecond);
    document.getElementById('decode-per-second').textContent = fmt(s.tokens.decodePerSecond);
    document.getElementById('jobs-by-state').textContent = Object.keys(s.jobsByState).map(function (k) {
      return k + ' ' + s.jobsByState[k];
    }).join(', ') || 'none';
    document.getElementById('updated').textContent = 'updated ' + new Date(s.at).toLocaleTimeString();
    // the server's connection to Kafka, not the page's to the server: while it fails, rates fall to 0 unseen
    var trouble = document.getElementById('kafka-trouble');
    trouble.hidden = !s.kafka.failingSince;
    trouble.textContent = s.kafka.failingSince ? 'Kafka not answering since ' + new Date(s.kafka.failingSince).toLocaleTimeString()
      + ' (' + s.kafka.error + '): the figures are stale' : '';
    drawLines(document.getElementById('chart-jobs'), [{ values: state.series.jobs, color: '#a3be8c' }]);
    drawLines(document.getElementById('chart-tokens'), [
      { values: state.series.prefill, color: '#88c0d0' },
      { values: state.series.decode, color: '#ebcb8b' }
    ]);
    drawLanes(document.getElementById('lanes'), s.workers);
    drawBatch(document.getElementById('chart-batch'), s.workers);
    fillTable('latency', Object.keys(s.latency), function (stage) {
      var l = s.latency[stage], tr = document.createElement('tr');
      // no job finished in the window: no latency, which 0 would show as instant
      function ms(x) { return l.count > 0 ? fmt(x) : '–'; }
      cell(tr, stage); cell(tr, ms(l.p50), 'num'); cell(tr, ms(l.p90), 'num'); cell(tr, ms(l.p99), 'num');
      cell(tr, ms(l.max), 'num'); cell(tr, String(l.count), 'num');
      return tr;
    });
    fillTable('worker-tokens', Object.keys(s.tokensByWorker).sort(), function (worker) {
      var t = s.tokensByWorker[worker], tr = document.createElement('tr');
      cell(tr, worker); cell(tr, fmt(t.prefillPerSecond), 'num'); cell(tr, fmt(t.decodePerSecond), 'num');
      cell(tr, fmt(t.prefillTotal), 'num'); cell(tr, fmt(t.decodeTotal), 'num');
      return tr;
    });
    fillTable('lag', s.lag, function (l) {
      var tr = document.createElement('tr');
      cell(tr, l.topic); cell(tr, l.group); cell(tr, String(l.endOffset), 'num');
      cell(tr, String(l.committedOffset), 'num'); cell(tr, String(l.lag), 'num');
      return tr;
    });
    fillTable('dead-letters', Object.keys(s.deadLetters), function (reason) {
      var tr = document.createElement('tr');
      cell(tr, reason); cell(tr, String(s.deadLetters[reason]), 'num');
      return tr;
    });
    renderJobs(s.jobs.slice(0, 200));
  }

  var TOKEN_KEY = 'longhaul-dashboard-token';

  function tokenFromFragment() {
    var m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', window.location.pathname + window.location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function authorization() {
    return { 'Authorization': 'Bearer ' + (sessionStorage.getItem(TOKEN_KEY) || '') };
  }

  function showLogin(message) {
    var status = document.getElementById('connection');
    status.textContent = message; status.className = 'down';
    document.getElementById('login').hidden = false;
  }

  function dispatch(event) {
    var data = event.split('\n').filter(function (l) { return l.indexOf('data:') === 0; })
      .map(function (l) { return l.slice(5).replace(/^ /, ''); }).join('\n');
    if (data) { render(JSON.parse(data)); }
  }

  // A loop, not a promise that resolves with the next read's: chained so, every read of a stream
  // open for days stayed reachable from the last one
  async function readEvents(body) {
    var reader = body.getReader();
    var decoder = new TextDecoder();
    var buffer = '';
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) { throw new Error('the event stream ended'); }
      lastChunkAt = Date.now(); // snapshots and the server's keepalive comments alike
      buffer += decoder.decode(chunk.value, { stream: true });
      var end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  // One stream at a time: a new connect() (the login form, a retry) aborts the one before, whose
  // failure then retries nothing. A stream silent for STALL_MS (the server sends a keepalive every
  // 15 s) is taken for a dead connection (a laptop asleep, a proxy that dropped it) and replaced.
  var STALL_MS = 35000;
  var generation = 0;
  var controller = null;
  var lastChunkAt = 0;

  function connect() {
    var status = document.getElementById('connection');
    var mine = ++generation;
    if (controller) { controller.abort(); }
    controller = new AbortController();
    lastChunkAt = Date.now();
    fetch('api/stream', { headers: authorization(), signal: controller.signal }).then(function (r) {
      if (mine !== generation) { return null; }
      if (r.status === 401) { state.refused++; controller = null; showLogin('wrong token'); return null; }
      if (!r.ok || !r.body) { throw new Error('HTTP ' + r.status); }
      status.textContent = 'live'; status.className = 'up';
      document.getElementById('login').hidden = true;
      return readEvents(r.body);
    }).catch(function () {
      if (mine !== generation) { return; } // a newer connection took over
      status.textContent = 'reconnecting…'; status.className = 'down';
      setTimeout(function () { if (mine === generation) { connect(); } }, 1000);
    });
  }

  setInterval(function () {
    if (controller && Date.now() - lastChunkAt > STALL_MS) {
      controller.abort(); // its catch reconnects
    }
  }, 5000);

  document.getElementById('login').addEventListener('submit', function (e) {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value.trim());
    connect();
  });

  if (tokenFromFragment()) {
    connect();
  } else {
    showLogin('token needed');
  }
}());
