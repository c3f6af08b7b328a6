/* The status board refreshes itself: it polls the JSON API (health summary and the
 * integration list) and the console's event-feed fragment, updates the cards in place
 * (no full reload), and says how old its data is. No dependencies, no CDN. */
(function () {
  "use strict";

  var board = document.getElementById("hd-board");
  if (!board) {
    return;
  }
  var colours = JSON.parse(document.getElementById("hd-badge-colours").textContent);
  var intervalMs = Number(board.dataset.interval || 10) * 1000;
  var age = document.getElementById("hd-age");
  var updatedAt = Date.now();
  var failure = null;
  var busy = false;

  function percent(share) {
    return share === null || share === undefined ? "—" : (share * 100).toFixed(2) + " %";
  }

  function ms(value) {
    return value === null || value === undefined ? "—" : Math.round(value).toLocaleString("en") + " ms";
  }

  function since(iso) {
    var seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 90) {
      return seconds + " s ago";
    }
    if (seconds < 5400) {
      return Math.round(seconds / 60) + " min ago";
    }
    return Math.round(seconds / 3600) + " h ago";
  }

  function setBadge(holder, value, label) {
    var pill = holder.querySelector(".hd-badge");
    if (!pill) {
      return;
    }
    pill.textContent = label || value;
    pill.style.background = colours[value] || "#57606a";
  }

  function setText(card, field, text) {
    var el = card.querySelector('[data-field="' + field + '"]');
    if (el && el.textContent !== text) {
      el.textContent = text;
    }
    return el;
  }

  function incidentCell(card, incident) {
    var cell = card.querySelector('[data-field="incident"]');
    if (!cell) {
      return;
    }
    cell.textContent = "";
    if (!incident) {
      cell.textContent = "none";
      return;
    }
    var link = document.createElement("a");
    link.href = board.dataset.incidentUrl.replace(/\/0\/$/, "/" + incident.id + "/");
    link.textContent = "#" + incident.id + " " + incident.status;
    cell.appendChild(link);
  }

  function updateCard(row) {
    var card = board.querySelector('[data-slug="' + CSS.escape(row.slug) + '"]');
    if (!card) {
      return;
    }
    card.className = card.className.replace(/hd-st-\S+/, "hd-st-" + row.status);
    setBadge(card.querySelector('[data-field="status"]'), row.status);
    setText(card, "mode", row.mode).className = "hd-mode-" + row.mode;
    setText(card, "latency", ms(row.last_latency_ms));
    setText(card, "avail24", percent((row.availability || {})["24h"]));
    setText(card, "avail30", percent((row.availability || {})["30d"]));
    setText(card, "circuit", (row.circuit || {}).state || "—");
    var headroom = (row.rate_limit || {}).headroom;
    setText(card, "headroom", headroom === null || headroom === undefined ? "—" : Math.round(headroom * 100) + " %");
    incidentCell(card, row.open_incident);
    var probed = card.querySelector('[data-field="probed"]');
    if (probed && row.last_probe_at) {
      probed.dataset.since = row.last_probe_at;
      probed.setAttribute("datetime", row.last_probe_at);
    }
  }

  function updateTotals(summary) {
    var values = {
      open_incidents: summary.open_incidents,
      pending_approvals: summary.pending_approvals,
      down: summary.counts.down,
      degraded: summary.counts.degraded,
      ok: summary.counts.ok
    };
    Object.keys(values).forEach(function (key) {
      var el = board.querySelector('[data-total="' + key + '"]');
      if (el && el.textContent !== String(values[key])) {
        el.textContent = String(values[key]);
      }
    });
    setBadge(board.querySelector('[data-total="overall"]'), summary.overall);
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      }
    );
  }

  function getFeed() {
    return fetch(board.dataset.feedUrl, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        throw new Error("feed HTTP " + response.status);
      }
      return response.text();
    });
  }

  function tick() {
    var seconds = Math.max(0, Math.round((Date.now() - updatedAt) / 1000));
    var text = "updated " + seconds + " s ago";
    if (failure) {
      text += " — the last refresh failed (" + failure + ")";
    }
    age.textContent = text;
    age.classList.toggle("hd-stale", Boolean(failure) || seconds * 1000 > 3 * intervalMs);
    board.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = since(el.dataset.since);
    });
  }

  function refresh() {
    if (busy) {
      return;
    }
    busy = true;
    Promise.all([
      getJSON(board.dataset.summaryUrl),
      getJSON(board.dataset.integrationsUrl),
      getFeed()
    ])
      .then(function (answers) {
        updateTotals(answers[0]);
        answers[1].results.forEach(updateCard);
        document.getElementById("hd-feed").innerHTML = answers[2];
        updatedAt = Date.now();
        failure = null;
        board.dataset.refreshed = String(updatedAt);
      })
      .catch(function (error) {
        failure = error.message;
      })
      .then(function () {
        busy = false;
        tick();
      });
  }

  document.getElementById("hd-refresh").addEventListener("click", refresh);
  setInterval(function () {
    if (document.visibilityState !== "hidden") {
      refresh();
    }
  }, intervalMs);
  setInterval(tick, 1000);
  tick();
})();
