// The console's pages. Each renders into the container it is given from what the API answers.
import { api, ApiError, collect } from './api.js';
import { PALETTE, legend, stackedBars } from './charts.js';
import { badge, clear, confirmAction, copyButton, h, table, when } from './dom.js';

const DAY = 24 * 3600 * 1000;

// ---- Hierarchy ----------------------------------------------------------------------------------

// A CRL's health as relying parties meet it: fresh until half its validity, then ageing (the node
// should have replaced it), expired past nextUpdate.
function crlHealth(crl, now = Date.now()) {
  if (!crl) return badge('no CRL', 'bad');
  const start = Date.parse(crl.this_update);
  const end = Date.parse(crl.next_update);
  if (now >= end) return badge('CRL expired', 'bad');
  if (now >= start + (end - start) / 2) return badge('CRL ageing', 'warn');
  const hours = Math.round((now - start) / 3600000);
  return badge(`CRL fresh (${hours} h old)`, 'good');
}

function expiryBadge(notAfter, warnDays) {
  if (!notAfter) return null;
  const left = (Date.parse(notAfter) - Date.now()) / DAY;
  if (left <= 0) return badge('expired', 'bad');
  if (left <= warnDays) return badge(`expires in ${Math.ceil(left)} days`, 'warn');
  return null;
}

function authorityCard(authority, problems) {
  const urls = [['AIA', authority.urls.aia], ['CDP', authority.urls.cdp], ['OCSP', authority.urls.ocsp]];
  if (authority.kind === 'issuing' && authority.status === 'active') urls.push(['SCEP', authority.urls.scep]);
  const own = problems.filter((problem) => problem.authority === authority.id);
  const missing = [];
  if (authority.kind === 'issuing' && authority.certificate_urls) {
    if (!authority.certificate_urls.crl_distribution_points.length) missing.push('no CDP (NPS reason code 258)');
    if (!authority.certificate_urls.ca_issuers.length) missing.push('no AIA');
  }
  return h('div', { className: 'panel ca', 'data-authority': authority.id },
    h('div', {},
      h('strong', {}, authority.id), ' ',
      badge(authority.status, authority.status === 'active' ? 'good' : authority.status === 'paused' ? 'warn' : 'bad'),
      ' ', crlHealth(authority.crl), ' ', expiryBadge(authority.not_after, 30)),
    h('div', { className: 'muted' }, authority.subject),
    h('div', { className: 'muted' },
      `${authority.kind === 'root' ? 'Root' : 'Issuing'} CA · ${authority.key || ''} · ` +
        `valid until ${when(authority.not_after)}`,
      authority.crl ? ` · CRL ${authority.crl.number}, next update ${when(authority.crl.next_update)}` : ''),
    missing.map((text) => h('div', { className: 'error' }, `Its certificate has ${text}.`)),
    own.map((problem) => h('div', { className: 'error' }, `${problem.component}: ${problem.message}`)),
    h('div', { className: 'urls' }, urls.map(([label, url]) => [
      h('span', { className: 'muted' }, label), h('code', {}, url), copyButton(url)])));
}

function hierarchyTree(authorities, parent, problems) {
  const children = authorities.filter((authority) => (authority.parent || null) === parent);
  if (!children.length) return null;
  return h('ul', { className: parent ? 'tree' : 'tree top' }, children.map((authority) =>
    h('li', {}, authorityCard(authority, problems), hierarchyTree(authorities, authority.id, problems))));
}

async function hierarchy(container) {
  const [{ items }, health] = await Promise.all([api.get('/authorities'), api.get('/health')]);
  const ids = new Set(items.map((authority) => authority.id));
  // An issuing CA under an enterprise root has no parent here: it heads a tree of its own.
  const rooted = items.map((authority) => (ids.has(authority.parent) ? authority : { ...authority, parent: null }));
  clear(container,
    h('h1', {}, 'Hierarchy'),
    health.status === 'ok' ? h('p', { className: 'muted' }, 'The node reports no problem.')
      : h('div', { className: 'panel report' }, h('strong', {}, 'The node reports problems:'),
        health.problems.map((problem) => h('div', {},
          `${problem.component}${problem.authority ? ` (${problem.authority})` : ''}: ${problem.message}`))),
    hierarchyTree(rooted, null, health.problems));
}

// ---- Health -------------------------------------------------------------------------------------

