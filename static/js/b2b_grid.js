// The B2B grid, enhanced (the page works without this file: every action is also a small form).
// Drag a meeting onto an empty table to move it, onto another meeting to swap the two, or onto
// "Take off the grid"; drag an unplaced request onto an empty table to place it. Each drop is one
// JSON request to the same services as the forms; what happened (or why not) is said in words in
// #b2b-status, then the grid, the counts and the unplaced list are read again from the page.
// While a solve runs, its progress is polled and the grid reloads when it is done. What the server
// answered when it is not what was asked (an error page) is said in its words (server_answer.js).
(function () {
  "use strict";

  var busy = false; // one change at a time: the next drop waits for the last answer
  var dragged = null;

  function grid() { return document.getElementById("b2b-grid"); }

  function say(text, kind, warnings) {
    var status = document.getElementById("b2b-status");
    if (!status) return;
    status.className = "alert mb-2 alert-" + kind;
    status.textContent = "";
    var line = document.createElement("p");
    line.className = "mb-0";
    line.textContent = text;
    status.appendChild(line);
    (warnings || []).forEach(function (warning) {
      var more = document.createElement("p");
      more.className = "mb-0 mt-1 text-warning-emphasis";
      more.textContent = "Warning: " + warning;
      status.appendChild(more);
    });
    if (warnings && warnings.length && kind === "success") status.className = "alert mb-2 alert-warning";
    status.hidden = false;
  }

  // A line under what the status says already: what went wrong after it (a change saved, then the
  // grid not read again).
  function sayAlso(text) {
    var status = document.getElementById("b2b-status");
    if (!status) return;
    if (status.hidden) status.textContent = "";
    var line = document.createElement("p");
    line.className = "mb-0 mt-1";
    line.textContent = text;
    status.appendChild(line);
    status.className = "alert mb-2 alert-danger";
    status.hidden = false;
  }

  function notReadAgain(problem) {
    sayAlso("The grid on this page could not be read again, so it may be out of date: " + problem + ". Reload the page.");
  }

  // Read the page again and put its fresh parts (grid, counts, unplaced, solver) in place.
  function refresh() {
    return fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          // An error page, or the sign-in page after the session ended, has none of the grid's parts.
          if (!response.ok || !fresh.querySelector("[data-b2b-part]")) {
            notReadAgain(window.serverAnswer.problem(response, html));
            return;
          }
          document.querySelectorAll("[data-b2b-part]").forEach(function (part) {
            var replacement = fresh.querySelector('[data-b2b-part="' + part.dataset.b2bPart + '"]');
            if (replacement) part.replaceWith(document.importNode(replacement, true));
          });
          document.dispatchEvent(new CustomEvent("b2b:refreshed"));
          watchSolve();
        });
      }, function () {
        notReadAgain(window.serverAnswer.unreachable().problem);
      });
  }

  function send(body) {
    var table = grid();
    busy = true;
    document.body.classList.add("b2b-saving");
    return fetch(table.dataset.jsonUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": table.dataset.csrfToken },
      body: JSON.stringify(body)
    })
      .then(window.serverAnswer.read, window.serverAnswer.unreachable)
      .then(function (result) {
        var answer = result.data;
        if (result.ok && answer.ok) say(answer.message, "success", answer.warnings);
        else if (answer && answer.error) say(answer.error, "danger");
        else say("Nothing was saved: " + result.problem + ". Reload the page and try again.", "danger");
        // Refused because the grid changed meanwhile (409) or the meeting is gone (404): show it as it is.
        var refused = answer && (result.status === 409 || result.status === 404);
        return result.ok || refused ? refresh() : null;
      })
      .finally(function () {
        busy = false;
        document.body.classList.remove("b2b-saving");
      });
  }

  function dropTarget(element) {
    return element && element.closest ? element.closest(".b2b-cell, [data-drop='remove']") : null;
  }

  function clearTargets() {
    document.querySelectorAll(".is-drop-target, .is-dragging").forEach(function (el) {
      el.classList.remove("is-drop-target", "is-dragging");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var meeting = event.target.closest && event.target.closest(".b2b-meeting[draggable='true']");
    var pair = !meeting && event.target.closest && event.target.closest(".b2b-unplaced [draggable='true']");
    if (!meeting && !pair) return;
    if (busy) {
      event.preventDefault();
      say("Wait a moment: the last change is still being saved.", "info");
      return;
    }
    if (meeting) {
      dragged = { kind: "meeting", id: meeting.dataset.placement, version: meeting.dataset.version };
      meeting.classList.add("is-dragging");
      document.querySelectorAll("[data-drop='remove']").forEach(function (zone) { zone.hidden = false; });
    } else {
      dragged = { kind: "pair", seller: pair.dataset.seller, buyer: pair.dataset.buyer };
    }
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.kind + ":" + (dragged.id || dragged.seller + "-" + dragged.buyer));
  });

  document.addEventListener("dragover", function (event) {
    var target = dropTarget(event.target);
    if (!dragged || !target) return;
    if (target.dataset.drop === "remove" && dragged.kind !== "meeting") return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!target.classList.contains("is-drop-target")) {
      clearTargets();
      target.classList.add("is-drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var target = dropTarget(event.target);
    var what = dragged;
    dragged = null;
    clearTargets();
    if (!what || !target) return;
    event.preventDefault();
    if (target.dataset.drop === "remove") {
      send({ action: "remove", placement: what.id, version: what.version });
      return;
    }
    var slot = Number(target.dataset.slot), table = Number(target.dataset.table);
    var other = target.querySelector(".b2b-meeting");
    if (what.kind === "pair") {
      if (other) { say("Drop a request on an empty table: this one is taken.", "danger"); return; }
      send({ action: "add", seller: what.seller, buyer: what.buyer, slot: slot, table: table });
    } else if (!other) {
      send({ action: "move", placement: what.id, version: what.version, slot: slot, table: table });
    } else if (other.dataset.placement !== what.id) {
      send({
        action: "swap", placement: what.id, version: what.version,
        other: other.dataset.placement, other_version: other.dataset.version
      });
    }
  });

  document.addEventListener("dragend", function () {
    dragged = null;
    clearTargets();
    document.querySelectorAll("[data-drop='remove']").forEach(function (zone) { zone.hidden = true; });
  });

  // The solver runs in the background: poll its state while it is queued or running. The polls
  // slow down while it runs (a long solve is asked less often), and an answer that is not its state
  // (an error page, no network) is tried again later each time and given up after a few tries, in
  // words, rather than asked about every few seconds for as long as the page stays open.
  var POLL_FIRST_MS = 1000;
  var POLL_MOST_MS = 5000; // between two polls of a solve that answers
  var TRIES = 5; // failed polls in a row before the page stops asking
  var polling = false;

  function solveLine(strongText, rest) {
    var line = document.getElementById("b2b-solve-state");
    if (!line) return;
    line.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = strongText;
    line.appendChild(strong);
    if (rest) line.appendChild(document.createTextNode(": " + rest));
  }

  function watchSolve() {
    var solve = document.getElementById("solve");
    if (polling || !solve || (solve.dataset.state !== "queued" && solve.dataset.state !== "running")) return;
    polling = true;
    var wait = POLL_FIRST_MS;
    var failed = 0;
    var tick = function () {
      fetch(solve.dataset.statusUrl, { credentials: "same-origin" })
        .then(window.serverAnswer.read, window.serverAnswer.unreachable)
        .then(function (result) {
          if (result.ok) {
            var status = result.data;
            failed = 0;
            solveLine(status.state_label, status.message);
            if (status.finished) {
              polling = false;
              refresh();
              return;
            }
            wait = Math.min(wait * 1.5, POLL_MOST_MS);
          } else {
            failed += 1;
            if (failed >= TRIES) {
              polling = false;
              solveLine(
                "Stopped checking the solve",
                TRIES + " tries in a row failed, the last because " + result.problem + ". Reload the page to see where it is."
              );
              return;
            }
            wait = POLL_FIRST_MS * Math.pow(2, failed);
            solveLine(
              "Could not check the solve",
              result.problem + ". Trying again in " + wait / 1000 + " s (try " + (failed + 1) + " of " + TRIES + ")."
            );
          }
          window.setTimeout(tick, wait);
        });
    };
    window.setTimeout(tick, wait);
  }

  document.addEventListener("DOMContentLoaded", watchSolve);
})();
