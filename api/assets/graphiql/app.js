// Urakata GraphiQL: mounts the vendored GraphiQL bundle and drives the sign-in bar.
// Loaded from index.html after react, react-dom and graphiql (all `defer`, so they
// run in order once the document is parsed). No inline script anywhere: the page
// must work under a CSP without 'unsafe-inline' for scripts.
(function () {
  'use strict';

  var TOKEN_KEY = 'urakata.token';
  var GRAPHQL_URL = '/graphql';
  var SUBSCRIPTION_URL =
    (window.location.protocol === 'https:' ? 'wss://' : 'ws://') + window.location.host + '/graphql/ws';

  var LOGIN_MUTATION =
    'mutation UrakataGraphiQLLogin($email: String!, $password: String!, $tenant: String!) {\n' +
    '  login(input: { email: $email, password: $password, tenant: $tenant }) {\n' +
    '    accessToken\n' +
    '    refreshToken\n' +
    '    errors { code message }\n' +
    '  }\n' +
    '}';

  function $(id) {
    return document.getElementById(id);
  }

  var errorBox = $('auth-error');

  function showError(message) {
    errorBox.textContent = message || '';
    errorBox.hidden = !message;
  }

  // --- token, kept in sessionStorage (per tab, gone when the tab closes) -----------

  function loadToken() {
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) || null;
    } catch (e) {
      return null; // storage disabled: the token then lives only in memory
    }
  }

  function saveToken(value) {
    try {
      if (value) {
        window.sessionStorage.setItem(TOKEN_KEY, value);
      } else {
        window.sessionStorage.removeItem(TOKEN_KEY);
      }
    } catch (e) {
      // ignore, see loadToken
    }
  }

  var token = loadToken();

  // --- GraphiQL ----------------------------------------------------------------------

  var loaded =
    window.React && window.ReactDOM && window.GraphiQL && typeof window.GraphiQL.createFetcher === 'function';
  var root = loaded ? window.ReactDOM.createRoot($('graphiql')) : null;

  function makeFetcher() {
    var auth = token ? { Authorization: 'Bearer ' + token } : {};
    return window.GraphiQL.createFetcher({
      url: GRAPHQL_URL,
      subscriptionUrl: SUBSCRIPTION_URL,
      headers: auth, // HTTP requests
      wsConnectionParams: auth, // graphql-ws connection_init payload
    });
  }

  // A new fetcher makes GraphiQL re-run introspection with the new credentials;
  // the editors keep their contents.
  function renderGraphiQL() {
    if (!root) {
      showError('GraphiQL failed to load (missing files under /graphiql/assets/?).');
      return;
    }
    root.render(window.React.createElement(window.GraphiQL, { fetcher: makeFetcher() }));
  }

  // --- sign-in bar ---------------------------------------------------------------------

  function showAuthState() {
    var signedIn = Boolean(token);
    $('signed-out').hidden = signedIn;
    $('signed-in').hidden = !signedIn;
    $('sign-out-button').hidden = !signedIn;
    $('signed-in').textContent = 'Signed in';
    if (signedIn) {
      describeViewer();
    }
  }

  // Says who is signed in, and to which tenant, so a token pasted by mistake is noticed.
  function describeViewer() {
    fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
      body: JSON.stringify({ query: 'query UrakataGraphiQLViewer { viewer { email } tenant { name } }' }),
    })
      .then(function (r) {
        return r.json();
      })
      .then(function (body) {
        var d = body && body.data;
        if (d && d.viewer) {
          $('signed-in').textContent =
            'Signed in as ' + d.viewer.email + (d.tenant ? ' (' + d.tenant.name + ')' : '');
        } else {
          showError(messages(body && body.errors, 'The token was not accepted.'));
        }
      })
      .catch(function () {});
  }

  function setToken(value) {
    token = value || null;
    saveToken(token);
    showAuthState();
    renderGraphiQL();
  }

  function messages(errors, fallback) {
    var list = (errors || [])
      .map(function (e) {
        return (e && (e.message || e.code)) || '';
      })
      .filter(Boolean);
    return list.length ? list.join('; ') : fallback;
  }

  function login(email, password, tenant) {
    return window
      .fetch(GRAPHQL_URL, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({
          query: LOGIN_MUTATION,
          operationName: 'UrakataGraphiQLLogin',
          variables: { email: email, password: password, tenant: tenant },
        }),
      })
      .then(function (response) {
        return response.json().then(
          function (body) {
            return { response: response, body: body };
          },
          function () {
            throw new Error('Sign-in failed: HTTP ' + response.status + ' ' + response.statusText);
          }
        );
      })
      .then(function (result) {
        var body = result.body || {};
        if (body.errors && body.errors.length) {
          throw new Error(messages(body.errors, 'Sign-in failed.'));
        }
        if (!result.response.ok) {
          throw new Error('Sign-in failed: HTTP ' + result.response.status);
        }
        var payload = body.data && body.data.login;
        if (payload && payload.errors && payload.errors.length) {
          throw new Error(messages(payload.errors, 'Sign-in failed.'));
        }
        if (!payload || !payload.accessToken) {
          throw new Error('Sign-in failed: no access token in the response.');
        }
        return payload.accessToken;
      });
  }

  $('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var button = $('login-button');
    var password = $('password');
    showError('');
    button.disabled = true;
    login($('email').value.trim(), password.value, $('tenant').value.trim())
      .then(function (accessToken) {
        password.value = '';
        setToken(accessToken);
      })
      .catch(function (error) {
        showError(error && error.message ? error.message : String(error));
      })
      .then(function () {
        button.disabled = false;
      });
  });

  $('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var input = $('token-input');
    var value = input.value.trim().replace(/^Bearer\s+/i, '');
    if (!value) {
      showError('Paste an access token first.');
      return;
    }
    input.value = '';
    showError('');
    setToken(value);
  });

  $('sign-out-button').addEventListener('click', function () {
    showError('');
    setToken(null);
    $('email').focus();
  });

  showAuthState();
  renderGraphiQL();
})();
