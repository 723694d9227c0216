// Operator console. No framework, no external assets: the lane has no internet.
// The server pushes the whole snapshot on every change (server-sent events); this script only renders it.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const laneParam = new URLSearchParams(location.search).get('lane');
  let csrf = null;
  let events = null;
  let snapshot = null;
  let overlayOn = true;
  let lastAlertId = null;
  let audio = null;

  const words = (s) => String(s ?? '').replace(/_/g, ' ');
  // A confident model's scores crowd just below 1 (0.99998 against a threshold of 0.99999): show as many decimals
  // (3 to 9) as it takes to tell a score from its threshold, so "1.000 / threshold 1.000 — CLEAR" never appears.
  const scoreText = (score, other) => {
    let digits = 3;
    while (digits < 9 && other != null && score.toFixed(digits) === other.toFixed(digits)) digits++;
    return score.toFixed(digits);
  };
  const say = (text) => { $('message').textContent = text; };

  function beep() {
    // WebAudio needs a user gesture first; the context is created on the first key press or click.
    if (!audio) return;
    const now = audio.currentTime;
    for (let i = 0; i < 3; i++) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = 'square';
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.35);
      osc.stop(now + i * 0.35 + 0.2);
    }
  }

  function unlockAudio() {
    if (!audio && window.AudioContext) audio = new AudioContext();
  }
  document.addEventListener('pointerdown', unlockAudio);
  document.addEventListener('keydown', unlockAudio);

  function lane() {
    if (!snapshot || snapshot.lanes.length === 0) return null;
    return snapshot.lanes.find((l) => l.lane_id === laneParam) ?? snapshot.lanes[0];
  }

  function render() {
    const signedIn = snapshot?.signed_in ?? null;
    $('sign-in').hidden = !!signedIn;
    $('signed-in').hidden = !signedIn;
    $('operator-name').textContent = signedIn ? `${signedIn.operator_id} (${signedIn.role})` : '';
    if (!signedIn) csrf = null;

    const l = lane();
    if (!l) { $('lane-state').textContent = 'no lanes'; return; }
    $('lane-id').textContent = l.lane_id;
    $('lane-state').textContent = words(l.state);
    $('lane-state').className = 'state ' + l.state;

    const v = l.current;
    const reasons = (v?.referral_reasons ?? []).filter((r) => r !== 'policy_always_ask');
    $('alert').hidden = !l.alert;
    $('alert').textContent = l.alert ? `ALERT — REFER: ${reasons.map(words).join(', ').toUpperCase()}` : '';
    if (l.alert && v && lastAlertId !== v.id) { lastAlertId = v.id; beep(); }

    $('transaction-id').textContent = v ? v.id : '';
    $('plates').textContent = !v ? '—' : !signedIn ? 'sign in to see' :
      v.plates.length === 0 ? 'no read' :
      v.plates.slice(0, 3).map((p) => `${p.text} ${(p.confidence * 100).toFixed(0)}%${p.is_container_code ? (p.check_digit_valid ? ' ✓' : ' ✗check') : ''}`).join('  ·  ');
    const a = v?.analysis;
    $('score').textContent = a ? `${scoreText(a.score, a.threshold)} / threshold ${scoreText(a.threshold, a.score)} — ${words(a.verdict).toUpperCase()}` : '—';
    $('score').className = a ? (a.verdict === 'alert' ? 'bad' : 'good') : '';
    $('score-meter').max = a ? Math.max(a.threshold * 2, a.score) : 1;
    $('score-meter').value = a ? a.score : 0;
    $('score-meter').high = a ? a.threshold : 1;
    $('radiation').textContent = v ? words(v.radiation).toUpperCase() : '—';
    $('radiation').className = v?.radiation === 'alarm' ? 'bad' : v?.radiation === 'clear' ? 'good' : '';
    $('hotlist').textContent = !v ? '—' : v.hotlist ? `HIT ${v.hotlist.matched_text} ${v.hotlist.note}` : reasons.includes('hotlist_hit') ? 'HIT' : 'no match';
    $('hotlist').className = v && (v.hotlist || reasons.includes('hotlist_hit')) ? 'bad' : '';
    $('referral').textContent = !v ? '—' : reasons.length ? 'REFERRED: ' + reasons.map(words).join(', ') : 'clear';
    $('referral').className = reasons.length ? 'bad' : v ? 'good' : '';
    const d = v?.decision;
    $('decision').textContent = d ? `${d.action} by ${d.by}${d.is_override ? ' (override, supervisor ' + d.supervisor + ')' : ''}` : v?.stage === 'awaiting_decision' ? 'WAITING FOR YOU' : '—';

    const awaiting = v?.stage === 'awaiting_decision';
    $('release').disabled = !awaiting;
    $('refer').disabled = !awaiting;
    if (!awaiting) $('override').hidden = true;

    renderImage(v, signedIn);
    renderLower(l, signedIn);
  }

  function renderImage(v, signedIn) {
    const img = $('radiograph');
    const kind = overlayOn && v?.has_overlay ? 'overlay' : 'radiograph';
    const available = v && (kind === 'overlay' ? v.has_overlay : v.has_image);
    $('overlay-state').textContent = overlayOn ? 'ON' : 'OFF';
    $('toggle-overlay').setAttribute('aria-pressed', String(overlayOn));
    if (!signedIn || !available) {
      img.hidden = true;
      img.removeAttribute('src');
      img.dataset.kind = '';
      $('image-placeholder').hidden = false;
      $('image-placeholder').textContent = !signedIn ? 'Sign in to see the radiograph' : 'No image';
      $('full-resolution').hidden = true;
      return;
    }
    const src = `/api/images/${v.id}/${kind}.png?size=preview`;
    if (img.getAttribute('src') !== src) img.src = src;
    img.dataset.kind = kind;
    img.alt = kind === 'overlay' ? 'Radiograph with heat-map overlay' : 'Radiograph';
    img.hidden = false;
    $('image-placeholder').hidden = true;
    $('full-resolution').href = `/api/images/${v.id}/${kind}.png?size=full`;
    $('full-resolution').hidden = false;
  }

  function renderLower(l, signedIn) {
    const devices = $('devices');
    devices.replaceChildren(...snapshot.devices.map((d) => {
      const li = document.createElement('li');
      li.textContent = `${d.state === 'connected' ? '●' : '▲'} ${d.device_id}: ${words(d.state)}${d.reason ? ' — ' + d.reason : ''}`;
      li.className = d.state === 'connected' ? 'good' : 'bad';
      return li;
    }));
    const body = $('recent').tBodies[0];
    body.replaceChildren(...(signedIn ? l.recent : []).map((r) => {
      const tr = document.createElement('tr');
      const closed = r.closed_at ? new Date(r.closed_at).toLocaleTimeString() : '';
      for (const text of [closed, r.plate || '—', r.score == null ? '—' : scoreText(r.score, r.threshold), words(r.outcome), (r.decided_by ?? '') + (r.is_override ? ' (override)' : '')]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      }
      return tr;
    }));
  }

  function connect() {
    if (events) events.close();
    events = new EventSource('/api/events');
    events.addEventListener('snapshot', (e) => { snapshot = JSON.parse(e.data); render(); });
    events.onerror = () => { $('lane-state').textContent = 'reconnecting…'; };
  }

  async function post(url, body) {
    const headers = { 'Content-Type': 'application/json' };
    if (csrf) headers['X-CSRF-Token'] = csrf;
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
    let data = null;
    try { data = await response.json(); } catch { data = null; }
    return { status: response.status, data };
  }

  async function loadSession() {
    const response = await fetch('/api/session', { credentials: 'same-origin' });
    const data = await response.json();
    csrf = data.csrf_token ?? null;
  }

  $('sign-in').addEventListener('submit', async (e) => {
    e.preventDefault();
    unlockAudio();
    const { status, data } = await post('/api/sign-in', { operator_id: $('operator-id').value.trim(), pin: $('pin').value });
    $('pin').value = '';
    if (status === 200) {
      csrf = data.csrf_token;
      say(`Signed in as ${data.operator_id}`);
      // The sign-in form is about to hide: hand the keyboard to the decisions, or R/S would still go to the PIN field.
      $('release').focus();
      connect();
    } else {
      say(data?.error ?? `Sign-in failed (${status})`);
    }
  });

  $('sign-out').addEventListener('click', async () => {
    await post('/api/sign-out', {});
    csrf = null;
    say('Signed out');
    connect();
  });

  async function decide(action, extra) {
    const l = lane();
    const v = l?.current;
    if (!v) return;
    if (!csrf) { say('Sign in to decide'); $('operator-id').focus(); return; }
    const { status, data } = await post(`/api/lanes/${encodeURIComponent(l.lane_id)}/decision`, { transaction_id: v.id, action, ...extra });
    if (status === 202) {
      say(`${action === 'release' ? 'Released' : 'Referred'} ${v.id}${data.is_override ? ' (override by ' + data.supervisor + ')' : ''}`);
      $('override').hidden = true;
      $('override').reset();
    } else if (status === 401) {
      say('Sign in to decide');
      $('operator-id').focus();
    } else {
      say(data?.error ?? `Decision refused (${status})`);
    }
  }

  function release() {
    const v = lane()?.current;
    if (!v || v.stage !== 'awaiting_decision') return;
    if (!csrf) { say('Sign in to decide'); $('operator-id').focus(); return; }
    if (v.machine_referred) {
      $('override').hidden = false;
      $('supervisor-id').focus();
      say('The machine referred this vehicle: a supervisor must authorise the release');
      return;
    }
    decide('release', {});
  }

  $('release').addEventListener('click', release);
  $('refer').addEventListener('click', () => decide('refer', {}));
  $('override').addEventListener('submit', (e) => {
    e.preventDefault();
    decide('release', { reason: $('override-reason').value, supervisor_id: $('supervisor-id').value.trim(), supervisor_pin: $('supervisor-pin').value });
    $('supervisor-pin').value = '';
  });
  $('override-cancel').addEventListener('click', () => { $('override').hidden = true; $('override').reset(); $('release').focus(); });
  $('toggle-overlay').addEventListener('click', () => { overlayOn = !overlayOn; render(); });

  document.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) {
      if (e.key === 'Escape' && !$('override').hidden) { $('override').hidden = true; $('release').focus(); }
      return;
    }
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    switch (e.key.toLowerCase()) {
      case 'h': overlayOn = !overlayOn; render(); break;
      case 'r': release(); break;
      case 's': decide('refer', {}); break;
      case 'f': if (!$('full-resolution').hidden) window.open($('full-resolution').href, '_blank', 'noopener'); break;
      case 'escape': $('override').hidden = true; break;
      default: return;
    }
    e.preventDefault();
  });

  loadSession().finally(connect);
})();