async function health(container) {
  const report = h('div');
  function draw(examination) {
    clear(report,
      h('p', {},
        examination.healthy ? badge('healthy', 'good') : badge(`${examination.findings.length} problems`, 'bad'),
        ` examined ${when(examination.examined_at)}`),
      examination.findings.map((finding) => h('div', { className: 'panel report finding' },
        h('strong', {}, `${finding.check}${finding.authority ? ` ${finding.authority}` : ''}: `), finding.problem,
        finding.url ? h('div', {}, h('code', {}, finding.url)) : null,
        h('p', { className: 'fix' }, `Fix: ${finding.fix}`))),
      h('h2', {}, 'Checks that held'),
      h('ul', {}, examination.passed.map((line) => h('li', { className: 'mono' }, line))));
  }
  // Until the node has examined itself once (seconds after it starts), or again after a request.
  async function latest(after = null) {
    for (let attempt = 0; attempt < 60; attempt += 1) {
      try {
        const examination = await api.get('/doctor');
        if (!after || examination.examined_at !== after) return examination;
      } catch (failure) {
        if (!(failure instanceof ApiError && failure.status === 404)) throw failure;
      }
      await new Promise((resolve) => { setTimeout(resolve, 1000); });
    }
    throw new Error('the node did not examine itself within a minute; see its log');
  }
  const again = h('button', {
    type: 'button', id: 'examine-now', onclick: async () => {
      const { last_examined_at: before } = await api.post('/doctor');
      draw(await latest(before));
    },
  }, 'Examine now');
  clear(container, h('h1', {}, 'Health as relying parties see it'),
    h('p', { className: 'muted' }, 'Every AIA, CDP, OCSP and SCEP URL fetched through the base URL and checked, as ',
      h('code', {}, 'nimbus doctor'), ' does.'), again, report);
  draw(await latest());
}

// ---- Profiles -----------------------------------------------------------------------------------

async function profiles(container) {
  const { items } = await api.get('/profiles');
  clear(container, h('h1', {}, 'Profiles'),
    table(['Profile', 'Version', 'Type', 'Issuing CA', 'Validity', 'Subject'], items.map((profile) =>
      h('tr', {}, h('td', {}, h('strong', {}, profile.id), h('div', { className: 'muted' }, profile.description || '')),
        h('td', {}, profile.version), h('td', {}, profile.type), h('td', {}, profile.issuing_ca),
        h('td', {}, profile.validity), h('td', { className: 'mono' }, profile.subject)))));
}

// ---- Enrollments --------------------------------------------------------------------------------

function parseVariables(text) {
  const variables = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const equals = line.indexOf('=');
    if (equals <= 0) throw new Error(`"${line}" is not NAME=VALUE`);
    variables[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
  }
  return variables;
}

function challengePanel(result) {
  return h('div', { className: 'panel result', id: 'challenge-result' },
    h('strong', {}, `Enrollment ${result.enrollment || result.id}`),
    h('p', { className: 'muted' }, 'The challenge is shown only now and is good for one enrollment.'),
    h('div', { className: 'urls' },
      h('span', { className: 'muted' }, 'Challenge'), h('code', { id: 'challenge' }, result.challenge),
      copyButton(result.challenge),
      h('span', { className: 'muted' }, 'SCEP URL'), h('code', { id: 'scep-url' }, result.scep_url),
      copyButton(result.scep_url),
      h('span', { className: 'muted' }, 'Expires'), h('span', {}, when(result.challenge_expires_at)), h('span')));
}

async function enrollments(container) {
  const [{ items: profileList }, { items }] =
    await Promise.all([api.get('/profiles'), api.get('/enrollments?limit=100')]);
  const result = h('div');
  const error = h('p', { className: 'error', role: 'alert' });
  const profile = h('select', { id: 'enrollment-profile' }, profileList.map((p) => h('option', { value: p.id }, p.id)));
  const variables = h('textarea', { id: 'enrollment-variables', rows: 3, placeholder: 'UserName=alice' });
  const form = h('form', { className: 'panel', id: 'new-enrollment' },
    h('h2', {}, 'New enrollment'),
    h('label', { for: 'enrollment-profile' }, 'Profile'), profile,
    h('label', { for: 'enrollment-variables' }, 'Variables, one NAME=VALUE per line'), variables,
    h('p', {}, h('button', { type: 'submit', className: 'primary', id: 'create-enrollment' }, 'Create')), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const created = await api.post('/enrollments',
        { profile: profile.value, variables: parseVariables(variables.value) });
      clear(result, challengePanel(created));
      await refresh();
    } catch (failure) {
      error.textContent = failure.field ? `${failure.field}: ${failure.message}` : failure.message;
    }
  });
  const list = h('div');
  async function refresh() {
    const { items: latest } = await api.get('/enrollments?limit=100');
    draw(latest);
  }
  function draw(records) {
    clear(list, table(['Enrollment', 'Profile', 'Status', 'Subject', 'Created', ''], records.map((record) =>
      h('tr', { 'data-enrollment': record.id },
        h('td', { className: 'mono' }, record.id), h('td', {}, record.profile), h('td', {}, record.status),
        h('td', { className: 'mono' }, record.subject), h('td', {}, when(record.created_at)),
        h('td', {}, record.status === 'pending' ? h('button', {
          type: 'button', className: 'small', onclick: async () => {
            const challenge = await api.post(`/enrollments/${record.id}/challenge`);
            clear(result, challengePanel(challenge));
          },
        }, 'New challenge') : '')))));
  }
  draw(items);
  clear(container, h('h1', {}, 'Enrollments'), form, result, list);
}

