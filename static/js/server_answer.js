// What the server answered a fetch, read one way for the planning board and the B2B grid.
//
// The JSON views answer JSON, but a request can also come back as a page: Django's 403 when the
// CSRF check fails, the 500 or 503 page, the sign-in page once the session has ended. Such a page
// is no reason to say the server could not be reached: `problem` says what it answered, in the
// page's own words.
(function () {
  "use strict";

  var MOST = 300; // characters of a page's words: enough for a sentence or two

  // The page's heading and its first paragraph; a heading that only repeats the status is left out.
  function pageWords(html, status) {
    var page = new DOMParser().parseFromString(html || "", "text/html");
    var heading = page.querySelector("h1");
    var paragraph = page.querySelector("h1 ~ p") || page.querySelector("p");
    var parts = [];
    if (heading && heading.textContent.indexOf(String(status)) === -1) parts.push(heading.textContent);
    if (paragraph) parts.push(paragraph.textContent);
    var words = parts.map(function (part) { return part.replace(/\s+/g, " ").trim(); })
      .filter(Boolean)
      .map(function (part) { return /[.!?:]$/.test(part) ? part : part + "."; })
      .join(" ");
    if (!words && page.title) words = page.title.trim();
    return words.length > MOST ? words.slice(0, MOST - 1) + "…" : words;
  }

  function statusLine(response) {
    return response.status + (response.statusText ? " " + response.statusText : "");
  }

  // "the server answered 403 Forbidden (“CSRF verification failed. Request aborted.”)": to end a
  // sentence that says what did not happen.
  function problem(response, html) {
    var words = pageWords(html, response.status);
    var quoted = words ? " (“" + words + "”)" : "";
    if (response.ok) {
      // A page where data was expected: after a redirect, most likely the sign-in page.
      return "the server sent a page instead of an answer" + quoted + "; the session may have ended";
    }
    return "the server answered " + statusLine(response) + quoted;
  }

  // → {ok, status, data, problem}: `data` is the JSON when the answer was JSON (an error's own
  // message is `data.error`), `problem` is set whenever the answer is not a readable success.
  function read(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === 0) {
      return response.json().then(
        function (data) {
          return { ok: response.ok, status: response.status, data: data, problem: response.ok ? null : problem(response, "") };
        },
        function () {
          var unread = "the server answered " + statusLine(response) + " with data that could not be read";
          return { ok: false, status: response.status, data: null, problem: unread };
        }
      );
    }
    return response.text().then(function (text) {
      return { ok: false, status: response.status, data: null, problem: problem(response, text) };
    });
  }

  // For a fetch that failed without an answer (no network, the server down).
  function unreachable() {
    return { ok: false, status: 0, data: null, problem: "the server could not be reached" };
  }

  window.serverAnswer = { read: read, problem: problem, unreachable: unreachable };
})();
