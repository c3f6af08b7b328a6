/* The status board refreshes itself: it polls the JSON API (health summary, the
 * integration list, the open findings) and the console's event-feed fragment, updates
 * the cards and the findings panel in place (no full reload), and says how old its data
 * is. A card's status agrees with its incidents as board.py's card_status does: with a
 * SEV1/SEV2 open it says "incident", never ok (only down outranks it). No dependencies,
 * no CDN. */
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
  var SERIOUS = 2; // selectors.SERIOUS_SEVERITY
  var SHOWN = ["critical", "warning"];
  var KIND_BADGE = { critical: "fail", warning: "degraded" };
  var kindsEl = document.getElementById("hd-finding-kinds");
  var KINDS = kindsEl ? JSON.parse(kindsEl.textContent) : {};

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

  // The vendor's pause, worded as the server words it (hotdash/console/board.py pause_label,
  // times in UTC as the server's TIME_ZONE); the row shows only while a pause runs.
  function pauseCell(card, pause) {
    var text = "";
    if (pause) {
      var left = Math.max(1, Math.round(pause.seconds_left / 60));
      text = "paused by the vendor until " + new Date(pause.until).toISOString().slice(11, 16) +
        ", " + left + " min left";
    }
    var cell = setText(card, "pause", text);
    if (cell) {
      cell.hidden = !pause;
      cell.previousElementSibling.hidden = !pause;
    }
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
    link.textContent = "#" + incident.id + " SEV" + incident.severity + " " + incident.status;
    cell.appendChild(link);
  }

  function cardStatus(status, incident) {
    var worst = incident ? incident.worst_severity || incident.severity : null;
    if (worst !== null && worst <= SERIOUS && status !== "down") {
      return { status: "incident", badge: "open", label: "SEV" + worst + " incident" };
    }
    return { status: status, badge: status, label: status };
  }

  function makeBadge(value, label) {
    var pill = document.createElement("span");
    pill.className = "hd-badge";
    pill.style.cssText = "color:#fff;padding:1px 8px;border-radius:10px;font-weight:600;white-space:nowrap";
    pill.style.background = colours[value] || "#57606a";
    pill.textContent = label;
    return pill;
  }

  function integrationUrl(slug) {
    return board.dataset.integrationUrl.replace(/\/slug\/$/, "/" + encodeURIComponent(slug) + "/");
  }

  function findingsCell(card, counts) {
    var cell = card.querySelector('[data-field="findings"]');
    if (!cell) {
      return;
    }
    var parts = SHOWN.filter(function (s) {
      return counts && counts[s];
    }).map(function (s) {
      return counts[s] + " " + s;
    });
    cell.textContent = "";
    if (!parts.length) {
      cell.textContent = "none";
      return;
    }
    var link = document.createElement("a");
    link.href = integrationUrl(card.dataset.slug) + "#findings";
    link.textContent = parts.join(", ");
    cell.appendChild(link);
  }

  function updateFindings(findings) {
    var shown = findings.filter(function (f) {
      return SHOWN.indexOf(f.severity) !== -1;
    });
    var counts = {};
    shown.forEach(function (f) {
      if (f.integration) {
        counts[f.integration] = counts[f.integration] || {};
        counts[f.integration][f.severity] = (counts[f.integration][f.severity] || 0) + 1;
      }
    });
    board.querySelectorAll(".hd-card[data-slug]").forEach(function (card) {
      findingsCell(card, counts[card.dataset.slug]);
    });
    var total = board.querySelector('[data-total="findings"]');
    if (total) {
      total.textContent = String(shown.length);
    }
    var list = document.getElementById("hd-findings");
    if (!list) {
      return;
    }
    shown.sort(function (a, b) {
      return SHOWN.indexOf(a.severity) - SHOWN.indexOf(b.severity) || Date.parse(b.last_seen_at) - Date.parse(a.last_seen_at);
    });
    list.textContent = "";
    shown.slice(0, 20).forEach(function (f) {
      var item = document.createElement("li");
      item.dataset.finding = String(f.id);
      item.appendChild(makeBadge(KIND_BADGE[f.severity], f.severity));
      var kind = document.createElement("span");
      kind.className = "hd-feed-kind";
      kind.textContent = " " + (KINDS[f.kind] || f.kind) + " ";
      item.appendChild(kind);
      if (f.integration) {
        var link = document.createElement("a");
        link.href = integrationUrl(f.integration) + "#findings";
        link.textContent = f.integration;
        item.appendChild(link);
        item.appendChild(document.createTextNode(": "));
      }
      item.appendChild(document.createTextNode(f.title + " "));
      var seen = document.createElement("time");
      seen.dataset.since = f.last_seen_at;
      seen.setAttribute("datetime", f.last_seen_at);
      seen.textContent = since(f.last_seen_at);
      var muted = document.createElement("span");
      muted.className = "hd-muted";
      muted.appendChild(document.createTextNode("(last seen "));
      muted.appendChild(seen);
      muted.appendChild(document.createTextNode(")"));
      item.appendChild(muted);
      list.appendChild(item);
    });
    if (!shown.length) {
      var none = document.createElement("li");
      none.textContent = "No open warning or critical findings.";
      list.appendChild(none);
    }
  }

  function updateCard(row) {
    var card = board.querySelector('[data-slug="' + CSS.escape(row.slug) + '"]');
    if (!card) {
      return;
    }
    var shown = cardStatus(row.status, row.open_incident);
    card.className = card.className.replace(/hd-st-\S+/, "hd-st-" + shown.status);
    setBadge(card.querySelector('[data-field="status"]'), shown.badge, shown.label);
    setText(card, "mode", row.mode).className = "hd-mode-" + row.mode;
    setText(card, "latency", ms(row.last_latency_ms));
    setText(card, "avail24", percent((row.availability || {})["24h"]));
    setText(card, "avail30", percent((row.availability || {})["30d"]));
    setText(card, "circuit", (row.circuit || {}).state || "—");
    var headroom = (row.rate_limit || {}).headroom;
    setText(card, "headroom", headroom === null || headroom === undefined ? "—" : Math.round(headroom * 100) + " %");
    pauseCell(card, row.vendor_pause);
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
      getFeed(),
      getJSON(board.dataset.findingsUrl)
    ])
      .then(function (answers) {
        updateTotals(answers[0]);
        answers[1].results.forEach(updateCard);
        document.getElementById("hd-feed").innerHTML = answers[2];
        updateFindings(answers[3].results);
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
