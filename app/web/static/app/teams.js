/* Porte-voix mini app: single sign-on inside the Teams personal tab.

   Teams hands a tab its user's token through TeamsJS (authentication.getAuthToken), which
   speaks to the Teams host over an internal postMessage protocol (and a native bridge on
   phones) that Microsoft does not document and changes between versions. So the official
   bundle (@microsoft/teams-js, MIT, vendored byte for byte in teams/, loaded from our own
   origin as the CSP wants) does the talking, and is loaded only when the page runs in a
   frame or a Teams phone webview and is not inside Telegram. Its fetch of a list of host
   origins from Microsoft's CDN is blocked by our CSP; it then uses its built-in list.

   PVTeams.token() resolves the token, or rejects outside Teams (or when Teams declines):
   the page then offers the one-time link from the bot, as before. */
(function () {
  "use strict";
  const SDK = "/app/static/teams/MicrosoftTeams.min.js";
  const framed = window.parent !== window || Boolean(window.nativeInterface);

  function load() {
    if (window.microsoftTeams) return Promise.resolve(window.microsoftTeams);
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = SDK;
      script.onload = () => (window.microsoftTeams ? resolve(window.microsoftTeams) : reject(new Error("no TeamsJS")));
      script.onerror = () => reject(new Error("TeamsJS did not load"));
      document.head.append(script);
    });
  }
  function within(ms, promise) {
    return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms))]);
  }
  async function token() {
    const teams = await load();
    await within(5000, teams.app.initialize()); // never answers outside a Teams host
    return within(20000, teams.authentication.getAuthToken());
  }
  window.PVTeams = { framed, token };
})();
