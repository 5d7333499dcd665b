// Organizer pages: print and copy buttons, and live statistics on an event's dashboard.
// The pages work without this file; it only adds what needs a script. Text goes in with
// textContent, never as HTML. Its words come from the page (data-text-* attributes written by
// the server in the page's language); numbers and times are formatted by Intl in that language
// (<html lang>) and the event's time zone (data-time-zone), as the server formats them.

const POLL_MS = 3000;
const MAX_BACKOFF = 10;
const LANG = document.documentElement.lang || 'en';
// Babel writes Latin digits in all eight languages (Arabic included): Intl is told the same.
const NUMBER = new Intl.NumberFormat(LANG, { numberingSystem: 'latn' });

/** A page text with its {placeholders} filled. */
function fill(text, params) {
  return String(text || '').replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

for (const button of document.querySelectorAll('[data-print]')) {
  button.addEventListener('click', () => window.print());
}

for (const button of document.querySelectorAll('[data-copy]')) {
  button.addEventListener('click', async () => {
    const input = document.getElementById(button.dataset.copy);
    if (!input) return;
    const label = button.textContent;
    try {
      await navigator.clipboard.writeText(input.value);
      button.textContent = button.dataset.textCopied || label;
      setTimeout(() => {
        button.textContent = label;
      }, 2000);
    } catch {
      input.select(); // no clipboard permission: leave it selected for Ctrl+C
    }
  });
}

const statsSection = document.querySelector('[data-stats-url]');
if (statsSection) startLiveStats(statsSection);

/** Poll the stats API; redraw figures, the hourly table, and the charts that changed. */
function startLiveStats(section) {
  const url = section.dataset.statsUrl;
  const status = section.querySelector('[data-stats-status]');
  const clock = new Intl.DateTimeFormat(LANG, { timeStyle: 'medium', numberingSystem: 'latn' });
  let last = readFigures(section);
  let failures = 0;
  let timer = 0;

  async function poll() {
    clearTimeout(timer);
    if (document.hidden) return; // resumes on visibilitychange
    try {
      const response = await fetch(url, {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'application/json' },
      });
      if (response.status === 401) {
        status.textContent = section.dataset.textSignedOut;
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const stats = await response.json();
      render(section, stats, last);
      last = stats;
      failures = 0;
      status.textContent = fill(section.dataset.textLive, { time: clock.format(new Date()) });
    } catch (error) {
      failures += 1;
      status.textContent = fill(section.dataset.textFailed, { error: error.message });
    }
    timer = setTimeout(poll, POLL_MS * Math.min(2 ** failures, MAX_BACKOFF));
  }

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) poll();
  });
  timer = setTimeout(poll, POLL_MS);
}

function readFigures(section) {
  const figures = {};
  for (const node of section.querySelectorAll('[data-stat]')) {
    figures[node.dataset.stat] = Number(node.dataset.value);
  }
  return figures;
}

function render(section, stats, last) {
  for (const node of section.querySelectorAll('[data-stat]')) {
    const value = stats[node.dataset.stat];
    if (typeof value === 'number') {
      node.dataset.value = String(value);
      node.textContent = NUMBER.format(value);
    }
  }
  for (const img of section.querySelectorAll('img[data-chart]')) {
    const key = img.dataset.chart;
    if (stats[key] !== last[key]) {
      img.src = `${img.src.split('?')[0]}?t=${Date.now()}`;
    }
  }
  const body = section.querySelector('[data-hours]');
  if (body && Array.isArray(stats.exchanges_by_hour)) {
    const hours = new Intl.DateTimeFormat(LANG, {
      dateStyle: 'short',
      timeStyle: 'short',
      timeZone: section.dataset.timeZone || 'UTC',
      numberingSystem: 'latn',
    });
    const rows = [...stats.exchanges_by_hour].reverse().map(({ hour, count }) => {
      const tr = document.createElement('tr');
      const when = document.createElement('td');
      when.dataset.hour = hour;
      when.textContent = hours.format(new Date(hour));
      const n = document.createElement('td');
      n.className = 'num';
      n.textContent = NUMBER.format(count);
      tr.append(when, n);
      return tr;
    });
    body.replaceChildren(...rows);
  }
}
