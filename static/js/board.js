// The planning board (templates/itinerary/board.html, itinerary/board.py).
//
// The server sends naive local wall-clock times; every column shows the same anchor date, so the
// grid's hours are wall-clock hours and the browser's own zone never matters (timeZone: "UTC"
// keeps the browser's daylight saving out of it). A block's real day is its column's date.
(function () {
  "use strict";

  var root = document.getElementById("board");
  if (!root || typeof EventCalendar === "undefined" || !window.serverAnswer) return;

  var header = document.getElementById("board-header");
  var status = document.getElementById("board-status");
  var undoButton = document.getElementById("board-undo");
  var viewSelect = document.getElementById("board-view");
  var dayPicker = document.getElementById("board-day-picker");
  var daySelect = document.getElementById("board-day");
  var DAY = 24 * 60 * 60 * 1000;

  var data = null; // {days, anchor, blocks, members, conflicts}
  var calendar = null;
  var undoStack = []; // {key, body}: where an item was before a move of this session, as a move sends it
  var busy = false;

  function say(text, kind) {
    status.hidden = !text;
    status.textContent = text || "";
    status.className = "alert mb-2 alert-" + (kind || "info");
    status.setAttribute("role", kind === "danger" || kind === "warning" ? "alert" : "status");
  }

  // A Date on the grid and its column's date → the local wall clock "2016-10-26T11:30".
  function wallClock(moment, dayIso) {
    var offset = moment.getTime() - Date.parse(data.anchor + "T00:00:00Z");
    return new Date(Date.parse(dayIso + "T00:00:00Z") + offset).toISOString().slice(0, 16);
  }

  function badge(text, className, title) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    if (title) span.title = title;
    return span;
  }

  function content(info) {
    var props = info.event.extendedProps;
    var nodes = [];
    var found = data.conflicts[props.key] || [];
    if (found.length) {
      nodes.push(badge("⚠ " + found.length, "board-badge", found.join("\n")));
    }
    if (props.status !== "confirmed") nodes.push(badge(props.status, "board-status-label"));
    nodes.push(badge(info.event.title, "board-title"));
    nodes.push(badge(props.time, "board-time"));
    return { domNodes: nodes };
  }

  function byDayEvents() {
    return data.blocks;
  }

  // Members as columns on one day: each block once per member attending (no attendees: everyone),
  // so two blocks side by side in one column are a double booking.
  function byMemberEvents(dayIso) {
    var everyone = data.members.map(function (m) { return String(m.id); });
    return data.blocks
      .filter(function (block) { return block.resourceIds[0] === dayIso; })
      .map(function (block) {
        var ids = block.extendedProps.attendees.length
          ? block.extendedProps.attendees.map(String) : everyone;
        // Read only: a member's column is not a day, so a drop there would have no date.
        return Object.assign({}, block, {
          id: block.id + "-members", resourceIds: ids, editable: false, startEditable: false, durationEditable: false,
        });
      });
  }

  function render() {
    var byMember = viewSelect.value === "members";
    dayPicker.hidden = !byMember;
    var resources = byMember
      ? data.members.map(function (m) { return { id: String(m.id), title: m.title }; })
      : data.days.map(function (day) {
          var zones = day.zones.length ? day.zones.join(" / ") : "";
          return { id: day.id, title: day.title + " · " + day.route + (zones ? " · " + zones : "") };
        });
    var events = byMember ? byMemberEvents(daySelect.value) : byDayEvents();
    calendar.setOption("resources", resources);
    calendar.setOption("events", events);
    calendar.setOption("selectable", !byMember);
  }

  // The "N changes not yet published" banner (base.html) as the server has it after a move:
  // replaced, put above the board's heading where the page would have it, or gone when nothing is
  // left to publish (an undo back to the release).
  function showUnpublished(html) {
    if (typeof html !== "string") return;
    var current = document.getElementById("unpublished");
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fresh = holder.querySelector("#unpublished");
    if (current && fresh) current.replaceWith(fresh);
    else if (current) current.remove();
    else if (fresh) header.before(fresh);
  }

  function replaceBlocks(answer) {
    data.blocks = data.blocks
      .filter(function (block) { return block.extendedProps.key !== answer.key; })
      .concat(answer.blocks);
    data.conflicts = answer.conflicts;
    render();
  }

  function post(body) {
    return fetch(root.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrfToken },
      body: JSON.stringify(body),
    }).then(window.serverAnswer.read, window.serverAnswer.unreachable);
  }

  // Where a block says its item is, as the server reads it: the start alone when a drop keeps the
  // item's length (a leg's flight time, a meeting past midnight), the start and end after a resize,
  // and only the landing for a leg's block on the day it lands (in the destination's clock).
  function times(event, dayIso, resized) {
    var props = event.extendedProps;
    if (props.arrival) return { arrives: wallClock(event.end, dayIso) };
    return {
      start: wallClock(event.start, dayIso),
      end: resized || !props.keepsLength ? wallClock(event.end, dayIso) : null,
    };
  }

  // Whether a drag ended with the pointer over the days' columns, as far as they are in view. The
  // calendar reads a time from the pointer's height wherever it is released (over the toolbar above
  // the grid, that is the evening before the column's day): anywhere else is no place on the board.
  function overGrid(jsEvent) {
    var under = document.elementFromPoint(jsEvent.clientX, jsEvent.clientY);
    return Boolean(under && root.contains(under) && under.closest(".ec-body") && !under.closest(".ec-sidebar"));
  }

  var releasedOutside = false; // set when a drag or a resize stops, read by the drop that follows

  function dragStopped(info) {
    releasedOutside = !overGrid(info.jsEvent);
  }

  // One move to the server: the block's new wall clock with the version it was loaded at.
  function move(info, resized) {
    if (releasedOutside) {
      info.revert();
      say("Released outside the board: nothing moved.", "info");
      return;
    }
    // A block grabbed low and pulled up to the top of its column would start the evening before:
    // the calendar does not stop it there, so the board does.
    var midnight = Date.parse(data.anchor + "T00:00:00Z");
    if (!resized && info.event.start.getTime() < midnight) {
      info.revert();
      say("That drop would start “" + info.event.title + "” before midnight, on the day before its column: nothing moved.", "info");
      return;
    }
    if (busy) {
      // The block's version comes back with the answer to the move in flight: a second move sent
      // now would carry the old one and be refused as if someone else had changed it.
      info.revert();
      say("One move at a time: the last one is still being saved. Try again in a moment.", "info");
      return;
    }
    var event = info.event;
    var props = event.extendedProps;
    var day = event.resourceIds[0];
    var oldDay = (info.oldEvent.resourceIds || [day])[0];
    var item = { kind: props.kind, pk: props.pk };
    var body = Object.assign({ version: props.version }, item, times(event, day, resized));
    var before = { key: props.key, body: Object.assign({}, item, times(info.oldEvent, oldDay, resized)) };
    send(body, before, info.revert);
  }

  function send(body, before, revert) {
    busy = true;
    say("Saving…", "info");
    post(body)
      .then(function (result) {
        var answer = result.data;
        if (result.ok) {
          replaceBlocks(answer);
          showUnpublished(answer.unpublished);
          if (before) undoStack.push(before);
          var found = answer.itemConflicts.length;
          say(
            (before ? "Saved: " : "Undone: ") + answer.blocks[0].title + ", " + answer.blocks[0].extendedProps.time +
              (found ? ". Conflicts: " + answer.itemConflicts.join(" ") : "."),
            found ? "warning" : "success"
          );
        } else if (result.status === 409 && answer) {
          replaceBlocks(answer); // the block goes back to where the other person left it
          showUnpublished(answer.unpublished);
          say(answer.error, "danger");
        } else {
          if (revert) revert();
          else render();
          var why = answer && answer.error;
          say(why || "The move was not saved: " + result.problem + ". Reload the page and try again.", "danger");
        }
      })
      .finally(function () {
        busy = false;
        undoButton.disabled = undoStack.length === 0;
      });
  }

  function undo() {
    if (busy || !undoStack.length) return;
    var last = undoStack.pop();
    var block = data.blocks.find(function (b) {
      return b.extendedProps.key === last.key && b.extendedProps.status !== "cancelled";
    });
    if (!block) {
      say("That item can no longer be moved here; open it from the schedule.", "danger");
      undoButton.disabled = undoStack.length === 0;
      return;
    }
    send(Object.assign({ version: block.extendedProps.version }, last.body), null, null);
  }

  function create(info) {
    var day = info.resource.id;
    var dayInfo = data.days.find(function (d) { return d.id === day; });
    var query = new URLSearchParams({ starts_at: wallClock(info.start, day), ends_at: wallClock(info.end, day) });
    if (dayInfo && dayInfo.cityId) query.set("city", dayInfo.cityId);
    window.location.href = root.dataset.createUrl + "?" + query.toString();
  }

  function start(loaded) {
    data = loaded;
    document.getElementById("board-loading").remove();
    data.days.forEach(function (day) {
      var option = document.createElement("option");
      option.value = day.id;
      option.textContent = day.title + " · " + day.route;
      daySelect.appendChild(option);
    });
    calendar = EventCalendar.create(root, {
      view: "resourceTimeGridDay",
      timeZone: "UTC",
      date: data.anchor,
      headerToolbar: { start: "", center: "", end: "" },
      allDaySlot: false,
      dayHeaderFormat: function () { return ""; },
      slotDuration: "00:30",
      snapDuration: "00:15",
      slotHeight: 28,
      scrollTime: "07:00",
      height: "720px",
      slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      editable: true,
      eventResourceEditable: true,
      selectable: true,
      unselectAuto: true,
      resources: [],
      events: [],
      eventContent: content,
      eventDragStop: dragStopped,
      eventResizeStop: dragStopped,
      eventDrop: function (info) { move(info, false); },
      eventResize: function (info) { move(info, true); },
      eventClick: function (info) {
        if (info.jsEvent.target.closest(".ec-resizer")) return;
        window.location.href = info.event.extendedProps.editUrl;
      },
      select: create,
    });
    render();
    say("", null);
  }

  viewSelect.addEventListener("change", render);
  daySelect.addEventListener("change", render);
  undoButton.addEventListener("click", undo);
  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "z" || event.shiftKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    event.preventDefault();
    undo();
  });

  fetch(root.dataset.dataUrl, { credentials: "same-origin" })
    .then(window.serverAnswer.read, window.serverAnswer.unreachable)
    .then(function (result) {
      if (result.ok) start(result.data);
      else say("The board could not be loaded: " + result.problem + ". The schedule page has everything.", "danger");
    });
})();