// ---- Certificates -------------------------------------------------------------------------------

function weekStart(time) {
  const date = new Date(time);
  date.setUTCHours(0, 0, 0, 0);
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date;
}

function expiryChart(certificates) {
  const start = weekStart(Date.now());
  const buckets = Array.from({ length: 12 }, (_, week) => {
    const date = new Date(start.getTime() + week * 7 * DAY);
    return { label: date.toISOString().slice(5, 10), start: date.getTime(), values: {} };
  });
  const profilesSeen = [];
  for (const certificate of certificates) {
    if (certificate.status !== 'valid') continue;
    const week = Math.floor((Date.parse(certificate.not_after) - start.getTime()) / (7 * DAY));
    if (week < 0 || week >= buckets.length) continue;
    const profile = certificate.profile || 'CA certificates';
    if (!profilesSeen.includes(profile)) profilesSeen.push(profile);
    buckets[week].values[profile] = (buckets[week].values[profile] || 0) + 1;
  }
  const series = profilesSeen.map((name, i) => ({ name, colour: PALETTE[(i + 4) % PALETTE.length] }));
  return [stackedBars(buckets, series, { title: 'Certificates expiring per week (next 12 weeks), by profile' }),
    legend(series)];
}

async function revoke(certificate, message) {
  const reasons = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation',
    'certificateHold', 'privilegeWithdrawn'];
  const reason = h('select', { id: 'revoke-reason' }, reasons.map((r) => h('option', { value: r }, r)));
  const confirmed = await confirmAction(
    `Revoke the certificate of "${certificate.subject}" (serial ${certificate.serial})? ` +
    'Relying parties see it in the next CRL and OCSP answer at once.',
    [h('label', { for: 'revoke-reason' }, 'Reason'), reason]);
  if (!confirmed) return false;
  try {
    const revoked = await api.post(`/certificates/${certificate.serial}/revoke`, { reason: reason.value });
    clear(message, h('div', { className: 'panel result', id: 'revoke-result' },
      `Revoked ${revoked.serial} (${revoked.revocation_reason}); ` +
      `CRL ${revoked.crl.number} of ${revoked.crl.authority} published.`));
    return true;
  } catch (failure) {
    clear(message, h('p', { className: 'error', role: 'alert' }, failure.message));
    return false;
  }
}

async function certificates(container) {
  const subject = h('input', { id: 'certificate-search', type: 'search', placeholder: 'Subject contains…' });
  const status = h('select', { id: 'certificate-status' },
    ['', 'valid', 'revoked', 'expired'].map((s) => h('option', { value: s }, s || 'any status')));
  const message = h('div');
  const results = h('div');
  const chart = h('div');
  async function search() {
    const query = new URLSearchParams({ limit: '100' });
    if (subject.value.trim()) query.set('subject', subject.value.trim());
    if (status.value) query.set('status', status.value);
    const { items } = await api.get(`/certificates?${query}`);
    const headers = ['Serial', 'Status', 'Subject', 'Issuer', 'Profile', 'Not after', ''];
    clear(results, table(headers, items.map((certificate) =>
      h('tr', { 'data-serial': certificate.serial },
        h('td', { className: 'mono' }, certificate.serial),
        h('td', {}, badge(certificate.status, certificate.status === 'valid' ? 'good' : 'bad')),
        h('td', { className: 'mono' }, certificate.subject), h('td', {}, certificate.issuer),
        h('td', {}, certificate.profile || '—'), h('td', {}, when(certificate.not_after)),
        h('td', {}, certificate.status === 'valid' && !certificate.authority ? h('button', {
          type: 'button', className: 'small danger revoke', onclick: async () => {
            if (await revoke(certificate, message)) await search();
          },
        }, 'Revoke') : '')))));
  }
  const form = h('form', { className: 'toolbar', id: 'certificate-filter' },
    h('div', {}, h('label', { for: 'certificate-search' }, 'Subject'), subject),
    h('div', {}, h('label', { for: 'certificate-status' }, 'Status'), status),
    h('button', { type: 'submit', className: 'primary' }, 'Search'));
  form.addEventListener('submit', (event) => { event.preventDefault(); search(); });
  clear(container, h('h1', {}, 'Certificates'), chart, form, message, results);
  await search();
  clear(chart, expiryChart(await collect('/certificates?status=valid', 5000)));
}

