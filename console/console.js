// The console's shell: sign-in, navigation between pages (#/hierarchy, ...), sign-out.
import { ApiError, currentSession, signIn, signOut } from './api.js';
import { clear, h } from './dom.js';
import { pages } from './pages.js';

const $ = (id) => document.getElementById(id);

function showSignedIn(session) {
  $('sign-in').hidden = true;
  $('nav').hidden = false;
  $('sign-out').hidden = false;
  $('page').hidden = false;
  $('who').textContent = `${session.token.name} (${session.token.role})`;
  route();
}

function showSignIn(message = '') {
  $('sign-in').hidden = false;
  $('nav').hidden = true;
  $('sign-out').hidden = true;
  $('page').hidden = true;
  $('who').textContent = '';
  $('sign-in-error').textContent = message;
}

async function route() {
  const name = (location.hash.match(/^#\/(\w+)/) || [])[1] || 'hierarchy';
  const page = pages[name] || pages.hierarchy;
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('active', link.dataset.page === name);
  }
  const container = clear($('page'), h('p', { className: 'muted' }, 'Loading…'));
  try {
    await page(container);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      showSignIn('The session has ended; sign in again.');
      return;
    }
    clear(container, h('p', { className: 'error', role: 'alert' }, error.message));
  }
}

$('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('token');
  try {
    const session = await signIn(input.value.trim());
    input.value = '';
    showSignedIn(session);
  } catch (error) {
    $('sign-in-error').textContent =
      error instanceof ApiError && error.status === 401 ? 'That token is not valid (unknown, expired or revoked).'
        : error.message;
  }
});

$('sign-out').addEventListener('click', async () => {
  try { await signOut(); } finally { showSignIn('Signed out.'); }
});

window.addEventListener('hashchange', () => { if (!$('page').hidden) route(); });

currentSession().then((session) => (session ? showSignedIn(session) : showSignIn()),
  (error) => showSignIn(error.message));