// ---- RADIUS -------------------------------------------------------------------------------------

function decisionReport(decision) {
  const certificate = decision.certificate || {};
  return h('div', { className: `panel ${decision.decision === 'denied' ? 'report' : 'result'}`, id: 'decision-report' },
    h('h2', {}, `${decision.decision === 'denied' ? 'Denied' : 'Granted'}: reason code ${decision.reason_code}`),
    h('p', {}, decision.reason),
    h('table', {}, h('tbody', {},
      [['Time', when(decision.time)], ['User', decision.user], ['Certificate', certificate.subject],
        ['Issuer', certificate.issuer], ['Serial', certificate.serial], ['NAS', (decision.nas || {}).name],
        ['Policy', decision.policy], ['TLS', decision.tls_version],
        ['Windows client error', decision.client_error || '—']].map(([label, value]) =>
        h('tr', {}, h('th', {}, label), h('td', { className: 'mono' }, value || '—'))))),
    decision.explanation ? h('p', { id: 'decision-explanation' }, decision.explanation) : null,
    decision.fix ? h('p', { className: 'fix', id: 'decision-fix' }, `Fix: ${decision.fix}`) : null);
}

function decisionChart(decisions) {
  const hour = 3600 * 1000;
  const end = Math.ceil(Date.now() / hour) * hour;
  const buckets = Array.from({ length: 24 }, (_, i) => {
    const start = end - (24 - i) * hour;
    return { label: new Date(start).toISOString().slice(11, 13) + 'h', start, values: {} };
  });
  const seriesNames = [];
  for (const decision of decisions) {
    const index = Math.floor((Date.parse(decision.time) - (end - 24 * hour)) / hour);
    if (index < 0 || index >= 24) continue;
    const name = decision.decision === 'granted' ? 'granted' : `denied: ${decision.reason_code}`;
    if (!seriesNames.includes(name)) seriesNames.push(name);
    buckets[index].values[name] = (buckets[index].values[name] || 0) + 1;
  }
  seriesNames.sort((a, b) => (a === 'granted' ? -1 : b === 'granted' ? 1 : a.localeCompare(b)));
  const series = seriesNames.map((name, i) =>
    ({ name, colour: name === 'granted' ? PALETTE[0] : PALETTE[1 + (i % 7)] }));
  return [stackedBars(buckets, series, { title: 'Authentications per hour, last 24 hours, by NPS reason code' }),
    legend(series)];
}

async function radius(container) {
  const decisions = await collect('/radius/decisions', 2000);
  const report = h('div');
  const rows = decisions.slice(0, 200).map((decision) =>
    h('tr', {
      className: 'clickable', 'data-decision': decision.id, onclick: async () => {
        clear(report, decisionReport(await api.get(`/radius/decisions/${decision.id}`)));
        report.scrollIntoView();
      },
    },
    h('td', {}, when(decision.time)),
    h('td', {}, badge(decision.decision, decision.decision === 'granted' ? 'good' : 'bad')),
    h('td', {}, decision.reason_code), h('td', {}, decision.user),
    h('td', { className: 'mono' }, (decision.certificate || {}).subject || '—'),
    h('td', {}, (decision.nas || {}).name || '—')));
  clear(container, h('h1', {}, 'RADIUS decisions'),
    decisions.length ? decisionChart(decisions) : h('p', { className: 'muted' }, 'No RADIUS decision yet.'),
    report,
    table(['Time', 'Decision', 'Reason code', 'User', 'Certificate', 'NAS'], rows));
}

// ---- Audit --------------------------------------------------------------------------------------

async function audit(container) {
  const rows = h('tbody');
  const more = h('button', { type: 'button', id: 'audit-more' }, 'Older events');
  let cursor = null;
  async function load() {
    const page = await api.get(`/audit?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const event of page.items) {
      rows.append(h('tr', {}, h('td', {}, when(event.time)), h('td', {}, event.actor), h('td', {}, event.action),
        h('td', { className: 'mono' }, event.target), h('td', { className: 'mono' }, event.detail)));
    }
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener('click', load);
  try {
    await load();
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 403) {
      clear(container, h('h1', {}, 'Audit trail'),
        h('p', { className: 'error' }, 'Only admin and auditor tokens may read the audit trail.'));
      return;
    }
    throw failure;
  }
  clear(container, h('h1', {}, 'Audit trail'),
    h('table', {},
      h('thead', {}, h('tr', {}, ['Time', 'Actor', 'Action', 'Target', 'Detail'].map((t) => h('th', {}, t)))), rows),
    h('p', {}, more));
}

export const pages = { hierarchy, health, profiles, enrollments, certificates, radius, audit };
